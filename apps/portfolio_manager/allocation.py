"""How much capital each strategy gets: the allocation methods and the constraints around them.
Pure: numpy in, weights out (fractions of the capital; what is left over stays as cash).

Each method's one-line explanation is in METHODS, for the dock."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lianghua_app.i18n import tr

METHODS = {
    "equal": "等权：每个策略分得相同资金",
    "target_vol": "目标波动：w = min(上限, 风险预算 × 目标波动 ÷ 实现波动)",
    "risk_budget": "风险预算：各策略对组合波动的贡献与其风险预算成比例（skfolio RiskBudgeting）",
    "kelly": "分数凯利：w = 系数 × 平均收益 ÷ 收益方差，合计超过1时按比例缩小",
    "ucb1": "UCB1：折扣平均收益加探索奖励，奖励高者多分",
    "thompson": "Thompson：按各策略成为最优的后验概率分配",
}
PERIODS_PER_YEAR = 252


class AllocationError(ValueError):
    pass


@dataclass
class Constraints:
    w_max: float = 0.5                                      # per strategy
    market_caps: dict[str, float] = field(default_factory=dict)   # per market ("ashare", "crypto")
    w_min: float = 0.0                                      # a smaller weight becomes 0
    smoothing: float = 1.0                                  # share of the way to the target per rebalance
    buffer: float = 0.0                                     # a change smaller than this is not made
    turnover_cap: float = 2.0                               # Σ|Δw| per rebalance

    def problems(self) -> list[str]:
        found = []
        for name in ("w_max", "w_min", "smoothing", "buffer", "turnover_cap"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                found.append(tr("{name} 应为不小于0的数，收到 {value!r}", name=name, value=value))
        if not found and self.w_min > self.w_max:
            found.append(tr("最小权重{low:.2%}高于单策略上限{high:.2%}，无法满足", low=self.w_min, high=self.w_max))
        if not found and not 0 < self.smoothing <= 1:
            found.append(tr("smoothing 应在0到1之间（1为一步到位）"))
        return found


def _check_returns(returns: np.ndarray, names: list[str]) -> np.ndarray:
    returns = np.asarray(returns, dtype=np.float64)
    if returns.ndim != 2 or returns.shape[1] != len(names) or not names:
        raise AllocationError(tr("收益序列须为 期数 × 策略数 的表，策略{count}个", count=len(names)))
    if returns.shape[0] < 2:
        raise AllocationError(tr("历史不足：至少需要2期收益，现有{count}期", count=returns.shape[0]))
    if not np.isfinite(returns).all():
        raise AllocationError(tr("收益序列含有空值或无穷大"))
    return returns


def _budgets(budgets: np.ndarray | None, n: int) -> np.ndarray:
    if budgets is None:
        return np.full(n, 1 / n)
    budgets = np.asarray(budgets, dtype=np.float64)
    if budgets.shape != (n,) or (budgets < 0).any() or not budgets.sum() > 0:
        raise AllocationError(tr("风险预算须为{n}个不小于0的数，且合计大于0", n=n))
    return budgets / budgets.sum()


def equal(returns: np.ndarray, names: list[str], **_) -> np.ndarray:
    """Needs no history: a fresh machine can split its capital evenly."""
    if not names:
        raise AllocationError(tr("没有可分配的策略"))
    return np.full(len(names), 1 / len(names))


def target_vol(returns: np.ndarray, names: list[str], target: float = 0.10, w_max: float = 1.0,
               budgets: np.ndarray | None = None, **_) -> np.ndarray:
    """`target` and the realised volatility are annualised."""
    returns = _check_returns(returns, names)
    realised = returns.std(axis=0, ddof=1) * math.sqrt(PERIODS_PER_YEAR)
    with np.errstate(divide="ignore"):
        weights = np.where(realised > 0, _budgets(budgets, len(names)) * target / realised, w_max)
    return np.minimum(weights, w_max)


def risk_budget(returns: np.ndarray, names: list[str], budgets: np.ndarray | None = None, **_) -> np.ndarray:
    from skfolio import RiskMeasure
    from skfolio.optimization import RiskBudgeting

    returns = _check_returns(returns, names)
    model = RiskBudgeting(risk_measure=RiskMeasure.VARIANCE, risk_budget=_budgets(budgets, len(names)))
    return np.asarray(model.fit(returns).weights_, dtype=np.float64)


def kelly(returns: np.ndarray, names: list[str], fraction: float = 0.5, **_) -> np.ndarray:
    returns = _check_returns(returns, names)
    mean, variance = returns.mean(axis=0), returns.var(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(variance > 0, fraction * mean / variance, 0.0)
    weights = np.clip(weights, 0, None)
    total = weights.sum()
    return weights / total if total > 1 else weights


def _discounted(returns: np.ndarray, discount: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Discounted count, mean and variance per strategy: the newest period weighs 1, the one
    before `discount`, and so on, so old results fade."""
    factors = discount ** np.arange(returns.shape[0] - 1, -1, -1, dtype=np.float64)
    count = factors.sum()
    mean = factors @ returns / count
    variance = factors @ (returns - mean) ** 2 / count
    return np.full(returns.shape[1], count), mean, variance


def ucb1(returns: np.ndarray, names: list[str], discount: float = 0.98, exploration: float = 1.0,
         **_) -> np.ndarray:
    """Weights in proportion to each arm's upper confidence bound above the lowest one."""
    returns = _check_returns(returns, names)
    count, mean, variance = _discounted(returns, discount)
    scale = np.sqrt(variance.mean()) or 1.0
    bound = mean / scale + exploration * np.sqrt(2 * math.log(count.sum()) / count)
    lifted = bound - bound.min()
    return lifted / lifted.sum() if lifted.sum() > 0 else np.full(len(names), 1 / len(names))


def thompson(returns: np.ndarray, names: list[str], discount: float = 0.98, draws: int = 4000, seed: int = 7,
             **_) -> np.ndarray:
    """Each strategy's posterior probability of having the best mean (normal posterior)."""
    returns = _check_returns(returns, names)
    count, mean, variance = _discounted(returns, discount)
    spread = np.sqrt(np.maximum(variance, 1e-18) / count)
    samples = np.random.default_rng(seed).normal(mean, spread, size=(draws, len(names)))
    return np.bincount(samples.argmax(axis=1), minlength=len(names)) / draws


ALLOCATORS = {"equal": equal, "target_vol": target_vol, "risk_budget": risk_budget, "kelly": kelly, "ucb1": ucb1,
              "thompson": thompson}


def allocate(method: str, returns: np.ndarray, names: list[str], **params) -> np.ndarray:
    allocator = ALLOCATORS.get(method)
    if allocator is None:
        raise AllocationError(tr("未知分配方法“{method}”；可用：{known}", method=method, known="、".join(ALLOCATORS)))
    return allocator(returns, names, **params)


def constrain(target: np.ndarray, current: np.ndarray, markets: list[str], constraints: Constraints) -> np.ndarray:
    """Caps (per strategy, then per market, the excess spread over the others with room), the
    minimum weight, then smoothing toward the target, the no-trade buffer and the turnover cap."""
    problems = constraints.problems()
    if problems:
        raise AllocationError("；".join(problems))
    total = min(float(target.sum()), 1.0)
    weights = _capped(np.asarray(target, dtype=np.float64), np.full(len(target), constraints.w_max), total)
    for market, cap in constraints.market_caps.items():
        members = np.array([m == market for m in markets])
        held = weights[members].sum()
        if held > cap:
            excess = held - cap
            weights[members] *= cap / held
            room = np.where(~members, constraints.w_max - weights, 0.0).clip(0)
            if room.sum() > 0:
                weights += room / room.sum() * min(excess, room.sum())
    small = (weights > 0) & (weights < constraints.w_min)
    if small.any():
        freed = weights[small].sum()
        weights[small] = 0.0
        weights = _capped(weights + freed * weights / weights.sum() if weights.sum() else weights,
                          np.full(len(weights), constraints.w_max), weights.sum() + freed)
    current = np.asarray(current, dtype=np.float64)
    moved = current + constraints.smoothing * (weights - current)
    moved = np.where(np.abs(moved - current) < constraints.buffer, current, moved)
    turnover = np.abs(moved - current).sum()
    if turnover > constraints.turnover_cap:
        moved = current + (moved - current) * constraints.turnover_cap / turnover
    return moved


def _capped(weights: np.ndarray, caps: np.ndarray, total: float) -> np.ndarray:
    """Scale to `total`, cap each weight, and hand what a cap cut off to the uncapped ones in
    proportion, until nothing is over (or everything is at its cap: the rest stays cash)."""
    weights = weights.clip(0)
    if weights.sum() <= 0:
        return weights
    weights = weights / weights.sum() * total
    for _ in range(len(weights)):
        over = weights > caps + 1e-12
        if not over.any():
            break
        excess = (weights[over] - caps[over]).sum()
        weights[over] = caps[over]
        free = ~over & (weights < caps)
        if not free.any() or weights[free].sum() <= 0:
            break
        weights[free] += excess * weights[free] / weights[free].sum()
    return np.minimum(weights, caps)
