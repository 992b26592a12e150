"""Order, flow and list rules, and the catalogue of every rule. A rule is a pure function of a
`Check` and its parameters returning a reason to refuse, or None. Each rule says whether it
only limits opening orders: closing orders and cancels must always be able to reduce risk."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from vnpy.trader.constant import Direction
from vnpy.trader.object import OrderRequest

from lianghua_app.formatting import quantity as number
from lianghua_app.i18n import tr

from . import limits
from .context import Check
from .day import MARKET_ZONES, parse_clock


def max_volume(c: Check, p: dict) -> str | None:
    if c.req.volume > p["limit"]:
        return tr("单笔委托数量 {value} 超过上限 {limit}", value=number(c.req.volume), limit=number(p["limit"]))
    return None


def max_notional(c: Check, p: dict) -> str | None:
    notional = c.notional
    if notional > p["limit"]:
        return tr("单笔委托金额 {value} 超过上限 {limit}", value=number(round(notional)), limit=number(p["limit"]))
    return None


def price_deviation(c: Check, p: dict) -> str | None:
    reference = c.mid_price or c.last_price
    if not reference or not c.req.price:
        return None
    deviation = abs(c.req.price / reference - 1) * 100
    if deviation > p["percent"]:
        return tr("委托价 {price} 偏离参考价 {reference} 达 {value:.2f}%，上限 {limit}%", price=c.req.price,
                  reference=round(reference, 4), value=deviation, limit=p["percent"])
    return None


def max_active_orders(c: Check, p: dict) -> str | None:
    total = len(c.active_orders)
    if total >= p["total"]:
        return tr("活动委托 {value} 笔已达上限 {limit}", value=total, limit=number(p["total"]))
    if total < p["per_symbol"]:            # then no symbol can have reached it
        return None
    same = sum(1 for order in c.active_orders if order.vt_symbol == c.req.vt_symbol)
    if same >= p["per_symbol"]:
        return tr("{symbol} 活动委托 {value} 笔已达上限 {limit}", symbol=c.req.vt_symbol, value=same,
                  limit=number(p["per_symbol"]))
    return None


def order_rate(c: Check, p: dict) -> str | None:
    second = len(c.flow.second)
    if second >= p["per_second"]:
        return tr("每秒委托 {value} 笔已达上限 {limit}", value=second, limit=number(p["per_second"]))
    minute = len(c.flow.minute)
    if minute >= p["per_minute"]:
        return tr("每分钟委托 {value} 笔已达上限 {limit}", value=minute, limit=number(p["per_minute"]))
    return None


def cancel_rate(c: Check, p: dict) -> str | None:
    cancels = len(c.flow.cancels)
    if p["per_minute"] and cancels >= p["per_minute"]:
        return tr("每分钟撤单 {value} 笔已达上限 {limit}，暂停开仓", value=cancels, limit=number(p["per_minute"]))
    today = c.flow.today(c.market, c.day)
    if p["ratio"] and today.orders >= max(p["min_orders"], 1) and today.cancels / today.orders >= p["ratio"]:
        return tr("当日撤单/委托比 {cancels}/{orders} = {value:.2f} 已达上限 {limit}，暂停开仓", cancels=today.cancels,
                  orders=today.orders, value=today.cancels / today.orders, limit=p["ratio"])
    return None


def request_key(req: OrderRequest) -> bytes:
    # Bytes, not a tuple: the duplicate window keeps one key per accepted order, and kept tuples
    # are containers the garbage collector tracks, so every few hundred orders one check would
    # pay for a collection (~60 us, most of the latency tail). Price and volume are packed as
    # doubles, so 300 and 300.0 stay the same key.
    names = f"{req.vt_symbol} {req.direction._value_} {req.offset._value_}"
    return _PRICE_VOLUME(req.price, req.volume) + names.encode()


_PRICE_VOLUME = struct.Struct("<dd").pack


def duplicate(c: Check, p: dict) -> str | None:
    seen = c.flow.last_seen.get(c.key)
    if seen is not None and c.clock - seen < p["seconds"]:
        return tr("{seconds}秒内已有相同委托（{symbol} {volume}@{price}）", seconds=number(p["seconds"]),
                  symbol=c.req.vt_symbol, volume=number(c.req.volume), price=c.req.price)
    return None


def self_trade(c: Check, p: dict) -> str | None:
    buy = c.req.direction == Direction.LONG
    price = c.req.price or (math.inf if buy else -math.inf)        # a market order crosses everything
    for order in c.active_orders:
        if order.vt_symbol != c.req.vt_symbol or (order.direction == Direction.LONG) == buy:
            continue
        if (price >= order.price) if buy else (price <= order.price):
            return tr("会与自己的挂单 {orderid}（{price}）成交", orderid=order.vt_orderid, price=order.price)
    return None


def blacklist(c: Check, p: dict) -> str | None:
    symbols = p["symbols"]
    if symbols and (c.req.vt_symbol in symbols or c.req.symbol in symbols):
        return tr("{symbol} 在黑名单中，只允许平仓", symbol=c.req.vt_symbol)
    return None


def whitelist(c: Check, p: dict) -> str | None:
    """`symbols` are allowed on every listed gateway; `approved` holds the hotlist's approvals as
    GATEWAY:vt_symbol, allowed on that gateway only."""
    symbols = p["symbols"]
    if c.gateway_name in p["gateways"] and not (c.req.vt_symbol in symbols or c.req.symbol in symbols
                                                or f"{c.gateway_name}:{c.req.vt_symbol}" in p["approved"]):
        return tr("{symbol} 不在白名单中（{gateway} 只允许交易白名单代码，请先在“热门”面板批准）",
                  symbol=c.req.vt_symbol, gateway=c.gateway_name)
    return None


def trading_hours(c: Check, p: dict) -> str | None:
    sessions = p[c.market]
    second = int(c.stamp)               # sessions are whole minutes: a second decides
    verdict = _last_verdict
    if verdict[0] is not sessions or verdict[1] != second:
        # The cache holds the sessions list itself, so a new configuration never matches it.
        verdict[:] = sessions, second, _outside_sessions(c.now.astimezone(MARKET_ZONES[c.market]), c.market,
                                                         tuple(sessions))
    return verdict[2]


_last_verdict: list = [None, 0, None]       # sessions, epoch second, verdict


def _outside_sessions(local: datetime, market: str, sessions: tuple[str, ...]) -> str | None:
    if market == "ashare" and local.weekday() >= 5:
        return tr("A股周末休市，不接受委托")
    clock = local.time()
    for session in sessions:
        start, _, end = session.partition("-")
        if parse_clock(start) <= clock <= parse_clock(end):
            return None
    return tr("{time} 不在允许的交易时段（{sessions}）内", time=local.strftime("%H:%M:%S"),
              sessions="，".join(sessions))


def check_sessions(params: dict) -> list[str]:
    errors = []
    for market in ("ashare", "crypto"):
        for session in params.get(market, []):
            start, _, end = session.partition("-")
            try:
                if parse_clock(start) >= parse_clock(end):
                    raise ValueError
            except ValueError:
                errors.append(tr("交易时段 {session} 应写成 HH:MM-HH:MM，且开始早于结束", session=session))
    return errors


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    group: str
    check: Callable[[Check, dict], str | None] | None    # None: watched outside the order pipeline
    defaults: dict
    opening_only: bool
    validate: Callable[[dict], list[str]] = field(default=lambda params: [])


RULES: dict[str, Rule] = {rule.name: rule for rule in (
    Rule("blacklist", "黑名单", "名单", blacklist, {"symbols": []}, True),
    Rule("whitelist", "白名单", "名单", whitelist, {"symbols": [], "gateways": [], "approved": []}, True),
    Rule("trading_hours", "交易时段", "名单", trading_hours,
         {"ashare": ["09:15-11:30", "13:00-15:00"], "crypto": ["00:00-24:00"]}, False, check_sessions),
    Rule("max_volume", "单笔数量", "委托", max_volume, {"limit": 1_000_000}, True),
    Rule("max_notional", "单笔金额", "委托", max_notional, {"limit": 1_000_000}, True),
    Rule("price_deviation", "价格偏离", "委托", price_deviation, {"percent": 5.0}, False),
    Rule("max_active_orders", "活动委托数", "委托", max_active_orders, {"total": 50, "per_symbol": 10}, True),
    Rule("order_rate", "委托频率", "流量", order_rate, {"per_second": 10, "per_minute": 120}, False),
    Rule("cancel_rate", "撤单频率", "流量", cancel_rate, {"per_minute": 60, "ratio": 0.9, "min_orders": 20}, True),
    Rule("duplicate", "重复委托", "流量", duplicate, {"seconds": 2.0}, False),
    Rule("self_trade", "自成交", "流量", self_trade, {}, False),
    Rule("max_position", "单标的持仓", "持仓资金", limits.max_position,
         {"volume": 1_000_000, "notional": 10_000_000, "equity_percent": 0.0}, True),
    Rule("sector_concentration", "行业集中度", "持仓资金", limits.sector_concentration, {"percent": 40.0}, True),
    Rule("gross_exposure", "总敞口与杠杆", "持仓资金", limits.gross_exposure, {"notional": 0.0, "leverage": 1.0}, True),
    Rule("cash_reserve", "现金保留", "持仓资金", limits.cash_reserve, {"percent": 5.0}, True),
    Rule("daily_loss", "当日亏损", "亏损熔断", None, {"percent": 3.0, "amount": 0.0, "flatten": False}, True),
    Rule("drawdown", "最大回撤", "亏损熔断", None, {"percent": 10.0, "flatten": False}, True),
    Rule("strategy_loss", "策略当日亏损", "亏损熔断", None, {"amount": 20_000.0}, True),
    Rule("protective_exit", "止损止盈", "平仓保护", None,
         {"stop_loss_pct": 0.0, "take_profit_pct": 0.0, "atr_window": 14, "atr_interval": "1m", "atr_stop": 0.0,
          "atr_take": 0.0, "trailing_pct": 0.0, "chandelier_atr": 0.0}, False, limits.check_exit_params),
)}
