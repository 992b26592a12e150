"""Where PnL came from, per day, strategy and symbol: trading PnL (each fill against the day's
close), holding PnL (the position carried in, against the previous close), commission, taxes and
funding. Fills without a strategy are 手动. Pure: fills, funding and closes in, rows out; the
parts add up to the change in cash plus position value, by construction, and any funding that
no position explains is shown as its own row, never spread silently.

Days are each market's own: Beijing dates for A-shares (the close is the day's close), UTC dates
for crypto (the close is the UTC day's last mark). A day's trading PnL of a book is
size × (close × Σqty − Σqty×price), so the fills enter already summed per book and day (the
journal sums them in SQL) and the days are a (book × day) grid: a year of fills is attributed
in a fraction of a second. A funding payment is split by the positions held at its moment: the
day's opening position plus that day's fills up to then, which the source supplies."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from lianghua_app.markets import clock_of, exchange_of

MANUAL = "手动"
UNEXPLAINED = "未归属"
PARTS = ("trading", "holding", "commission", "tax", "funding")


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


Book = tuple[str, str, str]         # (gateway, strategy or 手动, vt_symbol)


@dataclass
class DayTable:
    """Fills summed per book and market day; `book[i]` indexes `books`."""
    books: list[Book]
    book: np.ndarray                # int
    day: np.ndarray                 # datetime64[D]
    qty: np.ndarray                 # Σ signed quantity
    notional: np.ndarray            # Σ quantity × price
    size: np.ndarray                # the contract multiplier
    commission: np.ndarray          # Σ paid
    tax: np.ndarray
    count: np.ndarray               # fills

    @classmethod
    def from_columns(cls, books: list[Book], book: np.ndarray, day: np.ndarray, qty: np.ndarray, price: np.ndarray,
                     size: np.ndarray, commission: np.ndarray, tax: np.ndarray) -> DayTable:
        """One entry per fill (`day`: datetime64[D] market days) summed per book and day."""
        days = day.astype("datetime64[D]")
        key = book.astype(np.int64) * (1 << 32) + (days.astype(np.int64) - days.astype(np.int64).min(initial=0))
        unique, first, inverse = np.unique(key, return_index=True, return_inverse=True)

        def total(values: np.ndarray) -> np.ndarray:
            return np.bincount(inverse, values, minlength=len(unique))

        return cls(books, book[first], days[first], total(qty), total(qty * price), size[first], total(commission),
                   total(tax), np.bincount(inverse, minlength=len(unique)))

    @classmethod
    def from_fills(cls, fills: list[Fill]) -> DayTable:
        index: dict[Book, int] = {}
        book = np.array([index.setdefault((f.gateway, f.strategy or MANUAL, f.vt_symbol), len(index)) for f in fills],
                        dtype=np.int64)
        day = np.array([market_day(f.time, f.vt_symbol) for f in fills], dtype="datetime64[D]")
        columns = (np.array([getattr(f, name) for f in fills], dtype=np.float64)
                   for name in ("qty", "price", "size", "commission", "tax"))
        return cls.from_columns(list(index), book, day, *columns)

    @property
    def fill_count(self) -> int:
        return int(self.count.sum())


@dataclass(frozen=True)
class Payment:
    funding: Funding
    intraday: dict[Book, float]     # each book's fills of the payment's day up to its moment


def payments_from_fills(fills: list[Fill], funding: list[Funding]) -> list[Payment]:
    payments = []
    for payment in funding:
        day = market_day(payment.time, payment.vt_symbol)
        intraday: dict[Book, float] = defaultdict(float)
        for f in fills:
            if (f.gateway, f.vt_symbol) == (payment.gateway, payment.vt_symbol) and f.time <= payment.time \
                    and market_day(f.time, f.vt_symbol) == day:
                intraday[(f.gateway, f.strategy or MANUAL, f.vt_symbol)] += f.qty
        payments.append(Payment(payment, dict(intraday)))
    return payments


def market_day(moment: datetime, vt_symbol: str) -> date:
    return moment.astimezone(clock_of(exchange_of(vt_symbol))).date()


def attribute(fills: list[Fill], funding: list[Funding], closes: dict[tuple[str, date], float],
              opening: dict[Book, tuple[float, float]] | None = None) -> list[DayRow]:
    """Fill and payment objects in; see `attribute_days`."""
    return attribute_days(DayTable.from_fills(fills), payments_from_fills(fills, funding), closes, opening)


def attribute_days(table: DayTable, payments: list[Payment], closes: dict[tuple[str, date], float],
                   opening: dict[Book, tuple[float, float]] | None = None) -> list[DayRow]:
    """`closes[(vt_symbol, day)]`: the close (A-share) or last mark (crypto) of each day a position
    was held or traded; `opening[(gateway, strategy, vt_symbol)] = (qty, previous close)` for
    positions held before the table's first day. Rows in day order."""
    opening = {(g, s or MANUAL, v): value for (g, s, v), value in (opening or {}).items()}
    books = list(table.books)
    index = {book: i for i, book in enumerate(books)}
    for book in opening:
        if book not in index:
            index[book] = len(books)
            books.append(book)
    symbols = sorted({b[2] for b in books} | {p.funding.vt_symbol for p in payments})
    symbol_index = {s: i for i, s in enumerate(symbols)}
    payment_days = [np.datetime64(market_day(p.funding.time, p.funding.vt_symbol), "D") for p in payments]
    days = np.unique(np.concatenate([table.day, np.array([d for (s, d) in closes if s in symbol_index],
                                                         dtype="datetime64[D]"),
                                     np.array(payment_days, dtype="datetime64[D]")]))
    if not len(days):
        return []
    close = np.full((len(symbols), len(days)), np.nan)
    for (vt_symbol, day), price in closes.items():
        row = symbol_index.get(vt_symbol)
        if row is not None:
            close[row, np.searchsorted(days, np.datetime64(day, "D"))] = price
    row_day = np.searchsorted(days, table.day)
    symbol_of_book = np.array([symbol_index[b[2]] for b in books], dtype=np.int64)
    at_close = close[symbol_of_book[table.book], row_day] if len(table.book) else np.array([])
    if np.isnan(at_close).any():
        first = int(np.flatnonzero(np.isnan(at_close))[0])
        raise ValueError(f"no close for {books[table.book[first]][2]} on {days[row_day[first]]}")
    shape = (len(books), len(days))
    flat = table.book * len(days) + row_day

    def grid(weights: np.ndarray) -> np.ndarray:
        return np.bincount(flat, weights, minlength=shape[0] * shape[1]).reshape(shape)

    trading = grid(table.size * (at_close * table.qty - table.notional))
    commission, tax, traded = -grid(table.commission), -grid(table.tax), grid(table.qty)
    touched = grid(table.count.astype(np.float64)) > 0
    start = np.zeros(len(books))
    for book, (qty, _) in opening.items():
        start[index[book]] = qty
    held_in = start[:, None] + np.cumsum(traded, axis=1) - traded      # position at each day's start
    size = np.ones(len(books))
    size[table.book] = table.size
    holding = _holding(close, _previous_closes(close, symbols, opening), symbol_of_book, held_in, size)
    touched |= holding != 0
    funding_grid = np.zeros(shape)
    extra: dict[Book, dict[int, float]] = {}
    for payment, day in zip(payments, payment_days, strict=True):
        _share_funding(payment, int(np.searchsorted(days, day)), books, held_in, funding_grid, extra)
    touched |= funding_grid != 0
    end = held_in + traded
    book_ids, day_ids = np.nonzero(touched)
    values = [grid_[book_ids, day_ids].tolist() for grid_ in (trading, holding, commission, tax, funding_grid, end)]
    rows = [DayRow(day, books[b][1], books[b][2], books[b][0], *parts)
            for b, day, *parts in zip(book_ids.tolist(), days[day_ids].tolist(), *values, strict=True)]
    rows += [DayRow(days[d].item(), book[1], book[2], book[0], funding=amount)
             for book, by_day in extra.items() for d, amount in by_day.items()]
    return sorted(rows, key=lambda r: (r.day, r.vt_symbol, r.gateway, r.strategy))


def _previous_closes(close: np.ndarray, symbols: list[str], opening: dict[Book, tuple[float, float]]) -> np.ndarray:
    """For each symbol and day, the last close before it (the opening's close before the first)."""
    known = np.concatenate([np.full((close.shape[0], 1), np.nan), close[:, :-1]], axis=1)
    for book, (_, before) in opening.items():
        known[symbols.index(book[2]), 0] = before
    columns = np.where(np.isnan(known), -1, np.arange(close.shape[1]))
    latest = np.maximum.accumulate(columns, axis=1)
    previous = np.take_along_axis(known, latest.clip(0), axis=1)
    return np.where(latest >= 0, previous, np.nan)


def _holding(close: np.ndarray, previous: np.ndarray, symbol_of_book: np.ndarray, held_in: np.ndarray,
             size: np.ndarray) -> np.ndarray:
    move = close[symbol_of_book] - previous[symbol_of_book]
    holding = held_in * np.where(np.isnan(move), 0.0, move) * size[:, None]
    return np.where(held_in != 0, holding, 0.0)


def _share_funding(payment: Payment, day: int, books: list[Book], held_in: np.ndarray, grid: np.ndarray,
                   extra: dict[Book, dict[int, float]]) -> None:
    """Split a payment over the books of its gateway and symbol by the size of the position each
    held at that moment; none held: shown as 未归属."""
    funding = payment.funding
    holders = {}
    for book_id, book in enumerate(books):
        if book[0] == funding.gateway and book[2] == funding.vt_symbol:
            position = held_in[book_id, day] + payment.intraday.get(book, 0.0)
            if position:
                holders[book_id] = abs(position)
    gross = sum(holders.values())
    if not gross:
        lost = extra.setdefault((funding.gateway, UNEXPLAINED, funding.vt_symbol), {})
        lost[day] = lost.get(day, 0.0) + funding.amount
        return
    for book_id, weight in holders.items():
        grid[book_id, day] += funding.amount * weight / gross
