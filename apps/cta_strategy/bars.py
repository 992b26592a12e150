"""Live daily bars for strategies that trade on daily bars, as they were backtested: ticks of a
market day are folded into one bar, handed over once the day's session has closed (15:00
Beijing time for A-shares, the UTC midnight for crypto)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from vnpy.trader.constant import Interval
from vnpy.trader.object import BarData, TickData

from lianghua_app.markets import CHINA_TZ, clock_of, is_ashare

ASHARE_CLOSE = time(15, 0)


def market_day(tick: TickData) -> date:
    return tick.datetime.astimezone(clock_of(tick.exchange)).date()


def closes_at(bar: BarData) -> datetime:
    """When the session of `bar`'s day is over."""
    day = bar.datetime.date()
    if is_ashare(bar.exchange):
        return datetime.combine(day, ASHARE_CLOSE, CHINA_TZ)
    return datetime.combine(day + timedelta(days=1), time(0), clock_of(bar.exchange))


class DailyBarBuilder:
    def __init__(self) -> None:
        self.bar: BarData | None = None
        self.closed: date | None = None     # the last day handed over

    def update(self, tick: TickData) -> BarData | None:
        """Fold a tick in; returns the previous day's bar when this tick starts a new day."""
        if not tick.last_price:
            return None
        day = market_day(tick)
        if day == self.closed:
            return None             # a quote after the close belongs to no new bar
        finished = None
        if self.bar is not None and self.bar.datetime.date() != day:
            finished, self.bar, self.closed = self.bar, None, self.bar.datetime.date()
        if self.bar is None:
            self.bar = BarData(gateway_name=tick.gateway_name, symbol=tick.symbol, exchange=tick.exchange,
                               datetime=datetime.combine(day, time(0), clock_of(tick.exchange)),
                               interval=Interval.DAILY, open_price=tick.open_price or tick.last_price,
                               high_price=tick.last_price, low_price=tick.last_price, close_price=tick.last_price)
        bar = self.bar
        bar.high_price = max(bar.high_price, tick.high_price or tick.last_price, tick.last_price)
        bar.low_price = min(bar.low_price, tick.low_price or tick.last_price, tick.last_price)
        bar.close_price = tick.last_price
        bar.volume, bar.turnover, bar.open_interest = tick.volume, tick.turnover, tick.open_interest
        return finished

    def close(self, now: datetime) -> BarData | None:
        """Today's bar once its session is over (asked on the timer); None before, or twice."""
        if self.bar is None or now < closes_at(self.bar):
            return None
        finished, self.bar, self.closed = self.bar, None, self.bar.datetime.date()
        return finished
