"""The optimiser's headless side: a request from the words a user typed, the bars checked once,
trials on this machine's cores (a pool kept warm between runs) or a Dask cluster, runs saved,
and "apply" as a new version of the strategy's settings."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from threading import Event, Lock, Thread

from vnpy.event import EventEngine
from vnpy.trader.constant import Exchange
from vnpy.trader.engine import MainEngine

from apps.backtester.bars import BarSeries
from apps.backtester.engine import BacktestConfig, StrategyDataEngine
from apps.backtester.funding import load_funding
from lianghua_app.i18n import tr
from lianghua_app.markets import is_ashare
from lianghua_app.setting_versions import SettingVersion, save_version
from lianghua_app.storage import STORE_TZ
from lianghua_app.storage.contract_specs import load_spec

from .evaluate import StrategySource, data_stamp, read_run_bars
from .run import Optimizer, OptimizeRequest, OptimizeResult, TrialCallback
from .runners import DaskRunner, PoolRunner, SerialRunner
from .search import METHODS
from .space import OptimizeError, Target, check_statistic, parse_constraint, parse_param
from .store import runs, save_run, stored_trials
from .walkforward import parse_walk_forward

APP_NAME = "Optimizer"


@dataclass
class RequestText:
    """An optimisation as typed on the command line or in the dock."""
    params: list[str]
    target: str = "sharpe_ratio"
    minimize: bool = False
    method: str = "grid"
    trials: int = 50
    constraints: list[str] = field(default_factory=list)
    walk_forward: str = ""
    anchored: bool = False
    sampler: str = "tpe"
    seed: int = 7


def build_request(config: BacktestConfig, text: RequestText, classes: dict[str, type]) -> OptimizeRequest:
    strategy_class = classes.get(config.strategy)
    if strategy_class is None:
        raise OptimizeError(tr("未知策略“{name}”；可用策略：{known}", name=config.strategy,
                               known=", ".join(sorted(classes))))
    if text.method not in METHODS:
        raise OptimizeError(tr("未知优化方法“{name}”；可用：{allowed}", name=text.method, allowed=", ".join(METHODS)))
    params = [parse_param(item, strategy_class) for item in text.params]
    fixed = {p.name: p.values[0] for p in params if len(p.values) == 1}
    searched = [p for p in params if len(p.values) > 1]
    if not searched:
        raise OptimizeError(tr("没有可搜索的参数：至少一个参数要给出多个取值，例如 --param fast_window=5:30:5"))
    target = Target(check_statistic(text.target), text.minimize)
    constraints = tuple(parse_constraint(c) for c in text.constraints if c.strip())
    plan = parse_walk_forward(text.walk_forward, text.anchored) if text.walk_forward else None
    return OptimizeRequest(replace(config, setting={**config.setting, **fixed}), searched, target, text.method,
                           text.trials, constraints, text.sampler, plan, text.seed)


def load_request_bars(request: OptimizeRequest) -> BarSeries:
    """Read once here: an empty range is reported before any worker starts."""
    config = request.config
    try:
        bars = read_run_bars(config)
    except ValueError as error:
        raise OptimizeError(tr("代码格式应为 000001.SZSE / 600000.SSE / BTCUSDT.GLOBAL")) from error
    if not len(bars.between(config.start, config.end)):
        raise OptimizeError(tr("数据库中没有{symbol}在{start:%Y-%m-%d}至{end:%Y-%m-%d}的{interval}K线；"
                               "先用 lianghua import-csv 或 lianghua download 导入，lianghua data 查看已有数据",
                               symbol=config.vt_symbol, start=config.start, end=config.end,
                               interval=config.interval.value))
    return bars


def fit_to_bars(request: OptimizeRequest, bars: BarSeries) -> OptimizeRequest:
    """Walk-forward windows are laid over the days that have bars, not the dates typed."""
    config = request.config
    inside = bars.between(config.start, config.end)
    first, last = (_moment(float(inside.data[row, 0]), config.start) for row in (0, -1))
    return replace(request, config=replace(config, start=max(config.start, first), end=min(config.end, last)))


def _moment(epoch: float, like: datetime) -> datetime:
    """An epoch time in the same kind as `like`: aware in its zone, or a naive stored wall clock."""
    if like.tzinfo is not None:
        return datetime.fromtimestamp(epoch, like.tzinfo)
    return datetime.fromtimestamp(epoch, STORE_TZ).replace(tzinfo=None)


def with_venue_data(request: OptimizeRequest) -> OptimizeRequest:
    """Crypto runs read the funding rates and the venue's filters here, so remote workers need
    no database."""
    config = request.config
    symbol, _, suffix = config.vt_symbol.rpartition(".")
    exchange = Exchange(suffix)
    rules = config.rules or ("ashare" if is_ashare(exchange) else "none")
    if rules != "crypto":
        return request
    funding = config.funding if config.funding is not None else load_funding(symbol, exchange, config.start,
                                                                              config.end)
    return replace(request, config=replace(config, funding=funding, spec=config.spec or load_spec(symbol)))


def local_workers(setting: int = 0) -> int:
    return setting if setting > 0 else max(1, os.cpu_count() or 1)


class OptimizerEngine(StrategyDataEngine):

    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__(main_engine, event_engine, APP_NAME)
        self.pool: PoolRunner | None = None
        self.pool_lock = Lock()

    @property
    def settings(self):
        return getattr(self.main_engine, "settings", None)

    def past_runs(self) -> list:
        """The stored optimisation runs, newest first."""
        return runs()

    def run_trials(self, run_id: int) -> list:
        return stored_trials(run_id)

    def strategy_source(self, name: str) -> StrategySource:
        registry = getattr(self.main_engine, "strategy_registry", None)
        return StrategySource.of(name, registry.origins.get(name) if registry else None)

    def local_pool(self, workers: int) -> PoolRunner:
        """The warm pool, replaced only when the number of workers changes."""
        with self.pool_lock:
            if self.pool is None or self.pool.workers != workers:
                if self.pool is not None:
                    self.pool.close()
                data_dir = getattr(self.main_engine, "data_dir", None)
                language = self.settings["language"] if self.settings else "zh_CN"
                self.pool = PoolRunner(workers, str(Path(data_dir.root)), language)
            return self.pool

    def prepare(self) -> None:
        """Start the local pool's workers in the background (their imports take a second or two),
        so the first run after the dock opens starts on a warm pool."""
        settings = self.settings
        if settings and settings["optimizer.dask_scheduler"]:
            return
        workers = local_workers(settings["optimizer.workers"] if settings else 0)
        if workers > 1:
            Thread(target=self._warm_up, args=(workers,), name="optimizer-warm-up", daemon=True).start()

    def _warm_up(self, workers: int) -> None:
        try:
            self.local_pool(workers).warm_up()
        except Exception as error:     # closed meanwhile, or a worker failed to start: the run will say
            self.main_engine.write_log(tr("参数优化进程预启动失败：{error}", error=error), source=APP_NAME)

    def optimize(self, request: OptimizeRequest, on_trial: TrialCallback | None = None,
                 cancel: Event | None = None, workers: int | None = None,
                 dask_address: str | None = None) -> tuple[OptimizeResult, int]:
        """Blocking. Returns the result and its run id; bad input raises OptimizeError before
        anything is stored."""
        settings = self.settings
        workers = workers or local_workers(settings["optimizer.workers"] if settings else 0)
        address = dask_address if dask_address is not None else (
            settings["optimizer.dask_scheduler"] if settings else "")
        bars = load_request_bars(request)
        request = with_venue_data(fit_to_bars(request, bars))
        source = self.strategy_source(request.config.strategy)
        if address:
            runner = DaskRunner(address, bars)
        elif workers > 1:
            runner = self.local_pool(workers)
        else:
            runner = SerialRunner(bars)
        try:
            result = Optimizer(request, source, runner, on_trial, cancel, data_stamp(bars)).run()
        finally:
            if isinstance(runner, DaskRunner):
                runner.close()
        return result, save_run(result)

    def apply(self, run_id: int, class_name: str, setting: dict, vt_symbol: str = "") -> SettingVersion:
        return save_version(class_name, setting, run_id, vt_symbol, tr("参数优化第{run}次运行", run=run_id))

    def close(self) -> None:
        with self.pool_lock:
            if self.pool is not None:
                self.pool.close()
                self.pool = None
