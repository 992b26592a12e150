"""Where PnL came from, per day, strategy and symbol: trading PnL (each fill against the day's
close), holding PnL (the position carried in, against the previous close), commission, taxes and
funding. Fills without a strategy are 手动. Pure: fills, funding and closes in, rows out; the
parts add up to the change in cash plus position value, by construction, and any funding that
no position explains is shown as its own row, never spread silently.

Days are each market's own: Beijing dates for A-shares (the close is the day's close), UTC dates
for crypto (the close is the UTC day's last mark)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from vnpy.trader.constant import Exchange

from lianghua_app.markets import clock_of

MANUAL = "手动"
UNEXPLAINED = "未归属"


@dataclass(frozen=True)
class Fill:
    time: datetime                  # aware
    vt_symbol: str
    strategy: str                   # "" for a trade no strategy sent
    qty: float                      # signed: + bought
    price: float
    size: float = 1.0               # contract multiplier
    commission: float = 0.0         # paid, >= 0
    tax: float = 0.0                # paid, >= 0


@dataclass(frozen=True)
class Funding:
    time: datetime
    vt_symbol: str
    amount: float                   # + received


@dataclass
class DayRow:
    day: date
    strategy: str
    vt_symbol: str
    trading: float = 0.0
    holding: float = 0.0
    commission: float = 0.0         # negative: a cost
    tax: float = 0.0
    funding: float = 0.0
    position: float = 0.0           # at the day's end

    @property
    def total(self) -> float:
        return self.trading + self.holding + self.commission + self.tax + self.funding


@dataclass
class _Book:
    position: float = 0.0
    size: float = 1.0
    rows: dict[date, DayRow] = field(default_factory=dict)


def market_day(moment: datetime, vt_symbol: str) -> date:
    return moment.astimezone(clock_of(Exchange(vt_symbol.rsplit(".", 1)[1]))).date()


def attribute(fills: list[Fill], funding: list[Funding], closes: dict[tuple[str, date], float],
              opening: dict[tuple[str, str], tuple[float, float]] | None = None) -> list[DayRow]:
    """`closes[(vt_symbol, day)]`: the close (A-share) or last mark (crypto) of each day a position
    was held or traded; `opening[(strategy, vt_symbol)] = (qty, previous close)` for positions
    held before the first fill. Rows in day order."""
    books: dict[tuple[str, str], _Book] = defaultdict(_Book)
    for (strategy, vt_symbol), (qty, _) in (opening or {}).items():
        books[(strategy or MANUAL, vt_symbol)].position = qty
    events = sorted([(f.time, 0, f) for f in fills] + [(f.time, 1, f) for f in funding], key=lambda e: (e[0], e[1]))
    days_of: dict[str, set[date]] = defaultdict(set)
    by_day: dict[tuple[str, date], list] = defaultdict(list)
    for moment, _, item in events:
        day = market_day(moment, item.vt_symbol)
        days_of[item.vt_symbol].add(day)
        by_day[(item.vt_symbol, day)].append(item)
    for (vt_symbol, day) in closes:
        if any(key[1] == vt_symbol for key in books) or vt_symbol in days_of:
            days_of[vt_symbol].add(day)
    rows: list[DayRow] = []
    for vt_symbol, days in days_of.items():
        previous = {strategy: close for (strategy, symbol), (_, close) in (opening or {}).items()
                    if symbol == vt_symbol}
        previous_close = next(iter(previous.values()), None)
        for day in sorted(days):
            close = closes.get((vt_symbol, day))
            if close is None:
                raise ValueError(f"no close for {vt_symbol} on {day}")
            day_rows = _one_day(books, vt_symbol, day, by_day.get((vt_symbol, day), []), close, previous_close)
            rows += day_rows
            previous_close = close
    return sorted(rows, key=lambda r: (r.day, r.vt_symbol, r.strategy))


def _one_day(books: dict, vt_symbol: str, day: date, items: list, close: float,
             previous_close: float | None) -> list[DayRow]:
    touched: dict[str, DayRow] = {}

    def row(strategy: str) -> DayRow:
        if strategy not in touched:
            touched[strategy] = DayRow(day, strategy, vt_symbol)
        return touched[strategy]

    for (strategy, symbol), book in books.items():
        if symbol == vt_symbol and book.position and previous_close is not None:
            row(strategy).holding += book.position * (close - previous_close) * book.size
    for item in items:
        if isinstance(item, Fill):
            strategy = item.strategy or MANUAL
            book = books[(strategy, vt_symbol)]
            book.size = item.size
            target = row(strategy)
            target.trading += item.qty * (close - item.price) * item.size
            target.commission -= item.commission
            target.tax -= item.tax
            book.position += item.qty
        else:
            holders = {s: b.position for (s, sym), b in books.items() if sym == vt_symbol and b.position}
            gross = sum(abs(q) for q in holders.values())
            if not gross:
                row(UNEXPLAINED).funding += item.amount
                continue
            for strategy, qty in holders.items():
                row(strategy).funding += item.amount * abs(qty) / gross
    for strategy, day_row in touched.items():
        day_row.position = books[(strategy, vt_symbol)].position if strategy != UNEXPLAINED else 0.0
    return list(touched.values())
