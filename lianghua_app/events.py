"""Event types and payloads LiangHua adds to vnpy's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vnpy.trader.object import TickData

EVENT_ORDER_REJECTED = "eLhOrderRejected"
EVENT_GATEWAY_STATUS = "eLhGatewayStatus"
EVENT_STRATEGY_FILES = "eLhStrategyFiles"
EVENT_MARKET_SNAPSHOT = "eLhMarketSnapshot"


@dataclass(frozen=True)
class GatewayStatus:
    gateway_name: str
    connected: bool
    message: str
    busy: bool = False      # still connecting: another status follows


@dataclass(frozen=True)
class MarketSnapshot:
    """One whole-market push from a gateway, as a batch (the monitor app consumes it)."""
    gateway_name: str
    time: datetime
    ticks: list[TickData]
