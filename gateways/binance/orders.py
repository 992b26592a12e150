"""Order-id bookkeeping for the Binance gateway: pure, no threads (the gateway holds its lock).

Our order id *is* the client order id Binance stores (`lh` + session stamp + count), so after a
restart an order reported by Binance maps back to the same vnpy order. Orders only move forward:
a late or repeated report never takes an order back to an earlier status or a smaller fill."""

from __future__ import annotations

from dataclasses import replace

from vnpy.trader.constant import Status
from vnpy.trader.object import OrderData, TradeData

from .mapping import OrderState

RANK = {Status.SUBMITTING: 0, Status.NOTTRADED: 1, Status.PARTTRADED: 2,
        Status.ALLTRADED: 3, Status.CANCELLED: 3, Status.REJECTED: 3}


class OrderBook:
    def __init__(self) -> None:
        self.orders: dict[str, OrderData] = {}
        self.algo: set[str] = set()                 # orders on the Algo Order API (stop-market)
        self.unsure: set[str] = set()               # sends whose answer never came: looked up, never resent
        self.trades: dict[str, TradeData] = {}      # Binance trade id -> the fill, each once
        self.venue_ids: dict[str, str] = {}         # Binance's order id (or algo id) -> ours
        self.last_trade_ms: dict[str, int] = {}     # symbol -> time of the newest fill seen

    def sent(self, order: OrderData, algo: bool) -> None:
        self.orders[order.orderid] = order
        if algo:
            self.algo.add(order.orderid)

    def advance(self, state: OrderState, gateway_name: str) -> OrderData | None:
        """The order after this report, or None when the report says nothing new."""
        if state.venue_id:
            self.venue_ids[state.venue_id] = state.orderid
        known = self.orders.get(state.orderid)
        if known is None:
            order = state.to_order(gateway_name)
            self.orders[state.orderid] = order
            return order
        if known.status in (Status.ALLTRADED, Status.CANCELLED, Status.REJECTED):
            return None
        status = state.status if RANK[state.status] >= RANK[known.status] else known.status
        traded = max(known.traded, state.traded)
        if status is known.status and traded == known.traded:
            return None
        order = replace(known, status=status, traded=traded, datetime=state.time)
        order.extra = {**(known.extra or {}), **({"reason": state.reason} if state.reason else {})}
        self.orders[state.orderid] = order
        self.unsure.discard(state.orderid)
        return order

    def reject(self, orderid: str, reason: str) -> OrderData | None:
        known = self.orders.get(orderid)
        if known is None or not known.is_active():
            return None
        order = replace(known, status=Status.REJECTED)
        order.extra = {**(known.extra or {}), "reason": reason}
        self.orders[orderid] = order
        self.unsure.discard(orderid)
        return order

    def first_sight(self, trade: TradeData, time_ms: int) -> bool:
        """True once per Binance trade id; remembers the newest fill time for the gap-fill."""
        if trade.tradeid in self.trades:
            return False
        self.trades[trade.tradeid] = trade
        self.last_trade_ms[trade.symbol] = max(self.last_trade_ms.get(trade.symbol, 0), time_ms)
        return True

    def active(self) -> list[OrderData]:
        return [o for o in self.orders.values() if o.is_active()]

    def symbols(self) -> set[str]:
        """Symbols whose fills the gap-fill must read: any order of ours, any fill seen."""
        return {o.symbol for o in self.orders.values()} | set(self.last_trade_ms)
