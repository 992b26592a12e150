"""Runs and their trials in the database, written in one transaction when a run ends."""

from __future__ import annotations

import json
from dataclasses import asdict

from lianghua_app.storage import database_proxy, stored_time
from lianghua_app.storage.models import OptimizationRun, OptimizationTrial

from .evaluate import Trial
from .report import finite
from .run import OptimizeResult


def save_run(result: OptimizeResult) -> int:
    request, config = result.request, result.request.config
    best = result.best
    walk = {}
    if request.walk_forward is not None:
        walk = {"plan": asdict(request.walk_forward), "oos_statistics": result.oos_statistics,
                "wf_efficiency": result.wf_efficiency,
                "windows": [{"in_start": w.window.in_start.isoformat(), "in_end": w.window.in_end.isoformat(),
                             "out_start": w.window.out_start.isoformat(), "out_end": w.window.out_end.isoformat(),
                             "best_params": w.best.params if w.best else None,
                             "oos_return": w.oos.statistics.get("total_return") if w.oos else None}
                            for w in result.windows]}
    with database_proxy.atomic():
        run = OptimizationRun.create(
            created=stored_time(None), strategy=config.strategy, vt_symbol=config.vt_symbol,
            interval=config.interval.value, start=config.start, end=config.end, method=request.method,
            target=request.target.statistic, minimize=request.target.minimize, request=json.dumps(describe(result)),
            status="cancelled" if result.cancelled else "done",
            best_params=json.dumps(best.params if best else {}),
            best_target=finite(best.statistics.get(request.target.statistic)) if best else None,
            diagnostics=json.dumps(result.diagnostics.as_dict() if result.diagnostics else {}),
            walk_forward=json.dumps(walk), trial_count=len(result.trials), elapsed_s=result.elapsed_s)
        rows = [{"run": run.id, "number": t.number, "window": t.window, "role": t.role, "status": t.status,
                 "params": json.dumps(t.params), "target": finite(t.statistics.get(request.target.statistic)),
                 "statistics": json.dumps(t.statistics, default=str), "error": t.error}
                for t in sorted(result.trials, key=lambda t: t.number)]
        for start in range(0, len(rows), 500):
            OptimizationTrial.insert_many(rows[start:start + 500]).execute()
    return run.id


def describe(result: OptimizeResult) -> dict:
    request, config = result.request, result.request.config
    return {"strategy": config.strategy, "vt_symbol": config.vt_symbol, "interval": config.interval.value,
            "start": config.start.isoformat(), "end": config.end.isoformat(), "fixed": config.setting,
            "params": {p.name: list(p.values) for p in request.params}, "target": request.target.statistic,
            "minimize": request.target.minimize, "method": request.method, "trials": request.trials,
            "sampler": request.sampler, "constraints": [str(c) for c in request.constraints],
            "rules": config.rules, "capital": config.capital, "rate": config.rate, "slippage": config.slippage,
            "size": config.size, "pricetick": config.pricetick}


def runs(limit: int = 200) -> list[OptimizationRun]:
    return list(OptimizationRun.select().order_by(OptimizationRun.id.desc()).limit(limit))


def stored_trials(run_id: int) -> list[Trial]:
    """The stored trials as `Trial`s (without their daily PnL), in the order they were asked."""
    query = OptimizationTrial.select().where(OptimizationTrial.run == run_id).order_by(OptimizationTrial.number)
    trials = []
    for row in query:
        trial = Trial(row.number, json.loads(row.params), json.loads(row.statistics), error=row.error,
                      status=row.status, window=row.window, role=row.role)
        trials.append(trial)
    return trials
