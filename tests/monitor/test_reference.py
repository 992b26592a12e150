"""Earlier days from the database: the N-day high and low, and the same-minute volume profile."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database
from vnpy.trader.object import BarData

from apps.monitor.reference import load_references
from lianghua_app.markets import CHINA_TZ

TODAY = date(2024, 6, 14)


def bar(moment: datetime, interval: Interval, high: float, low: float, volume: float) -> BarData:
    return BarData(gateway_name="DB", symbol="600519", exchange=Exchange.SSE, datetime=moment, interval=interval,
                   open_price=low, high_price=high, low_price=low, close_price=high, volume=volume)


def test_references_take_the_last_n_daily_bars_and_average_each_session_minute(engine):
    days = [datetime(2024, 5, 20, tzinfo=CHINA_TZ) + timedelta(days=i) for i in range(25)]
    daily = [bar(d, Interval.DAILY, 100 + i, 90 - i * 0.1, 1e6) for i, d in enumerate(days) if d.date() < TODAY]
    daily.append(bar(datetime(2024, 6, 14, tzinfo=CHINA_TZ), Interval.DAILY, 999, 1, 1e6))   # today: ignored
    minutes = [bar(datetime(2024, 6, day, 9, 30, tzinfo=CHINA_TZ), Interval.MINUTE, 10, 9, volume)
               for day, volume in ((12, 1_000), (13, 3_000))]
    minutes.append(bar(datetime(2024, 6, 13, 13, 0, tzinfo=CHINA_TZ), Interval.MINUTE, 10, 9, 500))
    get_database().save_bar_data(daily)
    get_database().save_bar_data(minutes)
    [reference] = list(load_references(TODAY, high_days=5, low_days=20))
    assert reference.vt_symbol == "600519.SSE"
    last_five = daily[-6:-1]
    assert reference.high == max(b.high_price for b in last_five)
    assert reference.low == min(b.low_price for b in daily[-21:-1])
    assert reference.profile[0] == pytest.approx(2_000) and reference.profile[120] == pytest.approx(250)
