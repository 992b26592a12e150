"""Pre-trade risk rules: pure checks over what one order request looks like against the
account. Each rule has a switch, parameters, and says whether it only limits opening orders
(closing orders and cancels must always be able to reduce risk)."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from vnpy.trader.constant import Direction
from vnpy.trader.object import OrderData, OrderRequest

from lianghua_app.i18n import tr


@dataclass(frozen=True)
class Check:
    """One order request and the account around it, as the rules see it."""
    req: OrderRequest
    clock: float            # monotonic seconds
    closing: bool
    last_price: float | None
    mid_price: float | None
    net_position: float
    size: float
    active_orders: list[OrderData]


@dataclass
class Flow:
    """Rolling memory of accepted requests, on the monotonic clock (seconds)."""
    second: deque = field(default_factory=deque)
    minute: deque = field(default_factory=deque)
    last_seen: dict = field(default_factory=dict)            # request key -> when it was last accepted
    pruned: float = 0.0

    def forget(self, clock: float) -> None:
        while self.second and clock - self.second[0] >= 1:
            self.second.popleft()
        while self.minute and clock - self.minute[0] >= 60:
            self.minute.popleft()
        if clock - self.pruned >= 10:          # a duplicate window longer than a minute is not honoured
            self.pruned = clock
            self.last_seen = {key: seen for key, seen in self.last_seen.items() if clock - seen < 60}

    def record(self, clock: float, key: tuple) -> None:
        self.second.append(clock)
        self.minute.append(clock)
        self.last_seen[key] = clock


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4f}".rstrip("0")


def _price(c: Check) -> float:
    return c.req.price or c.last_price or 0.0


def max_volume(c: Check, p: dict, flow: Flow) -> str | None:
    if c.req.volume > p["limit"]:
        return tr("单笔委托数量 {value} 超过上限 {limit}", value=_number(c.req.volume), limit=_number(p["limit"]))
    return None


def max_notional(c: Check, p: dict, flow: Flow) -> str | None:
    notional = _price(c) * c.req.volume * c.size
    if notional > p["limit"]:
        return tr("单笔委托金额 {value} 超过上限 {limit}", value=_number(round(notional)), limit=_number(p["limit"]))
    return None


def price_deviation(c: Check, p: dict, flow: Flow) -> str | None:
    reference = c.mid_price or c.last_price
    if not reference or not c.req.price:
        return None
    deviation = abs(c.req.price / reference - 1) * 100
    if deviation > p["percent"]:
        return tr("委托价 {price} 偏离参考价 {reference} 达 {value:.2f}%，上限 {limit}%", price=c.req.price,
                  reference=round(reference, 4), value=deviation, limit=p["percent"])
    return None


def max_active_orders(c: Check, p: dict, flow: Flow) -> str | None:
    if len(c.active_orders) >= p["total"]:
        return tr("活动委托 {value} 笔已达上限 {limit}", value=len(c.active_orders), limit=p["total"])
    same = sum(1 for order in c.active_orders if order.vt_symbol == c.req.vt_symbol)
    if same >= p["per_symbol"]:
        return tr("{symbol} 活动委托 {value} 笔已达上限 {limit}", symbol=c.req.vt_symbol, value=same,
                  limit=p["per_symbol"])
    return None


def order_rate(c: Check, p: dict, flow: Flow) -> str | None:
    second = len(flow.second)
    if second >= p["per_second"]:
        return tr("每秒委托 {value} 笔已达上限 {limit}", value=second, limit=p["per_second"])
    minute = len(flow.minute)
    if minute >= p["per_minute"]:
        return tr("每分钟委托 {value} 笔已达上限 {limit}", value=minute, limit=p["per_minute"])
    return None


def request_key(req: OrderRequest) -> tuple:
    return req.vt_symbol, req.direction, req.offset, req.price, req.volume


def duplicate(c: Check, p: dict, flow: Flow) -> str | None:
    seen = flow.last_seen.get(request_key(c.req))
    if seen is not None and c.clock - seen < p["seconds"]:
        return tr("{seconds}秒内已有相同委托（{symbol} {volume}@{price}）", seconds=p["seconds"],
                  symbol=c.req.vt_symbol, volume=_number(c.req.volume), price=c.req.price)
    return None


def self_trade(c: Check, p: dict, flow: Flow) -> str | None:
    buy = c.req.direction == Direction.LONG
    price = c.req.price or (math.inf if buy else -math.inf)        # a market order crosses everything
    for order in c.active_orders:
        if order.vt_symbol != c.req.vt_symbol or (order.direction == Direction.LONG) == buy:
            continue
        if (price >= order.price) if buy else (price <= order.price):
            return tr("会与自己的挂单 {orderid}（{price}）成交", orderid=order.vt_orderid, price=order.price)
    return None


def max_position(c: Check, p: dict, flow: Flow) -> str | None:
    change = c.req.volume if c.req.direction == Direction.LONG else -c.req.volume
    after = abs(c.net_position + change)
    if after > p["volume"]:
        return tr("{symbol} 持仓将达 {value}，上限 {limit}", symbol=c.req.vt_symbol, value=_number(after),
                  limit=_number(p["volume"]))
    notional = after * _price(c) * c.size
    if notional > p["notional"]:
        return tr("{symbol} 持仓市值将达 {value}，上限 {limit}", symbol=c.req.vt_symbol, value=_number(round(notional)),
                  limit=_number(p["notional"]))
    return None


def blacklist(c: Check, p: dict, flow: Flow) -> str | None:
    if c.req.vt_symbol in p["symbols"] or c.req.symbol in p["symbols"]:
        return tr("{symbol} 在黑名单中", symbol=c.req.vt_symbol)
    return None


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    check: object            # callable(Check, params, Flow) -> reason | None
    defaults: dict
    opening_only: bool


RULES: dict[str, Rule] = {rule.name: rule for rule in (
    Rule("blacklist", "黑名单", blacklist, {"symbols": []}, False),
    Rule("max_volume", "单笔数量", max_volume, {"limit": 1_000_000}, True),
    Rule("max_notional", "单笔金额", max_notional, {"limit": 1_000_000}, True),
    Rule("price_deviation", "价格偏离", price_deviation, {"percent": 5.0}, False),
    Rule("max_active_orders", "活动委托数", max_active_orders, {"total": 50, "per_symbol": 10}, True),
    Rule("order_rate", "委托频率", order_rate, {"per_second": 10, "per_minute": 120}, False),
    Rule("duplicate", "重复委托", duplicate, {"seconds": 2.0}, False),
    Rule("self_trade", "自成交", self_trade, {}, False),
    Rule("max_position", "单标的持仓", max_position, {"volume": 1_000_000, "notional": 10_000_000}, True),
)}
