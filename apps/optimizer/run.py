"""One optimisation: a search over the whole range (or one per walk-forward window), then the
best point's neighbours for robustness, then the diagnostics."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from threading import Event

import numpy as np

from apps.backtester.engine import BacktestConfig
from lianghua_app.i18n import tr

from .diagnostics import Diagnostics, align, diagnose, readings
from .evaluate import Job, StrategySource, Trial
from .search import make_search
from .space import Constraint, Param, Space, Target
from .walkforward import WalkForward, Window, efficiency, stitched_statistics, windows


@dataclass
class OptimizeRequest:
    config: BacktestConfig           # `setting` holds the parameters that stay fixed
    params: list[Param]
    target: Target
    method: str = "grid"
    trials: int = 50                 # budget of random, ga and bayes
    constraints: tuple[Constraint, ...] = ()
    sampler: str = "tpe"
    walk_forward: WalkForward | None = None
    seed: int = 7


@dataclass
class WindowResult:
    window: Window
    best: Trial | None
    oos: Trial | None
    diagnostics: Diagnostics | None


@dataclass
class OptimizeResult:
    request: OptimizeRequest
    trials: list[Trial] = field(default_factory=list)
    best: Trial | None = None
    diagnostics: Diagnostics | None = None
    windows: list[WindowResult] = field(default_factory=list)
    oos_statistics: dict = field(default_factory=dict)
    wf_efficiency: float | None = None
    cancelled: bool = False
    elapsed_s: float = 0.0

    @property
    def search_trials(self) -> list[Trial]:
        return [t for t in self.trials if t.role == "search"]


TrialCallback = Callable[[Trial, int, int], None]       # (trial, done, expected total)


class Eta:
    """Seconds spent since the start, and left at the pace of the trials done so far."""

    def __init__(self) -> None:
        self.began = time.monotonic()

    def spent(self) -> float:
        return time.monotonic() - self.began

    def left(self, done: int, total: int) -> float:
        return self.spent() / max(done, 1) * max(total - done, 0)


class Optimizer:
    def __init__(self, request: OptimizeRequest, source: StrategySource, runner,
                 on_trial: TrialCallback | None = None, cancel: Event | None = None, data_stamp: str = "") -> None:
        self.request = request
        self.data_stamp = data_stamp
        self.source = source
        self.runner = runner
        self.on_trial = on_trial
        self.cancel = cancel or Event()
        self.space = Space(request.params)
        self.result = OptimizeResult(request)
        self.numbers = 0
        self.expected = 0

    def run(self) -> OptimizeResult:
        began = time.monotonic()
        request, config = self.request, self.request.config
        budget = self.space.size if request.method == "grid" else min(request.trials, self.space.size)
        if request.walk_forward is None:
            self.expected = budget + 2 * len(self.space.params)
            best, diagnostics = self._optimise(config.start, config.end, -1)
            self.result.best, self.result.diagnostics = best, diagnostics
        else:
            plan = windows(request.walk_forward, config.start, config.end)
            self.expected = len(plan) * (budget + 2 * len(self.space.params) + 1)
            self._walk_forward(plan)
        self.result.cancelled = self.cancel.is_set()
        self.result.elapsed_s = time.monotonic() - began
        return self.result

    def _walk_forward(self, plan: list[Window]) -> None:
        pnl: list[np.ndarray] = []
        in_sample_annuals: list[float] = []
        for index, window in enumerate(plan):
            best, diagnostics = self._optimise(window.in_start, window.in_end, index)
            oos = None
            if best is not None and not self.cancel.is_set():
                # The winner runs from the in-sample start, so its indicators are warm and any
                # position it holds carries over; only the out-of-sample days are counted.
                oos = self._evaluate([best.params], window.in_start, window.out_end, index, "oos")
                oos = oos[0] if oos else None
                if oos is not None and oos.status != "failed":
                    counted = oos.days >= window.out_start.date().toordinal()
                    oos.days, oos.pnl = oos.days[counted], oos.pnl[counted]
                    oos.statistics = stitched_statistics(oos.pnl, self.request.config.capital)
                    pnl.append(oos.pnl)
                    in_sample_annuals.append(float(best.statistics.get("annual_return", 0.0)))
            self.result.windows.append(WindowResult(window, best, oos, diagnostics))
            if self.cancel.is_set():
                return
        stats = stitched_statistics(np.concatenate(pnl) if pnl else np.empty(0), self.request.config.capital)
        self.result.oos_statistics = stats
        self.result.wf_efficiency = efficiency(stats["annual_return"], in_sample_annuals)
        finished = [w for w in self.result.windows if w.diagnostics is not None]
        self.result.diagnostics = _mean_diagnostics([w.diagnostics for w in finished],
                                                    len(self.result.search_trials) // max(len(finished), 1))
        wins = [w.best for w in self.result.windows if w.best is not None]
        self.result.best = wins[-1] if wins else None        # the latest window's winner is what to trade next

    def _optimise(self, start: datetime, end: datetime, window: int) -> tuple[Trial | None, Diagnostics | None]:
        search = make_search(self.request.method, self.space, self.request.trials, self.request.seed,
                             self.request.sampler)
        searched: list[Trial] = []
        while not self.cancel.is_set():
            batch = search.ask()
            if not batch:
                break
            trials = self._evaluate(batch, start, end, window, "search")
            searched.extend(trials)
            if len(trials) < len(batch):
                break
            for point, trial in zip(batch, trials, strict=True):
                search.tell(point, trial.score if trial.status == "ok" else -math.inf)
        best = max((t for t in searched if t.status == "ok"), key=lambda t: (t.score, -t.number), default=None)
        if best is None or self.cancel.is_set():
            return best, None
        known = {self.space.position(t.params): t for t in searched}
        missing = [p for p in self.space.neighbours(best.params) if self.space.position(p) not in known]
        extra = self._evaluate(missing, start, end, window, "neighbour") if missing else []
        known.update({self.space.position(t.params): t for t in extra})
        neighbours = [known[self.space.position(p)] for p in self.space.neighbours(best.params)
                      if self.space.position(p) in known]
        scores = [t.score if t.status != "failed" else -math.inf for t in neighbours]
        return best, self._diagnose(searched + extra, best, scores)

    def _diagnose(self, trials: list[Trial], best: Trial, neighbour_scores: list[float]) -> Diagnostics:
        usable = [t for t in trials if t.status in ("ok", "excluded") and len(t.days)]
        matrix = align([t.days for t in usable], [t.pnl for t in usable], self.request.config.capital)
        return diagnose(matrix, usable.index(best), best.score, neighbour_scores)

    def _evaluate(self, points: list[dict], start: datetime, end: datetime, window: int, role: str) -> list[Trial]:
        """Run the points; trials come back in the order asked (cut short by a cancel)."""
        config, fixed = self.request.config, self.request.config.setting
        jobs = []
        for point in points:
            self.numbers += 1
            jobs.append(Job(self.numbers, replace(config, setting={**fixed, **point}), self.source, start, end,
                            self.data_stamp))
        finished: dict[int, Trial] = {}
        for trial in self.runner.run(jobs, self.cancel):
            trial.window, trial.role = window, role
            self._score(trial)
            finished[trial.number] = trial
            self.result.trials.append(trial)
            if self.on_trial:
                self.on_trial(trial, len(self.result.trials), max(self.expected, len(self.result.trials)))
        ordered = []
        for job in jobs:
            if job.number not in finished:
                break
            ordered.append(finished[job.number])
        return ordered

    def _score(self, trial: Trial) -> None:
        if trial.status == "failed":
            return
        trial.score = self.request.target.score(trial.statistics)
        broken = [str(c) for c in self.request.constraints if not c.holds(trial.statistics)]
        if broken:
            trial.status = "excluded"
            trial.error = tr("不满足约束：{rules}", rules=", ".join(broken))


def _mean_diagnostics(parts: list[Diagnostics], trials: int) -> Diagnostics | None:
    if not parts:
        return None

    def mean(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return float(np.mean(known)) if known else None

    dsr, overfit, robust = (mean([getattr(d, name) for d in parts]) for name in
                            ("deflated_sharpe", "pbo", "robustness"))
    prefix = tr("（{count}个窗口平均）", count=len(parts))
    lines = tuple(prefix + line for line in readings(dsr, overfit, robust, trials))
    return Diagnostics(dsr, overfit, robust, lines)
