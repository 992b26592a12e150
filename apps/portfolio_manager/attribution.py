"""Where PnL came from, per day, strategy and symbol: trading PnL (each fill against the day's
close), holding PnL (the position carried in, against the previous close), commission, taxes and
funding. Fills without a strategy are 手动. Pure: fills, funding and closes in, rows out; the
parts add up to the change in cash plus position value, by construction, and any funding that
no position explains is shown as its own row, never spread silently.

Days are each market's own: Beijing dates for A-shares (the close is the day's close), UTC dates
for crypto (the close is the UTC day's last mark)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
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
    gateway: str = ""
    vt_tradeid: str = ""


@dataclass(frozen=True)
class Funding:
    time: datetime
    vt_symbol: str
    amount: float                   # + received
    gateway: str = ""


@dataclass
class DayRow:
    day: date
    strategy: str
    vt_symbol: str
    gateway: str = ""
    trading: float = 0.0
    holding: float = 0.0
    commission: float = 0.0         # negative: a cost
    tax: float = 0.0
    funding: float = 0.0
    position: float = 0.0           # at the day's end

    @property
    def total(self) -> float:
        return self.trading + self.holding + self.commission + self.tax + self.funding


PARTS = ("trading", "holding", "commission", "tax", "funding")


@dataclass
class _Book:
    position: float = 0.0
    size: float = 1.0


def market_day(moment: datetime, vt_symbol: str) -> date:
    return moment.astimezone(clock_of(Exchange(vt_symbol.rsplit(".", 1)[1]))).date()


def attribute(fills: list[Fill], funding: list[Funding], closes: dict[tuple[str, date], float],
              opening: dict[tuple[str, str, str], tuple[float, float]] | None = None) -> list[DayRow]:
    """`closes[(vt_symbol, day)]`: the close (A-share) or last mark (crypto) of each day a position
    was held or traded; `opening[(gateway, strategy, vt_symbol)] = (qty, previous close)` for
    positions held before the first fill. Rows in day order."""
    books: dict[str, dict[tuple[str, str], _Book]] = defaultdict(dict)
    previous: dict[str, float] = {}
    for (gateway, strategy, vt_symbol), (qty, close) in (opening or {}).items():
        books[vt_symbol][(gateway, strategy or MANUAL)] = _Book(qty)
        previous[vt_symbol] = close
    by_day: dict[str, dict[date, list]] = defaultdict(lambda: defaultdict(list))
    for item in sorted([*fills, *funding], key=lambda f: (f.time, isinstance(f, Funding))):
        by_day[item.vt_symbol][market_day(item.time, item.vt_symbol)].append(item)
    close_days: dict[str, list[date]] = defaultdict(list)
    for vt_symbol, day in closes:
        close_days[vt_symbol].append(day)
    rows: list[DayRow] = []
    for vt_symbol in set(by_day) | set(books):
        days = sorted(set(by_day[vt_symbol]) | set(close_days.get(vt_symbol, ())))
        symbol_books, previous_close = books[vt_symbol], previous.get(vt_symbol)
        first = min(by_day[vt_symbol], default=None)
        for day in days:
            if first is not None and day < first and not symbol_books:
                continue
            close = closes.get((vt_symbol, day))
            if close is None:
                raise ValueError(f"no close for {vt_symbol} on {day}")
            rows += _one_day(symbol_books, vt_symbol, day, by_day[vt_symbol].get(day, ()), close, previous_close)
            previous_close = close
    return sorted(rows, key=lambda r: (r.day, r.vt_symbol, r.gateway, r.strategy))


def _one_day(books: dict[tuple[str, str], _Book], vt_symbol: str, day: date, items, close: float,
             previous_close: float | None) -> list[DayRow]:
    touched: dict[tuple[str, str], DayRow] = {}

    def row(key: tuple[str, str]) -> DayRow:
        found = touched.get(key)
        if found is None:
            found = touched[key] = DayRow(day, key[1], vt_symbol, key[0])
        return found

    if previous_close is not None:
        for key, book in books.items():
            if book.position:
                row(key).holding += book.position * (close - previous_close) * book.size
    for item in items:
        if isinstance(item, Fill):
            key = (item.gateway, item.strategy or MANUAL)
            book = books.get(key)
            if book is None:
                book = books[key] = _Book()
            book.size = item.size
            target = row(key)
            target.trading += item.qty * (close - item.price) * item.size
            target.commission -= item.commission
            target.tax -= item.tax
            book.position += item.qty
        else:
            holders = {key: b.position for key, b in books.items() if b.position and key[0] == item.gateway}
            gross = sum(abs(q) for q in holders.values())
            if not gross:
                row((item.gateway, UNEXPLAINED)).funding += item.amount
                continue
            for key, qty in holders.items():
                row(key).funding += item.amount * abs(qty) / gross
    for key, day_row in touched.items():
        day_row.position = books[key].position if key in books else 0.0
    return list(touched.values())
