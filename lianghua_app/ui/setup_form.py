"""What the backtest and optimiser docks share: the fields that set a backtest up (symbol,
interval, dates, capital, rules, costs), the scrollable set-up column, and the strategy list,
idle state and error dialog of a dock that runs work off the GUI thread."""

from __future__ import annotations

from datetime import datetime, time

from PySide6 import QtCore, QtWidgets
from vnpy.trader.constant import Interval
from vnpy.trader.database import BarOverview

from ..i18n import tr
from ..markets import CHINA_TZ

RULE_CHOICES = (("自动（按交易所）", ""), ("A股", "ashare"), ("加密货币永续", "crypto"), ("无（与vnpy一致）", "none"))
INTERVALS = (Interval.MINUTE, Interval.HOUR, Interval.DAILY, Interval.WEEKLY)


def spin(low: float, high: float, value: float, decimals: int = 2) -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setValue(value)
    return box


class RunSetupForm(QtWidgets.QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.symbol_combo = QtWidgets.QComboBox()
        self.symbol_combo.setEditable(True)
        self.symbol_combo.lineEdit().setPlaceholderText("000001.SZSE")
        self.symbol_combo.activated.connect(self.symbol_chosen)
        self.refresh_button = QtWidgets.QPushButton(tr("刷新"))
        self.interval_combo = QtWidgets.QComboBox()
        for interval in INTERVALS:
            self.interval_combo.addItem(interval.value, interval)
        self.interval_combo.setCurrentIndex(INTERVALS.index(Interval.DAILY))
        today = QtCore.QDate.currentDate()
        self.start_edit = QtWidgets.QDateEdit(today.addYears(-3))
        self.end_edit = QtWidgets.QDateEdit(today)
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.capital_spin = spin(1, 1e12, 1_000_000)
        self.rules_combo = QtWidgets.QComboBox()
        for label, value in RULE_CHOICES:
            self.rules_combo.addItem(tr(label), value)
        self.rate_spin = spin(-0.000001, 0.1, -0.000001, 6)
        self.rate_spin.setSpecialValueText(tr("默认"))
        self.rate_spin.setSingleStep(0.0001)
        self.slippage_spin = spin(0, 1e6, 0, 4)
        self.size_spin = spin(0.0001, 1e6, 1, 4)
        self.pricetick_spin = spin(0.000001, 1e4, 0.01, 6)
        self.min_commission_spin = spin(0, 1000, 5)
        self.leverage_spin = QtWidgets.QSpinBox()
        self.leverage_spin.setRange(1, 125)
        symbol_row = QtWidgets.QHBoxLayout()
        symbol_row.addWidget(self.symbol_combo, 1)
        symbol_row.addWidget(self.refresh_button)
        form = QtWidgets.QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(tr("代码"), symbol_row)
        for label, widget in ((tr("周期"), self.interval_combo), (tr("开始"), self.start_edit),
                              (tr("结束"), self.end_edit), (tr("资金"), self.capital_spin),
                              (tr("规则"), self.rules_combo), (tr("费率"), self.rate_spin),
                              (tr("滑点"), self.slippage_spin), (tr("合约乘数"), self.size_spin),
                              (tr("价格跳动"), self.pricetick_spin), (tr("最低佣金"), self.min_commission_spin),
                              (tr("杠杆"), self.leverage_spin)):
            form.addRow(label, widget)

    def show_overview(self, overview: list[BarOverview]) -> None:
        text = self.symbol_combo.currentText()
        self.symbol_combo.clear()
        for item in overview:
            vt_symbol = f"{item.symbol}.{item.exchange.value}"
            label = f"{vt_symbol}  {item.interval.value}  {item.start:%Y-%m-%d}~{item.end:%Y-%m-%d}  ({item.count})"
            self.symbol_combo.addItem(label, (vt_symbol, item.interval, item.start, item.end))
        self.symbol_combo.setEditText(text)

    def symbol_chosen(self, index: int) -> None:
        """Picking stored data fills the interval and the dates it covers."""
        vt_symbol, interval, start, end = self.symbol_combo.itemData(index)
        self.symbol_combo.setEditText(vt_symbol)
        self.interval_combo.setCurrentIndex(INTERVALS.index(interval) if interval in INTERVALS else 0)
        self.start_edit.setDate(QtCore.QDate(start.year, start.month, start.day))
        self.end_edit.setDate(QtCore.QDate(end.year, end.month, end.day))

    def fields(self, strategy: str, setting: dict) -> dict:
        """The run as the form shows it: the keyword arguments of a backtest configuration."""
        start, end = self.start_edit.date().toPython(), self.end_edit.date().toPython()
        rate = self.rate_spin.value()
        text = self.symbol_combo.currentText().strip()
        return dict(
            strategy=strategy, vt_symbol=text.split()[0] if text else "", interval=self.interval_combo.currentData(),
            start=datetime.combine(start, time.min, CHINA_TZ), end=datetime.combine(end, time(23, 59), CHINA_TZ),
            setting=setting, rules=self.rules_combo.currentData(), capital=self.capital_spin.value(),
            rate=None if rate <= self.rate_spin.minimum() else rate, slippage=self.slippage_spin.value(),
            size=self.size_spin.value(), pricetick=self.pricetick_spin.value(),
            min_commission=self.min_commission_spin.value(), leverage=self.leverage_spin.value())


def scroll_panel(form: QtWidgets.QFormLayout, run_button: QtWidgets.QPushButton,
                 cancel_button: QtWidgets.QPushButton, progress_bar: QtWidgets.QProgressBar,
                 status_label: QtWidgets.QLabel) -> QtWidgets.QScrollArea:
    """A dock's set-up column: the form, run and cancel side by side, progress, status; scrollable."""
    buttons = QtWidgets.QHBoxLayout()
    buttons.addWidget(run_button)
    buttons.addWidget(cancel_button)
    form.addRow(buttons)
    form.addRow(progress_bar)
    form.addRow(status_label)
    inner = QtWidgets.QWidget()
    inner.setLayout(form)
    panel = QtWidgets.QScrollArea()
    panel.setWidgetResizable(True)
    panel.setWidget(inner)
    return panel


class RunDock:
    """Mixed into a dock widget that has `engine.strategy_classes()`, `strategy_combo`,
    `_strategy_chosen`, `start`, `cancel`, `cancel_event` and `finished`."""

    title = ""

    def _build_run_controls(self, run_label: str) -> None:
        """The run and cancel buttons, the progress bar and the status line."""
        self.run_button = QtWidgets.QPushButton(run_label)
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QtWidgets.QPushButton(tr("取消"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress_bar = QtWidgets.QProgressBar()
        self.status_label = QtWidgets.QLabel()
        self.status_label.setWordWrap(True)

    def refresh_strategies(self) -> None:
        current = self.strategy_combo.currentText()
        self.strategy_combo.blockSignals(True)
        self.strategy_combo.clear()
        self.strategy_combo.addItems(sorted(self.engine.strategy_classes()))
        self.strategy_combo.blockSignals(False)
        index = self.strategy_combo.findText(current)
        self.strategy_combo.setCurrentIndex(max(index, 0))
        self._strategy_chosen(self.strategy_combo.currentText())

    def _failed(self, message: str) -> None:
        self._idle()
        self.status_label.setText(message)
        if self.cancel_event is None or not self.cancel_event.is_set():
            self._show_error(message)
        self.finished.emit()

    def _idle(self) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _show_error(self, message: str) -> None:
        self.error_box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, tr(self.title), message,
                                               QtWidgets.QMessageBox.StandardButton.Ok, self)
        self.error_box.open()
