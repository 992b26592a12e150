"""The backtesting engine: vnpy's `BacktestingEngine` with a fast loader and a rules preset.

With rules "none" the matching is vnpy's own, so trades and daily PnL are identical. With
"ashare" or "crypto" every fill is decided by that market's book (see `books`)."""

from __future__ import annotations

import gc
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from threading import Event
from zoneinfo import ZoneInfo

from vnpy.trader.constant import Direction, Interval, Offset, Status
from vnpy.trader.object import BarData, OrderData, TradeData
from vnpy.trader.utility import round_to
from vnpy_ctastrategy.backtesting import INTERVAL_DELTA_MAP, BacktestingEngine, DailyResult
from vnpy_ctastrategy.base import BacktestingMode, StopOrderStatus

from lianghua_app.i18n import tr
from lianghua_app.markets import CHINA_TZ, UTC, ashare, crypto
from lianghua_app.storage import STORE_TZ

from .accel import accelerate
from .bars import BarSeries, load_bars, owns_the_collector
from .books import AshareBook, Book, CryptoBook, Forced
from .funding import load_funding

RULES = ("ashare", "crypto", "none")
WARM_UP_DAYS = 100        # how far before a run the bars handed in memory reach, for `load_bar`


class BacktestCancelled(Exception):
    pass


@dataclass
class PerpetualSetup:
    """Crypto rules: the contract (from the known perpetuals by symbol, else built from `step`,
    `min_notional` and the run's pricetick), leverage, and funding rates (None: stored ones)."""
    spec: crypto.PerpSpec | None = None
    step: float = 0.001
    min_notional: float = 5.0
    leverage: int = 1
    funding: list[tuple[datetime, float]] | None = None
    fee_rate: float | None = None       # one rate for maker and taker instead of the contract's


@dataclass(frozen=True)
class OrderNote:
    """Why an order filled less than asked, or not at all."""
    datetime: datetime
    vt_orderid: str
    reason: str


def _cancel_book(book: dict, cancelled: object, report: Callable[[object], None]) -> None:
    """Empty one of vnpy's order books, marking each order cancelled and reporting it in order."""
    orders = list(book.values())
    book.clear()
    for order in orders:
        order.status = cancelled
        report(order)


class Backtester(BacktestingEngine):
    def __init__(self, rules: str = "none", fees: ashare.AshareFeeSchedule | None = None,
                 perpetual: PerpetualSetup | None = None) -> None:
        super().__init__()
        if rules not in RULES:
            raise ValueError(tr("未知规则“{rules}”；可用：{allowed}", rules=rules, allowed=", ".join(RULES)))
        self.rules = rules
        self.fees = fees or ashare.AshareFeeSchedule()
        self.perpetual = perpetual or PerpetualSetup()
        self.book: Book | None = None
        self.notes: list[OrderNote] = []
        self.trade_fees: dict[str, float] = {}
        self.progress: Callable[[int, int, str], None] | None = None    # (bars done, bars, label)
        self.cancel: Event | None = None
        self.bars_done = 0
        self.preloaded: BarSeries | None = None      # bars already in memory (the optimizer's workers)
        self._rounded: dict[float, float] = {}      # price -> price on the tick grid (vnpy's Decimal rounding)
        self.failure = ""           # the traceback of a strategy's exception that ended the replay
        self.freezes = False

    @property
    def zone(self) -> ZoneInfo:
        """The clock bars are read in, which decides where a day ends: Beijing for A-shares, UTC
        for crypto, the stored clock (as vnpy reads it) without rules."""
        return {"ashare": CHINA_TZ, "crypto": UTC}.get(self.rules, STORE_TZ)

    def load_data(self) -> None:
        self.history_data = self._bars(self.interval, self.start, self.end)
        self.book = self._new_book()
        self.output(tr("历史数据加载完成，数据量：{count}", count=len(self.history_data)))

    def load_bar(self, vt_symbol: str, days: int, interval: Interval, callback: Callable, use_database: bool) -> list:
        """The warm-up bars vnpy picks (from `days` before the start to one interval before it),
        read like the replay's."""
        self.callback = callback
        return self._bars(interval, self.start - timedelta(days=days), self.start - INTERVAL_DELTA_MAP[interval])

    def _bars(self, interval: Interval, start: datetime, end: datetime) -> BarSeries:
        """From the bars handed in memory (they reach WARM_UP_DAYS before the run), else from the
        database."""
        preloaded = self.preloaded
        if preloaded is not None and interval == self.interval:
            return preloaded.between(start, end, self.zone)
        return load_bars(self.symbol, self.exchange, interval, start, end, self.zone)

    def _new_book(self) -> Book | None:
        if self.rules == "ashare":
            return AshareBook(self.symbol, self.capital, self.size, self.fees)
        if self.rules == "crypto":
            setup = self.perpetual
            spec = setup.spec or crypto.spec_of(self.symbol) or crypto.PerpSpec(
                self.symbol, self.symbol, tick=self.pricetick, step=setup.step, min_qty=setup.step,
                min_notional=setup.min_notional)
            if setup.fee_rate is not None:
                spec = replace(spec, maker_fee=setup.fee_rate, taker_fee=setup.fee_rate)
            funding = setup.funding if setup.funding is not None else load_funding(
                self.symbol, self.exchange, self.start, self.end)
            return CryptoBook(spec, self.capital, self.size, setup.leverage, funding)
        return None

    def output(self, msg: str) -> None:
        self.logs.append(msg)

    def add_strategy(self, strategy_class: type, setting: dict) -> None:
        super().add_strategy(strategy_class, setting)
        strategy = self.strategy
        on_init = strategy.on_init

        def init_then_accelerate() -> None:      # strategies usually build their ArrayManager in on_init
            on_init()
            accelerate(strategy)
        strategy.on_init = init_then_accelerate

    def send_order(self, strategy, direction: Direction, offset: Offset, price: float, volume: float, stop: bool,
                   lock: bool, net: bool) -> list:
        rounded = self._rounded.get(price)
        if rounded is None:
            rounded = self._rounded[price] = round_to(price, self.pricetick)
        if stop:
            return [self.send_stop_order(direction, offset, rounded, volume)]
        return [self.send_limit_order(direction, offset, rounded, volume)]

    def cancel_all(self, strategy) -> None:
        """vnpy's cancel_all in one pass per book: each order is taken off its book, marked
        cancelled and reported, in vnpy's order. Many strategies call it on every bar, and most
        bars have nothing to cancel."""
        if self.active_limit_orders:
            _cancel_book(self.active_limit_orders, Status.CANCELLED, self.strategy.on_order)
        if self.active_stop_orders:
            _cancel_book(self.active_stop_orders, StopOrderStatus.CANCELLED, self.strategy.on_stop_order)

    # --- replay -----------------------------------------------------------------------------------
    def new_bar(self, bar: BarData) -> None:
        """vnpy's order of work per bar, after the book's own trades (liquidations), and without
        scanning empty order books. A strategy's exception is kept: vnpy's loop only logs it."""
        self.bars_done += 1
        if not self.bars_done & 4095:
            self._report()
        self.bar = bar
        self.datetime = bar.datetime
        try:        # costs nothing until raised, and no call per bar
            if self.book is not None:
                for forced in self.book.on_bar(bar):
                    self._force(forced)
            if self.active_limit_orders:
                self.cross_limit_order()
            if self.active_stop_orders:
                self.cross_stop_order()
            self.strategy.on_bar(bar)
        except Exception:
            self.failure = traceback.format_exc()
            raise
        day = bar.datetime.date()
        result = self.daily_results.get(day)
        if result is None:
            self.daily_results[day] = DailyResult(day, bar.close_price)
        else:
            result.close_price = bar.close_price

    def _report(self) -> None:
        if self.freezes:
            gc.freeze()
        if self.progress:
            self.progress(self.bars_done, len(self.history_data), tr("回放"))
        if self.cancel is not None and self.cancel.is_set():
            raise BacktestCancelled(tr("回测已取消"))

    def run_backtesting(self) -> None:
        self.bars_done = 0
        # What is alive now (modules, the bars) lives through the replay, and so do the orders,
        # trades and stop orders it makes. Freezing what exists now and again at every progress
        # report spares the collector's full passes over them, a tenth of a 500,000-bar replay
        # otherwise. Young cycles are still collected; older ones wait for the unfreeze. Only in
        # a batch process: freezing is process-wide.
        self.freezes = owns_the_collector()
        if self.freezes:
            gc.freeze()
        try:
            super().run_backtesting()
        finally:
            if self.freezes:
                gc.unfreeze()
        if self.progress and not (self.cancel and self.cancel.is_set()):
            self.progress(len(self.history_data), len(self.history_data), tr("回放"))

    # --- matching under a market's rules --------------------------------------------------------

    def cross_limit_order(self) -> None:
        if self.book is None:
            return super().cross_limit_order()
        bar = self.bar
        for order in list(self.active_limit_orders.values()):
            if order.status == Status.SUBMITTING:
                order.status = Status.NOTTRADED
                self.strategy.on_order(order)
            long = order.direction == Direction.LONG
            if long and not (0 < bar.low_price <= order.price):
                continue
            if not long and not (0 < bar.high_price and order.price <= bar.high_price):
                continue
            # Marketable on arrival (it crosses the open) takes liquidity; otherwise it rested.
            taker = bar.open_price <= order.price if long else bar.open_price >= order.price
            price = min(order.price, bar.open_price) if long else max(order.price, bar.open_price)
            if self._execute(order, price, maker=not taker):
                self.active_limit_orders.pop(order.vt_orderid, None)
                self.strategy.on_order(order)

    def cross_stop_order(self) -> None:
        if self.book is None:
            # Most bars trigger nothing: vnpy's test (bar mode) first, its whole work only when one does.
            bar = self.bar
            if self.mode is BacktestingMode.BAR and not any(
                    stop.price <= bar.high_price if stop.direction is Direction.LONG
                    else stop.direction is Direction.SHORT and stop.price >= bar.low_price
                    for stop in self.active_stop_orders.values()):
                return None
            return super().cross_stop_order()
        bar = self.bar
        for stop in list(self.active_stop_orders.values()):
            long = stop.direction == Direction.LONG
            if (long and stop.price > bar.high_price) or (not long and stop.price < bar.low_price):
                continue
            order = self._new_order(stop.direction, stop.offset, stop.price, stop.volume)
            price = max(stop.price, bar.open_price) if long else min(stop.price, bar.open_price)
            if not self._execute(order, price, maker=False):
                continue        # a locked bar: the stop stays armed
            stop.vt_orderids.append(order.vt_orderid)
            stop.status = StopOrderStatus.TRIGGERED
            self.active_stop_orders.pop(stop.stop_orderid, None)
            self.strategy.on_stop_order(stop)
            self.strategy.on_order(order)

    def _new_order(self, direction: Direction, offset: Offset, price: float, volume: float) -> OrderData:
        self.limit_order_count += 1
        order = OrderData(symbol=self.symbol, exchange=self.exchange, orderid=str(self.limit_order_count),
                          direction=direction, offset=offset, price=price, volume=volume, status=Status.NOTTRADED,
                          gateway_name=self.gateway_name, datetime=self.datetime)
        self.limit_orders[order.vt_orderid] = order
        return order

    def _execute(self, order: OrderData, price: float, maker: bool) -> bool:
        """Fill what the book allows. False leaves the order waiting (a locked bar)."""
        fill = self.book.fill(order, price, maker)
        if fill is None:
            return False
        if fill.reason:
            self.notes.append(OrderNote(self.datetime, order.vt_orderid, fill.reason))
        order.traded = fill.volume
        order.status = Status.ALLTRADED if fill.volume == order.volume else (
            Status.CANCELLED if fill.volume else Status.REJECTED)
        if fill.volume:
            self._trade(order, fill.volume, fill.price, fill.fees)
        return True

    def _trade(self, order: OrderData, volume: float, price: float, fees: float) -> None:
        self.trade_count += 1
        trade = TradeData(symbol=order.symbol, exchange=order.exchange, orderid=order.orderid,
                          tradeid=str(self.trade_count), direction=order.direction, offset=order.offset,
                          price=price, volume=volume, datetime=self.datetime, gateway_name=self.gateway_name)
        self.trades[trade.vt_tradeid] = trade
        self.trade_fees[trade.vt_tradeid] = fees
        self.strategy.pos += volume if order.direction == Direction.LONG else -volume
        self.strategy.on_trade(trade)

    def _force(self, forced: Forced) -> None:
        """A venue-made trade: cancel what is working, close, tell the strategy why."""
        self.cancel_all(self.strategy)
        order = self._new_order(forced.direction, Offset.CLOSE, forced.price, forced.volume)
        order.traded, order.status = forced.volume, Status.ALLTRADED
        self.notes.append(OrderNote(self.datetime, order.vt_orderid, forced.reason))
        self.strategy.on_order(order)
        self._trade(order, forced.volume, forced.price, forced.fees)

    # --- results ---------------------------------------------------------------------------------
    def calculate_result(self):
        if self.book is None:
            return super().calculate_result()
        rate = self.rate
        self.rate = 0.0          # the book charged fees per order (and funding), not as a flat rate
        try:
            df = super().calculate_result()
        finally:
            self.rate = rate
        if not df.empty:
            extra = df.index.map(lambda d: self.book.charges_by_day.get(d, 0.0))
            df["commission"] = df["commission"] + extra
            df["net_pnl"] = df["net_pnl"] - extra
        return df

