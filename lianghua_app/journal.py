"""Order/trade journal: every request, order update, trade and simulated-venue book is
committed before anything shows it. Times are stored in UTC and read back aware.

The journal is the event engine's batch hook: each batch of waiting events is written in one
transaction (group commit: one fsync for many rows) before any handler of the batch runs. A
batch that cannot be written is kept and retried with the next one, and the failure stops new
orders until a write succeeds again.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from peewee import Case, fn
from vnpy.event import Event
from vnpy.trader.constant import Direction, Exchange, Offset, OrderType, Status
from vnpy.trader.event import EVENT_ORDER, EVENT_TRADE
from vnpy.trader.object import OrderData, OrderRequest, TradeData

from .event_engine import GuardedEventEngine
from .events import (
    EVENT_CASH_FLOW,
    EVENT_ORDER_REQUEST,
    EVENT_ORDER_REQUEST_LINK,
    EVENT_VENUE_STATE,
    CashFlow,
    VenueSnapshot,
)
from .i18n import tr
from .markets import CHINA_TZ
from .storage import database_hint, database_proxy, read_time, stored_time
from .storage.models import (
    CashFlowRecord,
    OrderRecord,
    OrderRequestRecord,
    OrderUpdateRecord,
    TradeRecord,
    VenueState,
)

# Enum names, not their (translated) values, so stored rows do not depend on the UI language.
ACTIVE_STATUSES = {Status.SUBMITTING.name, Status.NOTTRADED.name, Status.PARTTRADED.name}
FINAL_STATUSES = {Status.ALLTRADED.name, Status.CANCELLED.name, Status.REJECTED.name}
CHUNK = 400   # rows per INSERT: well under SQLite's limit of bound variables


class JournalError(RuntimeError):
    """The journal could not do its job; the message says what and what to do."""


@dataclass
class RequestEntry:
    id: int
    created: datetime
    gateway: str
    req: OrderRequest
    vt_orderid: str = ""
    reject_reason: str = ""
    written_id: str | None = None   # the vt_orderid the stored row has, None while unwritten


@dataclass
class _Batch:
    requests: list[RequestEntry]
    links: list[RequestEntry]
    orders: list[OrderData]
    trades: list[TradeData]
    states: dict[str, VenueSnapshot]
    flows: list[CashFlow]

    def __bool__(self) -> bool:
        return bool(self.requests or self.links or self.orders or self.trades or self.states or self.flows)

    def merge(self, newer: _Batch) -> _Batch:
        return _Batch(self.requests + newer.requests, self.links + newer.links, self.orders + newer.orders,
                      self.trades + newer.trades, {**self.states, **newer.states}, self.flows + newer.flows)


def _empty() -> _Batch:
    return _Batch([], [], [], [], {}, [])


class Journal:
    def __init__(self, event_engine: GuardedEventEngine, on_recovered: Callable[[], None] = lambda: None) -> None:
        self.event_engine = event_engine
        self.on_recovered = on_recovered
        self.pending = _empty()         # a batch that failed to commit, retried first
        self.catching_up: dict[str, int] = {}   # gateway -> trades first journaled while it catches up
        last = OrderRequestRecord.select(fn.MAX(OrderRequestRecord.id)).scalar() or 0
        self._request_ids = itertools.count(last + 1)
        event_engine.add_batch_hook(self.write_batch, tr("交易日志"))

    def close(self) -> None:
        self.event_engine.remove_batch_hook(self.write_batch)

    # --- requests ------------------------------------------------------------------------
    def record_request(self, req: OrderRequest, gateway: str, vt_orderid: str = "",
                       reject_reason: str = "") -> RequestEntry:
        """Queue the request: it is committed with, or before, the events that follow it."""
        entry = RequestEntry(next(self._request_ids), datetime.now(timezone.utc), gateway, req, vt_orderid,
                             reject_reason)
        self.event_engine.put(Event(EVENT_ORDER_REQUEST, entry))
        return entry

    def link_request(self, entry: RequestEntry, vt_orderid: str) -> None:
        """Attach the id the gateway gave to the request it answered."""
        entry.vt_orderid = vt_orderid
        self.event_engine.put(Event(EVENT_ORDER_REQUEST_LINK, entry))

    # --- the batch hook -----------------------------------------------------------------
    def write_batch(self, events: list[Event]) -> None:
        batch = _collect(events)
        if not batch and not self.pending:
            return
        batch = self.pending.merge(batch)
        written = [(entry, entry.written_id) for entry in batch.requests + batch.links]
        try:
            with database_proxy.atomic():
                fresh, conflicts = self._write(batch)
        except Exception as error:
            for entry, before in written:   # nothing of the failed transaction is on disk
                entry.written_id = before
            self.pending = batch
            raise JournalError(_explain(error)) from error
        if self.pending:
            self.pending = _empty()
            self.on_recovered()
        for row in fresh:
            if row["gateway"] in self.catching_up:
                self.catching_up[row["gateway"]] += 1
        if conflicts:
            raise JournalError(tr("成交编号冲突（同一编号、不同内容），以下成交未写入日志：{rows}。"
                                  "请检查接口是否重复使用成交编号", rows="; ".join(conflicts)))

    def begin_catch_up(self, gateway: str) -> None:
        """The gateway is (re)connecting: trades that reach the journal now filled while it was away."""
        self.catching_up.setdefault(gateway, 0)

    def end_catch_up(self, gateway: str) -> int:
        """The gateway is connected again: how many trades its catch-up added to the journal."""
        return self.catching_up.pop(gateway, 0)

    def _write(self, batch: _Batch) -> tuple[list[dict], list[str]]:
        rows = []
        for entry in batch.requests:
            rows.append(_request_row(entry))
            entry.written_id = rows[-1]["vt_orderid"]
        _bulk(OrderRequestRecord, rows)
        for entry in batch.links:
            if entry.written_id is not None and entry.written_id != entry.vt_orderid:
                OrderRequestRecord.update(vt_orderid=entry.vt_orderid, reject_reason=entry.reject_reason).where(
                    OrderRequestRecord.id == entry.id).execute()
                entry.written_id = entry.vt_orderid
        if batch.orders:
            self._write_orders(batch.orders)
        fresh, conflicts = self._write_trades(batch.trades) if batch.trades else ([], [])
        flows = batch.flows + [flow for trade in batch.trades for flow in _fee_flows(trade)]
        _bulk(CashFlowRecord, [_flow_row(flow) for flow in flows], " ON CONFLICT(flow_id) DO NOTHING")
        for snapshot in batch.states.values():
            VenueState.replace(name=snapshot.name, payload=json.dumps(snapshot.payload, ensure_ascii=False),
                               saved=stored_time(None)).execute()
        return fresh, conflicts

    @staticmethod
    def _write_orders(orders: list[OrderData]) -> None:
        now = stored_time(None)
        latest: dict[str, dict] = {}
        for order in orders:
            row = _order_row(order, now)
            known = latest.get(row["vt_orderid"])
            if known is None or not _regresses(known, row):
                latest[row["vt_orderid"]] = row if known is None else {**row, "created": known["created"]}
        _bulk(OrderRecord, list(latest.values()), ORDER_UPSERT)
        _bulk(OrderUpdateRecord, [{"vt_orderid": o.vt_orderid, "status": o.status.name, "traded": _finite(o.traded),
                                   "received": now} for o in orders])

    @staticmethod
    def _write_trades(trades: list[TradeData]) -> tuple[list[dict], list[str]]:
        """New trades are inserted (and returned); a trade seen again with the same content is a
        harmless repeat; the same id with other content is a conflict, returned to be reported."""
        rows: dict[str, dict] = {}
        conflicts: list[str] = []
        for trade in trades:
            row = _trade_row(trade)
            seen = rows.get(row["vt_tradeid"])
            if seen is None:
                rows[row["vt_tradeid"]] = row
            elif not _same_trade(seen, row):
                conflicts.append(_describe_trade(row))
        ids = list(rows)
        stored = {}
        for chunk in _chunks(ids):
            stored.update({r.vt_tradeid: r.__data__ for r in TradeRecord.select().where(
                TradeRecord.vt_tradeid.in_(chunk))})
        fresh = []
        for vt_tradeid, row in rows.items():
            old = stored.get(vt_tradeid)
            if old is None:
                fresh.append(row)
            elif not _same_trade(old, row):
                conflicts.append(_describe_trade(row))
        _bulk(TradeRecord, fresh)
        return fresh, conflicts

    # --- direct writes (reconciliation) ---------------------------------------------------
    def record_order(self, order: OrderData) -> None:
        with database_proxy.atomic():
            self._write_orders([order])

    def record_trade(self, trade: TradeData) -> bool:
        """Write a trade the journal missed; False when it was there already."""
        with database_proxy.atomic():
            fresh, conflicts = self._write_trades([trade])
        if conflicts:
            raise JournalError(tr("成交编号冲突：{rows}", rows="; ".join(conflicts)))
        return bool(fresh)

    # --- queries ------------------------------------------------------------------------
    def orders(self, start: date, end: date, symbol: str = "") -> list[OrderRecord]:
        """Orders created on Beijing days `start`..`end`."""
        query = OrderRecord.select().where(OrderRecord.created.between(*_day_bounds(start, end)))
        if symbol:
            query = query.where(OrderRecord.vt_symbol.contains(symbol))
        return list(query.order_by(OrderRecord.created))

    def trades(self, start: date, end: date, symbol: str = "") -> list[TradeRecord]:
        """Trades done on Beijing days `start`..`end`."""
        query = TradeRecord.select().where(TradeRecord.datetime.between(*_day_bounds(start, end)))
        if symbol:
            query = query.where(TradeRecord.vt_symbol.contains(symbol))
        return list(query.order_by(TradeRecord.datetime))

    def active_orders(self, gateway: str) -> list[OrderRecord]:
        return active_order_records(gateway)

    # --- reconciliation -------------------------------------------------------------------
    def reconcile(self, gateway: str, venue_orders: list[OrderData], venue_trades: list[TradeData]) -> list[str]:
        """Compare what the journal holds with what the gateway reports after a (re)start.
        Trades the journal missed are written; every difference becomes a warning, and the
        recovered trades are counted in one line that says where they came from."""
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
        recovered = 0
        for trade in venue_trades:
            if trade.vt_tradeid not in journaled:
                warnings.append(tr("对账：接口报告的成交{tradeid}不在日志中，已补记", tradeid=trade.vt_tradeid))
                self.record_trade(trade)
                recovered += 1
        if recovered:
            warnings.append(tr("对账：从{gateway}接口补记了{count}笔日志中缺失的成交（多为断线或崩溃期间成交），"
                               "请核对持仓与策略仓位", gateway=gateway, count=recovered))
        return warnings


STRATEGY_PREFIX = "CtaStrategy_"


def strategy_of(reference: str) -> str:
    """vnpy's CTA engine tags orders "CtaStrategy_<name>"; risk limits and attribution use <name>."""
    return reference.removeprefix(STRATEGY_PREFIX)


def max_ids(gateway: str, prefix: str) -> tuple[str, str]:
    """The greatest journaled order id and trade id of a gateway (without the gateway part)
    that start with `prefix`."""
    head = f"{gateway}.{prefix}"
    order = (OrderRecord.select(fn.MAX(OrderRecord.vt_orderid))
             .where(OrderRecord.vt_orderid.startswith(head)).scalar() or "")
    trade = (TradeRecord.select(fn.MAX(TradeRecord.vt_tradeid))
             .where(TradeRecord.vt_tradeid.startswith(head)).scalar() or "")
    return order[len(gateway) + 1:], trade[len(gateway) + 1:]


def book_since(gateway: str, since: datetime) -> tuple[list[OrderData], list[TradeData]]:
    """A gateway's journaled orders (created since `since`, or still active) and trades (since
    `since`, aware), as vnpy objects with aware UTC times."""
    orders = [_order_from_record(r) for r in OrderRecord.select().where(
        (OrderRecord.gateway == gateway)
        & ((OrderRecord.created >= stored_time(since)) | OrderRecord.status.in_(ACTIVE_STATUSES)))
        .order_by(OrderRecord.created)]
    return orders, trades_since(gateway, since)


def active_order_records(gateway: str) -> list[OrderRecord]:
    return list(OrderRecord.select().where(OrderRecord.gateway == gateway, OrderRecord.status.in_(ACTIVE_STATUSES)))


def journaled_active_orders(gateway: str) -> list[OrderData]:
    """The gateway's orders the journal last saw live (after a restart: to be looked up)."""
    return [_order_from_record(r) for r in active_order_records(gateway)]


def trades_since(gateway: str, since: datetime) -> list[TradeData]:
    return [_trade_from_record(r) for r in TradeRecord.select().where(
        (TradeRecord.gateway == gateway) & (TradeRecord.datetime >= stored_time(since))).order_by(TradeRecord.datetime)]


def journaled_position(reference: str, vt_symbol: str) -> float:
    """The net volume of the journaled trades of orders sent with `reference` (a strategy's tag)."""
    signed = fn.SUM(Case(None, [(TradeRecord.direction == Direction.LONG.name, TradeRecord.volume)],
                         TradeRecord.volume * -1))
    total = (TradeRecord.select(signed).join(OrderRecord, on=(TradeRecord.vt_orderid == OrderRecord.vt_orderid))
             .where((OrderRecord.reference == reference) & (TradeRecord.vt_symbol == vt_symbol)).scalar())
    return float(total or 0.0)


def _collect(events: Iterable[Event]) -> _Batch:
    batch = _empty()
    for event in events:
        kind = event.type
        if kind == EVENT_ORDER:
            batch.orders.append(event.data)
        elif kind == EVENT_TRADE:
            batch.trades.append(event.data)
        elif kind == EVENT_ORDER_REQUEST:
            batch.requests.append(event.data)
        elif kind == EVENT_ORDER_REQUEST_LINK:
            batch.links.append(event.data)
        elif kind == EVENT_VENUE_STATE:
            batch.states[event.data.name] = event.data
        elif kind == EVENT_CASH_FLOW:
            batch.flows.append(event.data)
    return batch


def _fee_flows(trade: TradeData) -> list[CashFlow]:
    """A gateway that knows a trade's costs puts them in `extra`: `commission` (broker and
    exchange fees) and `tax` (stamp duty), in `commission_asset`."""
    extra = getattr(trade, "extra", None) or {}
    flows = []
    for kind, key in (("commission", "fee"), ("tax", "tax")):
        amount = extra.get(kind)
        if amount and math.isfinite(amount):
            flows.append(CashFlow(f"{trade.vt_tradeid}.{key}", trade.gateway_name, kind, -float(amount),
                                  extra.get("commission_asset") or "", read_time(stored_time(trade.datetime)),
                                  trade.vt_symbol))
    return flows


def _flow_row(flow: CashFlow) -> dict:
    return {"flow_id": flow.flow_id, "gateway": flow.gateway_name, "kind": flow.kind, "vt_symbol": flow.vt_symbol,
            "amount": _finite(flow.amount), "asset": flow.asset, "time": stored_time(flow.time)}


def cash_flows(gateway: str, kind: str = "", since: datetime | None = None) -> list[CashFlowRecord]:
    """Stored funding payments and fees of a gateway, oldest first (`since`: aware or UTC)."""
    query = CashFlowRecord.select().where(CashFlowRecord.gateway == gateway)
    if kind:
        query = query.where(CashFlowRecord.kind == kind)
    if since is not None:
        query = query.where(CashFlowRecord.time >= stored_time(since))
    return list(query.order_by(CashFlowRecord.time))


def last_flow_time(gateway: str, kind: str) -> datetime | None:
    """When the newest stored flow of this kind happened (aware, UTC)."""
    moment = CashFlowRecord.select(fn.MAX(CashFlowRecord.time)).where(
        (CashFlowRecord.gateway == gateway) & (CashFlowRecord.kind == kind)).scalar()
    return read_time(moment)


def _regresses(old: dict, new: dict) -> bool:
    return new["traded"] < old["traded"] or (old["status"] in FINAL_STATUSES and new["status"] in ACTIVE_STATUSES)


def _request_row(entry: RequestEntry) -> dict:
    req = entry.req
    return {"id": entry.id, "created": stored_time(entry.created), "gateway": entry.gateway, "vt_symbol": req.vt_symbol,
            "direction": req.direction.name, "offset": req.offset.name, "order_type": req.type.name,
            "price": _finite(req.price), "volume": _finite(req.volume), "reference": req.reference,
            "vt_orderid": entry.vt_orderid, "reject_reason": entry.reject_reason}


def _finite(value) -> float:
    """A refused order may carry NaN or infinity (its reason quotes the value); SQLite cannot store them."""
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0.0


def _order_row(order: OrderData, now: datetime) -> dict:
    created = stored_time(order.datetime) if order.datetime else now
    return {"vt_orderid": order.vt_orderid, "gateway": order.gateway_name, "vt_symbol": order.vt_symbol,
            "direction": order.direction.name if order.direction else "", "offset": order.offset.name,
            "order_type": order.type.name, "price": _finite(order.price), "volume": _finite(order.volume),
            "traded": _finite(order.traded), "status": order.status.name, "reference": order.reference,
            "created": created, "updated": now}


def _trade_row(trade: TradeData) -> dict:
    moment = stored_time(trade.datetime)
    return {"vt_tradeid": trade.vt_tradeid, "vt_orderid": trade.vt_orderid, "gateway": trade.gateway_name,
            "vt_symbol": trade.vt_symbol, "direction": trade.direction.name if trade.direction else "",
            "offset": trade.offset.name, "price": trade.price, "volume": trade.volume, "datetime": moment}


def _same_trade(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] for k in ("vt_orderid", "vt_symbol", "direction", "price", "volume"))


def _describe_trade(row: dict) -> str:
    return f"{row['vt_tradeid']}（{row['vt_symbol']} {row['volume']}@{row['price']}）"


def _order_from_record(row: OrderRecord) -> OrderData:
    symbol, exchange = row.vt_symbol.rsplit(".", 1)
    return OrderData(gateway_name=row.gateway, symbol=symbol, exchange=Exchange(exchange),
                     orderid=row.vt_orderid.split(".", 1)[1], type=OrderType[row.order_type],
                     direction=Direction[row.direction] if row.direction else None, offset=Offset[row.offset],
                     price=row.price, volume=row.volume, traded=row.traded, status=Status[row.status],
                     datetime=read_time(row.created), reference=row.reference)


def _trade_from_record(row: TradeRecord) -> TradeData:
    symbol, exchange = row.vt_symbol.rsplit(".", 1)
    return TradeData(gateway_name=row.gateway, symbol=symbol, exchange=Exchange(exchange),
                     orderid=row.vt_orderid.split(".", 1)[1], tradeid=row.vt_tradeid.split(".", 1)[1],
                     direction=Direction[row.direction] if row.direction else None, offset=Offset[row.offset],
                     price=row.price, volume=row.volume, datetime=read_time(row.datetime))


# An older order state arriving late (a restart's reconciliation, a venue's reordering) never
# overwrites a newer one.
ORDER_UPSERT = (" ON CONFLICT(vt_orderid) DO UPDATE SET traded=excluded.traded, status=excluded.status,"
                " updated=excluded.updated WHERE excluded.traded >= orderrecord.traded AND NOT ("
                f"orderrecord.status IN ({', '.join(repr(s) for s in sorted(FINAL_STATUSES))}) AND "
                f"excluded.status IN ({', '.join(repr(s) for s in sorted(ACTIVE_STATUSES))}))")


def _bulk(model, rows: list[dict], suffix: str = "") -> None:
    """INSERT many rows with one prepared statement: peewee's per-value SQL building cost more
    than SQLite's work and the fsync together. Datetimes are stored as peewee stores them."""
    if not rows:
        return
    columns = list(rows[0])
    sql = (f'INSERT INTO "{model._meta.table_name}" ({", ".join(columns)}) '
           f'VALUES ({", ".join("?" * len(columns))}){suffix}')
    values = [tuple(str(v) if isinstance(v, datetime) else v for v in row.values()) for row in rows]
    database_proxy.obj.cursor().executemany(sql, values)


def _chunks(items: list) -> Iterable[list]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _explain(error: Exception) -> str:
    return tr("交易日志写入失败（{error}）：{hint}。未写入的记录已保留，写入恢复后自动补写", error=error,
              hint=database_hint(error))


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Beijing days as stored (UTC) bounds."""
    return (stored_time(datetime.combine(start, time.min, CHINA_TZ)),
            stored_time(datetime.combine(end + timedelta(days=1), time.min, CHINA_TZ)))
