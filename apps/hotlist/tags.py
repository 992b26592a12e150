"""Risk tags on each candidate, in words a trader reads at a glance, and a safe leverage: the
highest at which an adverse move of three daily ATRs leaves the position above its maintenance
margin. Pure."""

from __future__ import annotations

import math

import numpy as np

from lianghua_app.i18n import tr

from .scoring import log_returns, returns_std

ATR_MOVES = 3.0                 # the adverse move a safe leverage must survive, in daily ATRs
ATR_PER_STD = 1.25              # a daily ATR is about 1.25 daily standard deviations of return
FUNDING_EXTREME = 0.0005        # 0.05% per 8 hours, either way
OI_SPIKE = math.log(1.10)       # open interest up 10% within the OIΔ window
THIN_USDT = 100_000_000.0
WIDE_BPS = 5.0


def daily_volatility(last: np.ndarray, steps_per_day: float) -> np.ndarray:
    """Per-symbol daily standard deviation of returns from a (snapshots x symbols) price matrix."""
    return returns_std(log_returns(last)) * math.sqrt(steps_per_day)


def safe_leverage(daily_vol: float, maintenance_rate: float, max_leverage: int) -> int:
    if not math.isfinite(daily_vol) or daily_vol <= 0:
        return 1
    room = ATR_MOVES * ATR_PER_STD * daily_vol + maintenance_rate
    return int(max(1, min(max_leverage, math.floor(1 / room))))


def crypto_tags(daily_vol: float, funding: float, funding_z: float, oi_delta: float, quote_volume: float,
                spread_bps: float, history_short: bool) -> list[str]:
    tags = []
    if history_short:
        tags.append(tr("历史不足"))
    if math.isfinite(daily_vol):
        tags.append(tr("波动低") if daily_vol < 0.03 else tr("波动中") if daily_vol < 0.06 else tr("波动高"))
    if abs(funding) >= FUNDING_EXTREME or (math.isfinite(funding_z) and abs(funding_z) >= 3):
        tags.append(tr("资金费极端"))
    if math.isfinite(oi_delta) and oi_delta >= OI_SPIKE:
        tags.append(tr("持仓激增"))
    if quote_volume < THIN_USDT:
        tags.append(tr("流动性弱"))
    if math.isfinite(spread_bps) and spread_bps > WIDE_BPS:
        tags.append(tr("价差大"))
    return tags


def ashare_tags(proximity: float, turnover_z: float, st: bool, history_short: bool) -> list[str]:
    tags = []
    if history_short:
        tags.append(tr("历史不足"))
    if math.isfinite(proximity) and proximity >= 0.8:
        tags.append(tr("接近涨停"))
    if turnover_z >= 2:
        tags.append(tr("成交活跃"))
    if st:
        tags.append(tr("ST"))
    return tags
