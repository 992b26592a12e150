"""Whole-market quotes as columns: one array per field, one row per symbol. Gateways that push
the whole market at once (QMT's whole quote, SIM's synthetic market) deliver this shape, and the
monitor turns its own per-symbol tick stream into it, so one vectorised path handles both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

import numpy as np
from vnpy.trader.object import TickData

COLUMNS = ("last", "volume", "turnover", "pre_close", "limit_up", "limit_down", "bid_volume", "ask_volume")
_TICK_FIELDS = ("last_price", "volume", "turnover", "pre_close", "limit_up", "limit_down", "bid_volume_1",
                "ask_volume_1")


@dataclass
class QuoteFrame:
    """Prices in the quote currency, `volume` (shares) and `turnover` day-cumulative,
    `bid_volume`/`ask_volume` the size at the best bid and offer (0 when that side is empty)."""
    time: datetime
    vt_symbols: list[str]
    last: np.ndarray
    volume: np.ndarray
    turnover: np.ndarray
    pre_close: np.ndarray
    limit_up: np.ndarray
    limit_down: np.ndarray
    bid_volume: np.ndarray
    ask_volume: np.ndarray
    names: list[str] | None = None

    def __len__(self) -> int:
        return len(self.vt_symbols)

    def take(self, rows: np.ndarray) -> QuoteFrame:
        symbols = [self.vt_symbols[i] for i in rows]
        names = [self.names[i] for i in rows] if self.names else None
        return QuoteFrame(self.time, symbols, *(getattr(self, c)[rows] for c in COLUMNS), names=names)

    @classmethod
    def from_ticks(cls, ticks: list[TickData]) -> QuoteFrame:
        count = len(ticks)
        columns = [np.fromiter(map(attrgetter(f), ticks), np.float64, count) for f in _TICK_FIELDS]
        return cls(max(t.datetime for t in ticks), [t.vt_symbol for t in ticks], *columns,
                   names=[t.name for t in ticks])


@dataclass(frozen=True)
class Level2Trade:
    """One transaction from Level-2 data: `side` "B" when the buyer took the offer, "S" when the
    seller hit the bid, "" when the exchange does not say."""
    vt_symbol: str
    time: datetime
    price: float
    volume: float
    side: str


CRYPTO_COLUMNS = ("last", "quote_volume", "change_percent", "funding_rate", "open_interest", "bid", "ask", "tick",
                  "listed_days")


@dataclass
class CryptoFrame:
    """One all-market look at a venue's perpetuals, as columns: 24h `quote_volume` (USDT) and
    `change_percent`, the current `funding_rate`, `open_interest` in contracts (NaN where the venue
    was not asked), best `bid`/`ask` (0 when unknown), the price `tick`, days since listing, and
    which are TradFi perpetuals (stocks, metals) rather than crypto. `time` is UTC."""
    time: datetime
    vt_symbols: list[str]
    last: np.ndarray
    quote_volume: np.ndarray
    change_percent: np.ndarray
    funding_rate: np.ndarray
    open_interest: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    tick: np.ndarray
    listed_days: np.ndarray
    tradfi: np.ndarray

    def __len__(self) -> int:
        return len(self.vt_symbols)
