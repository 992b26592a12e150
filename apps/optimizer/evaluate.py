"""One trial: a backtest of one parameter point, runnable in this process, a spawned worker
or a Dask worker on another machine. Workers keep the run's bars and strategy class between
trials, so the database is read once per worker, not once per trial."""

from __future__ import annotations

import hashlib
import multiprocessing
import time
import traceback
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from apps.backtester.bars import BarSeries, collector_paused, load_bars, own_the_collector
from apps.backtester.core import WARM_UP_DAYS
from apps.backtester.engine import BacktestConfig, BacktestError, run_backtest
from lianghua_app.strategies import class_from_source


@dataclass(frozen=True)
class StrategySource:
    name: str
    code: str = ""          # the user's file as text; "" for the strategies vnpy ships
    filename: str = ""

    @classmethod
    def of(cls, name: str, origin: Path | None) -> StrategySource:
        if origin is None:
            return cls(name)
        return cls(name, Path(origin).read_text(encoding="utf-8"), str(origin))


@dataclass(frozen=True)
class Job:
    number: int
    config: BacktestConfig           # the whole run's range and costs; `setting` is this trial's point
    strategy: StrategySource
    start: datetime                  # this trial's range (a walk-forward window, or the whole run)
    end: datetime
    data_stamp: str = ""             # changes when the stored bars do, so a warm worker rereads them


@dataclass
class Trial:
    number: int
    params: dict
    statistics: dict = field(default_factory=dict)
    days: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))      # date ordinals
    pnl: np.ndarray = field(default_factory=lambda: np.empty(0))                        # net PnL per day
    error: str = ""
    status: str = "ok"               # ok, excluded (a constraint failed), failed, cancelled
    score: float = float("-inf")
    window: int = -1                 # walk-forward window, -1 for a plain run
    role: str = "search"             # search, neighbour (robustness check) or oos
    seconds: float = 0.0             # time the backtest took on its worker


_cache: dict[str, object] = {}


class KeptBars(BarSeries):
    """A worker replays the same bars for every trial: their `BarData` objects are built once
    per time zone and each trial's range is a slice of them."""

    def __init__(self, series: BarSeries) -> None:
        super().__init__(series.template, series.data, series.tz)
        self.objects: dict = {}

    def between(self, start: datetime, end: datetime, tz=None) -> list:
        zone = tz or self.tz
        objects = self.objects.get(zone)
        if objects is None:
            with collector_paused():
                objects = self.objects[zone] = list(BarSeries(self.template, self.data, zone))
        first, last = self.span(start, end)
        return objects[first:last]


def data_stamp(bars: BarSeries) -> str:
    return hashlib.blake2b(bars.data.tobytes(), digest_size=12).hexdigest()


def _worker_bars(config: BacktestConfig, stamp: str) -> BarSeries:
    """This worker's copy of the run's bars, read from the database on its first trial."""
    key = ("bars", config.vt_symbol, config.interval.value, config.start, config.end, stamp)
    if _cache.get("bars_key") != key:
        _cache["bars"] = KeptBars(read_run_bars(config))
        _cache["bars_key"] = key
    return _cache["bars"]


def read_run_bars(config: BacktestConfig) -> BarSeries:
    """The run's bars and up to WARM_UP_DAYS before its start, for the strategies' `load_bar`:
    workers, remote ones too, warm up from these and never read a database."""
    from vnpy.trader.constant import Exchange

    symbol, _, suffix = config.vt_symbol.rpartition(".")
    return load_bars(symbol, Exchange(suffix), config.interval, config.start - timedelta(days=WARM_UP_DAYS),
                     config.end)


def _strategy_class(source: StrategySource) -> type:
    key = ("class", source.name, hash(source.code))
    if key not in _cache:
        _cache[key] = class_from_source(source.name, source.code, source.filename)
    return _cache[key]


def evaluate(job: Job, bars: BarSeries | None = None) -> Trial:
    """Never raises: a failing trial comes back with its error, so one bad point cannot stop a run."""
    trial = Trial(job.number, dict(job.config.setting))
    if multiprocessing.parent_process() is not None:
        own_the_collector()         # a pool or Dask worker: nothing else lives in this process
    began = time.perf_counter()
    try:
        strategy_class = _strategy_class(job.strategy)
        series = bars if bars is not None else _worker_bars(job.config, job.data_stamp)
        config = replace(job.config, start=job.start, end=job.end)
        result = run_backtest(config, {job.strategy.name: strategy_class}, bars=series)
    except BacktestError as error:
        trial.error, trial.status = str(error), "failed"
        return trial
    except Exception:       # a strategy's own bug at one point must not end the run
        trial.error, trial.status = traceback.format_exc(limit=4), "failed"
        return trial
    trial.statistics = result.statistics
    trial.seconds = time.perf_counter() - began
    daily = result.daily
    if not daily.empty:
        trial.days = np.fromiter((d.toordinal() for d in daily.index), dtype=np.int64, count=len(daily))
        trial.pnl = daily["net_pnl"].to_numpy(dtype=np.float64)
    return trial

