"""SIM's crypto universe: about 60 USDT perpetuals (a few of them TradFi) whose prices, 24h
volume, funding and open interest move, seeded, so the hotlist has a market to rank on a machine
without an account. Each step is one look at the whole universe (a CryptoFrame); now and then a
name wakes up: its volume jumps, open interest builds and funding runs to an extreme."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from vnpy.trader.constant import Exchange
from vnpy.trader.object import TickData

from lianghua_app.markets import crypto
from lianghua_app.quotes import CryptoFrame

from .feed import fill_book

COINS = ("BTC", "ETH", "SOL", "BNB", "XRP", "DOGE", "ADA", "AVAX", "LINK", "DOT", "TRX", "TON", "LTC", "BCH",
         "NEAR", "APT", "ARB", "OP", "SUI", "SEI", "INJ", "TIA", "FIL", "ATOM", "ETC", "UNI", "AAVE", "MKR",
         "LDO", "CRV", "DYDX", "GMX", "RNDR", "FET", "WLD", "PEPE", "SHIB", "FLOKI", "BONK", "WIF", "ORDI",
         "STX", "IMX", "SAND", "MANA", "AXS", "GALA", "APE", "BLUR", "JUP", "PYTH", "ENA", "ONDO", "ZRO")
TRADFI = ("XAU", "XAG", "TSLA", "NVDA", "COIN")
START_PRICES = {"BTC": 60000.0, "ETH": 3000.0, "SOL": 150.0, "BNB": 550.0, "XAU": 2400.0, "XAG": 30.0,
                "TSLA": 250.0, "NVDA": 120.0, "COIN": 220.0}


def _tick_for(price: float) -> float:
    return float(10.0 ** np.floor(np.log10(price * 1e-4)))


class SyntheticPerpetuals:
    def __init__(self, seed: int) -> None:
        rng = self.rng = np.random.default_rng(seed + 17)
        names = [*COINS, *TRADFI]
        n = len(names)
        self.symbols = [f"{name}USDT" for name in names]
        self.vt_symbols = [f"{s}.GLOBAL" for s in self.symbols]
        self.tradfi = np.array([name in TRADFI for name in names])
        self.price = np.array([START_PRICES.get(name, float(np.exp(rng.normal(0.0, 2.5)))) for name in names])
        self.tick = np.array([_tick_for(p) for p in self.price])
        self.step_qty = np.array([max(float(10.0 ** np.floor(np.log10(20 / p))), 0.001) for p in self.price])
        self.base_volume = np.exp(rng.normal(18.5, 1.3, n)) * np.where(self.tradfi, 0.2, 1.0)
        self.base_volume[:2] = (2.0e10, 1.0e10)                        # BTC and ETH lead
        self.volume = self.base_volume.copy()
        self.funding = rng.normal(0.0001, 0.00003, n)
        self.open_interest = self.base_volume / self.price * rng.uniform(0.02, 0.06, n)
        self.volatility = rng.uniform(0.004, 0.012, n) * np.where(self.tradfi, 0.4, 1.0)
        self.listed_days = rng.integers(20, 2000, n).astype(float)
        self.day_open = self.price.copy()
        self.heat = np.zeros(n)                                       # > 0 while a name is "awake"
        self.last_time: datetime | None = None

    def specs(self) -> list[crypto.PerpSpec]:
        return [crypto.PerpSpec(symbol, f"{symbol[:-4]}/USDT {'TradFi永续' if tradfi else '永续'}", tick=float(tick),
                                step=float(step), min_qty=float(step), min_notional=5.0)
                for symbol, tradfi, tick, step in zip(self.symbols, self.tradfi, self.tick, self.step_qty,
                                                      strict=True)]

    def step(self, now: datetime) -> CryptoFrame:
        """The universe at `now`: it moves as much as the time since the last step allows (the
        first step counts as one hour), so frequent looks see small moves, as a market would."""
        rng, n = self.rng, len(self.symbols)
        hours = 1.0 if self.last_time is None else min(max((now - self.last_time).total_seconds() / 3600, 1e-4), 24)
        self.last_time = now
        waking = rng.random(n) < 0.02 * hours
        self.heat = np.where(waking, rng.uniform(1.0, 3.0, n), self.heat * 0.8 ** hours)
        returns = rng.normal(0.0, self.volatility * (1 + self.heat) * np.sqrt(hours)) + 0.004 * self.heat * hours
        self.price = np.maximum(np.round(self.price * (1 + returns) / self.tick) * self.tick, self.tick)
        self.volume = self.base_volume * np.exp(rng.normal(0, 0.1, n)) * (1 + 2.5 * self.heat)
        keep = 0.7 ** hours
        self.funding = (0.0001 + keep * (self.funding - 0.0001) + rng.normal(0, 0.00002 * np.sqrt(hours), n)
                        + 0.0004 * self.heat)
        self.open_interest = self.open_interest * np.exp(rng.normal(0, 0.01 * np.sqrt(hours), n)
                                                         + 0.05 * self.heat * hours)
        self.listed_days += hours / 24
        half_spread = self.tick * np.ceil(rng.uniform(0.5, 3.0, n))
        change = (self.price / self.day_open - 1) * 100
        return CryptoFrame(now, list(self.vt_symbols), self.price.copy(), self.volume.copy(), change,
                           self.funding.copy(), self.open_interest.copy(), self.price - half_spread,
                           self.price + half_spread, self.tick.copy(), self.listed_days.copy(), self.tradfi.copy())


def perpetual_tick(universe: SyntheticPerpetuals, frame: CryptoFrame, row: int, name: str) -> TickData:
    """One symbol of a universe step as a vnpy tick: five levels around the price, each level a
    few lots deep, with the funding rate and mark price a SIM perpetual carries."""
    price, tick_size = float(frame.last[row]), float(frame.tick[row])
    tick = TickData(gateway_name="", symbol=universe.symbols[row], exchange=Exchange.GLOBAL, datetime=frame.time,
                    name=name, last_price=price, volume=float(frame.quote_volume[row] / price),
                    turnover=float(frame.quote_volume[row]))
    depth = float(universe.step_qty[row] * 50)
    fill_book(tick, price, tick_size, lambda: depth)
    tick.extra = {"funding_rate": float(frame.funding_rate[row]), "mark_price": price}
    return tick
