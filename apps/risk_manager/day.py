"""Trading days per market: per-day counters and the circuit breaker roll over at a boundary
that the user sets (A-share after the close in Beijing time, crypto at 00:00 UTC)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

from lianghua_app.markets import CHINA_TZ, market_of  # noqa: F401  (re-exported for the engine)

MARKET_ZONES = {"ashare": CHINA_TZ, "crypto": timezone.utc}
DEFAULT_BOUNDARIES = {"ashare": "15:30", "crypto": "00:00"}


def market_of_currency(currency: str) -> str:
    return "crypto" if currency.upper() in ("USDT", "USDC", "BUSD") else "ashare"


@lru_cache(maxsize=64)
def parse_clock(text: str) -> time:
    hours, _, minutes = text.partition(":")
    if hours == "24" and minutes in ("00", "0"):
        return time.max
    return time(int(hours), int(minutes))


def trading_day(market: str, now: datetime, boundary: str) -> date:
    """The trading day `now` belongs to: it changes each time the market's local clock passes
    the boundary. With 15:30 for A-shares, Monday 15:31 already counts toward Tuesday."""
    local = now.astimezone(MARKET_ZONES[market])
    cut = parse_clock(boundary)
    shifted = local - timedelta(hours=cut.hour, minutes=cut.minute)
    return shifted.date() + timedelta(days=1 if cut != time(0, 0) else 0)


class DayCache:
    """`trading_day` for the current minute of each market, computed once per minute: the
    pipeline asks on every order."""

    def __init__(self) -> None:
        self.cached: dict[tuple[str, str], tuple[int, date]] = {}

    def day(self, market: str, now: datetime, boundary: str, stamp: float | None = None) -> date:
        """`stamp`: `now` as epoch seconds when the caller has it already."""
        minute = int((now.timestamp() if stamp is None else stamp) // 60)
        hit = self.cached.get((market, boundary))
        if hit is None or hit[0] != minute:
            hit = self.cached[(market, boundary)] = (minute, trading_day(market, now, boundary))
        return hit[1]
