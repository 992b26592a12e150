"""Hotlist scan speed from stored inputs.

`python benchmarks/bench_hotlist.py` stores a week of hourly inputs for 500 perpetuals and ten
trading days of 5-minute inputs for SIM's 5,300 A-shares in a scratch profile, then times the
ranking at the last moment (read the inputs, terms, robust z-scores, filters, tags, top-N),
median of 5. Last line: {"crypto_symbols", "crypto_scan_ms", "ashare_symbols", "ashare_scan_ms"}.
Targets: crypto_scan_ms <= 200, ashare_scan_ms <= 500.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
RUNS = 5


def main(folder: Path) -> None:
    from lianghua_app.paths import DataDir
    from lianghua_app.vnpy_env import bind_vnpy

    bind_vnpy(DataDir(folder))
    import numpy as np

    from apps.hotlist import inputs
    from apps.hotlist.config import HotlistConfig
    from apps.hotlist.ranking import rank_at
    from apps.hotlist.scoring import Snapshot
    from gateways.sim.market import SyntheticMarket
    from lianghua_app.markets import CHINA_TZ

    rng = np.random.default_rng(5)
    n = 500
    symbols = [f"P{i:03d}USDT.GLOBAL" for i in range(n)]
    price, end = np.exp(rng.normal(1, 2, n)), datetime(2026, 11, 30, 12, tzinfo=UTC)
    for hour in range(24 * 7 + 1):
        price = price * (1 + rng.normal(0, 0.01, n))
        inputs.save_input("crypto", Snapshot(end - timedelta(hours=24 * 7 - hour), symbols, {
            "last": price, "quote_volume": np.exp(rng.normal(18, 1.5, n)), "change_percent": rng.normal(0, 3, n),
            "funding_rate": rng.normal(0.0001, 0.0001, n), "open_interest": np.exp(rng.normal(14, 1, n)),
            "bid": price * 0.9999, "ask": price * 1.0001, "tick": price * 1e-5, "listed_days": np.full(n, 500.0),
            "tradfi": np.zeros(n)}))
    day = datetime(2026, 11, 16, 9, 30, tzinfo=CHINA_TZ)
    market = SyntheticMarket(7, day.date())
    last_ashare = day
    for offset in range(14):
        moment = day + timedelta(days=offset)
        if moment.weekday() >= 5:
            continue
        for step in range(48):
            last_ashare = moment + timedelta(minutes=5 * step if step < 24 else 5 * step + 90)
            frame, _ = market.step(last_ashare)
            inputs.save_input("ashare", Snapshot(last_ashare.astimezone(UTC), frame.vt_symbols, {
                "last": frame.last, "volume": frame.volume, "turnover": frame.turnover,
                "pre_close": frame.pre_close, "limit_up": frame.limit_up}))
    config = HotlistConfig()
    results = {}
    for market_name, moment in (("crypto", end), ("ashare", last_ashare)):
        timings = []
        for _ in range(RUNS):
            began = time.perf_counter()
            ranking = rank_at(market_name, moment, config)
            timings.append((time.perf_counter() - began) * 1000)
        assert ranking.top, ranking.message
        results[market_name] = (ranking.universe, round(statistics.median(timings), 1))
    print(json.dumps({"crypto_symbols": results["crypto"][0], "crypto_scan_ms": results["crypto"][1],
                      "ashare_symbols": results["ashare"][0], "ashare_scan_ms": results["ashare"][1]}))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        main(Path(scratch))
