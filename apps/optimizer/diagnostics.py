"""How much of an optimised result is luck: the deflated Sharpe ratio (Bailey & López de Prado,
2014), the probability of backtest overfitting by combinatorially symmetric cross-validation
(Bailey, Borwein, López de Prado & Zhu, 2017) and the robustness of the best point's
neighbourhood. Pure numpy on per-day returns; each result comes with a one-line reading."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from lianghua_app.i18n import tr

_EULER_GAMMA = 0.5772156649015329
_NORMAL = NormalDist()


@dataclass(frozen=True)
class Diagnostics:
    deflated_sharpe: float | None
    pbo: float | None
    robustness: float | None
    readings: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"deflated_sharpe": self.deflated_sharpe, "pbo": self.pbo, "robustness": self.robustness,
                "readings": list(self.readings)}


def sharpe(returns: np.ndarray) -> float:
    """Per period, not annualised."""
    if len(returns) < 2:
        return 0.0
    std = float(np.std(returns, ddof=1))
    return float(np.mean(returns)) / std if std > 0 else 0.0


def deflated_sharpe(best: np.ndarray, trial_sharpes: list[float]) -> float | None:
    """Probability that the best trial's true Sharpe ratio is above what the best of this many
    trials would show by chance; corrects for the returns' skew and kurtosis."""
    count = len(best)
    if count < 3:
        return None
    observed = sharpe(best)
    centred = best - best.mean()
    std = float(np.sqrt(np.mean(centred ** 2)))
    skew = float(np.mean(centred ** 3) / std ** 3) if std > 0 else 0.0
    kurtosis = float(np.mean(centred ** 4) / std ** 4) if std > 0 else 3.0
    trials = len(trial_sharpes)
    if trials >= 2:
        spread = float(np.std(trial_sharpes, ddof=1))
        expected_max = spread * ((1 - _EULER_GAMMA) * _NORMAL.inv_cdf(1 - 1 / trials)
                                 + _EULER_GAMMA * _NORMAL.inv_cdf(1 - 1 / (trials * math.e)))
    else:
        expected_max = 0.0
    variance = 1 - skew * observed + (kurtosis - 1) / 4 * observed ** 2
    if variance <= 0:
        return None
    return _NORMAL.cdf((observed - expected_max) * math.sqrt(count - 1) / math.sqrt(variance))


def pbo(matrix: np.ndarray, splits: int = 16) -> float | None:
    """`matrix` is days × trials of returns. The rows are cut into `splits` blocks; for every way to
    pick half the blocks as in-sample, the in-sample best trial is ranked out of sample. PBO is the
    share of those picks where it lands at or below the out-of-sample median."""
    days, trials = matrix.shape
    splits = min(splits, days // 4)
    splits -= splits % 2
    if trials < 2 or splits < 2:
        return None
    blocks = np.array_split(np.arange(days), splits)
    count = np.array([len(b) for b in blocks], dtype=np.float64)
    total = np.array([matrix[b].sum(axis=0) for b in blocks])
    squares = np.array([(matrix[b] ** 2).sum(axis=0) for b in blocks])
    picks = np.array([[1.0 if i in chosen else 0.0 for i in range(splits)]
                      for chosen in itertools.combinations(range(splits), splits // 2)])
    in_sample = _block_sharpe(picks, count, total, squares)
    out_sample = _block_sharpe(1.0 - picks, count, total, squares)
    best = np.argmax(in_sample, axis=1)
    chosen = out_sample[np.arange(len(picks)), best][:, None]
    below = (out_sample < chosen).sum(axis=1)
    ties = (out_sample == chosen).sum(axis=1) - 1
    relative = (below + 0.5 * ties + 1) / (trials + 1)
    logits = np.log(relative / (1 - relative))
    return float(np.mean(logits <= 0))


def _block_sharpe(picks: np.ndarray, count: np.ndarray, total: np.ndarray, squares: np.ndarray) -> np.ndarray:
    n = picks @ count
    mean = (picks @ total) / n[:, None]
    variance = ((picks @ squares) - n[:, None] * mean ** 2) / np.maximum(n[:, None] - 1, 1)
    std = np.sqrt(np.maximum(variance, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(std > 1e-15, mean / std, 0.0)


def robustness(best_score: float, neighbour_scores: list[float]) -> float | None:
    """1 when the adjacent grid points score as well as the best, falling towards 0 as they drop
    away (a failed neighbour counts as a full drop)."""
    if not neighbour_scores or not math.isfinite(best_score) or best_score == 0:
        return None
    drops = [1.0 if not math.isfinite(s) else max(0.0, (best_score - s) / abs(best_score))
             for s in neighbour_scores]
    return max(0.0, 1.0 - float(np.mean(drops)))


def align(trials_days: list[np.ndarray], trials_pnl: list[np.ndarray], capital: float) -> np.ndarray:
    """Days × trials of daily returns on the union of the trials' days (a missing day is flat)."""
    every = np.unique(np.concatenate(trials_days)) if trials_days else np.empty(0, dtype=np.int64)
    matrix = np.zeros((len(every), len(trials_days)))
    for column, (days, pnl) in enumerate(zip(trials_days, trials_pnl, strict=True)):
        matrix[np.searchsorted(every, days), column] = pnl / capital
    return matrix


def diagnose(matrix: np.ndarray, best_column: int, best_score: float, neighbour_scores: list[float]) -> Diagnostics:
    sharpes = [sharpe(matrix[:, i]) for i in range(matrix.shape[1])]
    dsr = deflated_sharpe(matrix[:, best_column], sharpes) if matrix.size else None
    overfit = pbo(matrix)
    robust = robustness(best_score, neighbour_scores)
    return Diagnostics(dsr, overfit, robust, readings(dsr, overfit, robust, matrix.shape[1]))


def readings(dsr: float | None, overfit: float | None, robust: float | None, trials: int) -> tuple[str, ...]:
    lines = []
    if dsr is None:
        lines.append(tr("紧缩夏普：数据太少，无法评估"))
    else:
        verdict = tr("有统计意义") if dsr >= 0.95 else tr("不能排除运气") if dsr >= 0.5 else tr("很可能只是运气")
        lines.append(tr("紧缩夏普 {p:.0%}：考虑到试了{n}组参数，最优结果的夏普比率真实为正的概率；{verdict}",
                        p=dsr, n=trials, verdict=verdict))
    if overfit is None:
        lines.append(tr("过拟合概率：试验或数据太少，无法评估"))
    else:
        verdict = tr("过拟合风险低") if overfit < 0.25 else tr("过拟合风险中等") if overfit < 0.5 \
            else tr("很可能过拟合")
        lines.append(tr("过拟合概率 {p:.0%}：样本内最优的参数在样本外跌到中位数以下的比例；{verdict}",
                        p=overfit, verdict=verdict))
    if robust is None:
        lines.append(tr("参数稳健性：没有可比较的相邻参数"))
    else:
        verdict = tr("参数平台稳定") if robust >= 0.8 else tr("对参数较敏感") if robust >= 0.5 \
            else tr("孤立尖峰，换一点参数结果就变差很多")
        lines.append(tr("参数稳健性 {p:.0%}：相邻参数的目标值相对最优值保持的程度；{verdict}",
                        p=robust, verdict=verdict))
    return tuple(lines)
