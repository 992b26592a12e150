"""Where trials run: in this process, on a pool of spawned processes that stays warm between
runs, or on a Dask cluster. Each yields trials as they finish and stops handing out new ones
once `cancel` is set."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from collections.abc import Iterator
from threading import Event

from apps.backtester.bars import BarSeries
from lianghua_app.i18n import tr
from lianghua_app.workers import start_worker

from .evaluate import Job, KeptBars, Trial, evaluate
from .space import OptimizeError

_POLL_S = 0.2


class SerialRunner:
    workers = 1

    def __init__(self, bars: BarSeries) -> None:
        self.bars = KeptBars(bars)

    def run(self, jobs: list[Job], cancel: Event) -> Iterator[Trial]:
        for job in jobs:
            if cancel.is_set():
                return
            yield evaluate(job, self.bars)

    def close(self) -> None:
        pass


class PoolRunner:
    """Spawned processes (Windows has nothing else); each reads the bars from the database on its
    first trial of a run and keeps them."""

    def __init__(self, workers: int, data_root: str, language: str = "zh_CN") -> None:
        self.workers = workers
        self.ready = False          # every worker started and imported
        self.pool = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=start_worker, initargs=(data_root, language))

    def warm_up(self) -> None:
        """Start every worker now (imports take a second or two each) rather than on the first trial."""
        list(self.pool.map(_ready, range(self.workers)))
        self.ready = True

    def run(self, jobs: list[Job], cancel: Event) -> Iterator[Trial]:
        return _stream({self.pool.submit(evaluate, job) for job in jobs}, cancel)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _ready(_: int) -> bool:
    return True


def _stream(pending: set, cancel: Event) -> Iterator[Trial]:
    """Trials as their futures finish; on cancel, the ones not started are dropped."""
    try:
        while pending:
            done, pending = cf.wait(pending, timeout=_POLL_S, return_when=cf.FIRST_COMPLETED)
            for future in done:
                yield future.result()
            if cancel.is_set():
                return
    finally:
        for future in pending:
            future.cancel()


class DaskRunner:
    """Trials on a Dask cluster: the bars are sent to every worker once (scattered), the strategy
    travels as source text, so workers need LiangHua installed but not the strategy file or the
    database."""

    def __init__(self, address: str, bars: BarSeries, timeout_s: float = 10.0) -> None:
        try:
            from distributed import Client
        except ImportError as error:
            raise OptimizeError(tr("未安装dask.distributed：pip install \"dask[distributed]\"")) from error
        try:
            self.client = Client(address, timeout=f"{timeout_s}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise OptimizeError(tr("Dask调度器{address}无应答（{error}）；检查地址和端口，并确认 dask scheduler 已启动",
                                   address=address, error=error)) from error
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.bars = self.client.scatter(KeptBars(bars), broadcast=True)

    def run(self, jobs: list[Job], cancel: Event) -> Iterator[Trial]:
        executor = self.client.get_executor(pure=False)
        return _stream({executor.submit(evaluate, job, self.bars) for job in jobs}, cancel)

    def close(self) -> None:
        self.client.close()
