"""A-share daily trend strategy that always trades whole lots.

Goes long when the fast SMA crosses above the slow SMA and the close is above the ATR-based
trailing floor; exits on the opposite cross or when the close breaks the floor. Position size
is a fraction of the strategy capital, rounded down to whole lots (100 shares; set lot_size to
200 for STAR Market stocks' minimum). Shares bought today are sold at the earliest the next
day, as T+1 requires.
"""

import talib
from vnpy.trader.object import BarData, TickData, TradeData
from vnpy_ctastrategy import ArrayManager, BarGenerator, CtaTemplate


class AshareTrendLotsStrategy(CtaTemplate):
    author = "LiangHua"

    fast_window: int = 10
    slow_window: int = 30
    atr_window: int = 14
    atr_multiplier: float = 3.0
    capital: float = 100_000.0
    allocation: float = 0.9
    lot_size: int = 100

    fast_ma: float = 0.0
    slow_ma: float = 0.0
    floor_price: float = 0.0

    parameters = ["fast_window", "slow_window", "atr_window", "atr_multiplier", "capital", "allocation", "lot_size"]
    variables = ["fast_ma", "slow_ma", "floor_price"]

    def on_init(self) -> None:
        self.bg = BarGenerator(self.on_bar)
        self.am = ArrayManager(max(self.slow_window, self.atr_window) + 10)
        self.highest_close = 0.0
        self.write_log("策略初始化")
        self.load_bar(self.slow_window * 2)

    def on_start(self) -> None:
        self.write_log("策略启动")

    def on_stop(self) -> None:
        self.write_log("策略停止")

    def on_tick(self, tick: TickData) -> None:
        self.bg.update_tick(tick)

    def lots_for(self, price: float) -> int:
        """Whole lots that `allocation` of `capital` buys at `price`."""
        if price <= 0:
            return 0
        lots = int(self.capital * self.allocation / price // self.lot_size)
        return lots * self.lot_size

    def on_bar(self, bar: BarData) -> None:
        self.cancel_all()
        am = self.am
        am.update_bar(bar)
        if not am.inited:
            return
        fast = talib.SMA(am.close, self.fast_window)
        slow = talib.SMA(am.close, self.slow_window)
        atr = talib.ATR(am.high, am.low, am.close, self.atr_window)[-1]
        self.fast_ma, self.slow_ma = fast[-1], slow[-1]
        crossed_up = fast[-2] <= slow[-2] and fast[-1] > slow[-1]
        crossed_down = fast[-2] >= slow[-2] and fast[-1] < slow[-1]

        if self.pos == 0:
            self.highest_close = 0.0
            volume = self.lots_for(bar.close_price)
            if crossed_up and volume > 0:
                self.buy(bar.close_price, volume)
        else:
            self.highest_close = max(self.highest_close, bar.close_price)
            self.floor_price = self.highest_close - self.atr_multiplier * atr
            if crossed_down or bar.close_price < self.floor_price:
                self.sell(bar.close_price, abs(self.pos))
        self.put_event()

    def on_trade(self, trade: TradeData) -> None:
        self.put_event()
