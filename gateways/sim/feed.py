"""Market data for SIM: a seeded synthetic feed, or stored bars replayed as quotes."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from vnpy.trader.constant import Exchange
from vnpy.trader.object import BarData, TickData

from lianghua_app import markets
from lianghua_app.markets import CHINA_TZ, ashare

from .instruments import SimInstrument, display_name


class SyntheticFeed:
    """Random walks with five levels of depth; A-shares stay inside their daily band and lock
    at the limit (no offers at limit-up, no bids at limit-down) as real books do."""

    def __init__(self, instruments: tuple[SimInstrument, ...], seed: int) -> None:
        self.random = random.Random(seed)
        self.instruments = instruments
        self.prices = {self._key(i): i.start_price for i in instruments}
        self.volumes = {self._key(i): 0.0 for i in instruments}

    @staticmethod
    def _key(instrument: SimInstrument) -> str:
        return f"{instrument.symbol}.{instrument.exchange.value}"

    def next_ticks(self, now: datetime) -> list[TickData]:
        return [self._tick(instrument, now) for instrument in self.instruments]

    def _tick(self, ins: SimInstrument, now: datetime) -> TickData:
        key = self._key(ins)
        ashare_symbol = markets.is_ashare(ins.exchange)
        tick_size = ashare.PRICE_TICK if ashare_symbol else markets.crypto.PERPETUALS[ins.symbol].tick
        price = self.prices[key] * (1 + self.random.gauss(0, ins.volatility))
        limit_down = limit_up = 0.0
        if ashare_symbol:
            limit_down, limit_up = ashare.price_limits(ins.start_price, ashare.board_of(ins.symbol), False,
                                                       now.astimezone(CHINA_TZ).date())
            price = min(max(price, limit_down), limit_up)
        price = max(round(round(price / tick_size) * tick_size, 8), tick_size)
        self.prices[key] = price
        lot = 100 if ashare_symbol else 0.01
        traded = self.random.randint(1, 50) * lot
        self.volumes[key] += traded
        tick = TickData(gateway_name="", symbol=ins.symbol, exchange=ins.exchange, datetime=now,
                        name=display_name(ins.name), volume=self.volumes[key], last_price=price, last_volume=traded,
                        limit_up=limit_up, limit_down=limit_down, pre_close=ins.start_price,
                        open_price=ins.start_price, high_price=max(price, ins.start_price),
                        low_price=min(price, ins.start_price))
        fill_book(tick, price, tick_size, lambda: self.random.randint(1, 30) * lot, limit_up, limit_down)
        if not ashare_symbol:
            tick.extra = {"funding_rate": round(self.random.gauss(0.0001, 0.00005), 6), "mark_price": price}
        return tick


def fill_book(tick: TickData, price: float, tick_size: float, size: Callable[[], float],
              limit_up: float = 0.0, limit_down: float = 0.0) -> None:
    """Five levels: bid 1 at `price`, ask 1 one tick above. At limit-up the book is sealed with
    bids only; at limit-down with offers only (starting at the limit)."""
    locked_up = 0 < limit_up <= price + 1e-9
    locked_down = 0 < limit_down and price <= limit_down + 1e-9
    for i in range(1, 6):
        bid = round(price - (i - 1) * tick_size, 8)
        ask = round(price + (i - 1 if locked_down else i) * tick_size, 8)
        if not locked_down and bid > 0 and bid >= limit_down - 1e-9:
            setattr(tick, f"bid_price_{i}", bid)
            setattr(tick, f"bid_volume_{i}", size())
        if not locked_up and (not limit_up or ask <= limit_up + 1e-9):
            setattr(tick, f"ask_price_{i}", ask)
            setattr(tick, f"ask_volume_{i}", size())


def replay_bars(bars: list[BarData], pre_close: float, depth: float) -> Iterator[TickData]:
    """Each bar becomes quotes at open, high, low and close, in that order, with `depth` shares or
    contracts at each level. A bar locked at a limit (open = high = low = close) stays locked."""
    previous = pre_close
    for bar in bars:
        limit_down = limit_up = 0.0
        tick_size = ashare.PRICE_TICK
        if markets.is_ashare(bar.exchange) and previous:
            limit_down, limit_up = ashare.price_limits(previous, ashare.board_of(bar.symbol), False,
                                                       bar.datetime.date())
        elif bar.exchange is Exchange.GLOBAL:
            tick_size = markets.crypto.PERPETUALS.get(bar.symbol, markets.crypto.PERPETUALS["BTCUSDT"]).tick
        for offset, price in enumerate((bar.open_price, bar.high_price, bar.low_price, bar.close_price)):
            tick = TickData(gateway_name="", symbol=bar.symbol, exchange=bar.exchange,
                            datetime=bar.datetime + timedelta(seconds=offset), last_price=price,
                            volume=bar.volume, limit_up=limit_up, limit_down=limit_down, pre_close=previous,
                            open_price=bar.open_price, high_price=bar.high_price, low_price=bar.low_price)
            fill_book(tick, price, tick_size, lambda: depth, limit_up, limit_down)
            yield tick
        previous = bar.close_price
