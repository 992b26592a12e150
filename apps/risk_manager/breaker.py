"""The loss circuit breaker and the equity marks it is judged against. A trip refuses opening
orders for its scope (the whole account, or one strategy) until a person resets it or the
market's next trading day begins. Kept in the profile so a restart does not clear it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

ACCOUNT = "account"


@dataclass
class Trip:
    scope: str          # "account" or "strategy:<name>"
    rule: str
    reason: str
    time: str           # ISO, local
    market: str
    day: str            # the trading day it belongs to (ISO)


@dataclass
class EquityDay:
    """Start-of-day and peak equity of one account."""
    day: str
    start: float
    peak: float


@dataclass
class Breaker:
    trips: dict[str, Trip] = field(default_factory=dict)
    equity: dict[str, EquityDay] = field(default_factory=dict)       # vt_accountid -> marks
    strategy_day: dict[str, str] = field(default_factory=dict)        # market -> day strategies started on

    def trip(self, scope: str, rule: str, reason: str, market: str, day: date) -> bool:
        """Trip `scope`; False when it was already tripped (the first reason stands)."""
        if scope in self.trips:
            return False
        self.trips[scope] = Trip(scope, rule, reason, datetime.now(timezone.utc).isoformat(timespec="seconds"), market,
                                 day.isoformat())
        return True

    def blocking(self, strategy: str) -> Trip | None:
        return self.trips.get(ACCOUNT) or (self.trips.get(f"strategy:{strategy}") if strategy else None)

    def reset(self, scope: str | None = None) -> list[Trip]:
        """Clear one scope, or all; returns what was cleared."""
        scopes = [scope] if scope else list(self.trips)
        return [self.trips.pop(s) for s in scopes if s in self.trips]

    def mark(self, vt_accountid: str, equity: float, day: date) -> tuple[EquityDay, bool]:
        """Record the account's equity: a new trading day starts from it; the peak only rises.
        Also says whether the marks changed (and need saving)."""
        marks = self.equity.get(vt_accountid)
        if marks is None or marks.day != day.isoformat():
            peak = max(marks.peak, equity) if marks else equity
            self.equity[vt_accountid] = EquityDay(day.isoformat(), equity, peak)
            return self.equity[vt_accountid], True
        if equity > marks.peak:
            marks.peak = equity
            return marks, True
        return marks, False

    def to_dict(self) -> dict:
        return {"trips": {k: asdict(v) for k, v in self.trips.items()},
                "equity": {k: asdict(v) for k, v in self.equity.items()}, "strategy_day": self.strategy_day}

    @classmethod
    def from_dict(cls, data: dict) -> Breaker:
        return cls({k: Trip(**v) for k, v in data.get("trips", {}).items()},
                   {k: EquityDay(**v) for k, v in data.get("equity", {}).items()}, dict(data.get("strategy_day", {})))


def load_state(path: Path) -> tuple[Breaker, dict]:
    """The breaker and the strategies' day books, or fresh ones when the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Breaker.from_dict(data), data.get("strategies", {})
    except (OSError, ValueError, TypeError, KeyError):
        return Breaker(), {}


def save_state(path: Path, breaker: Breaker, strategies: dict) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({**breaker.to_dict(), "strategies": strategies}, ensure_ascii=False, indent=1),
                         encoding="utf-8")
    temporary.replace(path)
