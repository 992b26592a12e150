"""The journal as attribution's input: every journaled trade with the strategy whose order it
filled (by the order's reference; none is 手动), its commission and tax from the cash-flow
ledger, and every funding payment, valued at each day's close. Read with plain SQL (a year of
fills in one pass) and without the trading engine, so the command line can report while the
app runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta

import numpy as np
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database

from lianghua_app.journal import STRATEGY_PREFIX
from lianghua_app.markets import ASHARE_EXCHANGES, CHINA_TZ, clock_of, exchange_of
from lianghua_app.storage import database_proxy, read_time, stored_time

from . import records
from .attribution import MANUAL, Book, DayTable, Fill, Funding, Payment, attribute_days, market_day
from .report import Report, check_accounts

HISTORY_DAYS = 400                      # how far back attribution reads by default

SIGNED = "(CASE WHEN t.direction = 'LONG' THEN t.volume ELSE -t.volume END)"
JOURNAL = "traderecord t LEFT JOIN orderrecord o ON o.vt_orderid = t.vt_orderid"
FUNDING = "SELECT time, vt_symbol, amount, gateway FROM cashflowrecord WHERE kind = 'funding' AND time >= ?"


def _market_day_sql(column: str) -> str:
    """SQL for the market day of a stored (UTC) time: Beijing dates for A-shares, else UTC dates."""
    hours = int(CHINA_TZ.utcoffset(datetime(2000, 1, 1)).total_seconds() // 3600)
    ashare = " OR ".join(f"t.vt_symbol LIKE '%.{exchange.value}'" for exchange in ASHARE_EXCHANGES)
    return f"(CASE WHEN {ashare} THEN date({column}, '+{hours} hours') ELSE date({column}) END)"


# The fills summed per book and day, each with its costs; the bare t.price is the day's last
# fill's (SQLite takes bare columns from the row of the single max()).
DAYS = (f"SELECT t.gateway, COALESCE(o.reference, ''), t.vt_symbol, {_market_day_sql('t.datetime')},"
        f" SUM({SIGNED}), SUM({SIGNED} * t.price), -SUM(COALESCE(fee.amount, 0)), -SUM(COALESCE(tax.amount, 0)),"
        f" COUNT(*), MAX(t.datetime), t.price FROM {JOURNAL}"
        " LEFT JOIN cashflowrecord fee ON fee.flow_id = t.vt_tradeid || '.fee'"
        " LEFT JOIN cashflowrecord tax ON tax.flow_id = t.vt_tradeid || '.tax'"
        " WHERE t.datetime >= ? GROUP BY 1, 2, 3, 4")
OPENING = (f"SELECT t.gateway, COALESCE(o.reference, ''), t.vt_symbol, SUM({SIGNED}) FROM {JOURNAL}"
           " WHERE t.datetime < ? GROUP BY 1, 2, 3")
# A day's range of the time index is far narrower than a symbol's whole history.
INTRADAY = (f"SELECT COALESCE(o.reference, ''), SUM({SIGNED})"
            " FROM traderecord t INDEXED BY traderecord_datetime LEFT JOIN orderrecord o ON o.vt_orderid = t.vt_orderid"
            " WHERE t.datetime >= ? AND t.datetime <= ? AND t.gateway = ? AND t.vt_symbol = ? GROUP BY 1")
FILLS = (f"SELECT t.vt_tradeid, t.datetime, {SIGNED}, t.price, COALESCE(fee.amount, 0), COALESCE(tax.amount, 0)"
         f" FROM {JOURNAL}"
         " LEFT JOIN cashflowrecord fee ON fee.flow_id = t.vt_tradeid || '.fee'"
         " LEFT JOIN cashflowrecord tax ON tax.flow_id = t.vt_tradeid || '.tax'"
         " WHERE t.gateway = ? AND t.vt_symbol = ? AND COALESCE(o.reference, '') IN ({references})"
         " AND t.datetime >= ? AND t.datetime < ? ORDER BY t.datetime")


def strategy_name(reference: str) -> str:
    """The CTA strategy that sent an order; "" for anything else (the ticket, another tool)."""
    return reference[len(STRATEGY_PREFIX):] if reference.startswith(STRATEGY_PREFIX) else ""


def _book(gateway: str, reference: str, vt_symbol: str) -> Book:
    return gateway, strategy_name(reference) or MANUAL, vt_symbol


def read_days(since: datetime, size_of: Callable[[str], float]) -> tuple[DayTable, dict[tuple[str, date], float]]:
    """The journal's fills from `since` on, summed per book and day by SQLite, and the last fill
    price of each symbol and day (a close of last resort)."""
    rows = database_proxy.obj.execute_sql(DAYS, (str(stored_time(since)),)).fetchall()
    index: dict[Book, int] = {}
    book = [index.setdefault(_book(g, r, s), len(index)) for g, r, s, *_ in rows]
    books = list(index)
    sizes = {b[2]: size_of(b[2]) for b in books}
    last: dict[tuple[str, date], tuple[str, float]] = {}
    for _, _, vt_symbol, day, *_, moment, price in rows:
        key = (vt_symbol, date.fromisoformat(day))
        if key not in last or last[key][0] < moment:
            last[key] = (moment, price)
    numbers = np.array([row[4:9] for row in rows], dtype=np.float64).reshape(-1, 5)
    table = DayTable(books, np.array(book, dtype=np.int64), np.array([r[3] for r in rows], dtype="datetime64[D]"),
                     numbers[:, 0], numbers[:, 1], np.array([sizes[books[b][2]] for b in book], dtype=np.float64),
                     numbers[:, 2], numbers[:, 3], numbers[:, 4].astype(np.int64))
    return table, {key: price for key, (_, price) in last.items()}


def read_opening(since: datetime) -> dict[Book, float]:
    """Each book's position from the fills journaled before `since`."""
    rows = database_proxy.obj.execute_sql(OPENING, (str(stored_time(since)),))
    return {_book(g, r, s): qty for g, r, s, qty in rows if qty}


def read_payments(since: datetime) -> list[Payment]:
    """Funding payments, each with the fills of its day up to its moment, per book."""
    database = database_proxy.obj
    payments = []
    for moment, vt_symbol, amount, gateway in database.execute_sql(FUNDING, (str(stored_time(since)),)).fetchall():
        funding = Funding(read_time(moment), vt_symbol, amount, gateway)
        zone = clock_of(exchange_of(vt_symbol))
        day_start = datetime.combine(market_day(funding.time, vt_symbol), datetime.min.time(), zone)
        rows = database.execute_sql(INTRADAY, (str(stored_time(day_start)), str(moment), gateway, vt_symbol))
        intraday: dict[Book, float] = defaultdict(float)
        for reference, qty in rows:
            intraday[_book(gateway, reference, vt_symbol)] += qty
        payments.append(Payment(funding, dict(intraday)))
    return payments


def read_fills(book: Book, day: date | None, since: date) -> list[Fill]:
    """One book's fills (on one market day, or since `since`), for a drill-down."""
    gateway, strategy, vt_symbol = book
    references = [f"{STRATEGY_PREFIX}{strategy}"] if strategy != MANUAL else \
        [r for (r,) in database_proxy.obj.execute_sql(
            "SELECT DISTINCT COALESCE(o.reference, '') FROM " + JOURNAL + " WHERE t.vt_symbol = ?", (vt_symbol,))
         if not strategy_name(r)]
    if not references:
        return []
    zone = clock_of(exchange_of(vt_symbol))
    first = datetime.combine(day or since, datetime.min.time(), zone)
    last = datetime.combine(day, datetime.min.time(), zone) + timedelta(days=1) if day else datetime.now(zone)
    sql = FILLS.format(references=", ".join("?" * len(references)))
    rows = database_proxy.obj.execute_sql(sql, (gateway, vt_symbol, *references, str(stored_time(first)),
                                                str(stored_time(last + timedelta(seconds=1)))))
    return [Fill(read_time(moment), vt_symbol, "" if strategy == MANUAL else strategy, qty, price,
                 commission=-fee, tax=-tax, gateway=gateway, vt_tradeid=vt_tradeid)
            for vt_tradeid, moment, qty, price, fee, tax in rows]


def default_start() -> date:
    return datetime.now(CHINA_TZ).date() - timedelta(days=HISTORY_DAYS)


def build_report(since: date, base: str, usdt_cny: float, size_of: Callable[[str], float]) -> Report:
    moment = datetime.combine(since, datetime.min.time(), CHINA_TZ)
    table, last_prices = read_days(moment, size_of)
    payments = read_payments(moment)
    held = read_opening(moment)
    symbols = {b[2] for b in table.books} | {p.funding.vt_symbol for p in payments} | {b[2] for b in held}
    closes, estimated = find_closes(last_prices, symbols)
    opening = {book: (qty, _close_before(closes, book[2], since)) for book, qty in held.items()}
    report = Report(base, usdt_cny, attribute_days(table, payments, closes, opening), estimated=estimated,
                    since=since, fill_count=table.fill_count)
    report.checks = check_accounts(report.rows, [e for e in records.equity() if e[0] >= since])
    return report


def _close_before(closes: dict[tuple[str, date], float], vt_symbol: str, since: date) -> float:
    """The last close before the window (the first inside it when none is known: no holding PnL
    is made up for that first day)."""
    days = sorted(d for s, d in closes if s == vt_symbol)
    before = [d for d in days if d < since]
    return closes[(vt_symbol, before[-1] if before else days[0])] if days else 0.0


def find_closes(last_prices: dict[tuple[str, date], float],
                symbols: set[str]) -> tuple[dict[tuple[str, date], float], list[tuple[str, date]]]:
    """Each symbol's close per day: recorded by the app, else the bar store's daily bar, else (a
    day traded but never recorded) the day's last fill price, listed as an estimate."""
    found = {key: price for key, (price, _) in records.closes(symbols).items()}
    first: dict[str, date] = {}
    for vt_symbol, day in last_prices:
        first[vt_symbol] = min(day, first.get(vt_symbol, day))
    for vt_symbol, start in first.items():
        found.update({key: price for key, price in _bar_closes(vt_symbol, start).items() if key not in found})
    estimated = sorted(key for key in last_prices if key not in found)
    found.update({key: last_prices[key] for key in estimated})
    return found, estimated


def _bar_closes(vt_symbol: str, start: date) -> dict[tuple[str, date], float]:
    symbol, suffix = vt_symbol.rsplit(".", 1)
    exchange = Exchange(suffix)
    zone = clock_of(exchange)
    begin = datetime.combine(start - timedelta(days=1), datetime.min.time(), zone)
    bars = get_database().load_bar_data(symbol, exchange, Interval.DAILY, begin, datetime.now(zone) + timedelta(days=1))
    return {(vt_symbol, bar.datetime.astimezone(zone).date()): bar.close_price for bar in bars}
