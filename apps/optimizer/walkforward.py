"""Walk-forward windows and the stitched out-of-sample curve."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from lianghua_app.i18n import tr

from .space import OptimizeError

_ANNUAL_DAYS = 240


@dataclass(frozen=True)
class WalkForward:
    in_sample_days: int
    out_sample_days: int
    step_days: int = 0              # 0: the out-of-sample length, so the OOS periods tile
    anchored: bool = False          # in-sample windows all start at the run's start

    @property
    def step(self) -> int:
        return self.step_days or self.out_sample_days


@dataclass(frozen=True)
class Window:
    in_start: datetime
    in_end: datetime
    out_start: datetime
    out_end: datetime


def parse_walk_forward(text: str, anchored: bool = False) -> WalkForward:
    parts = text.split(":")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (2, 3) or min(numbers) <= 0:
        raise OptimizeError(tr("滚动窗口应写成 样本内天数:样本外天数[:步长天数]，均为正整数，收到“{value}”",
                               value=text))
    return WalkForward(*numbers, anchored=anchored)


def windows(plan: WalkForward, start: datetime, end: datetime) -> list[Window]:
    """Calendar-day windows; each out-of-sample period ends where the next one begins, so no day
    is counted twice in the stitched curve."""
    found: list[Window] = []
    cursor = start
    second = timedelta(seconds=1)
    while True:
        out_start = cursor + timedelta(days=plan.in_sample_days)
        if out_start > end:
            break
        out_end = min(out_start + timedelta(days=min(plan.out_sample_days, plan.step)), end + second)
        found.append(Window(start if plan.anchored else cursor, out_start - second, out_start, out_end - second))
        cursor += timedelta(days=plan.step)
    if not found:
        raise OptimizeError(tr("区间{start:%Y-%m-%d}至{end:%Y-%m-%d}放不下一个样本内窗口（{days}天）加样本外窗口",
                               start=start, end=end, days=plan.in_sample_days))
    return found


def stitched_statistics(pnl: np.ndarray, capital: float) -> dict:
    """The out-of-sample windows' daily PnL joined into one curve, with vnpy's definitions."""
    if not len(pnl):
        return {"total_return": 0.0, "annual_return": 0.0, "sharpe_ratio": 0.0, "max_ddpercent": 0.0, "days": 0}
    balance = capital + np.cumsum(pnl)
    peak = np.maximum.accumulate(np.concatenate([[capital], balance]))[1:]
    returns = pnl / np.concatenate([[capital], balance[:-1]])
    std = float(np.std(returns, ddof=1)) if len(returns) > 1 else 0.0
    total = (balance[-1] / capital - 1) * 100
    return {
        "total_return": float(total),
        "annual_return": float(total / len(pnl) * _ANNUAL_DAYS),
        "sharpe_ratio": float(np.mean(returns) / std * math.sqrt(_ANNUAL_DAYS)) if std > 0 else 0.0,
        "max_ddpercent": float(np.min((balance - peak) / peak) * 100),
        "days": len(pnl),
    }


def efficiency(oos_annual: float, in_sample_annuals: list[float]) -> float | None:
    """OOS annualised return / mean IS annualised return; undefined when in-sample made nothing."""
    if not in_sample_annuals:
        return None
    mean = float(np.mean(in_sample_annuals))
    return oos_annual / mean if mean > 0 else None
