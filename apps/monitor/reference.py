"""What earlier days say about today, from the bars in the database: each symbol's high and low
over the previous N daily bars, and its average volume in each minute of the session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from vnpy.trader.constant import Interval
from vnpy.trader.database import get_database

from lianghua_app.markets import CHINA_TZ, is_ashare
from lianghua_app.markets.ashare import SESSION_MINUTES, session_minute

PROFILE_DAYS = 10       # trading days averaged for the same-minute volume


@dataclass(frozen=True)
class Reference:
    vt_symbol: str
    high: float             # 0 when there is no daily history
    low: float
    profile: np.ndarray | None      # average volume per session minute, or None


def minute_profile(bars: list, days: int = PROFILE_DAYS) -> np.ndarray | None:
    """Average volume of each session minute over the last `days` trading days of 1m bars."""
    by_day: dict[date, list] = {}
    for bar in bars:
        by_day.setdefault(bar.datetime.astimezone(CHINA_TZ).date(), []).append(bar)
    chosen = sorted(by_day)[-days:]
    if not chosen:
        return None
    total = np.zeros(SESSION_MINUTES)
    for day in chosen:
        for bar in by_day[day]:
            local = bar.datetime.astimezone(CHINA_TZ)
            slot = session_minute(local.hour, local.minute)
            if slot >= 0:
                total[slot] += bar.volume
    return total / len(chosen)


def load_references(today: date, high_days: int, low_days: int) -> Iterator[Reference]:
    """One Reference per A-share with daily or 1-minute bars stored before `today`."""
    database = get_database()
    wanted: dict[tuple[str, object], set[Interval]] = {}
    for overview in database.get_bar_overview():
        if is_ashare(overview.exchange) and overview.interval in (Interval.DAILY, Interval.MINUTE):
            wanted.setdefault((overview.symbol, overview.exchange), set()).add(overview.interval)
    days = max(high_days, low_days)
    end = datetime.combine(today, time(0), CHINA_TZ) - timedelta(seconds=1)
    for (symbol, exchange), intervals in wanted.items():
        high = low = 0.0
        profile = None
        if Interval.DAILY in intervals:
            bars = database.load_bar_data(symbol, exchange, Interval.DAILY, end - timedelta(days=days * 2 + 14), end)
            if bars:
                high = max(b.high_price for b in bars[-high_days:])
                low = min(b.low_price for b in bars[-low_days:])
        if Interval.MINUTE in intervals:
            minutes = database.load_bar_data(symbol, exchange, Interval.MINUTE,
                                             end - timedelta(days=PROFILE_DAYS * 2 + 14), end)
            profile = minute_profile(minutes)
        yield Reference(f"{symbol}.{exchange.value}", high, low, profile)
