"""vnpy's monitors as a trader reads them: prices, quantities and money formatted, times in
Beijing time with zero-padded milliseconds, and the extra column a trader needs: why an order
was refused."""

from __future__ import annotations

from typing import Any

from PySide6 import QtWidgets
from vnpy.event import Event
from vnpy.trader.ui.widget import (
    AccountMonitor,
    ActiveOrderMonitor,
    AskCell,
    BaseCell,
    BidCell,
    LogMonitor,
    OrderMonitor,
    PnlCell,
    PositionMonitor,
    TickMonitor,
    TradeMonitor,
)

from .. import formatting
from ..i18n import tr
from ..markets.money import STABLE


def _formatted(base: type[BaseCell], show) -> type[BaseCell]:
    class Formatted(base):
        def set_content(self, content: Any, data: Any) -> None:
            super().set_content(content, data)
            self._text = show(content)
            self.setText(self._text)

    Formatted.__name__ = f"{base.__name__}Formatted"
    return Formatted


PriceCell = _formatted(BaseCell, formatting.price)
QuantityCell = _formatted(BaseCell, formatting.quantity)


class FundsCell(BaseCell):
    """Money to the fen; a coin balance (a spot account of BTC) to its own precision."""

    def set_content(self, content: Any, data: Any) -> None:
        super().set_content(content, data)
        asset = (getattr(data, "extra", None) or {}).get("asset")
        coin = asset is not None and asset not in STABLE and asset != "CNY"
        self._text = (formatting.quantity if coin else formatting.money)(content)
        self.setText(self._text)


PnlMoneyCell = _formatted(PnlCell, formatting.money)
ClockCell = _formatted(BaseCell, formatting.clock)
CELLS = {
    "price": PriceCell, "last_price": PriceCell, "open_price": PriceCell, "high_price": PriceCell,
    "low_price": PriceCell, "volume": QuantityCell, "traded": QuantityCell, "yd_volume": QuantityCell,
    "frozen": QuantityCell, "pnl": PnlMoneyCell, "datetime": ClockCell, "time": ClockCell,
    "bid_price_1": _formatted(BidCell, formatting.price), "bid_volume_1": _formatted(BidCell, formatting.quantity),
    "ask_price_1": _formatted(AskCell, formatting.price), "ask_volume_1": _formatted(AskCell, formatting.quantity),
}
MONEY = {"balance", "frozen", "available"}


class ReasonCell(BaseCell):
    def set_content(self, content: Any, data: Any) -> None:
        super().set_content((content or {}).get("reason", ""), data)


def _headers(headers: dict, money: bool = False, reason: bool = False) -> dict:
    shaped = {}
    for field, header in headers.items():
        cell = FundsCell if money and field in MONEY else CELLS.get(field, header["cell"])
        display = tr("时间(北京)") if field in ("datetime", "time") else header["display"]
        shaped[field] = {**header, "cell": cell, "display": display}
    if reason:
        shaped["extra"] = {"display": tr("说明"), "cell": ReasonCell, "update": True}
    return shaped


class _ShowsWhatIsKnown:
    """Filled with what the engine already holds when the panel opens (a gateway that connected
    before the window, a dock reopened), then kept current by events."""
    known = ""          # the main engine's getter

    def __init__(self, main_engine, event_engine) -> None:
        super().__init__(main_engine, event_engine)
        for data in getattr(main_engine, self.known)():
            self.process_event(Event(self.event_type, data))


class _FitsContents:
    """A table of a few rows (quotes subscribed, accounts, positions) sizes its columns to what
    they show, so no figure is cut."""

    def init_ui(self) -> None:
        super().init_ui()
        self.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)


class QuoteMonitor(_ShowsWhatIsKnown, _FitsContents, TickMonitor):
    headers = _headers(TickMonitor.headers)
    known = "get_all_ticks"


class ExplainedOrderMonitor(_ShowsWhatIsKnown, OrderMonitor):
    headers = _headers(OrderMonitor.headers, reason=True)
    known = "get_all_orders"


class ExplainedActiveOrderMonitor(_ShowsWhatIsKnown, ActiveOrderMonitor):
    headers = _headers(ActiveOrderMonitor.headers, reason=True)
    known = "get_all_active_orders"


class FillMonitor(_ShowsWhatIsKnown, TradeMonitor):
    headers = _headers(TradeMonitor.headers)
    known = "get_all_trades"


class HoldingMonitor(_ShowsWhatIsKnown, _FitsContents, PositionMonitor):
    headers = _headers(PositionMonitor.headers)
    known = "get_all_positions"


class FundsMonitor(_ShowsWhatIsKnown, _FitsContents, AccountMonitor):
    headers = _headers(AccountMonitor.headers, money=True)
    known = "get_all_accounts"


class ReadableLogMonitor(LogMonitor):
    """The message column takes the width that is left, and long lines wrap."""
    headers = _headers(LogMonitor.headers)

    def init_ui(self) -> None:
        super().init_ui()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.setWordWrap(True)
