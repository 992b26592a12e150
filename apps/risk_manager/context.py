"""What a rule sees: one order request with the account around it, and the flow of recent
requests and cancels (rolling windows on the monotonic clock, per-day counts per market)."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from vnpy.trader.object import AccountData, OrderData, OrderRequest

from .book import Book
from .breaker import Breaker


@dataclass
class DayCount:
    day: date
    orders: int = 0
    cancels: int = 0


@dataclass
class Flow:
    second: deque = field(default_factory=deque)
    minute: deque = field(default_factory=deque)
    cancels: deque = field(default_factory=deque)             # cancel requests in the last minute
    last_seen: dict = field(default_factory=dict)            # request key -> when it was last accepted
    days: dict[str, DayCount] = field(default_factory=dict)  # market -> today's counts
    pruned: float = 0.0

    def forget(self, clock: float) -> None:
        while self.second and clock - self.second[0] >= 1:
            self.second.popleft()
        for window in (self.minute, self.cancels):
            while window and clock - window[0] >= 60:
                window.popleft()
        if clock - self.pruned >= 10:          # a duplicate window longer than a minute is not honoured
            self.pruned = clock
            self.last_seen = {key: seen for key, seen in self.last_seen.items() if clock - seen < 60}

    def today(self, market: str, day: date) -> DayCount:
        count = self.days.get(market)
        if count is None or count.day != day:
            count = self.days[market] = DayCount(day)
        return count

    def record(self, clock: float, key: tuple, market: str, day: date) -> None:
        self.second.append(clock)
        self.minute.append(clock)
        self.last_seen[key] = clock
        self.today(market, day).orders += 1

    def record_cancel(self, clock: float, market: str, day: date) -> None:
        self.cancels.append(clock)
        self.today(market, day).cancels += 1


@dataclass(slots=True, kw_only=True)
class Check:
    req: OrderRequest
    gateway_name: str
    clock: float            # monotonic seconds
    now: datetime           # aware wall clock
    stamp: float            # the same as epoch seconds
    market: str             # "ashare" / "crypto"
    day: date               # the market's trading day
    closing: bool
    last_price: float | None
    mid_price: float | None
    net_position: float
    size: float
    active_orders: Collection[OrderData]
    book: Book
    flow: Flow
    breaker: Breaker
    currency: str
    account: AccountData | None      # the account the order draws on
    equity: float | None             # its balance, None until a positive one has arrived
    key: bytes                       # what makes two requests duplicates
    price: float                     # the order's price, or the last price for a market order
    notional: float                  # price * volume * contract size




