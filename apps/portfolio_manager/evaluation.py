"""Try an allocation method before trusting it: replay it over strategies' return series
(backtests or live history), rebalancing every `every` periods from the trailing `window`, and
compare the portfolio with equal weight on return, volatility, drawdown and turnover. Pure, but
for reading backtests' daily CSV files (`lianghua backtest --daily FILE`)."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from lianghua_app.i18n import tr
from lianghua_app.textfiles import FileProblem, open_csv

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


def daily_returns(paths: list[Path]) -> tuple[list[str], np.ndarray]:
    """Each backtest's daily return (net PnL over the day's opening balance), one column per file
    named by its stem, on the union of their days (a day a backtest did not trade returns 0)."""
    series: dict[str, dict[date, float]] = {}
    for path in paths:
        try:
            rows = list(csv.DictReader(open_csv(Path(path))))
            returns = {}
            balance = None
            for row in rows:
                net, closing = float(row["net_pnl"]), float(row["balance"])
                opening = balance if balance is not None else closing - net
                returns[date.fromisoformat(row["date"][:10])] = net / opening if opening else 0.0
                balance = closing
        except (KeyError, ValueError) as error:
            raise AllocationError(tr("{path}不是回测逐日结果（需要 date、net_pnl、balance 列）：{error}",
                                     path=path, error=error)) from error
        except FileProblem as error:
            raise AllocationError(str(error)) from error
        series[Path(path).stem] = returns
    days = sorted({d for returns in series.values() for d in returns})
    return list(series), np.array([[returns.get(d, 0.0) for returns in series.values()] for d in days])
