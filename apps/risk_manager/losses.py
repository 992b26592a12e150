"""Loss rules, judged from account and trade events rather than per order: daily loss against
start-of-day equity, drawdown from peak equity, and each strategy's daily loss. The watch only
decides (trip, reset, start a new day); the risk engine applies its decisions under its lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from vnpy.trader.object import AccountData

from lianghua_app.formatting import money
from lianghua_app.i18n import tr

from .breaker import ACCOUNT

if TYPE_CHECKING:
    from .engine import RiskEngine


@dataclass(frozen=True)
class TripBreaker:
    """Trip the breaker for `scope` (and flatten `flatten`'s positions if set)."""
    scope: str
    rule: str
    reason: str
    market: str
    day: date
    flatten: str = ""


@dataclass(frozen=True)
class Reset:
    scope: str
    why: str


@dataclass(frozen=True)
class StartStrategyDay:
    day: str
    fresh: bool         # a later day than the book's: the strategies' day books start over


Decision = TripBreaker | Reset | StartStrategyDay


class LossWatch:
    """Reads the risk engine's state and says what should happen; the engine applies it."""

    def __init__(self, risk: RiskEngine) -> None:
        self.risk = risk

    def day(self, market: str, now: datetime) -> date:
        return self.risk.days.day(market, now, self.risk.config.boundaries[market])

    def new_days(self, now: datetime) -> list[Decision]:
        """Trips of a past trading day reset; the strategies' day follows the A-share calendar and
        only moves forward (a clock set back by a replay never wipes today's book)."""
        risk = self.risk
        decisions: list[Decision] = [Reset(scope, tr("新交易日开始，熔断自动复位"))
                                     for scope, trip in list(risk.breaker.trips.items())
                                     if self.day(trip.market, now).isoformat() != trip.day]
        day = self.day("ashare", now).isoformat()
        current = risk.breaker.strategy_day.get("ashare")
        if current is None or day > current:
            decisions.append(StartStrategyDay(day, fresh=current is not None))
        return decisions

    def judge_account(self, account: AccountData, marks, market: str, day: date) -> list[Decision]:
        """`marks`: the account's start-of-day and peak equity, as the engine keeps them."""
        config, decisions = self.risk.config, []
        flatten = account.gateway_name
        if config.enabled["daily_loss"]:
            p = config.params["daily_loss"]
            loss = marks.start - account.balance
            limits = [v for v in (marks.start * p["percent"] / 100, p["amount"]) if v]
            if limits and loss > min(limits):
                decisions.append(TripBreaker(ACCOUNT, "daily_loss", tr(
                    "账户 {account} 当日亏损 {loss}（{share:.2f}%），超过上限 {limit}", account=account.vt_accountid,
                    loss=money(loss), share=loss / marks.start * 100, limit=money(min(limits))),
                    market, day, flatten if p["flatten"] else ""))
        if config.enabled["drawdown"] and marks.peak > 0:
            p = config.params["drawdown"]
            drawdown = (marks.peak - account.balance) / marks.peak * 100
            if drawdown > p["percent"]:
                decisions.append(TripBreaker(ACCOUNT, "drawdown", tr(
                    "账户 {account} 自高点 {peak} 回撤 {value:.2f}%，超过上限 {limit}%", account=account.vt_accountid,
                    peak=money(marks.peak), value=drawdown, limit=p["percent"]),
                    market, day, flatten if p["flatten"] else ""))
        return decisions

    def judge_strategies(self, losses: dict[str, float], now: datetime) -> list[Decision]:
        """`losses`: each strategy's loss today (positive = lost)."""
        config = self.risk.config
        if not config.enabled["strategy_loss"]:
            return []
        decisions: list[Decision] = []
        for name, loss in losses.items():
            limit = config.params_for("strategy_loss", "", name)["amount"]
            if limit and loss > limit:
                decisions.append(TripBreaker(f"strategy:{name}", "strategy_loss", tr(
                    "策略 {name} 当日亏损 {loss}，超过上限 {limit}", name=name, loss=money(loss),
                    limit=money(limit)), "ashare", self.day("ashare", now)))
        return decisions
