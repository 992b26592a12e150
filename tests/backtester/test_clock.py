"""A backtest gives the same bars, warm-up and trades whatever the computer's time zone, and
the same as vnpy's own engine given the dates the way vnpy users write them (naive)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database
from vnpy.trader.object import BarData
from vnpy_ctastrategy import CtaTemplate
from vnpy_ctastrategy import backtesting as vnpy_backtesting
from vnpy_ctastrategy.strategies.atr_rsi_strategy import AtrRsiStrategy
from vnpy_ctastrategy.strategies.double_ma_strategy import DoubleMaStrategy

from apps.backtester.engine import BacktestConfig, run_backtest
from lianghua_app.markets import CHINA_TZ

pytestmark = pytest.mark.usefixtures("machine_zone")


def round_the_clock(symbol: str, interval: Interval, first: datetime, count: int) -> list[BarData]:
    """Crypto-like bars every interval, day and night, stored with Beijing times."""
    step = {Interval.MINUTE: timedelta(minutes=1), Interval.HOUR: timedelta(hours=1)}[interval]
    rng, price, bars = random.Random(7), 100.0, []
    for i in range(count):
        open_ = price
        price = round(price * (1 + rng.gauss(0, 0.003)), 2)
        bars.append(BarData(gateway_name="DB", symbol=symbol, exchange=Exchange.GLOBAL, interval=interval,
                            datetime=first + i * step, open_price=open_, close_price=price, volume=10,
                            high_price=round(max(open_, price) + 0.05, 2),
                            low_price=round(min(open_, price) - 0.05, 2)))
    return bars


def vnpy_trades(strategy_class: type, vt_symbol: str, interval: Interval, start: datetime, end: datetime,
                size: float = 1) -> list[tuple]:
    vnpy_backtesting.load_bar_data.cache_clear()        # vnpy caches warm-up bars per process
    engine = vnpy_backtesting.BacktestingEngine()
    engine.set_parameters(vt_symbol=vt_symbol, interval=interval, start=start, end=end, rate=0.0, slippage=0.0,
                          size=size, pricetick=0.01, capital=1_000_000)
    engine.add_strategy(strategy_class, {})
    engine.load_data()
    engine.run_backtesting()
    return [wall_clock(t) for t in engine.trades.values()]


def wall_clock(trade) -> tuple:
    return trade.datetime.astimezone(CHINA_TZ).replace(tzinfo=None), trade.direction, trade.price, trade.volume


@pytest.mark.parametrize("strategy_class", [DoubleMaStrategy, AtrRsiStrategy])
def test_minutes_around_midnight_replay_from_the_start_given_and_trade_as_vnpy_does(data_dir, strategy_class):
    get_database().save_bar_data(round_the_clock("BTCUSDT", Interval.MINUTE,
                                                 datetime(2017, 11, 4, tzinfo=CHINA_TZ), 6 * 1440))
    expected = vnpy_trades(strategy_class, "BTCUSDT.GLOBAL", Interval.MINUTE, datetime(2017, 11, 6),
                           datetime(2017, 11, 9, 23, 59))
    config = BacktestConfig(strategy_class.__name__, "BTCUSDT.GLOBAL", Interval.MINUTE,
                            datetime(2017, 11, 6, tzinfo=CHINA_TZ), datetime(2017, 11, 9, 23, 59, tzinfo=CHINA_TZ),
                            rules="none", rate=0.0)
    result = run_backtest(config, {strategy_class.__name__: strategy_class})
    times = [bar.datetime for bar in result.bars]
    assert times[0] == datetime(2017, 11, 6, tzinfo=CHINA_TZ)
    assert times[-1] == datetime(2017, 11, 9, 23, 59, tzinfo=CHINA_TZ)
    assert len(times) == 4 * 1440 and times == sorted(times), "every bar once, in order"
    assert expected, "the scenario must trade"
    assert [wall_clock(t) for t in result.trades] == expected


class WarmUpRecorder(CtaTemplate):
    """Remembers the days of the daily bars it warmed up on."""
    seen: list = []

    def on_init(self) -> None:
        WarmUpRecorder.seen = []
        self.load_bar(10, interval=Interval.DAILY)

    def on_bar(self, bar: BarData) -> None:
        if not self.trading:
            WarmUpRecorder.seen.append(bar.datetime.date())


def test_a_daily_warm_up_gets_every_bar_vnpy_gives_including_the_first_day(data_dir):
    days = [datetime(2019, 1, 2, tzinfo=CHINA_TZ) + timedelta(days=i) for i in range(30)]
    get_database().save_bar_data([
        BarData(gateway_name="DB", symbol="000001", exchange=Exchange.SZSE, interval=Interval.DAILY, datetime=day,
                open_price=10, high_price=10.2, low_price=9.8, close_price=10.1, volume=1e6)
        for day in days if day.weekday() < 5])
    vnpy_trades(WarmUpRecorder, "000001.SZSE", Interval.DAILY, datetime(2019, 1, 14), datetime(2019, 1, 25))
    theirs = list(WarmUpRecorder.seen)
    config = BacktestConfig("WarmUpRecorder", "000001.SZSE", Interval.DAILY, datetime(2019, 1, 14, tzinfo=CHINA_TZ),
                            datetime(2019, 1, 25, tzinfo=CHINA_TZ))
    run_backtest(config, {"WarmUpRecorder": WarmUpRecorder})
    assert theirs[0] == datetime(2019, 1, 4).date() and len(theirs) == 6
    assert WarmUpRecorder.seen == theirs
