"""The portfolio manager's headless side: attribution from the journal and the gateways, the
accounts together in one currency, allocation, and the rebalance plan that changes nothing until
a person confirms it. Every minute the day's closes (last price, or mark for perpetuals) and
each account's equity are recorded, so attribution can be redone and checked after a restart."""

from __future__ import annotations

import getpass
import math
import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
from vnpy.event import Event, EventEngine
from vnpy.trader.engine import BaseEngine, MainEngine
from vnpy.trader.event import EVENT_LOG
from vnpy.trader.object import AccountData, LogData

from lianghua_app.i18n import tr
from lianghua_app.journal import STRATEGY_PREFIX, journaled_position
from lianghua_app.json_config import apply_config
from lianghua_app.markets import CHINA_TZ, exchange_of, market_of, size_rule
from lianghua_app.markets.money import STABLE, convert

from . import records
from .allocation import METHODS, AllocationError, Constraints, allocate, constrain
from .attribution import UNEXPLAINED, Fill, market_day
from .config import load, parse
from .evaluation import compare
from .ledger import build_report, default_start, read_fills
from .plan import Plan, Slot, build_plan
from .report import Report, currency_of_symbol

APP_NAME = "PortfolioManager"
EVENT_PORTFOLIO = "eLhPortfolio"                # data: Report (a fresh attribution)
EVENT_PORTFOLIO_PLAN = "eLhPortfolioPlan"       # data: Proposal, or None after a decision
MARK_SECONDS = 60


@dataclass
class Proposal:
    plan_id: int
    method: str
    names: list[str]
    markets: list[str]
    raw: np.ndarray             # the method's weights
    target: np.ndarray          # after the constraints
    plan: Plan


@dataclass(frozen=True)
class AccountLine:
    account: str                # vt_accountid
    currency: str
    balance: float
    in_base: float


def account_currency(account: AccountData) -> str:
    """A gateway that keeps one account per asset (Binance spot) names it in `extra`; otherwise a
    stablecoin account is named by its coin and everything else is yuan."""
    asset = (getattr(account, "extra", None) or {}).get("asset")
    if asset:
        return asset
    return account.accountid if account.accountid in STABLE else "CNY"


class PortfolioEngine(BaseEngine):
    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__(main_engine, event_engine, APP_NAME)
        self.path = main_engine.data_dir.root / "portfolio.json"
        self.config, problems = load(self.path)
        for problem in problems:
            self.warn(problem)
        self.report: Report | None = None
        self.proposal: Proposal | None = None
        self.budgets = records.budgets()
        self.refreshing = threading.Lock()
        scheduler = getattr(main_engine, "scheduler", None)
        if scheduler is not None:
            scheduler.every(MARK_SECONDS, self.record_marks, "portfolio.marks")

    # --- configuration ---------------------------------------------------------------------
    def apply(self, raw: dict) -> list[str]:
        config, errors = apply_config(self.path, raw, parse)
        self.config = config or self.config
        return errors

    def explain(self, method: str) -> str:
        return tr(METHODS[method])

    # --- the accounts in one currency ---------------------------------------------------------
    def usdt_cny(self) -> float:
        """The rate quote when one is streamed, else the configured rate."""
        symbol = self.config["rate_symbol"]
        tick = self.main_engine.get_tick(symbol) if symbol else None
        return tick.last_price if tick and tick.last_price > 0 else self.config["usdt_cny"]

    def to_base(self, amount: float, currency: str) -> float:
        return convert(amount, currency, self.config["base_currency"], self.usdt_cny())

    def accounts(self) -> list[AccountLine]:
        base, rate = self.config["base_currency"], self.usdt_cny()
        lines = []
        for account in sorted(self.main_engine.get_all_accounts(), key=lambda a: a.vt_accountid):
            currency = account_currency(account)
            lines.append(AccountLine(account.vt_accountid, currency, account.balance,
                                     self._value(account.balance, currency, base, rate)))
        return lines

    def _value(self, amount: float, currency: str, base: str, rate: float) -> float:
        """A coin (spot BTC) at its spot symbol's last price in USDT; NaN, shown as missing and
        left out of totals, until that price is known."""
        if currency == "CNY" or currency in STABLE:
            return convert(amount, currency, base, rate)
        tick = self.main_engine.get_tick(f"{currency}USDT_SPOT.GLOBAL")
        if tick is None or not tick.last_price > 0:
            return math.nan
        return convert(amount * tick.last_price, "USDT", base, rate)

    def total_equity(self) -> float:
        return sum(line.in_base for line in self.accounts() if math.isfinite(line.in_base))

    # --- recording ---------------------------------------------------------------------------
    def record_marks(self) -> None:
        """Today's close so far (last price; mark for a perpetual) of every streamed symbol, and
        each account's equity, for its market's day. A later record of the day replaces it."""
        try:
            closes = []
            for tick in self.main_engine.get_all_ticks():
                price = (tick.extra or {}).get("mark_price") if getattr(tick, "extra", None) else None
                price = price or tick.last_price
                if price and price > 0:
                    moment = tick.datetime or datetime.now(UTC)
                    closes.append((tick.vt_symbol, market_day(moment, tick.vt_symbol), float(price), "live"))
            records.save_closes(closes)
            now = datetime.now(UTC)
            equity: dict[tuple[date, str], tuple[str, float]] = {}
            for account in self.main_engine.get_all_accounts():
                currency, balance = account_currency(account), account.balance
                if currency != "CNY" and currency not in STABLE:        # a coin, at its price in USDT
                    currency, balance = "USDT", self._value(balance, currency, "USDT", self.usdt_cny())
                    if not math.isfinite(balance):
                        continue
                day = now.astimezone(CHINA_TZ if currency == "CNY" else UTC).date()
                key = (day, f"{account.gateway_name}.{currency}")
                equity[key] = (currency, equity.get(key, (currency, 0.0))[1] + balance)
            records.save_equity([(day, name, currency, balance) for (day, name), (currency, balance) in equity.items()])
        except Exception as error:                      # a job must not die silently
            self.warn(tr("组合：记录收盘价与账户权益失败：{error}", error=error))

    # --- attribution -------------------------------------------------------------------------
    def attribution(self, since: date | None = None) -> Report:
        """From the journal: every fill, fee, tax and funding payment since `since` (Beijing
        day; default about a year), valued at each day's close."""
        self.report = build_report(since or default_start(), self.config["base_currency"], self.usdt_cny(),
                                   self._size_of)
        return self.report

    def trades(self, by: str, key: str, day: date | None) -> list[Fill]:
        """The journaled fills behind one line of the last attribution."""
        report = self.report
        if report is None:
            return []
        fills = [fill for book in sorted(report.books(by, key, day)) if book[1] != UNEXPLAINED
                 for fill in read_fills(book, day, report.since)]
        return sorted(fills, key=lambda f: f.time)

    def refresh_async(self) -> bool:
        """Attribution in its own thread; the dock hears EVENT_PORTFOLIO. One at a time."""
        if not self.refreshing.acquire(blocking=False):
            return False
        threading.Thread(target=self._refresh_and_release, name="portfolio-refresh", daemon=True).start()
        return True

    def _refresh_and_release(self) -> None:
        try:
            self.event_engine.put(Event(EVENT_PORTFOLIO, self.attribution()))
        except Exception as error:
            self.warn(tr("组合：盈亏归因失败：{error}", error=error))
        finally:
            self.refreshing.release()

    def _size_of(self, vt_symbol: str) -> float:
        contract = self.main_engine.get_contract(vt_symbol)
        return float(contract.size) if contract and contract.size else 1.0

    # --- allocation and plans ----------------------------------------------------------------------
    def strategies(self) -> list[tuple[str, str]]:
        """(name, vt_symbol) of every CTA strategy, by name."""
        cta = self.main_engine.get_engine("CtaStrategy")
        found = getattr(cta, "strategies", {}) if cta else {}
        return sorted((name, strategy.vt_symbol) for name, strategy in found.items())

    def capital(self) -> float:
        return self.config["capital"] or self.total_equity()

    def returns(self, names: list[str], total: float) -> np.ndarray:
        """Daily returns per strategy over the window: the day's attributed PnL (base currency) over
        the capital it had (its budget, else an equal share of `total`)."""
        report = self.report or self.attribution()
        since = datetime.now(CHINA_TZ).date() - timedelta(days=self.config["window_days"])
        days = sorted({r.day for r in report.rows if r.day > since})
        index = {day: i for i, day in enumerate(days)}
        pnl = np.zeros((len(days), len(names)))
        column = {name: i for i, name in enumerate(names)}
        for row in report.rows:
            if row.day > since and row.strategy in column:
                pnl[index[row.day], column[row.strategy]] += report.in_base(row, row.total)
        basis = np.array([self._budget_in_base(name) or total / len(names) for name in names])
        return pnl / basis

    def _budget_in_base(self, name: str) -> float:
        budget = self.budgets.get(name)
        if budget is None:
            return 0.0
        return convert(budget.capital, budget.currency, self.config["base_currency"], self.usdt_cny())

    def propose(self, method: str | None = None) -> Proposal:
        """Weights by `method` (the configured one by default), the constraints, and the plan that
        rounds them to what each market allows. Stored as proposed; nothing else changes."""
        method = method or self.config["method"]
        running = self.strategies()
        if not running:
            raise AllocationError(tr("没有可分配的策略：请先在CTA策略中添加策略"))
        names = [name for name, _ in running]
        total = self.capital()
        if not total > 0:
            raise AllocationError(tr("可分配资金为0：请连接账户，或在组合设置中填写分配资金"))
        markets = [market_of(exchange_of(s)) for _, s in running]
        params = self.config.params(method)
        if method in ("target_vol", "risk_budget") and self.config["risk_budgets"]:
            params["budgets"] = np.array([float(self.config["risk_budgets"].get(n, 1.0)) for n in names])
        raw = allocate(method, self.returns(names, total), names, **params)
        current = np.array([self._budget_in_base(n) / total for n in names])
        target = constrain(raw, current, markets, self._constraints(total))
        slots = [self._slot(name, vt_symbol, market)
                 for (name, vt_symbol), market in zip(running, markets, strict=True)]
        caps = [total * self.config.constraints.w_max] * len(slots)
        plan = build_plan(total, list(target), slots, self.config["base_currency"], list(current), caps)
        stored = {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in params.items()}
        plan_id = records.save_plan(method, stored, plan_payload(plan, list(raw)))
        self.proposal = Proposal(plan_id, method, names, markets, raw, target, plan)
        self.event_engine.put(Event(EVENT_PORTFOLIO_PLAN, self.proposal))
        return self.proposal

    def _constraints(self, total: float) -> Constraints:
        """The configured constraints, with each market capped at the equity of its accounts: USDT on
        Binance cannot buy A-shares. No account of a market: no cap from here."""
        constraints = self.config.constraints
        held: dict[str, float] = {}
        for line in self.accounts():
            market = "ashare" if line.currency == "CNY" else "crypto"
            if math.isfinite(line.in_base):
                held[market] = held.get(market, 0.0) + line.in_base
        caps = dict(constraints.market_caps)
        for market, equity in held.items():
            caps[market] = min(caps.get(market, 1.0), max(equity, 0.0) / total)
        return replace(constraints, market_caps=caps)

    def _slot(self, name: str, vt_symbol: str, market: str) -> Slot:
        contract = self.main_engine.get_contract(vt_symbol)
        tick = self.main_engine.get_tick(vt_symbol)
        price = tick.last_price if tick and tick.last_price else 0.0
        currency = currency_of_symbol(vt_symbol)
        base, rate = self.config["base_currency"], self.usdt_cny()
        return Slot(name, vt_symbol, market, currency, price, size_rule(vt_symbol, contract),
                    journaled_position(f"{STRATEGY_PREFIX}{name}", vt_symbol), self._budget_in_base(name),
                    convert(1.0, currency, base, rate))

    def confirm(self, plan_id: int) -> str:
        """A person's 确认: the plan's budgets replace the strategies' budgets. Only the dock calls
        this, on the GUI thread; a plan that is not the latest proposal is refused."""
        if threading.current_thread() is not threading.main_thread():
            raise PermissionError(tr("调仓计划只能由用户在界面上确认"))
        proposal = self.proposal
        if proposal is None or proposal.plan_id != plan_id:
            raise ValueError(tr("计划{plan}不是待确认的最新计划，请重新生成", plan=plan_id))
        budgets = [(line.slot.strategy, line.capital / line.slot.to_base, line.slot.currency)
                   for line in proposal.plan.lines if line.slot.price > 0]     # no price: the budget stays
        records.save_budgets(budgets, plan_id)
        self.budgets = records.budgets()
        result = tr("已应用：{count}个策略的资金预算已更新", count=len(budgets))
        records.decide_plan(plan_id, "applied", getpass.getuser(), result)
        self.proposal = None
        self.event_engine.put(Event(EVENT_PORTFOLIO_PLAN, None))
        self.warn(tr("组合：计划{plan}{result}", plan=plan_id, result=result))
        return result

    def discard(self, plan_id: int) -> None:
        records.decide_plan(plan_id, "discarded", getpass.getuser(), tr("未应用"))
        if self.proposal and self.proposal.plan_id == plan_id:
            self.proposal = None
            self.event_engine.put(Event(EVENT_PORTFOLIO_PLAN, None))

    def budget(self, strategy: str) -> records.Budget | None:
        return self.budgets.get(strategy)

    def plan_history(self) -> list[records.StoredPlan]:
        return records.plans()

    def evaluate(self, method: str, window: int = 20, every: int = 5) -> dict:
        """The method replayed over the strategies' daily returns against equal weight."""
        running = self.strategies()
        if not running:
            raise AllocationError(tr("没有可评估的策略"))
        names = [name for name, _ in running]
        markets = [market_of(exchange_of(s)) for _, s in running]
        return compare(method, self.returns(names, self.capital() or 1.0), names, markets, window=window, every=every,
                       constraints=self.config.constraints, **self.config.params(method))

    def warn(self, message: str) -> None:
        self.event_engine.put(Event(EVENT_LOG, LogData(msg=message, gateway_name=tr("组合"))))


def plan_payload(plan: Plan, raw: list[float]) -> dict:
    """What is stored of a plan: enough to show it again without the running strategies."""
    return {"base": plan.base, "total": plan.total, "cash": plan.cash, "lines": [
        {"strategy": line.slot.strategy, "vt_symbol": line.slot.vt_symbol, "market": line.slot.market,
         "price": line.slot.price, "position": line.slot.position, "weight_raw": raw[i],
         "weight_now": line.weight_now, "weight_target": line.weight_target, "capital_target": line.capital_target,
         "quantity": line.quantity, "capital": line.capital, "note": line.note,
         "order": [line.order[0].name, line.order[1]] if line.order else None}
        for i, line in enumerate(plan.lines)]}
