"""Mean reversion on minute bars: buy a close below the lower Bollinger band while RSI is
oversold, exit at the middle band or when RSI recovers. Long only, so it suits A-shares and
spot as well as perpetuals."""

import talib
from vnpy.trader.object import BarData, TickData, TradeData
from vnpy_ctastrategy import ArrayManager, BarGenerator, CtaTemplate


class RsiBollingerReversionStrategy(CtaTemplate):
    author = "LiangHua"

    boll_window: int = 20
    boll_dev: float = 2.0
    rsi_window: int = 14
    rsi_entry: float = 30.0
    rsi_exit: float = 55.0
    fixed_size: float = 100

    rsi_value: float = 0.0
    boll_mid: float = 0.0
    boll_down: float = 0.0

    parameters = ["boll_window", "boll_dev", "rsi_window", "rsi_entry", "rsi_exit", "fixed_size"]
    variables = ["rsi_value", "boll_mid", "boll_down"]

    def on_init(self) -> None:
        self.bg = BarGenerator(self.on_bar)
        self.am = ArrayManager(max(self.boll_window, self.rsi_window) + 20)
        self.load_bar(5)

    def on_tick(self, tick: TickData) -> None:
        self.bg.update_tick(tick)

    def on_bar(self, bar: BarData) -> None:
        self.cancel_all()
        am = self.am
        am.update_bar(bar)
        if not am.inited:
            return
        upper, middle, lower = talib.BBANDS(am.close, self.boll_window, self.boll_dev, self.boll_dev)
        self.boll_mid, self.boll_down = middle[-1], lower[-1]
        self.rsi_value = talib.RSI(am.close, self.rsi_window)[-1]

        if self.pos == 0:
            if bar.close_price < self.boll_down and self.rsi_value < self.rsi_entry:
                self.buy(bar.close_price, self.fixed_size)
        elif self.pos > 0 and (bar.close_price >= self.boll_mid or self.rsi_value > self.rsi_exit):
            self.sell(bar.close_price, abs(self.pos))
        self.put_event()

    def on_trade(self, trade: TradeData) -> None:
        self.put_event()
