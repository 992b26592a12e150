"""The account as the risk rules see it, kept current from OMS events so that a check reads
totals instead of walking every position: equity, exposure per account and sector, and a
daily PnL per strategy."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from vnpy.trader.constant import Direction, Exchange
from vnpy.trader.object import AccountData, ContractData, PositionData, TickData, TradeData

from lianghua_app.markets import currency_of

UNCLASSIFIED = ""


def currency_of_symbol(vt_symbol: str) -> str:
    return currency_of(Exchange(vt_symbol.rsplit(".", 1)[-1]))


@dataclass
class StrategyDay:
    """A strategy's PnL today: cash flows of today's trades plus the change in the value of what
    it holds, marked at the latest prices (fees are not included)."""
    nets: dict[str, float] = field(default_factory=dict)     # vt_symbol -> signed volume
    cash: float = 0.0
    start_value: float = 0.0

    def value(self, book: Book) -> float:
        return sum(net * book.price(s) * book.sizes.get(s, 1.0) for s, net in self.nets.items() if net)

    def pnl(self, book: Book) -> float:
        return self.cash + self.value(book) - self.start_value

    def to_dict(self) -> dict:
        return {"nets": self.nets, "cash": self.cash, "start_value": self.start_value}


class Book:
    def __init__(self) -> None:
        self.accounts: dict[str, AccountData] = {}
        self.prices: dict[str, float] = {}
        self.sizes: dict[str, float] = {}
        self.sectors: dict[str, str] = {}                   # code -> sector (user CSV)
        self.contract_sectors: dict[str, str] = {}          # vt_symbol -> sector (from the gateway)
        self.sides: dict[tuple[str, str], dict] = {}        # (gateway, vt_symbol) -> direction -> volume
        self.nets: dict[tuple[str, str], float] = {}        # (gateway, vt_symbol) -> signed volume
        self.values: dict[tuple[str, str], float] = {}      # (gateway, vt_symbol) -> |net| * price * size
        self.holders: dict[str, set[str]] = defaultdict(set)
        self.gross: dict[tuple[str, str], float] = defaultdict(float)           # (gateway, currency)
        self.by_sector: dict[tuple[str, str, str], float] = defaultdict(float)  # (gateway, currency, sector)
        self.strategies: dict[str, StrategyDay] = {}

    # --- updates (event thread) -----------------------------------------------------------
    def on_account(self, account: AccountData) -> None:
        self.accounts[account.vt_accountid] = account

    def on_contract(self, contract: ContractData) -> None:
        self.sizes[contract.vt_symbol] = contract.size or 1.0
        sector = (contract.extra or {}).get("sector")
        if sector:
            self.contract_sectors[contract.vt_symbol] = sector

    def on_tick(self, tick: TickData) -> None:
        self.prices[tick.vt_symbol] = tick.last_price
        for gateway in self.holders.get(tick.vt_symbol, ()):
            self._revalue(gateway, tick.vt_symbol)

    def on_position(self, position: PositionData) -> None:
        key = (position.gateway_name, position.vt_symbol)
        sides = self.sides.setdefault(key, {})
        sign = -1.0 if position.direction is Direction.SHORT else 1.0
        sides[position.direction] = sign * position.volume
        net = sum(sides.values())
        self.nets[key] = net
        if net:
            self.holders[position.vt_symbol].add(position.gateway_name)
            if position.vt_symbol not in self.prices and position.price:
                self.prices[position.vt_symbol] = position.price
        else:
            self.holders[position.vt_symbol].discard(position.gateway_name)
        self._revalue(*key)

    def on_trade(self, trade: TradeData, strategy: str) -> None:
        day = self.strategies.setdefault(strategy, StrategyDay())
        signed = trade.volume if trade.direction is Direction.LONG else -trade.volume
        day.nets[trade.vt_symbol] = day.nets.get(trade.vt_symbol, 0.0) + signed
        day.cash -= signed * trade.price * self.sizes.get(trade.vt_symbol, 1.0)

    def start_strategy_day(self) -> None:
        for day in self.strategies.values():
            day.cash, day.start_value = 0.0, day.value(self)
            day.nets = {s: n for s, n in day.nets.items() if n}

    def _revalue(self, gateway: str, vt_symbol: str) -> None:
        key = (gateway, vt_symbol)
        value = abs(self.nets.get(key, 0.0)) * self.price(vt_symbol) * self.sizes.get(vt_symbol, 1.0)
        change = value - self.values.get(key, 0.0)
        if not change:
            return
        self.values[key] = value
        currency = currency_of_symbol(vt_symbol)
        self.gross[(gateway, currency)] += change
        self.by_sector[(gateway, currency, self.sector_of(vt_symbol))] += change

    # --- reads (any thread, under the engine's lock) ------------------------------------------
    def price(self, vt_symbol: str) -> float:
        return self.prices.get(vt_symbol, 0.0)

    def sector_of(self, vt_symbol: str) -> str:
        return self.sectors.get(vt_symbol.split(".")[0]) or self.contract_sectors.get(vt_symbol, UNCLASSIFIED)

    def set_sectors(self, sectors: dict[str, str]) -> None:
        """A new sector map: the sector totals are rebuilt from the current values."""
        self.sectors = dict(sectors)
        self.by_sector.clear()
        for (gateway, vt_symbol), value in self.values.items():
            self.by_sector[(gateway, currency_of_symbol(vt_symbol), self.sector_of(vt_symbol))] += value

    def account(self, gateway: str, currency: str) -> AccountData | None:
        """The account an order in `currency` draws on: the gateway's account of that currency
        (SIM keeps one per currency), else its only account (a QMT stock account)."""
        account = self.accounts.get(f"{gateway}.{currency}")
        if account is not None:
            return account
        own = [a for a in self.accounts.values() if a.gateway_name == gateway]
        return own[0] if len(own) == 1 else None
