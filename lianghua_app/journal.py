"""Order/trade journal: every request, order update and trade is committed before it is shown.

The journal's handlers are registered on the event engine before any widget, and vnpy's
event engine calls handlers of one event type in registration order, so a row is in the
database before a monitor's signal is emitted.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from vnpy.event import Event, EventEngine
from vnpy.trader.constant import Status
from vnpy.trader.event import EVENT_ORDER, EVENT_TRADE
from vnpy.trader.object import OrderData, OrderRequest, TradeData

from .i18n import tr
from .storage import database_proxy
from .storage.models import OrderRecord, OrderRequestRecord, OrderUpdateRecord, TradeRecord

# Enum names, not their (translated) values, so stored rows do not depend on the UI language.
ACTIVE_STATUSES = {Status.SUBMITTING.name, Status.NOTTRADED.name, Status.PARTTRADED.name}


class Journal:
    def __init__(self, event_engine: EventEngine) -> None:
        self.event_engine = event_engine
        event_engine.register(EVENT_ORDER, self.process_order_event)
        event_engine.register(EVENT_TRADE, self.process_trade_event)

    def close(self) -> None:
        self.event_engine.unregister(EVENT_ORDER, self.process_order_event)
        self.event_engine.unregister(EVENT_TRADE, self.process_trade_event)

    def record_request(self, req: OrderRequest, gateway: str, vt_orderid: str = "",
                       reject_reason: str = "") -> OrderRequestRecord:
        with database_proxy.atomic():
            return OrderRequestRecord.create(
                created=datetime.now(), gateway=gateway, vt_symbol=req.vt_symbol,
                direction=req.direction.name, offset=req.offset.name, order_type=req.type.name,
                price=req.price, volume=req.volume, reference=req.reference,
                vt_orderid=vt_orderid, reject_reason=reject_reason,
            )

    def link_request(self, row: OrderRequestRecord, vt_orderid: str) -> None:
        """Attach the id the gateway gave to the request it answered."""
        OrderRequestRecord.update(vt_orderid=vt_orderid).where(OrderRequestRecord.id == row.id).execute()

    def process_order_event(self, event: Event) -> None:
        self.record_order(event.data)

    def process_trade_event(self, event: Event) -> None:
        self.record_trade(event.data)

    def record_order(self, order: OrderData) -> None:
        now = datetime.now()
        created = order.datetime.replace(tzinfo=None) if order.datetime else now
        with database_proxy.atomic():
            OrderRecord.insert(
                vt_orderid=order.vt_orderid, gateway=order.gateway_name, vt_symbol=order.vt_symbol,
                direction=order.direction.name if order.direction else "", offset=order.offset.name,
                order_type=order.type.name, price=order.price, volume=order.volume, traded=order.traded,
                status=order.status.name, reference=order.reference, created=created, updated=now,
            ).on_conflict(
                conflict_target=[OrderRecord.vt_orderid],
                update={OrderRecord.traded: order.traded, OrderRecord.status: order.status.name,
                        OrderRecord.updated: now},
            ).execute()
            OrderUpdateRecord.create(vt_orderid=order.vt_orderid, status=order.status.name,
                                     traded=order.traded, received=now)

    def record_trade(self, trade: TradeData) -> None:
        moment = trade.datetime.replace(tzinfo=None) if trade.datetime else datetime.now()
        TradeRecord.insert(
            vt_tradeid=trade.vt_tradeid, vt_orderid=trade.vt_orderid, gateway=trade.gateway_name,
            vt_symbol=trade.vt_symbol, direction=trade.direction.name if trade.direction else "",
            offset=trade.offset.name, price=trade.price, volume=trade.volume, datetime=moment,
        ).on_conflict_ignore().execute()

    def orders(self, start: date, end: date, symbol: str = "") -> list[OrderRecord]:
        query = OrderRecord.select().where(OrderRecord.created.between(*_day_bounds(start, end)))
        if symbol:
            query = query.where(OrderRecord.vt_symbol.contains(symbol))
        return list(query.order_by(OrderRecord.created))

    def trades(self, start: date, end: date, symbol: str = "") -> list[TradeRecord]:
        query = TradeRecord.select().where(TradeRecord.datetime.between(*_day_bounds(start, end)))
        if symbol:
            query = query.where(TradeRecord.vt_symbol.contains(symbol))
        return list(query.order_by(TradeRecord.datetime))

    def active_orders(self, gateway: str) -> list[OrderRecord]:
        return list(OrderRecord.select().where(OrderRecord.gateway == gateway,
                                               OrderRecord.status.in_(ACTIVE_STATUSES)))

    def reconcile(self, gateway: str, venue_orders: list[OrderData], venue_trades: list[TradeData]) -> list[str]:
        """Compare what the journal holds with what the gateway reports after a (re)start.
        Trades the journal missed are written; every difference becomes a warning."""
        warnings: list[str] = []
        known = {o.vt_orderid: o for o in venue_orders}
        for row in self.active_orders(gateway):
            order = known.get(row.vt_orderid)
            if order is None:
                warnings.append(tr("对账：委托{orderid}在日志中为{status}，但接口未报告该委托",
                                   orderid=row.vt_orderid, status=Status[row.status].value))
            elif order.status.name != row.status or order.traded != row.traded:
                warnings.append(tr("对账：委托{orderid}状态由{old}变为{new}（已成交{traded}）",
                                   orderid=row.vt_orderid, old=Status[row.status].value, new=order.status.value,
                                   traded=order.traded))
                self.record_order(order)
        journaled = {t.vt_tradeid for t in TradeRecord.select(TradeRecord.vt_tradeid)
                     .where(TradeRecord.gateway == gateway)}
        for trade in venue_trades:
            if trade.vt_tradeid not in journaled:
                warnings.append(tr("对账：接口报告的成交{tradeid}不在日志中，已补记", tradeid=trade.vt_tradeid))
                self.record_trade(trade)
        return warnings


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, datetime.min.time()), datetime.combine(end + timedelta(days=1),
                                                                          datetime.min.time())
