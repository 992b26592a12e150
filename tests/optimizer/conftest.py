"""The optimizer's fixture: a database of daily bars to search over."""

from __future__ import annotations

from datetime import datetime

import pytest
from vnpy.trader.constant import Exchange

from lianghua_app.markets import CHINA_TZ
from tests.helpers import trending_closes

OPT_SYMBOL = "000001.SZSE"
OPT_START = datetime(2020, 1, 2, 15, tzinfo=CHINA_TZ)


@pytest.fixture
def optimizer_bars(data_dir):
    """About three years of daily bars of 000001.SZSE in the profile's database."""
    from datetime import timedelta

    from vnpy.trader.constant import Interval
    from vnpy.trader.database import get_database
    from vnpy.trader.object import BarData

    bars, day, previous = [], OPT_START, None
    for close in trending_closes(750):
        while day.weekday() >= 5:
            day += timedelta(days=1)
        open_ = previous or close
        bars.append(BarData(gateway_name="DB", symbol="000001", exchange=Exchange.SZSE, datetime=day,
                            interval=Interval.DAILY, open_price=open_, close_price=close,
                            high_price=round(max(open_, close) * 1.005, 2),
                            low_price=round(min(open_, close) * 0.995, 2), volume=1e6))
        previous = close
        day += timedelta(days=1)
    get_database().save_bar_data(bars)
    return OPT_SYMBOL
