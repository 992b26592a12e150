"""The backtesting engine: vnpy's `BacktestingEngine` with a fast loader and a rules preset.

With rules "none" the matching is vnpy's own, so trades and daily PnL are identical. With
"ashare" every fill goes through `markets.ashare`: whole lots, T+1, no shorts, locked limit
bars, price limits from the previous close, cash, and per-order fees."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from vnpy.trader.constant import Direction, Exchange, Interval, Status
from vnpy.trader.database import DB_TZ, get_database
from vnpy.trader.object import BarData, OrderData, TradeData
from vnpy_ctastrategy.backtesting import BacktestingEngine, DailyResult
from vnpy_ctastrategy.base import StopOrderStatus

from lianghua_app.i18n import tr
from lianghua_app.markets import CHINA_TZ, ashare

RULES = ("ashare", "crypto", "none")


@dataclass(frozen=True)
class OrderNote:
    """Why an order filled less than asked, or not at all."""
    datetime: datetime
    vt_orderid: str
    reason: str


def load_bars(symbol: str, exchange: Exchange, interval: Interval, start: datetime, end: datetime,
              tz: ZoneInfo = DB_TZ) -> list[BarData]:
    """The same bars vnpy's database interface returns, read with one SQL query instead of
    peewee model objects (times in `tz`). Falls back to the interface for other databases."""
    database = get_database()
    path = getattr(getattr(database, "db", None), "database", None)
    if type(database).__name__ != "SqliteDatabase" or not path:
        return database.load_bar_data(symbol, exchange, interval, start, end)
    template = BarData(gateway_name="DB", symbol=symbol, exchange=exchange, datetime=start, interval=interval)
    shared = dict(template.__dict__)
    bars = []
    new = object.__new__
    parse = datetime.fromisoformat
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute(   # iterated, not fetched whole: half a million tuples cost memory
            "SELECT datetime, volume, turnover, open_interest, open_price, high_price, low_price, close_price "
            "FROM dbbardata WHERE symbol=? AND exchange=? AND interval=? AND datetime>=? AND datetime<=? "
            "ORDER BY datetime", (symbol, exchange.value, interval.value, _db_time(start), _db_time(end)))
        for moment, volume, turnover, oi, open_, high, low, close in rows:
            bar = new(BarData)
            bar.__dict__.update(shared)
            bar.__dict__.update(datetime=datetime.fromtimestamp(parse(moment).timestamp(), tz), volume=volume,
                                turnover=turnover, open_interest=oi, open_price=open_, high_price=high,
                                low_price=low, close_price=close)
            bars.append(bar)
    finally:
        connection.close()
    return bars


def _db_time(moment: datetime) -> str:
    """vnpy stores naive wall-clock times in DB_TZ."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(DB_TZ).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class Backtester(BacktestingEngine):
    def __init__(self, rules: str = "none", fees: ashare.AshareFeeSchedule | None = None) -> None:
        super().__init__()
        if rules not in RULES:
            raise ValueError(tr("未知规则“{rules}”；可用：{allowed}", rules=rules, allowed=", ".join(RULES)))
        self.rules = rules
        self.fees = fees or ashare.AshareFeeSchedule()
        self.notes: list[OrderNote] = []
        self.fees_by_day: dict[date, float] = {}
        self.trade_fees: dict[str, float] = {}
        self.cash = 0.0
        self.position = 0.0
        self.sellable = 0.0
        self.day: date | None = None
        self.prev_close = 0.0
        self.last_close = 0.0
        self.progress = None   # callable(fraction) for the GUI and CLI

    def load_data(self) -> None:
        # A-share days are Beijing days whatever the database's time zone; "none" keeps vnpy's.
        tz = CHINA_TZ if self.rules == "ashare" else DB_TZ
        self.history_data = load_bars(self.symbol, self.exchange, self.interval, self.start, self.end, tz)
        self.output(tr("历史数据加载完成，数据量：{count}", count=len(self.history_data)))

    def output(self, msg: str) -> None:
        self.logs.append(msg)

    # --- replay -----------------------------------------------------------------------------------
    def new_bar(self, bar: BarData) -> None:
        """vnpy's order of work per bar, without scanning empty order books and with the day's
        result looked up once per day instead of once per bar."""
        if self.rules == "ashare":
            self._roll_day(bar)
        self.bar = bar
        self.datetime = bar.datetime
        if self.active_limit_orders:
            self.cross_limit_order()
        if self.active_stop_orders:
            self.cross_stop_order()
        self.strategy.on_bar(bar)
        day = bar.datetime.date()
        result = self.daily_results.get(day)
        if result is None:
            self.daily_results[day] = DailyResult(day, bar.close_price)
        else:
            result.close_price = bar.close_price
        self.last_close = bar.close_price

    # --- A-share matching -------------------------------------------------------------------------

    def _roll_day(self, bar: BarData) -> None:
        day = bar.datetime.date()
        if day != self.day:
            if self.day is None:
                self.cash = float(self.capital)
            self.day = day
            self.prev_close = self.last_close
            self.sellable = self.position          # T+1: what was held last night

    def _band(self) -> tuple[float, float]:
        if not self.prev_close:
            return 0.0, float("inf")
        return ashare.price_limits(self.prev_close, ashare.board_of(self.symbol), False, self.day)

    def cross_limit_order(self) -> None:
        if self.rules != "ashare":
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
            price = min(order.price, bar.open_price) if long else max(order.price, bar.open_price)
            if self._execute(order, price):
                self.active_limit_orders.pop(order.vt_orderid, None)
                self.strategy.on_order(order)

    def cross_stop_order(self) -> None:
        if self.rules != "ashare":
            return super().cross_stop_order()
        bar = self.bar
        for stop in list(self.active_stop_orders.values()):
            long = stop.direction == Direction.LONG
            if (long and stop.price > bar.high_price) or (not long and stop.price < bar.low_price):
                continue
            self.limit_order_count += 1
            order = OrderData(symbol=self.symbol, exchange=self.exchange, orderid=str(self.limit_order_count),
                              direction=stop.direction, offset=stop.offset, price=stop.price, volume=stop.volume,
                              status=Status.NOTTRADED, gateway_name=self.gateway_name, datetime=self.datetime)
            self.limit_orders[order.vt_orderid] = order
            price = max(stop.price, bar.open_price) if long else min(stop.price, bar.open_price)
            if not self._execute(order, price):
                continue        # a locked bar: the stop stays armed
            stop.vt_orderids.append(order.vt_orderid)
            stop.status = StopOrderStatus.TRIGGERED
            self.active_stop_orders.pop(stop.stop_orderid, None)
            self.strategy.on_stop_order(stop)
            self.strategy.on_order(order)

    def _execute(self, order: OrderData, price: float) -> bool:
        """Fill what the rules allow. False leaves the order waiting (a locked bar)."""
        bar = self.bar
        long = order.direction == Direction.LONG
        down, up = self._band()
        locked = bar.open_price == bar.high_price == bar.low_price == bar.close_price
        if locked and long and bar.close_price >= up - 1e-6:
            return False
        if locked and not long and bar.close_price <= down + 1e-6:
            return False
        price = min(max(price, down), up)
        volume, reason = self._allowed(order, price)
        if reason:
            self.notes.append(OrderNote(self.datetime, order.vt_orderid, reason))
        order.traded = volume
        order.status = Status.ALLTRADED if volume == order.volume else (
            Status.CANCELLED if volume else Status.REJECTED)
        if not volume:
            return True
        fees = ashare.fees_for_fill(not long, price * volume * self.size, self.day, self.fees).total
        self.fees_by_day[self.day] = self.fees_by_day.get(self.day, 0.0) + fees
        amount = price * volume * self.size
        self.cash += -amount - fees if long else amount - fees
        self.position += volume if long else -volume
        if not long:
            self.sellable -= volume
        self.trade_count += 1
        trade = TradeData(symbol=order.symbol, exchange=order.exchange, orderid=order.orderid,
                          tradeid=str(self.trade_count), direction=order.direction, offset=order.offset,
                          price=price, volume=volume, datetime=self.datetime, gateway_name=self.gateway_name)
        self.trades[trade.vt_tradeid] = trade
        self.trade_fees[trade.vt_tradeid] = fees
        self.strategy.pos += volume if long else -volume
        self.strategy.on_trade(trade)
        return True

    def _allowed(self, order: OrderData, price: float) -> tuple[float, str]:
        board = ashare.board_of(self.symbol)
        rule = ashare.LOT_RULES[board]
        if order.direction == Direction.SHORT:
            if order.volume <= self.sellable:
                return order.volume, ""
            return max(self.sellable, 0.0), tr("可卖数量{available}（T+1，不可卖空），委托{volume}",
                                                available=self.sellable, volume=order.volume)
        volume = order.volume
        if volume < rule.minimum:
            return 0.0, tr("买入数量{volume}不足最低{minimum}股", volume=volume, minimum=rule.minimum)
        lots = rule.minimum + (volume - rule.minimum) // rule.step * rule.step
        reason = tr("买入须为整手，{volume}股按{lots}股成交", volume=volume, lots=lots) if lots != volume else ""
        while lots >= rule.minimum and self._cost(price, lots) > self.cash:
            lots -= rule.step
        if lots < rule.minimum:
            return 0.0, tr("资金不足：可用{cash:.2f}元，不够买入{minimum}股", cash=self.cash, minimum=rule.minimum)
        if lots < volume and not reason:
            reason = tr("资金不足，{volume}股减为{lots}股", volume=volume, lots=lots)
        return float(lots), reason

    def _cost(self, price: float, volume: float) -> float:
        return ashare.estimate_buy_cost(price, volume * self.size, self.day, self.fees)

    # --- results ---------------------------------------------------------------------------------
    def calculate_result(self):
        if self.rules != "ashare":
            return super().calculate_result()
        rate = self.rate
        self.rate = 0.0          # A-share fees are charged per order above, not as a flat rate
        try:
            df = super().calculate_result()
        finally:
            self.rate = rate
        if not df.empty:
            extra = df.index.map(lambda d: self.fees_by_day.get(d, 0.0))
            df["commission"] = df["commission"] + extra
            df["net_pnl"] = df["net_pnl"] - extra
        return df

