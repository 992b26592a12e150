"""Event types and payloads LiangHua adds to vnpy's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .quotes import Level2Trade, QuoteFrame

EVENT_ORDER_REJECTED = "eLhOrderRejected"
EVENT_GATEWAY_STATUS = "eLhGatewayStatus"
EVENT_STRATEGY_FILES = "eLhStrategyFiles"
EVENT_MARKET_SNAPSHOT = "eLhMarketSnapshot"
EVENT_LEVEL2_TRADES = "eLhLevel2Trades"
EVENT_OPEN_SYMBOL = "eLhOpenSymbol"          # data: vt_symbol to show in the trading panel
EVENT_MONITOR_ALERTS = "eLhMonitorAlerts"    # data: list of monitor alerts, newest last


@dataclass(frozen=True)
class GatewayStatus:
    gateway_name: str
    connected: bool
    message: str
    busy: bool = False      # still connecting: another status follows


@dataclass(frozen=True)
class MarketSnapshot:
    """One whole-market push from a gateway, as columns (the monitor app consumes it)."""
    gateway_name: str
    frame: QuoteFrame


@dataclass(frozen=True)
class Level2Trades:
    gateway_name: str
    trades: list[Level2Trade]


EVENT_ORDER_REQUEST = "eLhOrderRequest"      # data: journal.RequestEntry, journaled before dispatch
EVENT_ORDER_REQUEST_LINK = "eLhOrderRequestLink"  # data: the same entry, now with its vt_orderid
EVENT_VENUE_STATE = "eLhVenueState"          # data: VenueSnapshot, journaled with the events of its group
EVENT_TRADING_HALT = "eLhTradingHalt"        # data: dict component -> reason (empty: trading allowed)
EVENT_CASH_FLOW = "eLhCashFlow"              # data: CashFlow, journaled before dispatch


@dataclass(frozen=True)
class VenueSnapshot:
    """A simulated venue's book after a change: written in the same transaction as the change's
    orders and trades, so the saved book and the journal never disagree."""
    name: str
    payload: dict


@dataclass(frozen=True)
class CashFlow:
    """Money that moved in an account outside a trade's price: a funding payment, a fee charged
    apart from its trade. `amount` is signed as the account sees it (+ received, - paid);
    `flow_id` is the venue's own id, so a flow read twice is stored once."""
    flow_id: str
    gateway_name: str
    kind: str                       # "funding" | "commission" | "tax"
    amount: float
    asset: str
    time: datetime                  # aware
    vt_symbol: str = ""
