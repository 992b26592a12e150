"""Statistics beyond vnpy's: risk-adjusted ratios, tail risk, round trips, exposure and the
symbol's buy-and-hold return over the same period."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from pandas import DataFrame
from vnpy.trader.constant import Direction
from vnpy.trader.object import TradeData

# Every number a backtest reports, by name: what an optimiser may target or constrain.
NUMERIC_STATISTICS = (
    "total_days", "profit_days", "loss_days", "end_balance", "max_drawdown", "max_ddpercent",
    "max_drawdown_duration", "total_net_pnl", "daily_net_pnl", "total_commission", "daily_commission",
    "total_slippage", "daily_slippage", "total_turnover", "daily_turnover", "total_trade_count",
    "daily_trade_count", "trade_count", "total_return", "annual_return", "daily_return", "return_std",
    "sharpe_ratio", "ewm_sharpe", "return_drawdown_ratio", "rgr_ratio", "volatility", "sortino_ratio",
    "calmar_ratio", "var_95", "cvar_95", "exposure", "turnover_ratio", "round_trip_count", "win_rate",
    "profit_factor", "average_win", "average_loss", "average_holding_days", "buy_and_hold_return",
)


@dataclass(frozen=True)
class RoundTrip:
    direction: str          # "long" or "short"
    entry_time: datetime
    exit_time: datetime
    entry_price: float
    exit_price: float
    volume: float
    pnl: float

    @property
    def holding_days(self) -> float:
        return (self.exit_time - self.entry_time).total_seconds() / 86400


def round_trips(trades: list[TradeData], size: float) -> list[RoundTrip]:
    """Pair fills first-in first-out into closed positions."""
    open_lots: list[list] = []       # [direction sign, time, price, volume]
    trips: list[RoundTrip] = []
    for trade in sorted(trades, key=lambda t: t.datetime):
        sign = 1 if trade.direction == Direction.LONG else -1
        volume = trade.volume
        while volume > 1e-12 and open_lots and open_lots[0][0] != sign:
            lot = open_lots[0]
            closed = min(volume, lot[3])
            pnl = (trade.price - lot[2]) * closed * size * lot[0]
            trips.append(RoundTrip("long" if lot[0] > 0 else "short", lot[1], trade.datetime, lot[2], trade.price,
                                   closed, pnl))
            lot[3] -= closed
            volume -= closed
            if lot[3] <= 1e-12:
                open_lots.pop(0)
        if volume > 1e-12:
            open_lots.append([sign, trade.datetime, trade.price, volume])
    return trips


def extended_statistics(df: DataFrame, base: dict, trips: list[RoundTrip], capital: float,
                        first_close: float, last_close: float, annual_days: int = 240) -> dict:
    stats = dict(base)
    if df is None or df.empty:
        return stats
    balance = df["net_pnl"].cumsum() + capital
    returns = balance.pct_change().fillna((balance.iloc[0] - capital) / capital).to_numpy()
    days = len(returns)
    stats["volatility"] = float(np.std(returns, ddof=1) * math.sqrt(annual_days) * 100) if days > 1 else 0.0
    downside = returns[returns < 0]
    downside_std = float(np.sqrt(np.mean(downside ** 2))) if len(downside) else 0.0
    stats["sortino_ratio"] = float(np.mean(returns) / downside_std * math.sqrt(annual_days)) if downside_std else 0.0
    max_dd = abs(stats.get("max_ddpercent", 0.0))
    stats["calmar_ratio"] = float(stats.get("annual_return", 0.0) / max_dd) if max_dd else 0.0
    cut = np.percentile(returns, 5)
    stats["var_95"] = float(-cut * 100)
    stats["cvar_95"] = float(-np.mean(returns[returns <= cut]) * 100)
    positions = df["end_pos"].to_numpy()
    stats["exposure"] = float(np.count_nonzero(positions) / days * 100)
    stats["turnover_ratio"] = float(df["turnover"].sum() / capital) if capital else 0.0
    wins = [t.pnl for t in trips if t.pnl > 0]
    losses = [t.pnl for t in trips if t.pnl <= 0]
    stats["round_trip_count"] = len(trips)
    stats["win_rate"] = len(wins) / len(trips) * 100 if trips else 0.0
    stats["profit_factor"] = sum(wins) / abs(sum(losses)) if losses and sum(losses) else (math.inf if wins else 0.0)
    stats["average_win"] = float(np.mean(wins)) if wins else 0.0
    stats["average_loss"] = float(np.mean(losses)) if losses else 0.0
    stats["average_holding_days"] = float(np.mean([t.holding_days for t in trips])) if trips else 0.0
    stats["buy_and_hold_return"] = (last_close / first_close - 1) * 100 if first_close else 0.0
    return {k: _plain(v) for k, v in stats.items()}


def _plain(value):
    """numpy scalars and dates to JSON-friendly Python values."""
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
