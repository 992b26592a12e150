"""A finished run in words (the command line's table) and as JSON."""

from __future__ import annotations

import math

from lianghua_app.i18n import tr

from .run import OptimizeResult


def searched_params(result: OptimizeResult, params: dict) -> dict:
    names = [p.name for p in result.request.params]
    return {name: params[name] for name in names if name in params}


def result_json(result: OptimizeResult, run_id: int) -> dict:
    target = result.request.target.statistic
    best = result.best
    diagnostics = result.diagnostics
    data = {
        "run_id": run_id,
        "best_params": searched_params(result, best.params) if best else {},
        "best_target": finite(best.statistics.get(target)) if best else None,
        "target": target,
        "trials": len(result.search_trials),
        "evaluations": len(result.trials),
        "deflated_sharpe": diagnostics.deflated_sharpe if diagnostics else None,
        "pbo": diagnostics.pbo if diagnostics else None,
        "robustness": diagnostics.robustness if diagnostics else None,
        "readings": list(diagnostics.readings) if diagnostics else [],
        "cancelled": result.cancelled,
    }
    if result.request.walk_forward is not None:
        data["oos_total_return"] = finite(result.oos_statistics.get("total_return"))
        data["wf_efficiency"] = result.wf_efficiency
        data["oos_statistics"] = {k: finite(v) for k, v in result.oos_statistics.items()}
        data["windows"] = len(result.windows)
    return data


def result_lines(result: OptimizeResult, run_id: int, top: int = 10) -> list[str]:
    target = result.request.target.statistic
    ranked = sorted((t for t in result.search_trials if t.status == "ok"), key=lambda t: (-t.score, t.number))
    lines = [tr("第{run}次优化：{count}组参数，目标 {target}", run=run_id, count=len(result.search_trials),
                target=target)]
    for trial in ranked[:top]:
        lines.append(f"  {trial.statistics.get(target, 0.0):>12.4f}  {searched_params(result, trial.params)}")
    if result.best is None:
        lines.append(tr("没有满足约束的参数组合"))
    if result.request.walk_forward is not None:
        oos = result.oos_statistics
        lines.append(tr("样本外拼接：总收益 {ret:.2f}%，年化 {annual:.2f}%，最大回撤 {dd:.2f}%，滚动效率 {eff}",
                        ret=oos.get("total_return", 0.0), annual=oos.get("annual_return", 0.0),
                        dd=oos.get("max_ddpercent", 0.0),
                        eff="-" if result.wf_efficiency is None else f"{result.wf_efficiency:.2f}"))
    if result.diagnostics:
        lines.extend(result.diagnostics.readings)
    if result.cancelled:
        lines.append(tr("已取消：以上为取消前完成的试验"))
    return lines


def finite(value) -> float | None:
    """A number JSON and the database can hold: None for NaN, infinity or anything not a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None
