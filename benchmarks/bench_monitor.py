"""Whole-market monitoring speed, every rule on.

`python benchmarks/bench_monitor.py` builds SIM's synthetic market (5,300 A-shares), gives every
symbol a 20-day high/low and a same-minute volume profile, then runs 200 whole-market snapshots
(every 3 simulated seconds for 10 simulated minutes) through the monitor engine, alerts stored
as in the app. Then a per-symbol tick stream (20 ticks per symbol, TickData as gateways push
them) goes through the engine's tick path (buffered into frames). Also times the QMT mapping of
a whole-quote push (dicts) into a frame, which happens in the gateway before the snapshot.
Last line: {"symbols", "snapshot_p50_ms", "snapshot_p99_ms", "ticks_per_s", ...}.
Targets: snapshot_p99_ms <= 20, ticks_per_s >= 50,000.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
SNAPSHOTS = 200
TICK_ROUNDS = 20


def main(folder: Path) -> None:
    from lianghua_app.paths import DataDir
    from lianghua_app.vnpy_env import bind_vnpy

    data_dir = DataDir(folder)
    bind_vnpy(data_dir)
    import numpy as np
    from vnpy.event import Event
    from vnpy.trader.event import EVENT_TICK

    from apps.monitor.config import RULES
    from gateways.qmt.mapping import frame_from_quotes
    from gateways.sim.market import SyntheticMarket, market_tick
    from lianghua_app.bootstrap import build_engine
    from lianghua_app.markets import CHINA_TZ
    from lianghua_app.settings import Settings

    engine = build_engine(data_dir, Settings(), connect_sim=False)
    try:
        monitor = engine.get_engine("Monitor")
        assert monitor.apply({"enabled": {name: True for name in RULES}}) == []
        start = datetime.combine(date(2024, 6, 3), datetime.min.time(), CHINA_TZ).replace(hour=9, minute=30)
        market = SyntheticMarket(20240603, start.date())
        rng = np.random.default_rng(1)
        for row, vt_symbol in enumerate(market.vt_symbols):
            pre = market.pre_close[row]
            monitor.detector.set_reference(vt_symbol, pre * rng.uniform(1.01, 1.2), pre * rng.uniform(0.8, 0.99),
                                           np.full(240, market.base_volume[row]))
        timings, snapshot_alerts = [], 0
        for step in range(SNAPSHOTS):
            frame, _ = market.step(start + timedelta(seconds=3 * step))
            began = time.perf_counter()
            snapshot_alerts += len(monitor.process_frame(frame))
            timings.append(time.perf_counter() - began)

        ticks = []
        for round_ in range(TICK_ROUNDS):
            frame, _ = market.step(start + timedelta(minutes=10, seconds=3 * round_))
            ticks += [market_tick(market, frame, row) for row in range(len(market))]
        events = [Event(EVENT_TICK, tick) for tick in ticks]
        began = time.perf_counter()
        for event in events:
            monitor.on_tick(event)
        with monitor.lock:
            monitor._flush()
        tick_seconds = time.perf_counter() - began

        payload = {f"{s[:6]}.{'SH' if s.endswith('SSE') else 'SZ' if s.endswith('SZSE') else 'BJ'}":
                   {"time": int(frame.time.timestamp() * 1000), "lastPrice": float(frame.last[i]),
                    "volume": int(frame.volume[i] / 100), "amount": float(frame.turnover[i]),
                    "lastClose": float(frame.pre_close[i]), "bidVol": [int(frame.bid_volume[i] / 100)] * 5,
                    "askVol": [int(frame.ask_volume[i] / 100)] * 5}
                   for i, s in enumerate(market.vt_symbols)}
        began = time.perf_counter()
        frame_from_quotes(payload, {})
        qmt_frame_ms = (time.perf_counter() - began) * 1000
    finally:
        engine.close()
    milliseconds = np.array(timings) * 1000
    print(json.dumps({
        "symbols": len(market), "snapshots": SNAPSHOTS, "snapshot_alerts": snapshot_alerts,
        "qmt_frame_ms": round(qmt_frame_ms, 2), "ticks": len(ticks),
        "snapshot_max_ms": round(float(milliseconds.max()), 2),
        "snapshot_p50_ms": round(float(np.percentile(milliseconds, 50)), 2),
        "snapshot_p99_ms": round(float(np.percentile(milliseconds, 99)), 2),
        "ticks_per_s": round(len(ticks) / tick_seconds),
    }))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="lianghua-bench-", ignore_cleanup_errors=True) as temporary:
        main(Path(temporary))
