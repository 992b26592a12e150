"""Event types and payloads LiangHua adds to vnpy's."""

from __future__ import annotations

from dataclasses import dataclass

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
