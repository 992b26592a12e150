"""Numbers, times and orders as a trader reads them: money to the fen with thousands separators,
percentages with %, whole share counts without ".0", no scientific notation, milliseconds
zero-padded, daily bars by date only, one clock (Beijing time) in every table, and an order in
its market's words."""

from __future__ import annotations

import math
from datetime import datetime, time

from vnpy.trader.constant import Direction, Exchange, Interval, Offset, OrderType

from .i18n import tr
from .markets import CHINA_TZ, is_ashare

MISSING = "—"


def _finite(value: object) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def money(value: object) -> str:
    number = _finite(value)
    return MISSING if number is None else f"{number:,.2f}"


def percent(value: object, signed: bool = True) -> str:
    """`value` is already in percent (5.1 -> "+5.10%")."""
    number = _finite(value)
    if number is None:
        return MISSING
    return f"{number:+.2f}%" if signed else f"{number:.2f}%"


def quantity(value: object) -> str:
    """Shares or contracts: whole numbers without decimals, fractions (crypto) up to 8 places."""
    number = _finite(value)
    if number is None:
        return MISSING
    if number == int(number):
        return f"{int(number):,}"
    return f"{number:,.8f}".rstrip("0")


def price(value: object, digits: int | None = None) -> str:
    """A price to `digits` places; without them, at least 2 and at most 8, trailing zeros cut."""
    number = _finite(value)
    if number is None:
        return MISSING
    if digits is not None:
        return f"{number:,.{digits}f}"
    text = f"{number:,.8f}".rstrip("0")
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def number(value: object, places: int = 2) -> str:
    """A plain figure (a ratio, a count of days) without scientific notation."""
    figure = _finite(value)
    return MISSING if figure is None else f"{figure:,.{places}f}"


def compact(value: object) -> str:
    """A figure of any size, short and without an exponent: 1,250,000 / 12.5 / 0.0003."""
    figure = _finite(value)
    if figure is None:
        return MISSING
    if abs(figure) >= 1000:
        return f"{figure:,.0f}"
    return f"{figure:.8f}".rstrip("0").rstrip(".") or "0"


def beijing(moment: datetime) -> datetime:
    """In Beijing time. A naive time is the computer's clock (vnpy stamps logs with `datetime.now()`)."""
    return moment.astimezone(CHINA_TZ)


def clock(moment: datetime | None) -> str:
    """HH:MM:SS.mmm in Beijing time."""
    if moment is None:
        return ""
    local = beijing(moment)
    return f"{local:%H:%M:%S}.{local.microsecond // 1000:03d}"


def minute(moment: datetime | None) -> str:
    """YYYY-MM-DD HH:MM in Beijing time (an approval's start and expiry)."""
    return f"{beijing(moment):%Y-%m-%d %H:%M}" if moment is not None else ""


def second(moment: datetime | None) -> str:
    """YYYY-MM-DD HH:MM:SS in Beijing time (a journaled order or trade)."""
    return f"{beijing(moment):%Y-%m-%d %H:%M:%S}" if moment is not None else ""


def bar_time(moment: datetime, interval: Interval | None = None) -> str:
    """A bar's time: the date alone for daily bars (their midnight stamp is not a time of day)."""
    local = beijing(moment)
    if interval is Interval.DAILY or interval is Interval.WEEKLY or (interval is None and local.time() == time(0)):
        return f"{local:%Y-%m-%d}"
    return minute(local)


def side_words(exchange: Exchange, direction: Direction, offset: Offset) -> str:
    """买入/卖出 for a stock; 开多, 开空, 平多, 平空 for a perpetual (买入/卖出 without an offset)."""
    long = direction is Direction.LONG
    if is_ashare(exchange) or offset is Offset.NONE:
        return tr("买入") if long else tr("卖出")
    if offset is Offset.OPEN:
        return tr("开多") if long else tr("开空")
    return tr("平空") if long else tr("平多")


def interval_words(interval: Interval) -> str:
    return {Interval.MINUTE: tr("1分钟"), Interval.HOUR: tr("1小时"), Interval.DAILY: tr("日线"),
            Interval.WEEKLY: tr("周线"), Interval.TICK: tr("逐笔")}.get(interval, interval.value)


def describe_order(order) -> str:
    """An order request or order in words: "000001.SZSE 买入 150股 限价 11.00"."""
    unit = tr("股") if is_ashare(order.exchange) else ""
    limit = tr("限价 {price}", price=price(order.price)) if order.type is OrderType.LIMIT else order.type.value
    side = side_words(order.exchange, order.direction, order.offset)
    return f"{order.vt_symbol} {side} {quantity(order.volume)}{unit} {limit}"
