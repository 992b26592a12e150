"""Portfolio manager speed: attribution of journaled fills against vnpy_portfoliomanager, and one
allocation of 50 strategies by every method.

`python benchmarks/bench_portfolio.py [FILLS]` (after `pip install vnpy_portfoliomanager`, which
only this benchmark needs) journals FILLS (default 100,000) fills of 20 strategies on 10 symbols
(five A-shares, five perpetuals) over 60 days, with commissions, stamp duty, funding and each
day's closes, in a scratch profile. Ours: the whole attribution from the journal (read, closes,
per-day attribution, account checks). vnpy's: its engine's order and trade handlers fed the same
fills as ready-made events, then one PnL calculation (it keeps no days, so it is asked once).
Then each allocation method on 250 days of returns of 50 strategies. Median of 3 runs each.
Last line: {"fills", "ours_fills_per_s", "vnpy_fills_per_s", "ratio", "allocation_ms": {method: ms}}.
Targets: ratio >= 3, every allocation <= 200 ms.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
RUNS = 3
SYMBOLS = ["600519.SSE", "000001.SZSE", "601318.SSE", "300750.SZSE", "688981.SSE",
           "BTCUSDT.GLOBAL", "ETHUSDT.GLOBAL", "SOLUSDT.GLOBAL", "BNBUSDT.GLOBAL", "XRPUSDT.GLOBAL"]


def journal_fills(count: int, first: date):
    """Rows for the journal's tables, and the same fills as vnpy objects."""
    import numpy as np
    from vnpy.trader.constant import Direction, Exchange, Offset, OrderType, Status
    from vnpy.trader.object import OrderData, TradeData

    from lianghua_app.markets import CHINA_TZ

    rng = np.random.default_rng(3)
    start = datetime.combine(first, datetime.min.time(), CHINA_TZ) + timedelta(hours=9, minutes=30)
    seconds = np.sort(rng.integers(0, 60 * 86400, count))
    which = rng.integers(0, len(SYMBOLS), count)
    strategy = rng.integers(0, 20, count)
    side = rng.integers(0, 2, count)
    bases = np.array([1500, 11, 45, 200, 60, 60000, 3000, 150, 600, 0.6])
    orders, trades, flows, objects = [], [], [], []
    for i in range(count):
        vt_symbol = SYMBOLS[which[i]]
        symbol, exchange = vt_symbol.rsplit(".", 1)
        moment = start + timedelta(seconds=int(seconds[i]))
        price = round(float(bases[which[i]] * (1 + rng.normal(0, 0.01))), 2)
        volume = 100.0 if which[i] < 5 else 0.01
        direction = Direction.LONG if side[i] else Direction.SHORT
        reference = f"CtaStrategy_s{strategy[i]:02d}" if i % 50 else "ManualTrading"
        stamp = str((moment - timedelta(hours=8)).replace(tzinfo=None))
        orders.append((f"SIM.o{i}", "SIM", vt_symbol, direction.name, "OPEN", "LIMIT", price, volume, volume,
                       "ALLTRADED", reference, stamp, stamp))
        trades.append((f"SIM.t{i}", f"SIM.o{i}", "SIM", vt_symbol, direction.name, "OPEN", price, volume, stamp))
        flows.append((f"SIM.t{i}.fee", "SIM", "commission", vt_symbol, -price * volume * 0.0003, "", stamp))
        if which[i] < 5 and not side[i]:
            flows.append((f"SIM.t{i}.tax", "SIM", "tax", vt_symbol, -price * volume * 0.0005, "CNY", stamp))
        order = OrderData(gateway_name="SIM", symbol=symbol, exchange=Exchange(exchange), orderid=f"o{i}",
                          type=OrderType.LIMIT, direction=direction, offset=Offset.OPEN, price=price, volume=volume,
                          traded=volume, status=Status.ALLTRADED, reference=reference)
        trade = TradeData(gateway_name="SIM", symbol=symbol, exchange=Exchange(exchange), orderid=f"o{i}",
                          tradeid=f"t{i}", direction=direction, offset=Offset.OPEN, price=price, volume=volume,
                          datetime=moment)
        objects.append((order, trade))
    for day in range(60):
        for k in range(5, 10):
            stamp = str(datetime.combine(first + timedelta(days=day), datetime.min.time()) + timedelta(hours=8))
            flows.append((f"SIM.funding.{k}.{day}", "SIM", "funding", SYMBOLS[k], float(rng.normal(0, 2)), "USDT",
                           stamp))
    closes = [(s, first + timedelta(days=d), float(bases[k] * (1 + rng.normal(0, 0.01))), "live")
              for k, s in enumerate(SYMBOLS) for d in range(61)]
    return orders, trades, flows, closes, objects


def ours_from_journal(first: date, count: int) -> float:
    from apps.portfolio_manager.ledger import build_report

    began = time.perf_counter()
    report = build_report(first, "CNY", 7.2, lambda _: 1.0)
    elapsed = time.perf_counter() - began
    assert report.rows and not report.estimated and report.fill_count == count
    return elapsed


def ours_fed(objects, fees: dict[str, tuple[float, float]], closes: dict) -> float:
    """Fed the same order and trade objects as vnpy's engine: per book and day, then attributed."""
    import numpy as np
    from vnpy.trader.constant import Direction, Exchange

    from apps.portfolio_manager.attribution import MANUAL, DayTable, attribute_days
    from apps.portfolio_manager.ledger import strategy_name
    from lianghua_app.markets import CHINA_TZ, is_ashare

    LONG, NO_FEES = Direction.LONG, (0.0, 0.0)
    OFFSET = CHINA_TZ.utcoffset(datetime(2000, 1, 1)).total_seconds()

    began = time.perf_counter()
    index: dict = {}
    names: dict[str, str] = {}
    book_of = {}
    for order, _ in objects:                        # as vnpy's order handler: each order's reference
        name = names.get(order.reference)
        if name is None:
            name = names[order.reference] = strategy_name(order.reference) or MANUAL
        book_of[order.vt_orderid] = index.setdefault((order.gateway_name, name, order.vt_symbol), len(index))
    books = list(index)
    rows = np.array([(book_of[t.vt_orderid], t.datetime.timestamp(), t.volume if t.direction is LONG else -t.volume,
                      t.price, *fees.get(t.vt_tradeid, NO_FEES)) for _, t in objects])
    book = rows[:, 0].astype(np.int64)
    offset = np.array([OFFSET if is_ashare(Exchange(b[2].rsplit(".", 1)[1])) else 0.0 for b in books])[book]
    day = ((rows[:, 1] + offset) * 1e6).astype("datetime64[us]").astype("datetime64[D]")
    qty, price, paid = rows[:, 2], rows[:, 3], rows[:, 4:6]
    trades = rows
    table = DayTable.from_columns(books, book, day, qty, price, np.ones(len(trades)), paid[:, 0], paid[:, 1])
    rows = attribute_days(table, [], closes)
    elapsed = time.perf_counter() - began
    assert rows and table.fill_count == len(trades)
    return elapsed


def theirs(objects) -> float:
    from vnpy.event import Event, EventEngine
    from vnpy.trader.constant import Exchange
    from vnpy.trader.event import EVENT_ORDER, EVENT_TIMER, EVENT_TRADE
    from vnpy.trader.object import ContractData, TickData
    from vnpy_portfoliomanager.engine import PortfolioEngine

    ticks, contracts = {}, {}
    for vt_symbol in SYMBOLS:
        symbol, exchange = vt_symbol.rsplit(".", 1)
        ticks[vt_symbol] = TickData("SIM", symbol, Exchange(exchange), datetime.now(), last_price=10.0, pre_close=9.9)
        contracts[vt_symbol] = ContractData("SIM", symbol, Exchange(exchange), symbol, None, 1, 0.01)
    main_engine = SimpleNamespace(get_tick=ticks.get, get_contract=contracts.get, subscribe=lambda *a: None)
    engine = PortfolioEngine(main_engine, EventEngine())
    engine.timer_interval = 1
    events = [(Event(EVENT_ORDER, order), Event(EVENT_TRADE, trade)) for order, trade in objects]
    began = time.perf_counter()
    for order_event, trade_event in events:
        engine.process_order_event(order_event)
        engine.process_trade_event(trade_event)
    engine.process_timer_event(Event(EVENT_TIMER))
    elapsed = time.perf_counter() - began
    assert len(engine.contract_results) >= 200
    return elapsed


def allocations() -> dict[str, float]:
    import numpy as np

    from apps.portfolio_manager.allocation import ALLOCATORS, Constraints, allocate, constrain

    rng = np.random.default_rng(11)
    returns = rng.normal(0.0004, 0.01, (250, 50)) + rng.normal(0, 0.004, (250, 1))
    names = [f"s{i}" for i in range(50)]
    markets = ["ashare" if i % 2 else "crypto" for i in range(50)]
    constraints = Constraints(w_max=0.1, market_caps={"crypto": 0.6}, w_min=0.005, smoothing=0.5, buffer=0.001,
                              turnover_cap=0.5)
    timings = {}
    for method in ALLOCATORS:
        runs = []
        for _ in range(RUNS):
            began = time.perf_counter()
            constrain(allocate(method, returns, names), np.full(50, 0.02), markets, constraints)
            runs.append((time.perf_counter() - began) * 1000)
        timings[method] = round(statistics.median(runs), 1)
    return timings


def main(folder: Path, count: int) -> None:
    from lianghua_app.paths import DataDir
    from lianghua_app.vnpy_env import bind_vnpy

    directory = DataDir(folder).create()
    bind_vnpy(directory)
    from apps.portfolio_manager import records
    from lianghua_app.storage import open_database

    database = open_database(directory.database_file)
    first = date(2026, 9, 1)
    orders, trades, flows, closes, objects = journal_fills(count, first)
    with database.atomic():
        for table, rows in (("orderrecord", orders), ("traderecord", trades), ("cashflowrecord", flows)):
            database.cursor().executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
    records.save_closes(closes)
    fees: dict[str, list[float]] = {}
    for flow_id, _, kind, *_, amount, _, _ in [(f[0], f[1], f[2], f[3], f[4], f[5], f[6]) for f in flows]:
        if kind in ("commission", "tax"):
            fees.setdefault("SIM." + flow_id.split(".")[1], [0.0, 0.0])[kind == "tax"] -= amount
    by_day = {(symbol, day): price for symbol, day, price, _ in closes}
    fed_s = statistics.median(ours_fed(objects, fees, by_day) for _ in range(RUNS))
    journal_s = statistics.median(ours_from_journal(first, count) for _ in range(RUNS))
    theirs_s = statistics.median(theirs(objects) for _ in range(RUNS))
    print(json.dumps({"fills": count, "ours_fills_per_s": round(count / fed_s),
                      "ours_from_journal_fills_per_s": round(count / journal_s), "vnpy_fills_per_s":
                      round(count / theirs_s), "ratio": round(theirs_s / fed_s, 2), "allocation_ms": allocations()}))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        main(Path(scratch), int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
