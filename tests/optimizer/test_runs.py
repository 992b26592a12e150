"""Optimisation runs on real backtests over bars stored in SQLite: the searches, parallel and
Dask runs equal to serial ones, walk-forward, cancel, and results that last."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from datetime import datetime
from threading import Event

import psutil
import pytest
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database

from apps.backtester.engine import BacktestConfig, run_backtest
from apps.optimizer.engine import RequestText, build_request, fit_to_bars, load_request_bars
from apps.optimizer.evaluate import StrategySource, data_stamp
from apps.optimizer.run import Optimizer
from apps.optimizer.runners import DaskRunner, PoolRunner, SerialRunner
from apps.optimizer.space import OptimizeError
from lianghua_app.markets import CHINA_TZ
from lianghua_app.storage.models import OptimizationRun, OptimizationTrial
from lianghua_app.strategies import StrategyRegistry
from tests.helpers import PROJECT, trending_closes

GRID = ["fast_window=5:20:5", "slow_window=30:60:10"]
CLASSES = StrategyRegistry(include_bundled=True).classes


def config(symbol: str, **changes) -> BacktestConfig:
    values = dict(strategy="DoubleMaStrategy", vt_symbol=symbol, interval=Interval.DAILY,
                  start=datetime(2020, 1, 1, tzinfo=CHINA_TZ), end=datetime(2023, 12, 31, tzinfo=CHINA_TZ),
                  rules="none", capital=100_000, rate=0.0003, size=100)
    values.update(changes)
    return BacktestConfig(**values)


def optimise(symbol: str, runner=None, on_trial=None, cancel=None, **text):
    request = build_request(config(symbol), RequestText(**{"params": GRID, **text}), CLASSES)
    bars = load_request_bars(request)
    request = fit_to_bars(request, bars)
    runner = runner or SerialRunner(bars)
    return Optimizer(request, StrategySource("DoubleMaStrategy"), runner, on_trial, cancel, data_stamp(bars)).run()


def points(result) -> list[tuple]:
    return [(t.number, t.params["fast_window"], t.params["slow_window"], t.status,
             round(t.statistics.get("sharpe_ratio", 0.0), 10)) for t in sorted(result.trials, key=lambda t: t.number)]


def test_grid_tries_every_point_and_its_best_is_the_backtester_own_answer(optimizer_bars):
    result = optimise(optimizer_bars)
    assert len(result.search_trials) == 16
    ok = [t for t in result.trials if t.status == "ok"]
    assert result.best.statistics["sharpe_ratio"] == max(t.statistics["sharpe_ratio"] for t in ok)
    alone = run_backtest(config(optimizer_bars, setting=result.best.params), CLASSES)
    assert alone.statistics["sharpe_ratio"] == result.best.statistics["sharpe_ratio"]
    assert len({round(t.statistics["sharpe_ratio"], 8) for t in ok}) > 4     # the grid really differs


def test_minimising_picks_the_smallest_value(optimizer_bars):
    result = optimise(optimizer_bars, target="total_trade_count", minimize=True)
    counts = [t.statistics["total_trade_count"] for t in result.trials if t.status == "ok"]
    assert result.best.statistics["total_trade_count"] == min(counts)


def test_a_constraint_excludes_trials_from_the_best(optimizer_bars):
    free = optimise(optimizer_bars)
    limit = free.best.statistics["total_trade_count"] + 1
    bound = optimise(optimizer_bars, constraints=[f"total_trade_count>={limit}"])
    excluded = [t for t in bound.trials if t.status == "excluded"]
    assert excluded and all("total_trade_count" in t.error for t in excluded)
    assert bound.best.statistics["total_trade_count"] >= limit


@pytest.mark.parametrize("method", ["random", "ga", "bayes"])
def test_a_budgeted_search_tries_distinct_points_and_repeats_itself_for_a_seed(optimizer_bars, method):
    first = optimise(optimizer_bars, method=method, trials=8)
    again = optimise(optimizer_bars, method=method, trials=8)
    tried = [(t.params["fast_window"], t.params["slow_window"]) for t in first.search_trials]
    assert len(tried) == 8 and len(set(tried)) == 8
    assert points(first) == points(again)
    best_tried = max(t.statistics["sharpe_ratio"] for t in first.search_trials if t.status == "ok")
    assert first.best.statistics["sharpe_ratio"] == best_tried


def test_bayes_with_cma_es_runs_the_same_way(optimizer_bars):
    result = optimise(optimizer_bars, method="bayes", trials=6, sampler="cmaes")
    assert len(result.search_trials) == 6 and result.best is not None


def test_neighbours_of_the_best_are_backtested_for_robustness(optimizer_bars):
    result = optimise(optimizer_bars, method="random", trials=3)
    extra = [t for t in result.trials if t.role == "neighbour"]
    assert extra, "the best point's untested neighbours were not run"
    assert result.diagnostics.robustness is not None


def test_trials_stream_with_progress_as_they_finish(optimizer_bars):
    seen = []
    optimise(optimizer_bars, on_trial=lambda trial, done, total: seen.append((done, total)))
    assert [done for done, _ in seen] == list(range(1, 17))
    assert all(total >= done for done, total in seen)


def test_a_cancel_stops_handing_out_trials(optimizer_bars):
    cancel = Event()

    def stop_after_three(trial, done, total):
        if done == 3:
            cancel.set()

    result = optimise(optimizer_bars, on_trial=stop_after_three, cancel=cancel)
    assert result.cancelled and len(result.trials) == 3


def test_a_process_pool_gives_the_serial_results_and_rereads_changed_bars(optimizer_bars, data_dir):
    pool = PoolRunner(2, str(data_dir.root))
    try:
        parallel = optimise(optimizer_bars, runner=pool, method="bayes", trials=8)
        serial = optimise(optimizer_bars, method="bayes", trials=8)
        assert points(parallel) == points(serial)
        assert parallel.best.params == serial.best.params
        bars = get_database().load_bar_data("000001", Exchange.SZSE, Interval.DAILY, datetime(2020, 1, 1),
                                            datetime(2030, 1, 1))
        for bar, close in zip(bars, reversed(trending_closes(len(bars))), strict=True):
            bar.open_price = bar.high_price = bar.low_price = bar.close_price = close
        get_database().save_bar_data(bars)          # same dates, new prices: a warm worker must notice
        assert points(optimise(optimizer_bars, runner=pool)) == points(optimise(optimizer_bars))
    finally:
        pool.close()


APP_THAT_DIES = """
import os, sys
from pathlib import Path
from apps.optimizer.runners import PoolRunner
pool = PoolRunner(2, sys.argv[1])
pool.warm_up()
Path(sys.argv[1], "workers.txt").write_text(" ".join(str(pid) for pid in pool.pool._processes))
os._exit(0)                 # killed or crashed: the pool is never closed
"""


def test_pool_workers_end_when_the_app_that_started_them_dies(tmp_path):
    subprocess.run([sys.executable, "-c", APP_THAT_DIES, str(tmp_path)], cwd=PROJECT,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    pids = [int(pid) for pid in (tmp_path / "workers.txt").read_text().split()]
    workers = [psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)]
    _, alive = psutil.wait_procs(workers, timeout=60)
    for process in alive:
        process.kill()
    assert len(pids) == 2 and not alive


def test_a_dask_cluster_gives_the_serial_results(optimizer_bars):
    from distributed import LocalCluster

    request = build_request(config(optimizer_bars), RequestText(GRID), CLASSES)
    bars = load_request_bars(request)
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                      processes=True) as cluster:
        runner = DaskRunner(cluster.scheduler_address, bars)
        try:
            remote = Optimizer(request, StrategySource("DoubleMaStrategy"), runner).run()
        finally:
            runner.close()
    assert points(remote) == points(optimise(optimizer_bars))


def test_a_scheduler_that_does_not_answer_is_reported_in_words(optimizer_bars):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = build_request(config(optimizer_bars), RequestText(GRID), CLASSES)
    with pytest.raises(OptimizeError, match="无应答"):
        DaskRunner(f"tcp://127.0.0.1:{port}", load_request_bars(request), timeout_s=1)


def test_a_user_strategy_that_fails_at_one_point_fails_only_that_trial(optimizer_bars, tmp_path):
    source = tmp_path / "fragile.py"
    source.write_text(
        "from vnpy_ctastrategy.strategies.double_ma_strategy import DoubleMaStrategy\n"
        "class FragileMa(DoubleMaStrategy):\n"
        "    def on_init(self):\n"
        "        if self.fast_window == 10:\n"
        "            raise ZeroDivisionError('fast_window 10 breaks me')\n"
        "        super().on_init()\n", encoding="utf-8")
    registry = StrategyRegistry(tmp_path)
    request = build_request(config(optimizer_bars, strategy="FragileMa"), RequestText(GRID), registry.classes)
    result = Optimizer(request, StrategySource.of("FragileMa", registry.origins["FragileMa"]),
                       SerialRunner(load_request_bars(request))).run()
    failed = [t for t in result.trials if t.status == "failed"]
    assert {t.params["fast_window"] for t in failed} == {10}
    assert all("fast_window 10 breaks me" in t.error for t in failed)
    assert result.best is not None and result.best.params["fast_window"] != 10


def test_walk_forward_counts_only_out_of_sample_days_and_reports_efficiency(optimizer_bars):
    result = optimise(optimizer_bars, walk_forward="360:120")
    assert len(result.windows) >= 4
    for window in result.windows:
        oos = window.oos
        assert oos.role == "oos" and len(oos.days)
        assert oos.days.min() >= window.window.out_start.date().toordinal()
        assert oos.days.max() <= window.window.out_end.date().toordinal()
    pnl = sum(float(w.oos.pnl.sum()) for w in result.windows)
    assert result.oos_statistics["total_return"] == pytest.approx(pnl / 100_000 * 100)
    in_sample = [w.best.statistics["annual_return"] for w in result.windows]
    if sum(in_sample) > 0:
        expected = result.oos_statistics["annual_return"] / (sum(in_sample) / len(in_sample))
        assert result.wf_efficiency == pytest.approx(expected)
    else:
        assert result.wf_efficiency is None


def test_anchored_windows_all_start_at_the_run_start():
    from apps.optimizer.walkforward import parse_walk_forward, windows

    start, end = datetime(2020, 1, 1), datetime(2021, 12, 31)
    found = windows(parse_walk_forward("200:100", anchored=True), start, end)
    assert {w.in_start for w in found} == {start}
    assert all(a.out_end < b.out_start for a, b in zip(found, found[1:], strict=False))
    with pytest.raises(OptimizeError, match="放不下"):
        windows(parse_walk_forward("900:100"), start, end)


def test_a_run_is_stored_with_its_trials_and_apply_saves_a_version(engine, optimizer_bars):
    optimizer = engine.get_engine("Optimizer")
    request = build_request(config(optimizer_bars), RequestText(GRID), optimizer.strategy_classes())
    result, run_id = optimizer.optimize(request, workers=1)
    run = OptimizationRun.get_by_id(run_id)
    assert run.status == "done" and run.trial_count == 16
    assert json.loads(run.best_params) == result.best.params
    assert json.loads(run.diagnostics)["pbo"] == result.diagnostics.pbo
    assert OptimizationTrial.select().where(OptimizationTrial.run == run_id).count() == 16
    version = optimizer.apply(run_id, "DoubleMaStrategy", result.best.params, optimizer_bars)
    assert version.version == 1 and version.run_id == run_id
    cta = engine.get_engine("CtaStrategy")
    cta.init_engine()
    defaults = cta.get_strategy_class_parameters("DoubleMaStrategy")
    assert defaults["fast_window"] == result.best.params["fast_window"]
    assert defaults["slow_window"] == result.best.params["slow_window"]


def test_no_data_is_refused_before_anything_is_stored(engine, optimizer_bars):
    optimizer = engine.get_engine("Optimizer")
    request = build_request(config(optimizer_bars, start=datetime(2010, 1, 1, tzinfo=CHINA_TZ),
                                   end=datetime(2010, 6, 1, tzinfo=CHINA_TZ)), RequestText(GRID),
                            optimizer.strategy_classes())
    with pytest.raises(OptimizeError, match="没有000001.SZSE"):
        optimizer.optimize(request, workers=1)
    assert OptimizationRun.select().count() == 0
