"""Event types and payloads LiangHua adds to vnpy's."""

from __future__ import annotations

from dataclasses import dataclass

EVENT_ORDER_REJECTED = "eLhOrderRejected"
EVENT_GATEWAY_STATUS = "eLhGatewayStatus"
EVENT_STRATEGY_FILES = "eLhStrategyFiles"


@dataclass(frozen=True)
class GatewayStatus:
    gateway_name: str
    connected: bool
    message: str
