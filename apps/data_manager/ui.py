"""Data dock: what bars are stored, CSV import and gateway downloads, all off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets
from vnpy.event import EventEngine
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.engine import MainEngine

from lianghua_app.formatting import interval_words
from lianghua_app.i18n import tr
from lianghua_app.ui.tables import RecordTable
from lianghua_app.ui.worker import run_in_background

from .download_panel import DownloadPanel
from .engine import APP_NAME, DataManagerEngine, ImportReport, overview_time

OVERVIEW_HEADERS = ("代码", "交易所", "周期", "数量", "开始", "结束")
EXCHANGES = (Exchange.SSE, Exchange.SZSE, Exchange.BSE, Exchange.GLOBAL)
INTERVALS = (Interval.DAILY, Interval.MINUTE, Interval.HOUR, Interval.WEEKLY)


class DataManagerWidget(QtWidgets.QWidget):
    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__()
        self.main_engine = main_engine
        self.engine: DataManagerEngine = main_engine.get_engine(APP_NAME)
        self.task = None
        self.overviews = []
        self.file_edit = QtWidgets.QLineEdit()
        browse = QtWidgets.QPushButton(tr("选择文件"))
        browse.clicked.connect(self.choose_file)
        self.symbol_edit = QtWidgets.QLineEdit()
        self.symbol_edit.setPlaceholderText("000001")
        self.exchange_combo = QtWidgets.QComboBox()
        self.exchange_combo.addItems([e.value for e in EXCHANGES])
        self.interval_combo = QtWidgets.QComboBox()
        self.interval_combo.addItems([i.value for i in INTERVALS])
        self.skip_bad = QtWidgets.QCheckBox(tr("跳过问题行"))
        self.import_button = QtWidgets.QPushButton(tr("导入"))
        self.import_button.clicked.connect(self.start_import)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 1)
        self.report = QtWidgets.QPlainTextEdit()
        self.report.setReadOnly(True)
        self.overview = RecordTable([tr(h) for h in OVERVIEW_HEADERS])
        refresh = QtWidgets.QPushButton(tr("刷新"))
        refresh.clicked.connect(self.refresh)
        self.speed_spin = QtWidgets.QSpinBox()
        self.speed_spin.setRange(1, 1000)
        self.speed_spin.setValue(4)
        self.speed_spin.setSuffix(tr(" 笔/推送"))
        self.replay_button = QtWidgets.QPushButton(tr("在模拟接口回放选中数据"))
        self.replay_button.clicked.connect(self.start_replay)

        form = QtWidgets.QFormLayout()
        file_row = QtWidgets.QHBoxLayout()
        file_row.addWidget(self.file_edit)
        file_row.addWidget(browse)
        form.addRow(tr("CSV文件"), file_row)
        form.addRow(tr("代码"), self.symbol_edit)
        form.addRow(tr("交易所"), self.exchange_combo)
        form.addRow(tr("周期"), self.interval_combo)
        form.addRow(self.skip_bad, self.import_button)
        form.addRow(self.progress)
        self.download = DownloadPanel(main_engine, self.engine, self.report, self.refresh)
        left = QtWidgets.QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.download)
        left.addWidget(self.report)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(self.overview)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(refresh)
        buttons.addWidget(QtWidgets.QLabel(tr("回放速度")))
        buttons.addWidget(self.speed_spin)
        buttons.addWidget(self.replay_button)
        right.addLayout(buttons)
        layout = QtWidgets.QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 2)
        self.refresh()

    def choose_file(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, tr("选择CSV文件"), "", "CSV (*.csv)")
        if path:
            self.file_edit.setText(path)
            if not self.symbol_edit.text():
                self.symbol_edit.setText(Path(path).stem.split(".")[0].split("-")[0])

    def start_import(self) -> None:
        path = Path(self.file_edit.text().strip())
        symbol = self.symbol_edit.text().strip()
        if not path.is_file() or not symbol:
            self.report.setPlainText(tr("请选择存在的CSV文件并填写代码"))
            return
        exchange = Exchange(self.exchange_combo.currentText())
        interval = Interval(self.interval_combo.currentText())
        skip = self.skip_bad.isChecked()
        self.import_button.setEnabled(False)
        self.progress.setRange(0, 0)  # busy until the worker reports
        self.report.setPlainText(tr("正在导入{name}……", name=path.name))
        self.task = run_in_background(lambda: self.engine.import_csv(path, symbol, exchange, interval, skip),
                                      self.import_done, self.import_failed)

    def import_done(self, report: ImportReport) -> None:
        self._idle()
        self.report.setPlainText(report.summary())
        self.refresh()

    def import_failed(self, message: str) -> None:
        self._idle()
        self.report.setPlainText(message)

    def _idle(self) -> None:
        self.replay_button.setEnabled(True)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.import_button.setEnabled(True)

    def refresh(self) -> None:
        self.overviews = self.engine.overview()
        self.overview.set_rows([
            (o.symbol, o.exchange.value, interval_words(o.interval), f"{o.count:,}", overview_time(o.start, o.interval),
             overview_time(o.end, o.interval)) for o in self.overviews], self.overviews)

    def start_replay(self) -> None:
        """Replay the selected stored series as SIM quotes; loading runs off the GUI thread."""
        gateway = self.main_engine.gateways.get("SIM")
        row = self.overview.currentRow()
        if gateway is None or row < 0:
            self.report.setPlainText(tr("请先在右侧表格中选中要回放的数据"))
            return
        chosen = self.overview.record(row)
        speed = self.speed_spin.value()
        self.replay_button.setEnabled(False)
        self.task = run_in_background(
            lambda: gateway.start_replay(chosen.symbol, chosen.exchange, chosen.interval, chosen.start,
                                         chosen.end, speed),
            self.replay_started, self.import_failed)

    def replay_started(self, count: int) -> None:
        self.replay_button.setEnabled(True)
        self.report.setPlainText(tr("模拟接口开始回放{count}根K线", count=count) if count
                                 else tr("所选区间没有数据"))
