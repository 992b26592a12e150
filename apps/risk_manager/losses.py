"""Loss rules, judged from account and trade events rather than per order: daily loss against
start-of-day equity, drawdown from peak equity, and each strategy's daily loss. A breach trips
the breaker; a new trading day resets it and starts the strategies' day books afresh."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from vnpy.trader.object import AccountData

from lianghua_app.formatting import money
from lianghua_app.i18n import tr

from .breaker import ACCOUNT
from .day import market_of_currency

if TYPE_CHECKING:
    from .engine import RiskEngine


class LossWatch:
    def __init__(self, risk: RiskEngine) -> None:
        self.risk = risk

    def day(self, market: str, now: datetime) -> date:
        return self.risk.days.day(market, now, self.risk.config.boundaries[market])

    def on_timer(self, now: datetime) -> None:
        risk = self.risk
        for scope, trip in list(risk.breaker.trips.items()):
            if self.day(trip.market, now).isoformat() != trip.day:
                risk.reset_breaker(scope, tr("新交易日开始，熔断自动复位"))
        self.start_strategy_day(now)
        for account in list(risk.book.accounts.values()):
            self.judge_account(account)
        self.judge_strategies(now)

    def judge_account(self, account: AccountData) -> None:
        if account.balance <= 0:
            return
        risk = self.risk
        market = market_of_currency(account.accountid)
        day = self.day(market, risk.now())
        with risk.lock:
            marks, changed = risk.breaker.mark(account.vt_accountid, account.balance, day)
            risk.dirty |= changed
            config = risk.config
        flatten = account.gateway_name
        if config.enabled["daily_loss"]:
            p = config.params["daily_loss"]
            loss = marks.start - account.balance
            limits = [v for v in (marks.start * p["percent"] / 100, p["amount"]) if v]
            if limits and loss > min(limits):
                risk.trip(ACCOUNT, "daily_loss", tr("账户 {account} 当日亏损 {loss}（{share:.2f}%），超过上限 {limit}",
                                                    account=account.vt_accountid, loss=money(loss),
                                                    share=loss / marks.start * 100, limit=money(min(limits))),
                          market, day, flatten if p["flatten"] else "")
        if config.enabled["drawdown"] and marks.peak > 0:
            p = config.params["drawdown"]
            drawdown = (marks.peak - account.balance) / marks.peak * 100
            if drawdown > p["percent"]:
                risk.trip(ACCOUNT, "drawdown", tr("账户 {account} 自高点 {peak} 回撤 {value:.2f}%，超过上限 {limit}%",
                                                  account=account.vt_accountid, peak=money(marks.peak),
                                                  value=drawdown, limit=p["percent"]),
                          market, day, flatten if p["flatten"] else "")

    def judge_strategies(self, now: datetime) -> None:
        """Strategy days follow the A-share calendar (a strategy may trade either market)."""
        risk = self.risk
        if not risk.config.enabled["strategy_loss"]:
            return
        with risk.lock:
            losses = {name: -day.pnl(risk.book) for name, day in risk.book.strategies.items()}
        for name, loss in losses.items():
            limit = risk.config.params_for("strategy_loss", "", name)["amount"]
            if limit and loss > limit:
                risk.trip(f"strategy:{name}", "strategy_loss",
                          tr("策略 {name} 当日亏损 {loss}，超过上限 {limit}", name=name, loss=money(loss),
                             limit=money(limit)), "ashare", self.day("ashare", now))

    def start_strategy_day(self, now: datetime) -> None:
        """Only moving forward starts a new day: a clock set back (a replay) never wipes today's book."""
        risk = self.risk
        day = self.day("ashare", now).isoformat()
        if day > risk.breaker.strategy_day.setdefault("ashare", day):
            with risk.lock:
                risk.breaker.strategy_day["ashare"] = day
                risk.book.start_strategy_day()
                risk.dirty = True
