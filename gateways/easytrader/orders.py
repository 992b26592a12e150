"""Order bookkeeping for the broker gateway: our order ids against the broker's entrust numbers,
the idempotency key each order was sent with, the answers still unresolved, and the trades seen.
Statuses only move forward. Pure: no threads, no sockets; the gateway holds its lock around it."""

from __future__ import annotations

from dataclasses import replace

from vnpy.trader.constant import Direction, Exchange, Offset, OrderType, Status
from vnpy.trader.object import AccountData, OrderData, PositionData, TradeData

from lianghua_app.i18n import tr

from .mapping import BrokerBalance, BrokerOrder, BrokerPosition, BrokerTrade, moves_forward

KEY_PREFIX = "lh-"


def key_of(orderid: str) -> str:
    """The idempotency key of one of our orders: the same after a restart, so a resend after a
    crash is answered with the first result."""
    return f"{KEY_PREFIX}{orderid}"


def _split(vt_symbol: str) -> tuple[str, Exchange]:
    symbol, exchange = vt_symbol.rsplit(".", 1)
    return symbol, Exchange(exchange)


class BrokerBook:
    def __init__(self, gateway_name: str) -> None:
        self.gateway_name = gateway_name
        self.orders: dict[str, OrderData] = {}
        self.entrusts: dict[str, str] = {}          # entrust number -> our order id
        self.unresolved: set[str] = set()           # sent, the agent's answer not final yet
        self.trades: set[str] = set()               # broker trade numbers seen

    def sent(self, order: OrderData) -> None:
        self.orders[order.orderid] = order
        self.unresolved.add(order.orderid)

    def answered(self, orderid: str, answer: dict) -> OrderData | None:
        """The agent's answer to a send (or a resend of the same key): the order as it now stands,
        or None when nothing changed."""
        order = self.orders.get(orderid)
        if order is None:
            return None
        state, entrust_no, reason = answer.get("state"), answer.get("entrust_no"), answer.get("reason") or ""
        if state == "placed" and entrust_no:
            self.unresolved.discard(orderid)
            self.entrusts[str(entrust_no)] = orderid
            if order.status is Status.SUBMITTING:
                return self._update(order, Status.NOTTRADED, order.traded, "")
            return None
        if state == "rejected":
            self.unresolved.discard(orderid)
            return self._update(order, Status.REJECTED, order.traded, reason or tr("券商拒绝"))
        waiting = tr("等待确认：{reason}", reason=reason) if reason else ""
        if waiting and _reason(order) != waiting:
            return self._update(order, order.status, order.traded, waiting)
        return None

    def failed(self, orderid: str, reason: str) -> OrderData | None:
        """The agent could not be asked (down, refused): the order stays as it is and says why;
        the next poll asks again with the same key."""
        order = self.orders.get(orderid)
        return self._update(order, order.status, order.traded, reason) if order else None

    def grid_order(self, row: BrokerOrder) -> OrderData | None:
        """A row of today's orders: ours by its entrust number, else one placed in the client by
        hand (id B<entrust number>). None when it shows nothing new or an older state."""
        orderid = self.entrusts.get(row.entrust_no)
        if orderid is None:
            orderid = f"B{row.entrust_no}"
            self.entrusts[row.entrust_no] = orderid
        order = self.orders.get(orderid)
        if order is None:
            symbol, exchange = _split(row.vt_symbol)
            order = OrderData(gateway_name=self.gateway_name, symbol=symbol, exchange=exchange, orderid=orderid,
                              type=OrderType.LIMIT if row.price else OrderType.MARKET, direction=row.direction,
                              offset=Offset.NONE, price=row.price, volume=row.volume, status=Status.SUBMITTING,
                              datetime=row.time, reference="")
            self.orders[orderid] = order
        if (row.status, row.traded) == (order.status, order.traded) or not moves_forward(order.status, row.status) \
                or row.traded < order.traded:
            return None
        return self._update(order, row.status, row.traded, row.reason)

    def grid_trade(self, row: BrokerTrade) -> TradeData | None:
        if row.trade_no in self.trades:
            return None
        self.trades.add(row.trade_no)
        orderid = self.entrusts.get(row.entrust_no) or f"B{row.entrust_no}"
        symbol, exchange = _split(row.vt_symbol)
        return TradeData(gateway_name=self.gateway_name, symbol=symbol, exchange=exchange, orderid=orderid,
                         tradeid=row.trade_no, direction=row.direction, offset=Offset.NONE, price=row.price,
                         volume=row.volume, datetime=row.time)

    def active(self) -> bool:
        return any(o.is_active() for o in self.orders.values())

    def entrust_of(self, orderid: str) -> str | None:
        return next((no for no, mine in self.entrusts.items() if mine == orderid), None)

    def _update(self, order: OrderData, status: Status, traded: float, reason: str) -> OrderData:
        updated = replace(order, status=status, traded=traded)
        extra = dict(getattr(order, "extra", None) or {})
        if reason:
            extra["reason"] = reason
        updated.extra = extra
        self.orders[order.orderid] = updated
        return updated


def _reason(order: OrderData) -> str:
    return (getattr(order, "extra", None) or {}).get("reason", "")


def position_from(row: BrokerPosition, gateway_name: str) -> PositionData:
    """T+1 from the broker's own 可用 figure: what may be sold today (the project's convention:
    sellable = yd_volume - frozen)."""
    symbol, exchange = _split(row.vt_symbol)
    position = PositionData(gateway_name=gateway_name, symbol=symbol, exchange=exchange, direction=Direction.LONG,
                            volume=row.volume, yd_volume=row.available, frozen=0.0, price=row.cost,
                            pnl=(row.last - row.cost) * row.volume if row.last else 0.0)
    position.extra = {"name": row.name, "last_price": row.last}
    return position


def account_from(balance: BrokerBalance, gateway_name: str) -> AccountData:
    account = AccountData(gateway_name=gateway_name, accountid=balance.account or "CNY", balance=balance.total_asset,
                          frozen=balance.frozen)
    account.available = balance.available       # vnpy's balance - frozen would count the stocks as cash
    account.extra = {"market_value": balance.market_value, "cash": balance.cash}
    return account
