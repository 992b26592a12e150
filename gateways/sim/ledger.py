"""SIM's books: cash, A-share holdings (T+1) and isolated-margin perpetual positions (their
arithmetic is markets.crypto.PerpPosition)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from lianghua_app.markets import crypto


@dataclass
class StockHolding:
    volume: float = 0.0
    yd_volume: float = 0.0   # held since before today: the sellable base (T+1)
    frozen: float = 0.0      # in pending sell orders
    cost: float = 0.0        # average cost per share, fees included
    price: float = 0.0       # average price paid per share, without fees (0: an older save, cost stands in)

    @property
    def available(self) -> float:
        return max(self.yd_volume - self.frozen, 0.0)

    def buy(self, qty: float, turnover: float, fees: float) -> None:
        self.cost = (self.cost * self.volume + turnover + fees) / (self.volume + qty)
        self.price = ((self.price or self.cost) * self.volume + turnover) / (self.volume + qty)
        self.volume += qty

    def sell(self, qty: float) -> None:
        self.volume -= qty
        self.yd_volume -= qty
        self.frozen -= qty
        if self.volume <= 0:
            self.volume = self.yd_volume = self.frozen = self.cost = self.price = 0.0


@dataclass
class Ledger:
    cash: dict[str, float] = field(default_factory=dict)
    frozen: dict[str, float] = field(default_factory=dict)
    stocks: dict[str, StockHolding] = field(default_factory=dict)
    perps: dict[str, crypto.PerpPosition] = field(default_factory=dict)

    def available(self, currency: str) -> float:
        return self.cash.get(currency, 0.0) - self.frozen.get(currency, 0.0) - self.margin_in_use(currency)

    def margin_in_use(self, currency: str) -> float:
        return sum(p.margin for p in self.perps.values()) if currency == "USDT" else 0.0

    def stock(self, vt_symbol: str) -> StockHolding:
        return self.stocks.setdefault(vt_symbol, StockHolding())

    def perp(self, vt_symbol: str) -> crypto.PerpPosition:
        return self.perps.setdefault(vt_symbol, crypto.PerpPosition())

    def problem(self) -> str | None:
        """What makes the book unusable (a NaN or infinite amount), or None."""
        amounts = [("cash", k, v) for k, v in self.cash.items()] + [("frozen", k, v) for k, v in self.frozen.items()]
        for kind, holdings in (("stocks", self.stocks), ("perps", self.perps)):
            amounts += [(kind, k, v) for k, h in holdings.items() for v in asdict(h).values()]
        for kind, key, value in amounts:
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                return f"{kind}.{key} = {value}"
        return None

    def to_dict(self) -> dict:
        return {"cash": dict(self.cash), "frozen": dict(self.frozen),   # copies: the snapshot outlives the lock
                "stocks": {k: asdict(v) for k, v in self.stocks.items()},
                "perps": {k: asdict(v) for k, v in self.perps.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> Ledger:
        return cls(dict(data["cash"]), dict(data["frozen"]),
                   {k: StockHolding(**v) for k, v in data["stocks"].items()},
                   {k: crypto.PerpPosition(**v) for k, v in data["perps"].items()})
