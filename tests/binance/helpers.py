"""What more than one test module uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vnpy.trader.constant import Direction, Exchange, Offset, OrderType
from vnpy.trader.object import OrderRequest

BTC = "BTCUSDT.GLOBAL"


def req(direction=Direction.LONG, volume=0.01, price=59000.0, kind=OrderType.LIMIT, offset=Offset.NONE,
        symbol="BTCUSDT"):
    return OrderRequest(symbol, Exchange.GLOBAL, direction, kind, volume, price, offset)


def status_of(engine, vt_orderid):
    order = engine.get_order(vt_orderid)
    return order.status if order else None


def collect(engine, kind):
    seen = []
    engine.event_engine.register(kind, lambda event: seen.append(event.data))
    return seen


SPOT = "BTCUSDT_SPOT.GLOBAL"


def spot_req(direction=Direction.LONG, volume=0.01, price=59000.0, kind=OrderType.LIMIT, offset=None):
    offset = offset or (Offset.OPEN if direction is Direction.LONG else Offset.CLOSE)
    return OrderRequest("BTCUSDT_SPOT", Exchange.GLOBAL, direction, kind, volume, price, offset)


@dataclass(frozen=True)
class Market:
    """One of the gateway's two markets, as a fault test drives it."""
    name: str
    request: Callable[..., OrderRequest]
    hook: str                   # the fake's name for the WebSocket API's order.place
    lookup: str                 # where an order is looked up by client id
    orders: str                 # the fake's method listing its orders
    ready: str                  # the gateway's flag for a consistent user stream


MARKETS = {"futures": Market("futures", req, "order.place", "/fapi/v1/order", "orders", "trading_ready"),
           "spot": Market("spot", spot_req, "spot:order.place", "/api/v3/order", "spot_orders", "spot_ready")}
