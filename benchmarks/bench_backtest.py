"""Backtest speed and memory, ours against vnpy's BacktestingEngine, rules "none".

`python benchmarks/bench_backtest.py [--bars N] [--repeat R]` saves N synthetic 1-minute bars
(default 500,000) to a temporary SQLite database through vnpy's database interface, then runs
each strategy R times per engine (default 3), each run in a fresh subprocess, the two engines
taking turns so that both meet the same moments of a noisy machine; times are the median run,
memory the highest. The last lines are one JSON object per
strategy: {"strategy", "bars", "vnpy_replay_s", "ours_replay_s", "replay_speedup", "vnpy_e2e_s",
"ours_e2e_s", "e2e_speedup", "vnpy_peak_mb", "ours_peak_mb", "identical_trades"}.
Targets: e2e_speedup >= 3, replay_speedup >= 1.2, ours_peak_mb <= vnpy_peak_mb.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
STRATEGIES = ("DoubleMaStrategy", "AtrRsiStrategy")
START = datetime(2015, 1, 5)

CHILD = r"""
import hashlib, json, sys, time
from datetime import datetime
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from lianghua_app.paths import DataDir
from lianghua_app.vnpy_env import bind_vnpy
bind_vnpy(DataDir(Path(sys.argv[1])))
from vnpy.trader.constant import Interval
from vnpy_ctastrategy.backtesting import BacktestingEngine
from vnpy_ctastrategy.strategies.atr_rsi_strategy import AtrRsiStrategy
from vnpy_ctastrategy.strategies.double_ma_strategy import DoubleMaStrategy
from apps.backtester.bars import own_the_collector
from apps.backtester.core import Backtester
own_the_collector()         # a batch process, as the command line and the optimiser's workers are

kind, name = sys.argv[2], sys.argv[3]
engine = BacktestingEngine() if kind == "vnpy" else Backtester("none")
engine.output = lambda msg: None
engine.set_parameters(vt_symbol="000001.SZSE", interval=Interval.MINUTE, start=datetime(2015, 1, 1),
                      end=datetime(2030, 1, 1), rate=0.0003, slippage=0.01, size=100, pricetick=0.01,
                      capital=1_000_000)
engine.add_strategy({"DoubleMaStrategy": DoubleMaStrategy, "AtrRsiStrategy": AtrRsiStrategy}[name], {})
t0 = time.perf_counter()
engine.load_data()
t1 = time.perf_counter()
engine.run_backtesting()
t2 = time.perf_counter()
engine.calculate_result()
engine.calculate_statistics(output=False)
t3 = time.perf_counter()
trades = [(t.datetime.isoformat(), t.direction.name, t.price, t.volume) for t in engine.trades.values()]
try:
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
except ImportError:  # Windows: no resource module
    peak = None
print(json.dumps({"bars": len(engine.history_data), "replay_s": t2 - t1, "e2e_s": t3 - t0, "peak_mb": peak,
                  "trades": hashlib.sha256(json.dumps(trades).encode()).hexdigest(), "count": len(trades)}))
"""


def make_bars(count: int):
    from vnpy.trader.constant import Exchange, Interval
    from vnpy.trader.object import BarData

    rng = random.Random(11)
    price, bars, day = 10.0, [], START
    while len(bars) < count:
        if day.weekday() < 5:
            for minute in list(range(90, 210)) + list(range(300, 420)):
                if len(bars) == count:
                    break
                open_ = price
                price = round(max(price * (1 + rng.gauss(0, 0.0015)), 1.0), 2)
                bars.append(BarData(gateway_name="DB", symbol="000001", exchange=Exchange.SZSE,
                                    datetime=day + timedelta(hours=9, minutes=minute), interval=Interval.MINUTE,
                                    open_price=open_, close_price=price, high_price=max(open_, price) + 0.01,
                                    low_price=min(open_, price) - 0.01, volume=rng.randint(100, 10_000)))
        day += timedelta(days=1)
    return bars


def run(kind: str, strategy: str, folder: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(folder), kind, strategy, str(PROJECT)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(folder: Path) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bars", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from lianghua_app.paths import DataDir
    from lianghua_app.vnpy_env import bind_vnpy, release_vnpy_database

    bind_vnpy(DataDir(folder))
    from vnpy.trader.database import get_database

    get_database().save_bar_data(make_bars(args.bars))
    release_vnpy_database()
    for strategy in STRATEGIES:
        runs = {"vnpy": [], "ours": []}
        for turn in range(args.repeat):
            for kind in ("vnpy", "ours") if turn % 2 == 0 else ("ours", "vnpy"):
                runs[kind].append(run(kind, strategy, folder))
        theirs, ours = (summary(runs[kind]) for kind in ("vnpy", "ours"))
        print(json.dumps({
            "strategy": strategy, "bars": ours["bars"],
            "vnpy_replay_s": round(theirs["replay_s"], 3), "ours_replay_s": round(ours["replay_s"], 3),
            "replay_speedup": round(theirs["replay_s"] / ours["replay_s"], 2),
            "vnpy_e2e_s": round(theirs["e2e_s"], 3), "ours_e2e_s": round(ours["e2e_s"], 3),
            "e2e_speedup": round(theirs["e2e_s"] / ours["e2e_s"], 2),
            "vnpy_peak_mb": theirs["peak_mb"], "ours_peak_mb": ours["peak_mb"],
            "identical_trades": theirs["count"] > 0 and {r["trades"] for r in runs["vnpy"] + runs["ours"]}
            == {theirs["trades"]},
        }), flush=True)


def summary(runs: list[dict]) -> dict:
    """The median times and the highest peak memory of one engine's runs."""
    peaks = [r["peak_mb"] for r in runs if r["peak_mb"] is not None]
    return {"bars": runs[0]["bars"], "replay_s": statistics.median(r["replay_s"] for r in runs),
            "e2e_s": statistics.median(r["e2e_s"] for r in runs), "peak_mb": max(peaks) if peaks else None,
            "trades": runs[0]["trades"], "count": runs[0]["count"]}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="lianghua-bench-", ignore_cleanup_errors=True) as temporary:
        main(Path(temporary))
