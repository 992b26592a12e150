"""Download bars (and perpetual funding rates) from a gateway's history service (QMT, Binance) into
the database, off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6 import QtCore, QtWidgets
from vnpy.trader.engine import MainEngine

from lianghua_app.formatting import interval_words
from lianghua_app.i18n import tr
from lianghua_app.markets import clock_of
from lianghua_app.ui.worker import ProgressRelay, run_in_background

from .engine import DataManagerEngine, DownloadReport

EXAMPLES = {"QMT": "600000.SSE,000001.SZSE", "BINANCE": "BTCUSDT.GLOBAL,ETHUSDT.GLOBAL"}


class DownloadPanel(QtWidgets.QGroupBox):
    def __init__(self, main_engine: MainEngine, engine: DataManagerEngine, report: QtWidgets.QPlainTextEdit,
                 on_saved: Callable[[], None]) -> None:
        super().__init__(tr("从接口下载"))
        self.main_engine = main_engine
        self.engine = engine
        self.report = report
        self.on_saved = on_saved
        self.task = None
        self.relay = ProgressRelay()
        self.relay.changed.connect(self.show_progress)
        self.gateway_combo = QtWidgets.QComboBox()
        self.gateway_combo.addItems([n for n, g in main_engine.gateways.items() if hasattr(g, "download_intervals")])
        self.symbols_edit = QtWidgets.QLineEdit()
        self.interval_combo = QtWidgets.QComboBox()
        self.gateway_combo.currentTextChanged.connect(self.gateway_chosen)
        self.gateway_chosen(self.gateway_combo.currentText())
        today = QtCore.QDate.currentDate()
        self.start_edit = QtWidgets.QDateEdit(today.addYears(-1))
        self.end_edit = QtWidgets.QDateEdit(today)
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.button = QtWidgets.QPushButton(tr("下载"))
        self.button.clicked.connect(self.start)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 1)
        form = QtWidgets.QFormLayout(self)
        form.addRow(tr("接口"), self.gateway_combo)
        form.addRow(tr("代码"), self.symbols_edit)
        form.addRow(tr("周期"), self.interval_combo)
        form.addRow(tr("开始"), self.start_edit)
        form.addRow(tr("结束"), self.end_edit)
        form.addRow(self.button, self.progress)

    def gateway_chosen(self, name: str) -> None:
        gateway = self.main_engine.gateways.get(name)
        self.interval_combo.clear()
        for interval in getattr(gateway, "download_intervals", ()):
            self.interval_combo.addItem(interval_words(interval), interval)
        self.symbols_edit.setPlaceholderText(EXAMPLES.get(name, "600000.SSE,000001.SZSE"))

    def start(self) -> None:
        gateway = self.gateway_combo.currentText()
        symbols = [s.strip() for s in self.symbols_edit.text().replace("，", ",").split(",") if s.strip()]
        if not gateway or not symbols:
            self.report.setPlainText(tr("请选择接口并填写代码，多个代码用逗号分隔"))
            return
        interval = self.interval_combo.currentData()
        zone = clock_of(self.main_engine.gateways[gateway].exchanges[0])     # crypto days are UTC days
        start = datetime.combine(self.start_edit.date().toPython(), datetime.min.time(), zone)
        end = datetime.combine(self.end_edit.date().toPython(), datetime.max.time(), zone)
        self.button.setEnabled(False)
        self.progress.setRange(0, len(symbols))
        self.progress.setValue(0)
        self.report.setPlainText(tr("正在从{gateway}下载{count}个代码……", gateway=gateway, count=len(symbols)))
        self.task = run_in_background(
            lambda: self.engine.download(gateway, symbols, interval, start, end, self.relay.report),
            self.done, self.failed)

    def show_progress(self, done: int, total: int, symbol: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        if symbol:
            self.progress.setFormat(f"%v/%m {symbol}")

    def done(self, report: DownloadReport) -> None:
        self.button.setEnabled(True)
        self.progress.setFormat("%v/%m")
        self.report.setPlainText(report.summary())
        self.on_saved()

    def failed(self, message: str) -> None:
        self.button.setEnabled(True)
        self.report.setPlainText(message)
