"""The journal as attribution's input: every journaled trade with the strategy whose order it
filled (by the order's reference; none is 手动), its commission and tax from the cash-flow
ledger, and every funding payment, valued at each day's close. Read with plain SQL (a year of
fills in one pass) and without the trading engine, so the command line can report while the
app runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta

from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database

from lianghua_app.journal import STRATEGY_PREFIX
from lianghua_app.markets import CHINA_TZ, clock_of
from lianghua_app.storage import database_proxy, read_time, stored_time

from . import records
from .attribution import Fill, Funding, attribute, market_day
from .report import Report, check_accounts

HISTORY_DAYS = 400                      # how far back attribution reads by default

TRADES = ("SELECT t.vt_tradeid, t.datetime, t.vt_symbol, t.direction, t.price, t.volume, t.gateway,"
          " COALESCE(o.reference, '') FROM traderecord t LEFT JOIN orderrecord o ON o.vt_orderid = t.vt_orderid"
          " WHERE t.datetime >= ? ORDER BY t.datetime")
COSTS = "SELECT flow_id, kind, amount FROM cashflowrecord WHERE kind IN ('commission', 'tax') AND time >= ?"
FUNDING = "SELECT time, vt_symbol, amount, gateway FROM cashflowrecord WHERE kind = 'funding' AND time >= ?"


def strategy_name(reference: str) -> str:
    """The CTA strategy that sent an order; "" for anything else (the ticket, another tool)."""
    return reference[len(STRATEGY_PREFIX):] if reference.startswith(STRATEGY_PREFIX) else ""


def read_fills(since: datetime, size_of: Callable[[str], float]) -> list[Fill]:
    bound = str(stored_time(since))
    database = database_proxy.obj
    costs: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for flow_id, kind, amount in database.execute_sql(COSTS, (bound,)):
        costs[flow_id.rsplit(".", 1)[0]][0 if kind == "commission" else 1] -= amount
    sizes: dict[str, float] = {}
    fills = []
    for vt_tradeid, moment, vt_symbol, direction, price, volume, gateway, reference in database.execute_sql(
            TRADES, (bound,)):
        size = sizes.get(vt_symbol)
        if size is None:
            size = sizes[vt_symbol] = size_of(vt_symbol)
        commission, tax = costs.get(vt_tradeid, (0.0, 0.0))
        fills.append(Fill(read_time(moment), vt_symbol, strategy_name(reference),
                          volume if direction == "LONG" else -volume, price, size, commission, tax, gateway,
                          vt_tradeid))
    return fills


def read_funding(since: datetime) -> list[Funding]:
    rows = database_proxy.obj.execute_sql(FUNDING, (str(stored_time(since)),))
    return [Funding(read_time(moment), vt_symbol, amount, gateway) for moment, vt_symbol, amount, gateway in rows]


def default_start() -> date:
    return datetime.now(CHINA_TZ).date() - timedelta(days=HISTORY_DAYS)


def build_report(since: date, base: str, usdt_cny: float, size_of: Callable[[str], float]) -> Report:
    moment = datetime.combine(since, datetime.min.time(), CHINA_TZ)
    fills = read_fills(moment, size_of)
    funding = read_funding(moment)
    closes, estimated = find_closes(fills, {f.vt_symbol for f in funding})
    report = Report(base, usdt_cny, attribute(fills, funding, closes), estimated=estimated, fills=fills)
    report.checks = check_accounts(report.rows, [e for e in records.equity() if e[0] >= since])
    return report


def find_closes(fills: list[Fill], funded: set[str]) -> tuple[dict[tuple[str, date], float], list[tuple[str, date]]]:
    """Each symbol's close per day: recorded by the app, else the bar store's daily bar, else (a
    day traded but never recorded) the day's last fill price, listed as an estimate."""
    symbols = {f.vt_symbol for f in fills} | funded
    found = {key: price for key, (price, _) in records.closes(symbols).items()}
    first: dict[str, date] = {}
    for fill in fills:
        first.setdefault(fill.vt_symbol, market_day(fill.time, fill.vt_symbol))
    for vt_symbol, start in first.items():
        found.update({key: price for key, price in _bar_closes(vt_symbol, start).items() if key not in found})
    estimated: set[tuple[str, date]] = set()
    for fill in fills:                                   # in time order: the day's last fill wins
        key = (fill.vt_symbol, market_day(fill.time, fill.vt_symbol))
        if key not in found or key in estimated:
            found[key] = fill.price
            estimated.add(key)
    return found, sorted(estimated)


def _bar_closes(vt_symbol: str, start: date) -> dict[tuple[str, date], float]:
    symbol, suffix = vt_symbol.rsplit(".", 1)
    exchange = Exchange(suffix)
    zone = clock_of(exchange)
    begin = datetime.combine(start - timedelta(days=1), datetime.min.time(), zone)
    bars = get_database().load_bar_data(symbol, exchange, Interval.DAILY, begin, datetime.now(zone) + timedelta(days=1))
    return {(vt_symbol, bar.datetime.astimezone(zone).date()): bar.close_price for bar in bars}
