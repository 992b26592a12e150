"""Two-sided trend following for perpetuals: MACD crosses give the direction, ADX says whether
there is a trend worth following. 15-minute bars built from 1-minute bars."""

import talib
from vnpy.trader.object import BarData, TickData, TradeData
from vnpy_ctastrategy import ArrayManager, BarGenerator, CtaTemplate


class MacdAdxTrendStrategy(CtaTemplate):
    author = "LiangHua"

    fast_period: int = 12
    slow_period: int = 26
    signal_period: int = 9
    adx_window: int = 14
    adx_threshold: float = 25.0
    bar_minutes: int = 15
    fixed_size: float = 0.01

    macd_hist: float = 0.0
    adx_value: float = 0.0

    parameters = ["fast_period", "slow_period", "signal_period", "adx_window", "adx_threshold", "bar_minutes",
                  "fixed_size"]
    variables = ["macd_hist", "adx_value"]

    def on_init(self) -> None:
        self.bg = BarGenerator(self.on_bar, self.bar_minutes, self.on_window_bar)
        self.am = ArrayManager(self.slow_period + self.signal_period + self.adx_window * 2)
        self.load_bar(10)

    def on_tick(self, tick: TickData) -> None:
        self.bg.update_tick(tick)

    def on_bar(self, bar: BarData) -> None:
        self.bg.update_bar(bar)

    def on_window_bar(self, bar: BarData) -> None:
        self.cancel_all()
        am = self.am
        am.update_bar(bar)
        if not am.inited:
            return
        _, _, hist = talib.MACD(am.close, self.fast_period, self.slow_period, self.signal_period)
        self.macd_hist = hist[-1]
        self.adx_value = talib.ADX(am.high, am.low, am.close, self.adx_window)[-1]
        trending = self.adx_value > self.adx_threshold
        turned_up = hist[-2] <= 0 < hist[-1]
        turned_down = hist[-2] >= 0 > hist[-1]

        if self.pos == 0 and trending:
            if turned_up:
                self.buy(bar.close_price, self.fixed_size)
            elif turned_down:
                self.short(bar.close_price, self.fixed_size)
        elif self.pos > 0 and turned_down:
            self.sell(bar.close_price, abs(self.pos))
        elif self.pos < 0 and turned_up:
            self.cover(bar.close_price, abs(self.pos))
        self.put_event()

    def on_trade(self, trade: TradeData) -> None:
        self.put_event()
