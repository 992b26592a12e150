"""A small generated data set a new user can backtest on at once: seeded random walks with
trending and ranging stretches, so trend and mean-reversion strategies both trade. It goes into
a profile of its own (default `sample`), never over bars that are already stored."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database
from vnpy.trader.object import BarData

from lianghua_app.i18n import tr
from lianghua_app.markets import CHINA_TZ, UTC, ashare

FIRST_DAY = date(2021, 1, 4)
DAYS = 750                   # about three years of weekdays


@dataclass(frozen=True)
class SampleSeries:
    symbol: str
    exchange: Exchange
    interval: Interval
    start_price: float
    seed: int


SERIES = (
    SampleSeries("000001", Exchange.SZSE, Interval.DAILY, 12.0, 1),
    SampleSeries("600519", Exchange.SSE, Interval.DAILY, 1800.0, 2),
    SampleSeries("BTCUSDT", Exchange.GLOBAL, Interval.MINUTE, 40_000.0, 3),
)


class SampleDataError(ValueError):
    pass


def _walk(rng: random.Random, price: float, count: int, step_vol: float) -> list[tuple[float, float, float, float]]:
    """(open, high, low, close) per bar; the drift changes every 20-60 bars."""
    bars, drift, left = [], 0.0, 0
    for _ in range(count):
        if left == 0:
            drift, left = rng.choice((-1, 0, 0, 1)) * step_vol * 0.25, rng.randint(20, 60)
        left -= 1
        open_ = price
        price = max(price * (1 + drift + rng.gauss(0, step_vol)), 0.5)
        high = max(open_, price) * (1 + abs(rng.gauss(0, step_vol / 3)))
        low = min(open_, price) * (1 - abs(rng.gauss(0, step_vol / 3)))
        bars.append((open_, high, low, price))
    return bars


def _within(price: float, band: tuple[float, float]) -> float:
    """On the tick grid and inside the day's price limits."""
    return min(max(ashare.round_to_tick(price), band[0]), band[1])


def _daily(series: SampleSeries) -> list[BarData]:
    rng = random.Random(series.seed)
    days, day = [], FIRST_DAY
    while len(days) < DAYS:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    bars, previous = [], series.start_price
    for day, (open_, high, low, close) in zip(days, _walk(rng, series.start_price, DAYS, 0.018), strict=True):
        band = ashare.price_limits(previous, ashare.board_of(series.symbol), False, day)
        open_, close = _within(open_, band), _within(close, band)
        bars.append(BarData(gateway_name="DB", symbol=series.symbol, exchange=series.exchange, interval=Interval.DAILY,
                            datetime=datetime.combine(day, time(0), CHINA_TZ), open_price=open_,
                            high_price=max(_within(high, band), open_, close),
                            low_price=min(_within(low, band), open_, close),
                            close_price=close, volume=float(rng.randint(200, 2000) * 1000)))
        previous = close
    return bars


def _minutes(series: SampleSeries) -> list[BarData]:
    rng = random.Random(series.seed)
    first = datetime.combine(FIRST_DAY + timedelta(days=DAYS), time(0), UTC) - timedelta(days=30)
    return [BarData(gateway_name="DB", symbol=series.symbol, exchange=series.exchange, interval=Interval.MINUTE,
                    datetime=first + timedelta(minutes=i), open_price=round(o, 1), high_price=round(h, 1),
                    low_price=round(low, 1), close_price=round(c, 1), volume=round(rng.uniform(1, 20), 3))
            for i, (o, h, low, c) in enumerate(_walk(rng, series.start_price, 30 * 1440, 0.0008))]


def write_sample_data() -> list[tuple[str, Interval, int]]:
    """Store every sample series; refuses, writing nothing, where one is already stored."""
    database = get_database()
    stored = {(o.symbol, o.exchange, o.interval) for o in database.get_bar_overview()}
    clash = [f"{s.symbol}.{s.exchange.value}" for s in SERIES if (s.symbol, s.exchange, s.interval) in stored]
    if clash:
        raise SampleDataError(tr("此配置中已有{symbols}的K线，样例数据不会覆盖它们；请用一个新配置，"
                                 "例如 --profile sample", symbols=", ".join(clash)))
    written = []
    for series in SERIES:
        bars = _daily(series) if series.interval is Interval.DAILY else _minutes(series)
        database.save_bar_data(bars)
        written.append((f"{series.symbol}.{series.exchange.value}", series.interval, len(bars)))
    return written
