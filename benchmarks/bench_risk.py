"""Risk check latency through the pipeline guard, every rule on.

`python benchmarks/bench_risk.py [CHECKS]` fills the engine's OMS with 500 symbols, each with a
contract, a tick and a position, then times 100,000 order requests through the risk guard.
Last line: {"checks", "rules", "p50_us", "p99_us", "max_us"}. Target: p99_us <= 50.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
SYMBOLS = 500
CHECKS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def main(folder: Path) -> None:
    from lianghua_app.paths import DataDir
    from lianghua_app.vnpy_env import bind_vnpy

    data_dir = DataDir(folder)
    bind_vnpy(data_dir)
    from vnpy.event import Event
    from vnpy.trader.constant import Direction, Exchange, Offset, OrderType, Product
    from vnpy.trader.event import EVENT_ACCOUNT, EVENT_CONTRACT, EVENT_POSITION, EVENT_TICK
    from vnpy.trader.object import AccountData, ContractData, OrderRequest, PositionData, TickData

    from apps.risk_manager.engine import RiskEngine
    from apps.risk_manager.rules import RULES
    from lianghua_app.bootstrap import build_engine
    from lianghua_app.markets import CHINA_TZ
    from lianghua_app.settings import Settings

    engine = build_engine(data_dir, Settings(), connect_sim=False)
    risk: RiskEngine = engine.get_engine("RiskManager")
    assert risk.apply({"enabled": {name: True for name in RULES},
                       "params": {"order_rate": {"per_second": 1e9, "per_minute": 1e9},
                                  "cancel_rate": {"per_minute": 1e9, "ratio": 0.9, "min_orders": 20},
                                  "max_active_orders": {"total": 1e9, "per_symbol": 1e9},
                                  "whitelist": {"symbols": [], "gateways": ["QMT"]},
                                  "max_position": {"volume": 1e9, "notional": 1e12, "equity_percent": 50},
                                  "gross_exposure": {"notional": 1e12, "leverage": 10}}}) == []
    now = datetime(2024, 6, 3, 10, 30, tzinfo=CHINA_TZ)           # inside the A-share session, every run
    risk.now = lambda: now
    symbols = [f"{600000 + i}" for i in range(SYMBOLS)]
    risk.book.set_sectors({symbol: f"sector{i % 10}" for i, symbol in enumerate(symbols)})
    engine.event_engine.put(Event(EVENT_ACCOUNT, AccountData("SIM", "CNY", balance=50_000_000)))
    for symbol in symbols:
        engine.event_engine.put(Event(EVENT_CONTRACT, ContractData("SIM", symbol, Exchange.SSE, symbol, Product.EQUITY,
                                                                   size=1, pricetick=0.01, min_volume=100)))
        tick = TickData("SIM", symbol, Exchange.SSE, now, last_price=10.0, bid_price_1=9.99, ask_price_1=10.0)
        engine.event_engine.put(Event(EVENT_TICK, tick))
        engine.event_engine.put(Event(EVENT_POSITION, PositionData("SIM", symbol, Exchange.SSE, Direction.LONG,
                                                                   volume=1000, yd_volume=1000)))
    loaded = threading.Event()          # events are handled in order: this one comes after the OMS is filled
    engine.event_engine.register("eBenchLoaded", lambda event: loaded.set())
    engine.event_engine.put(Event("eBenchLoaded"))
    loaded.wait(60)
    rng = random.Random(7)
    timings = []
    refused = 0
    for i in range(CHECKS):
        symbol = rng.choice(symbols)
        direction = Direction.LONG if i % 2 else Direction.SHORT
        req = OrderRequest(symbol, Exchange.SSE, direction, OrderType.LIMIT, 100 * rng.randint(1, 9),
                           round(10 + rng.uniform(-0.05, 0.05), 2), Offset.OPEN if i % 2 else Offset.CLOSE)
        started = time.perf_counter_ns()
        refused += risk.check(req, "SIM") is not None
        timings.append((time.perf_counter_ns() - started) / 1000)
    engine.close()
    timings.sort()
    print(f"refused {refused} of {CHECKS}", file=sys.stderr)
    print(json.dumps({"checks": CHECKS, "rules": sum(risk.config.enabled.values()),
                      "p50_us": round(timings[len(timings) // 2], 1),
                      "p99_us": round(timings[int(len(timings) * 0.99)], 1), "max_us": round(timings[-1], 1)}))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="lianghua-bench-", ignore_cleanup_errors=True) as temporary:
        main(Path(temporary))
