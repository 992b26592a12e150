"""Optimiser speed, ours against vnpy's `run_bf_optimization`, in one process run.

`python benchmarks/bench_optimize.py [--bars N] [--workers W] [--repeat R]` stores N synthetic
1-minute bars (default 50,000) in a temporary SQLite database and runs the 16-point grid
DoubleMaStrategy fast_window 5..20 step 5 x slow_window 30..60 step 10, target sharpe_ratio,
rules "none": vnpy's brute force on W processes, ours on a pool of W processes, and ours serially.
The three take turns R times (default 3), so that all meet the same moments of a noisy machine;
each time is the median of its R runs.

Ours is timed on a warm pool (the app starts it in the background when the 参数优化 dock opens,
and keeps it); a new pool each turn, so its workers read the bars each time as vnpy's do.
Starting it is reported apart as `pool_start_s`, and `ours_cold_s_per_eval` counts it in (the
command line's case). Last line: {"evaluations",
"workers", "vnpy_s_per_eval", "ours_s_per_eval", "speedup", "ours_serial_s",
"parallel_efficiency", "same_best", ...}. Targets: speedup >= 2, parallel_efficiency >= 0.8,
same_best true.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

FAST, SLOW = "fast_window=5:20:5", "slow_window=30:60:10"
COSTS = {"rate": 0.0003, "slippage": 0.01, "size": 100, "pricetick": 0.01, "capital": 1_000_000}


def vnpy_grid(workers: int) -> tuple[float, dict]:
    from vnpy.trader.constant import Interval
    from vnpy.trader.optimize import OptimizationSetting
    from vnpy_ctastrategy.backtesting import BacktestingEngine
    from vnpy_ctastrategy.strategies.double_ma_strategy import DoubleMaStrategy

    engine = BacktestingEngine()
    engine.output = lambda msg: None
    engine.set_parameters(vt_symbol="000001.SZSE", interval=Interval.MINUTE, start=datetime(2015, 1, 1),
                          end=datetime(2030, 1, 1), **COSTS)
    engine.add_strategy(DoubleMaStrategy, {})
    setting = OptimizationSetting()
    setting.add_parameter("fast_window", 5, 20, 5)
    setting.add_parameter("slow_window", 30, 60, 10)
    setting.set_target("sharpe_ratio")
    began = time.perf_counter()
    results = engine.run_bf_optimization(setting, output=False, max_workers=workers)
    return time.perf_counter() - began, dict(results[0][0]) if results else {}


def ours(runner_kind: str, workers: int, folder: Path) -> tuple[float, dict, int, float]:
    from vnpy.trader.constant import Interval

    from apps.backtester.engine import BacktestConfig
    from apps.optimizer.engine import RequestText, build_request, load_request_bars
    from apps.optimizer.evaluate import StrategySource
    from apps.optimizer.run import Optimizer
    from apps.optimizer.runners import PoolRunner, SerialRunner
    from lianghua_app.strategies import StrategyRegistry

    config = BacktestConfig("DoubleMaStrategy", "000001.SZSE", Interval.MINUTE, datetime(2015, 1, 1),
                            datetime(2030, 1, 1), rules="none", **COSTS)
    request = build_request(config, RequestText([FAST, SLOW]), StrategyRegistry().classes)
    source = StrategySource("DoubleMaStrategy")
    pool_start = 0.0
    if runner_kind == "pool":
        began = time.perf_counter()
        runner = PoolRunner(workers, str(folder))
        runner.warm_up()
        pool_start = time.perf_counter() - began
    began = time.perf_counter()
    if runner_kind != "pool":
        runner = SerialRunner(load_request_bars(request))
    result = Optimizer(request, source, runner).run()
    elapsed = time.perf_counter() - began
    runner.close()
    best = {k: result.best.params[k] for k in ("fast_window", "slow_window")} if result.best else {}
    return elapsed, best, len(result.trials), pool_start


def main(folder: Path) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bars", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from lianghua_app.paths import DataDir
    from lianghua_app.vnpy_env import bind_vnpy, release_vnpy_database

    data_dir = DataDir(folder)
    bind_vnpy(data_dir)
    # vnpy's spawned workers find their settings in ./.vntrader: point them at the same database.
    data_dir.vnpy_dir.mkdir(parents=True, exist_ok=True)
    (data_dir.vnpy_dir / "vt_setting.json").write_text(json.dumps(
        {"database.name": "sqlite", "database.database": str(data_dir.database_file)}), encoding="utf-8")
    os.chdir(folder)
    from bench_backtest import make_bars
    from vnpy.trader.database import get_database

    get_database().save_bar_data(make_bars(args.bars))
    release_vnpy_database()

    vnpy_runs, parallel_runs, serial_runs, bests = [], [], [], []
    for _ in range(args.repeat):
        vnpy_s, vnpy_best = vnpy_grid(args.workers)
        parallel_s, parallel_best, evaluations, pool_start = ours("pool", args.workers, folder)
        serial_s, serial_best, _, _ = ours("serial", 1, folder)
        vnpy_runs.append(vnpy_s)
        parallel_runs.append((parallel_s, pool_start))
        serial_runs.append(serial_s)
        bests.append(vnpy_best == parallel_best == serial_best and bool(vnpy_best))
    vnpy_s, serial_s = statistics.median(vnpy_runs), statistics.median(serial_runs)
    parallel_s, pool_start = (statistics.median(times) for times in zip(*parallel_runs, strict=True))
    print(json.dumps({
        "evaluations": evaluations, "workers": args.workers, "bars": args.bars, "repeat": args.repeat,
        "vnpy_s_per_eval": round(vnpy_s / evaluations, 4), "ours_s_per_eval": round(parallel_s / evaluations, 4),
        "speedup": round(vnpy_s / parallel_s, 2), "ours_serial_s": round(serial_s, 3),
        "ours_parallel_s": round(parallel_s, 3),
        "parallel_efficiency": round(serial_s / (args.workers * parallel_s), 2),
        "pool_start_s": round(pool_start, 3),
        "ours_cold_s_per_eval": round((parallel_s + pool_start) / evaluations, 4),
        "same_best": all(bests),
    }), flush=True)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="lianghua-bench-", ignore_cleanup_errors=True) as temporary:
        main(Path(temporary))
