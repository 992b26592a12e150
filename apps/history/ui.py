"""History dock: past orders and trades from the journal, by date and symbol."""

from __future__ import annotations

from datetime import date

from PySide6 import QtCore, QtWidgets
from vnpy.event import EventEngine
from vnpy.trader.constant import Direction, Offset, OrderType, Status
from vnpy.trader.engine import MainEngine

from lianghua_app.formatting import second
from lianghua_app.i18n import tr
from lianghua_app.markets import beijing_today
from lianghua_app.storage import read_time
from lianghua_app.ui.tables import RecordTable

from .engine import APP_NAME, HistoryEngine

ORDER_HEADERS = ("时间", "委托号", "代码", "方向", "开平", "类型", "价格", "数量", "已成交", "状态", "策略", "接口")
TRADE_HEADERS = ("时间", "成交号", "委托号", "代码", "方向", "开平", "价格", "数量", "接口")


def _label(enum: type, name: str) -> str:
    try:
        return enum[name].value
    except KeyError:
        return name


class HistoryWidget(QtWidgets.QWidget):
    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__()
        self.engine: HistoryEngine = main_engine.get_engine(APP_NAME)
        today = beijing_today()
        self.start_edit = QtWidgets.QDateEdit(QtCore.QDate(today.year, today.month, today.day).addDays(-7))
        self.end_edit = QtWidgets.QDateEdit(QtCore.QDate(today.year, today.month, today.day))
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.symbol_edit = QtWidgets.QLineEdit()
        self.symbol_edit.setPlaceholderText(tr("代码（可留空）"))
        query = QtWidgets.QPushButton(tr("查询"))
        query.clicked.connect(self.query)
        self.orders = RecordTable([tr(h) for h in ORDER_HEADERS])
        self.trades = RecordTable([tr(h) for h in TRADE_HEADERS])
        tabs = QtWidgets.QTabWidget()
        tabs.addTab(self.orders, tr("历史委托"))
        tabs.addTab(self.trades, tr("历史成交"))
        bar = QtWidgets.QHBoxLayout()
        for widget in (QtWidgets.QLabel(tr("从")), self.start_edit, QtWidgets.QLabel(tr("到")), self.end_edit,
                       self.symbol_edit, query):
            bar.addWidget(widget)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(tabs)

    def set_range(self, start: date, end: date, symbol: str = "") -> None:
        self.start_edit.setDate(QtCore.QDate(start.year, start.month, start.day))
        self.end_edit.setDate(QtCore.QDate(end.year, end.month, end.day))
        self.symbol_edit.setText(symbol)

    def query(self) -> None:
        start = self.start_edit.date().toPython()
        end = self.end_edit.date().toPython()
        if end < start:
            start, end = end, start
        symbol = self.symbol_edit.text().strip()
        self.orders.set_rows([
            (second(read_time(o.created)), o.vt_orderid, o.vt_symbol, _label(Direction, o.direction),
             _label(Offset, o.offset), _label(OrderType, o.order_type), o.price, o.volume, o.traded,
             _label(Status, o.status), o.reference, o.gateway)
            for o in self.engine.orders(start, end, symbol)])
        self.trades.set_rows([
            (second(read_time(t.datetime)), t.vt_tradeid, t.vt_orderid, t.vt_symbol,
             _label(Direction, t.direction), _label(Offset, t.offset), t.price, t.volume, t.gateway)
            for t in self.engine.trades(start, end, symbol)])
