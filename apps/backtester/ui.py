"""Backtester dock: set a run up, run it off the GUI thread, read and export the results."""

from __future__ import annotations

from pathlib import Path
from threading import Event

from PySide6 import QtCore, QtGui, QtWidgets
from vnpy.event import EventEngine
from vnpy.trader.engine import MainEngine

from lianghua_app.events import EVENT_STRATEGY_FILES
from lianghua_app.i18n import tr
from lianghua_app.setting_versions import versions
from lianghua_app.ui.setup_form import RunDock, RunSetupForm, scroll_panel
from lianghua_app.ui.tables import RecordTable
from lianghua_app.ui.worker import ProgressRelay, run_in_background

from . import labels
from .charts import CandleChart, ResultCharts
from .engine import APP_NAME, BacktestConfig, BacktesterEngine, BacktestResult, write_daily, write_trades
from .params import ParameterForm
from .report import write_html


def _png(widget: QtWidgets.QWidget) -> bytes:
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    widget.grab().save(buffer, "PNG")
    return bytes(buffer.data())


class BacktesterWidget(RunDock, QtWidgets.QWidget):
    title = "回测"
    finished = QtCore.Signal()                  # a run ended: result, error or cancel
    strategies_changed = QtCore.Signal(object)

    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__()
        self.engine: BacktesterEngine = main_engine.get_engine(APP_NAME)
        self.result: BacktestResult | None = None
        self.config: BacktestConfig | None = None
        self.cancel_event: Event | None = None
        self.error_box: QtWidgets.QMessageBox | None = None
        self.relay = ProgressRelay()
        self.relay.changed.connect(self._progress)
        self._build_form()
        self._build_results()
        layout = QtWidgets.QHBoxLayout(self)
        splitter = QtWidgets.QSplitter()
        splitter.addWidget(self.form_panel)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter)
        self.strategies_changed.connect(lambda _: self.refresh_strategies())
        event_engine.register(EVENT_STRATEGY_FILES, self.strategies_changed.emit)
        self.refresh_strategies()
        self.refresh_symbols()

    # --- set-up ------------------------------------------------------------------------------------
    def _build_form(self) -> None:
        self.strategy_combo = QtWidgets.QComboBox()
        self.strategy_combo.currentTextChanged.connect(self._strategy_chosen)
        self.params = ParameterForm()
        self.version_combo = QtWidgets.QComboBox()
        self.version_combo.activated.connect(self._version_chosen)
        self.setup = RunSetupForm()
        self.setup.refresh_button.clicked.connect(self.refresh_symbols)
        self.symbol_combo, self.rules_combo = self.setup.symbol_combo, self.setup.rules_combo
        self._build_run_controls(tr("开始回测"))
        form = QtWidgets.QFormLayout()
        form.addRow(tr("策略"), self.strategy_combo)
        form.addRow(tr("参数版本"), self.version_combo)
        form.addRow(self.params)
        form.addRow(self.setup)
        self.form_panel = scroll_panel(form, self.run_button, self.cancel_button, self.progress_bar,
                                       self.status_label)

    def _strategy_chosen(self, name: str) -> None:
        self.params.show_strategy(self.engine.strategy_classes().get(name))
        self.version_combo.clear()
        self.version_combo.addItem(tr("策略默认值"), None)
        for saved in versions(name):
            self.version_combo.addItem(saved.label, saved.setting)

    def _version_chosen(self, index: int) -> None:
        """A saved version (e.g. applied from an optimisation) fills the editors."""
        setting = self.version_combo.itemData(index)
        if setting is None:
            self.params.show_strategy(self.engine.strategy_classes().get(self.strategy_combo.currentText()))
            return
        for name, value in setting.items():
            if name in self.params.editors:
                self.params.set_value(name, value)

    def refresh_symbols(self) -> None:
        self.setup.show_overview(self.engine.overview())

    def _symbol_chosen(self, index: int) -> None:
        self.setup.symbol_chosen(index)

    def current_config(self) -> BacktestConfig:
        return BacktestConfig(**self.setup.fields(self.strategy_combo.currentText(), self.params.values()))

    # --- running -----------------------------------------------------------------------------------
    def start(self) -> None:
        config = self.current_config()
        problem = self._check(config)
        if problem:
            self._show_error(problem)
            return
        self.config = config
        self.cancel_event = Event()
        cancel = self.cancel_event
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_bar.setValue(0)
        self.status_label.setText(tr("回测运行中…"))
        run_in_background(lambda: self.engine.run(config, self.relay.report, cancel), self._done, self._failed)

    def _check(self, config: BacktestConfig) -> str:
        if not config.strategy:
            return tr("请先选择策略；把策略文件放进 strategies 文件夹即可出现在列表中")
        if not config.vt_symbol:
            return tr("请填写代码，如 000001.SZSE，或从列表中选择已有数据")
        if config.end <= config.start:
            return tr("结束日期须晚于开始日期")
        return ""

    def cancel(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()
            self.status_label.setText(tr("正在取消…"))

    def _progress(self, done: int, total: int, label: str) -> None:
        self.progress_bar.setMaximum(max(total, 1))
        self.progress_bar.setValue(done)

    def _done(self, result: BacktestResult) -> None:
        self._idle()
        self.result = result
        stats = result.statistics
        self.status_label.setText(tr("完成：{bars}根K线，{trades}笔成交，总收益{ret:.2f}%", bars=result.bar_count,
                                     trades=len(result.trades), ret=stats.get("total_return", 0.0)))
        self.show_result(result)
        explanation = labels.no_trade_reason(result)
        if explanation:
            self.status_label.setText(explanation)
            if result.notes:
                self.tabs.setCurrentWidget(self.notes_table)
        self.finished.emit()

    # --- results -----------------------------------------------------------------------------------
    def _build_results(self) -> None:
        self.stats_table = RecordTable([tr("指标"), tr("数值")], sortable=False)      # in reading order
        self.charts = ResultCharts()
        self.candles = CandleChart()
        self.orders_table = RecordTable([tr(h) for h in ("时间", "委托号", "买卖", "价格", "数量", "已成交", "状态")])
        self.trades_table = RecordTable([tr(h) for h in ("时间", "委托号", "买卖", "价格", "数量", "费用")])
        self.trips_table = RecordTable([tr(h) for h in ("方向", "开仓时间", "平仓时间", "开仓价", "平仓价", "数量",
                                                         "盈亏", "持有天数")])
        self.notes_table = RecordTable([tr("时间"), tr("委托号"), tr("说明")])
        export_html = QtWidgets.QPushButton(tr("导出HTML报告"))
        export_html.clicked.connect(self._ask_html)
        export_csv = QtWidgets.QPushButton(tr("导出CSV"))
        export_csv.clicked.connect(self._ask_csv)
        stats_page = QtWidgets.QWidget()
        stats_layout = QtWidgets.QVBoxLayout(stats_page)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(export_html)
        row.addWidget(export_csv)
        row.addStretch()
        stats_layout.addLayout(row)
        stats_layout.addWidget(self.stats_table)
        self.tabs = QtWidgets.QTabWidget()
        for widget, title in ((stats_page, "统计"), (self.charts, "资金曲线"), (self.candles, "K线"),
                              (self.orders_table, "委托"), (self.trades_table, "成交"),
                              (self.trips_table, "往返交易"), (self.notes_table, "规则提示")):
            self.tabs.addTab(widget, tr(title))

    def show_result(self, result: BacktestResult) -> None:
        config = self.config
        self.stats_table.set_rows(labels.statistic_rows(result.statistics, config.vt_symbol, config.capital))
        self.charts.show_result(result)
        self.candles.show_result(result)
        self.orders_table.set_rows(labels.order_rows(config, result))
        self.trades_table.set_rows(labels.trade_rows(config, result))
        self.trips_table.set_rows(labels.trip_rows(config, result))
        self.notes_table.set_rows(labels.note_rows(config, result))

    def _ask_html(self) -> None:
        if self.result is None:
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, tr("导出HTML报告"), "backtest.html", "HTML (*.html)")
        if path:
            self.export_html(Path(path))

    def _ask_csv(self) -> None:
        if self.result is None:
            return
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, tr("选择导出文件夹"))
        if folder:
            self.export_csv(Path(folder))

    def export_html(self, path: Path) -> None:
        images = {tr("资金曲线、回撤与每日盈亏"): _png(self.charts), tr("K线与买卖点"): _png(self.candles)}
        write_html(path, self.config, self.result, images)
        self.status_label.setText(tr("报告已保存到 {path}", path=path))

    def export_csv(self, folder: Path) -> tuple[Path, Path]:
        stem = f"{self.config.strategy}_{self.config.vt_symbol}"
        trades, daily = folder / f"{stem}_trades.csv", folder / f"{stem}_daily.csv"
        write_trades(self.result, trades)
        write_daily(self.result, daily)
        self.status_label.setText(tr("已导出 {trades} 和 {daily}", trades=trades, daily=daily))
        return trades, daily

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.cancel()
        super().closeEvent(event)
