"""Account books that decide what a backtest fill may be under a market's rules.

A book sees every bar first (`on_bar`, which may force trades such as a liquidation) and
then each order the bar crosses (`fill`). The engine turns the answers into trades."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from datetime import date, datetime

from vnpy.trader.constant import Direction
from vnpy.trader.object import BarData, OrderData

from lianghua_app.formatting import money, quantity
from lianghua_app.i18n import tr
from lianghua_app.markets import ashare, crypto


@dataclass(frozen=True)
class Fill:
    volume: float            # 0: refused
    price: float
    fees: float
    reason: str = ""         # why less than asked, said to the user


@dataclass(frozen=True)
class Forced:
    """A trade the venue makes on its own (a liquidation)."""
    direction: Direction
    volume: float
    price: float
    fees: float
    reason: str


class Book:
    def __init__(self, capital: float, size: float) -> None:
        self.cash = float(capital)
        self.size = size
        self.position = 0.0
        self.day: date | None = None
        self.charges_by_day: dict[date, float] = {}    # fees and funding, added to the day's PnL

    def charge(self, amount: float) -> None:
        self.charges_by_day[self.day] = self.charges_by_day.get(self.day, 0.0) + amount

    def on_bar(self, bar: BarData) -> list[Forced]:
        raise NotImplementedError

    def fill(self, order: OrderData, price: float, maker: bool) -> Fill | None:
        """None: the order cannot fill on this bar and keeps waiting."""
        raise NotImplementedError


class AshareBook(Book):
    """Whole lots, T+1, no shorts, locked limit bars, limits from the previous close, cash,
    commission with a minimum, stamp duty and transfer fee."""

    def __init__(self, symbol: str, capital: float, size: float, fees: ashare.AshareFeeSchedule) -> None:
        super().__init__(capital, size)
        self.symbol = symbol
        self.board = ashare.board_of(symbol)
        self.fees = fees
        self.sellable = 0.0
        self.prev_close = 0.0
        self.last_close = 0.0
        self.bar: BarData | None = None

    def on_bar(self, bar: BarData) -> list[Forced]:
        day = bar.datetime.date()
        if day != self.day:
            self.day = day
            self.prev_close = self.last_close
            self.sellable = self.position          # T+1: what was held last night
        self.bar = bar
        self.last_close = bar.close_price
        return []

    def band(self) -> tuple[float, float]:
        if not self.prev_close:
            return 0.0, math.inf
        return ashare.price_limits(self.prev_close, self.board, False, self.day)

    def fill(self, order: OrderData, price: float, maker: bool) -> Fill | None:
        bar = self.bar
        long = order.direction == Direction.LONG
        down, up = self.band()
        locked = bar.open_price == bar.high_price == bar.low_price == bar.close_price
        if locked and ((long and bar.close_price >= up - 1e-6) or (not long and bar.close_price <= down + 1e-6)):
            return None
        price = min(max(price, down), up)
        volume, reason = self._allowed(order, price)
        if not volume:
            return Fill(0.0, price, 0.0, reason)
        amount = price * volume * self.size
        fees = ashare.fees_for_fill(not long, self.symbol, volume * self.size, amount, self.day, self.fees).total
        self.charge(fees)
        self.cash += -amount - fees if long else amount - fees
        self.position += volume if long else -volume
        if not long:
            self.sellable -= volume
        return Fill(volume, price, fees, reason)

    def _allowed(self, order: OrderData, price: float) -> tuple[float, str]:
        rule = ashare.LOT_RULES[self.board]
        if order.direction == Direction.SHORT:
            if order.volume <= self.sellable:
                return order.volume, ""
            available = max(self.sellable, 0.0)
            return available, tr("卖出{volume}股超过可卖的{available}股（T+1：当日买入的次日才能卖；A股不能卖空）",
                                 available=quantity(available), volume=quantity(order.volume))
        volume = order.volume
        if volume < rule.minimum:
            return 0.0, tr("买入{volume}股不足一手（最少{minimum}股）：策略须按整手下单", volume=quantity(volume),
                           minimum=rule.minimum)
        lots = rule.minimum + (volume - rule.minimum) // rule.step * rule.step
        reason = tr("买入须为整手，{volume}股按{lots}股成交", volume=quantity(volume), lots=quantity(lots)) \
            if lots != volume else ""
        while lots >= rule.minimum and self._cost(price, lots) > self.cash:
            lots -= rule.step
        if lots < rule.minimum:
            return 0.0, tr("资金不足：可用{cash}元，不够买入{minimum}股", cash=money(self.cash), minimum=rule.minimum)
        if lots < volume and not reason:
            reason = tr("资金不足，{volume}股减为{lots}股", volume=quantity(volume), lots=quantity(lots))
        return float(lots), reason

    def _cost(self, price: float, volume: float) -> float:
        return ashare.estimate_buy_cost(self.symbol, price, volume * self.size, self.day, self.fees)


class CryptoBook(Book):
    """A USDT-margined perpetual in isolated margin: quantity step and minimum, minimum
    notional, maker/taker fees, funding at funding times from stored rates, leverage, and
    liquidation when the position's margin runs out. Quantities are in coins (size 1)."""

    def __init__(self, spec: crypto.PerpSpec, capital: float, size: float, leverage: int,
                 funding: list[tuple[datetime, float]], maintenance_rate: float = 0.004) -> None:
        super().__init__(capital, size)
        self.spec = spec
        self.leverage = leverage
        self.maintenance_rate = maintenance_rate
        self.funding_times = [moment for moment, _ in funding]
        self.funding_rates = [rate for _, rate in funding]
        self.held = crypto.PerpPosition()
        self.last: datetime | None = None
        self.funding_paid = 0.0
        self.liquidations = 0

    @property
    def entry(self) -> float:
        return self.held.entry

    @property
    def margin(self) -> float:
        return self.held.margin

    def liquidation_price(self) -> float:
        return self.held.liquidation_price(self.maintenance_rate, self.size)

    def on_bar(self, bar: BarData) -> list[Forced]:
        self.day = bar.datetime.date()
        if self.last is not None and self.position:
            self._settle_funding(self.last, bar)
        self.last = bar.datetime
        if not self.position:
            return []
        price = self.liquidation_price()
        long = self.position > 0
        if (long and bar.low_price > price) or (not long and bar.high_price < price):
            return []
        # Gapped through: the venue closes at the bar's open, which is worse than the liquidation price.
        price = min(price, bar.open_price) if long else max(price, bar.open_price)
        volume = abs(self.position)
        fees = crypto.trade_fee(self.spec, price * volume * self.size, maker=False)
        lost = self.margin
        self._trade(-self.position, price)
        self.cash -= fees
        self.charge(fees)
        self.liquidations += 1
        return [Forced(Direction.SHORT if long else Direction.LONG, volume, price, fees,
                       tr("保证金耗尽，强制平仓{volume}于{price}（逐仓保证金{margin:.2f}）", volume=volume,
                          price=price, margin=lost))]

    def _settle_funding(self, previous: datetime, bar: BarData) -> None:
        first = bisect.bisect_right(self.funding_times, previous)
        last = bisect.bisect_right(self.funding_times, bar.datetime)
        for rate in self.funding_rates[first:last]:
            payment = crypto.funding_payment(self.position * self.size, bar.open_price, rate)
            self.cash -= payment
            self.funding_paid += payment
            self.charge(payment)

    def fill(self, order: OrderData, price: float, maker: bool) -> Fill:
        spec = self.spec
        long = order.direction == Direction.LONG
        volume = self._step_down(order.volume)
        reason = tr("数量须为{step}的整数倍，{volume}按{rounded}成交", step=spec.step, volume=order.volume,
                    rounded=volume) if volume != order.volume else ""
        if volume < spec.min_qty:
            return Fill(0.0, price, 0.0, tr("数量{volume}低于最小下单量{minimum}", volume=order.volume,
                                             minimum=spec.min_qty))
        reducing = self.position and (self.position > 0) != long
        closing = min(volume, abs(self.position)) if reducing else 0.0
        opening = volume - closing
        if opening:
            fee_rate = spec.maker_fee if maker else spec.taker_fee
            free = self.cash - self.margin
            unit = price * self.size * (1 / self.leverage + fee_rate)
            allowed = self._step_down(max(free, 0.0) / unit) if unit else opening
            if allowed < opening:
                opening = allowed if allowed >= spec.min_qty else 0.0
                reason = tr("保证金不足：可用{free:.2f}，{leverage}倍杠杆下开仓减为{volume}", free=free,
                            leverage=self.leverage, volume=opening)
        volume = closing + opening
        if not volume:
            return Fill(0.0, price, 0.0, reason)
        notional = price * volume * self.size
        closes_all = not opening and closing == abs(self.position)   # the venue lets a full close through
        if notional < spec.min_notional and not closes_all:
            return Fill(0.0, price, 0.0, tr("委托金额{notional:.2f}低于最小名义价值{minimum}", notional=notional,
                                             minimum=spec.min_notional))
        fees = crypto.trade_fee(spec, notional, maker)
        self._trade(volume if long else -volume, price)
        self.cash -= fees
        self.charge(fees)
        return Fill(volume, price, fees, reason)

    def _step_down(self, volume: float) -> float:
        step = self.spec.step
        return round(math.floor(volume / step + 1e-9) * step, 12)

    def _trade(self, signed_volume: float, price: float) -> None:
        self.cash += self.held.fill(signed_volume, price, self.leverage, self.size)
        self.position = self.held.qty
