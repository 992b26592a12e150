"""What more than one test module uses."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.object import BarData

from lianghua_app.markets import CHINA_TZ

START = datetime(2024, 1, 2, tzinfo=CHINA_TZ)


def minute_bars(symbol: str, exchange: Exchange, days: int, seed: int = 3) -> list[BarData]:
    rng = random.Random(seed)
    price = 10.0
    bars = []
    day = START
    while len(bars) < days * 240:
        if day.weekday() < 5:
            for minute in list(range(90, 210)) + list(range(300, 420)):   # 09:30-11:29, 13:00-14:59
                moment = day.replace(hour=9, minute=0) + timedelta(minutes=minute)
                open_ = price
                price = round(max(price * (1 + rng.gauss(0, 0.002)), 1.0), 2)
                bars.append(BarData(gateway_name="DB", symbol=symbol, exchange=exchange, datetime=moment,
                                    interval=Interval.MINUTE, open_price=open_, close_price=price,
                                    high_price=round(max(open_, price) + 0.01, 2),
                                    low_price=round(min(open_, price) - 0.01, 2), volume=1000))
        day += timedelta(days=1)
    return bars
