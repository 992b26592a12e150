"""Try an allocation method before trusting it: replay it over strategies' return series
(backtests or live history), rebalancing every `every` periods from the trailing `window`, and
compare the portfolio with equal weight on return, volatility, drawdown and turnover. Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .allocation import PERIODS_PER_YEAR, AllocationError, Constraints, allocate, constrain


@dataclass
class Evaluation:
    method: str
    curve: np.ndarray               # portfolio value, starting at 1
    weights: np.ndarray             # (rebalances x strategies), the weights set at each rebalance
    traded: np.ndarray              # Σ|Δw| of each rebalance, against the weights drifted since the last
    annual_return: float
    annual_volatility: float
    max_drawdown: float             # a fraction, <= 0
    turnover: float                 # Σ|Δw| per year


def evaluate(method: str, returns: np.ndarray, names: list[str], markets: list[str], window: int = 60,
             every: int = 20, constraints: Constraints | None = None, **params) -> Evaluation:
    returns = np.asarray(returns, dtype=np.float64)
    if returns.ndim != 2 or returns.shape[0] <= window:
        raise AllocationError(f"need more than {window} periods of returns, got {returns.shape[0]}")
    constraints = constraints or Constraints(w_max=1.0)
    n = returns.shape[1]
    weights = np.zeros(n)
    value, curve, period_returns, chosen, traded = 1.0, [1.0], [], [], []
    for t in range(window, returns.shape[0]):
        if (t - window) % every == 0:
            target = allocate(method, returns[t - window:t], names, **params)
            new = constrain(target, weights, markets, constraints)
            traded.append(float(np.abs(new - weights).sum()))
            weights = new
            chosen.append(weights.copy())
        gross = float(weights @ returns[t])
        period_returns.append(gross)
        value *= 1 + gross
        curve.append(value)
        grown = weights * (1 + returns[t])
        weights = grown / (1 + gross) if 1 + gross > 0 else grown
    curve_array, periods = np.array(curve), len(period_returns)
    peaks = np.maximum.accumulate(curve_array)
    years = periods / PERIODS_PER_YEAR
    return Evaluation(method, curve_array, np.array(chosen), np.array(traded),
                      annual_return=curve_array[-1] ** (1 / years) - 1 if curve_array[-1] > 0 else -1.0,
                      annual_volatility=float(np.std(period_returns, ddof=1) * math.sqrt(PERIODS_PER_YEAR)),
                      max_drawdown=float((curve_array / peaks - 1).min()), turnover=sum(traded) / years)


def compare(method: str, returns: np.ndarray, names: list[str], markets: list[str], **options) -> dict:
    """The method against equal weight, same windows and constraints."""
    return {"method": evaluate(method, returns, names, markets, **options),
            "equal": evaluate("equal", returns, names, markets, **options)}
