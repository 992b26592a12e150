"""Order-id bookkeeping for QMT: our ids against QMT's (request sequence, order id, exchange
id), the cancels waiting for QMT's id, and the trades already seen. Pure: no threads, no SDK;
the gateway holds its lock around every call."""

from __future__ import annotations

from vnpy.trader.object import OrderData, TradeData

from .mapping import is_our_orderid


class OrderBook:
    def __init__(self) -> None:
        self.orders: dict[str, OrderData] = {}
        self.xt_ids: dict[str, int] = {}
        self.sysids: dict[str, str] = {}
        self.by_xt_id: dict[int, str] = {}
        self.by_seq: dict[int, str] = {}
        self.pending_cancels: set[str] = set()
        self.reported: set[str] = set()                 # orders QMT reported since the last (re)connect
        self.trades: dict[str, TradeData] = {}          # trade id (market and number) -> trade
        self.legacy_trade_ids: set[str] = set()         # "SZ:123": journaled today before ids carried the market

    # --- ids -------------------------------------------------------------------------------------
    def orderid_for(self, remark: str, xt_id: int | None) -> str:
        """Our id when we placed the order; otherwise one of QMT's own order number. A remark
        is ours only when we wrote it: another program may put the same text on many orders."""
        if xt_id is not None and xt_id in self.by_xt_id:
            return self.by_xt_id[xt_id]
        if remark and (remark in self.orders or is_our_orderid(remark)):
            return remark
        return f"QMT{xt_id}"    # placed by hand in the terminal or by another program

    def sent(self, seq: int, orderid: str) -> None:
        self.by_seq[seq] = orderid

    def answered(self, seq: int, remark: str, xt_id: int | None) -> str:
        """QMT's answer to a send: which order it was, and its QMT id from now on."""
        orderid = self.by_seq.get(seq, "") or (remark if is_our_orderid(remark or "") else "")
        if orderid and xt_id and xt_id > 0:
            self.xt_ids[orderid] = xt_id
            self.by_xt_id[xt_id] = orderid
        return orderid

    def reported_order(self, orderid: str, order: OrderData, xt_id: int, sysid: str) -> None:
        self.orders[orderid] = order
        self.reported.add(orderid)
        self.xt_ids[orderid] = xt_id
        self.by_xt_id[xt_id] = orderid
        if sysid:
            self.sysids[orderid] = sysid

    def refused(self, remark: str, seq: int, xt_id: int) -> str:
        return remark or self.by_seq.get(seq, "") or self.by_xt_id.get(xt_id, "")

    def cancel_failed(self, xt_id: int, sysid: str) -> str:
        return self.by_xt_id.get(xt_id) or next((o for o, s in self.sysids.items() if s == sysid and s), "")

    def has_venue_id(self, orderid: str) -> bool:
        return orderid in self.xt_ids or orderid in self.sysids

    def venue_ids(self, orderid: str) -> tuple[str | None, int | None]:
        """(exchange id, QMT id) to cancel with; the exchange id where QMT gave one."""
        return self.sysids.get(orderid), self.xt_ids.get(orderid)

    # --- cancels waiting for an id ------------------------------------------------------------------
    def hold_cancel(self, orderid: str) -> None:
        self.pending_cancels.add(orderid)

    def drop_cancel(self, orderid: str) -> None:
        self.pending_cancels.discard(orderid)

    def cancel_ready(self, orderid: str) -> bool:
        """A held cancel whose order now has an id to cancel it by."""
        return orderid in self.pending_cancels and self.has_venue_id(orderid)

    # --- trades -------------------------------------------------------------------------------------
    def first_sight(self, tradeid: str) -> bool:
        """False for a fill already seen: QMT may repeat one (a push, then a query after a reconnect)."""
        return tradeid not in self.trades

    def reported_orders(self) -> list[OrderData]:
        return [self.orders[o] for o in self.reported]
