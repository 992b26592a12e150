"""The risk manager's headless side: one guard in the engine's order pipeline that runs the
enabled rules against the OMS of whichever gateway the order goes to; loss circuit breakers
and protective exits that watch the account from its events. Every refusal, trip and exit is
journaled; a new configuration applies without a restart."""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from logging import WARNING
from pathlib import Path
from time import monotonic
from time import time as time_now
from typing import NamedTuple

from vnpy.event import Event, EventEngine
from vnpy.trader.constant import Direction, Exchange, Offset
from vnpy.trader.engine import BaseEngine, MainEngine
from vnpy.trader.event import (
    EVENT_ACCOUNT,
    EVENT_CONTRACT,
    EVENT_LOG,
    EVENT_ORDER,
    EVENT_POSITION,
    EVENT_TICK,
    EVENT_TIMER,
    EVENT_TRADE,
)
from vnpy.trader.object import AccountData, CancelRequest, LogData, OrderRequest

from lianghua_app import formatting
from lianghua_app.i18n import tr
from lianghua_app.journal import strategy_of
from lianghua_app.json_config import apply_config
from lianghua_app.markets import CHINA_TZ, currency_of
from lianghua_app.sectors import adopt_sector_csv
from lianghua_app.storage import stored_time
from lianghua_app.storage.models import RiskEventRecord

from .book import Book, StrategyDay
from .breaker import Trip, load_state, save_state
from .config import RiskConfig, load, parse
from .context import Check, Flow
from .day import DayCache, market_of, market_of_currency
from .events_writer import EventWriter
from .losses import Decision, LossWatch, Reset, TripBreaker
from .protection import REFERENCE, ClosePosition, Protection
from .rules import RULES, request_key

APP_NAME = "RiskManager"
CLOSING = (Offset.CLOSE, Offset.CLOSETODAY, Offset.CLOSEYESTERDAY)
MARKETS = {exchange: (market_of(exchange), currency_of(exchange)) for exchange in Exchange}   # one lookup per order


class RiskRejection(NamedTuple):
    time: datetime
    rule: str
    vt_symbol: str
    reason: str


class RiskEngine(BaseEngine):
    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__(main_engine, event_engine, APP_NAME)
        root = main_engine.data_dir.root
        self.path, self.state_path = root / "risk.json", root / "risk_state.json"
        self.sectors_path = root / "sectors.csv"
        self.config, problems = load(self.path)
        self.book = Book()
        self.breaker, strategies = load_state(self.state_path)
        self.book.strategies = {name: StrategyDay(**day) for name, day in strategies.items()}
        self.flow = Flow()
        self.days = DayCache()
        oms = main_engine.get_engine("oms")
        self.active_orders = oms.active_orders.values()    # a live view, no copy per check
        self.ticks = oms.ticks
        self.lock = threading.RLock()
        self.now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
        self.rejections: deque[RiskRejection] = deque(maxlen=500)
        self.order_refs: dict[str, str] = {}
        self.dirty = False
        self.writer = EventWriter()
        self.protection = Protection(self)
        self.losses = LossWatch(self)
        self._activate()
        for problem in problems:
            self.warn(problem)
        if self.sectors_path.exists():
            self.load_sectors(self.sectors_path, keep=False)
        main_engine.add_guard("risk", self.check)
        main_engine.add_cancel_observer(self.on_cancel)
        for kind, handler in ((EVENT_CONTRACT, self.on_contract), (EVENT_TICK, self.on_tick),
                              (EVENT_POSITION, self.on_position), (EVENT_ACCOUNT, self.on_account),
                              (EVENT_ORDER, self.on_order), (EVENT_TRADE, self.on_trade), (EVENT_TIMER, self.on_timer)):
            event_engine.register(kind, handler)
            if hasattr(event_engine, "mark_critical"):
                event_engine.mark_critical(handler, tr("风控"))

    # --- configuration ---------------------------------------------------------------------
    def apply(self, raw: dict) -> list[str]:
        """Validate, save and switch to a new configuration; on any error keep the current one
        and return what is wrong."""
        config, errors = apply_config(self.path, raw, parse)
        if config is None:
            return errors
        with self.lock:
            self.config = config
            self._activate()
        return []

    def _activate(self) -> None:
        """The enabled rules as (name, check, params), one list for opening orders and one for
        closing orders, so the pipeline's loop does no other work per rule."""
        enabled = [(name, rule) for name, rule in RULES.items() if rule.check and self.config.enabled.get(name)]
        self.for_opening = [(name, rule.check, self.config.params[name]) for name, rule in enabled]
        self.for_closing = [(name, rule.check, self.config.params[name]) for name, rule in enabled
                            if not rule.opening_only]

    def set_whitelisted(self, vt_symbol: str, allowed: bool, gateways: list[str] | None = None) -> list[str]:
        """Add or remove a symbol from the whitelist: for every whitelisted gateway, or (the
        hotlist's approval) for `gateways` only, which from then on trade approved symbols only."""
        raw = copy.deepcopy(self.config.to_dict())
        params = raw["params"]["whitelist"]
        if gateways is None:
            symbols = [s for s in params["symbols"] if s != vt_symbol]
            params["symbols"] = symbols + [vt_symbol] if allowed else symbols
            return self.apply(raw)
        entries = {f"{gateway}:{vt_symbol}" for gateway in gateways}
        params["approved"] = [e for e in params.get("approved", []) if e not in entries]
        if allowed:
            params["approved"] += sorted(entries)
            params["gateways"] = sorted(set(params["gateways"]) | set(gateways))
            raw["enabled"]["whitelist"] = True
        return self.apply(raw)

    def load_sectors(self, path: Path, keep: bool = True) -> str | None:
        """Use a sector CSV (and keep a copy in the profile); the reason when it is unusable."""
        return adopt_sector_csv(path, self.sectors_path, keep, self._use_sectors, self.warn)

    def _use_sectors(self, sectors: dict[str, str]) -> None:
        with self.lock:
            self.book.set_sectors(sectors)

    # --- the pipeline guard ------------------------------------------------------------------
    def check(self, req: OrderRequest, gateway_name: str) -> str | None:
        clock, now = monotonic(), self.now()
        stamp = now.timestamp()
        with self.lock:
            config: RiskConfig = self.config
            market, currency = MARKETS[req.exchange]
            day = self.days.day(market, now, config.boundaries[market], stamp)
            self.flow.forget(clock)
            check = self._context(req, gateway_name, clock, now, stamp, market, currency, day)
            strategy = strategy_of(req.reference)
            if self.breaker.trips and not check.closing:
                trip = self.breaker.blocking(strategy)
                if trip:
                    return self._refuse(trip.rule, req, gateway_name, self.breaker_words(trip))
            rules = self.for_closing if check.closing else self.for_opening
            if config.overrides:
                rules = [(name, rule_check, config.params_for(name, req.vt_symbol, strategy))
                         for name, rule_check, _ in rules]
            for name, rule_check, params in rules:
                if reason := rule_check(check, params):
                    return self._refuse(name, req, gateway_name, reason)
            self.flow.record(clock, check.key, market, day)
        return None

    def _context(self, req: OrderRequest, gateway_name: str, clock: float, now: datetime, stamp: float,
                 market: str, currency: str, day: date) -> Check:
        vt_symbol, book = req.vt_symbol, self.book
        tick = self.ticks.get(vt_symbol)
        last = mid = None
        if tick:
            last = tick.last_price
            if tick.bid_price_1 > 0 and tick.ask_price_1 > 0:
                mid = (tick.bid_price_1 + tick.ask_price_1) / 2
        net = book.nets.get((gateway_name, vt_symbol), 0.0)
        against = net < 0 if req.direction is Direction.LONG else net > 0 and req.direction is Direction.SHORT
        closing = req.offset in CLOSING or (against and req.volume <= abs(net))
        account = book.account(gateway_name, currency)
        size = book.sizes.get(vt_symbol, 1.0)
        price = req.price or last or 0.0
        return Check(req=req, gateway_name=gateway_name, clock=clock, now=now, stamp=stamp, market=market, day=day,
                     closing=closing, last_price=last, mid_price=mid, net_position=net, size=size,
                     active_orders=self.active_orders, book=book, flow=self.flow, breaker=self.breaker,
                     currency=currency, account=account,
                     equity=account.balance if account and account.balance > 0 else None, key=request_key(req),
                     price=price, notional=price * req.volume * size)

    def _refuse(self, rule: str, req: OrderRequest, gateway_name: str, reason: str) -> str:
        self.record(rule, req.vt_symbol, reason, gateway_name, req.reference)
        return reason

    def record(self, rule: str, vt_symbol: str, reason: str, gateway_name: str = "", reference: str = "") -> None:
        stamp = time_now()
        self.writer.put((stamp, rule, gateway_name, vt_symbol, reference or "", reason))
        self.rejections.appendleft(RiskRejection(datetime.fromtimestamp(stamp), rule, vt_symbol, reason))

    def on_cancel(self, req: CancelRequest, gateway_name: str) -> None:
        """Cancels always pass; they are counted for the cancel-rate rule."""
        clock, now = monotonic(), self.now()
        market = MARKETS[req.exchange][0]
        with self.lock:
            self.flow.forget(clock)
            self.flow.record_cancel(clock, market, self.days.day(market, now, self.config.boundaries[market]))

    # --- the account, from events ------------------------------------------------------------
    def on_contract(self, event: Event) -> None:
        with self.lock:
            self.book.on_contract(event.data)

    def on_tick(self, event: Event) -> None:
        with self.lock:
            self.book.on_tick(event.data)
        self.carry_out(self.protection.on_tick(event.data))

    def on_position(self, event: Event) -> None:
        with self.lock:
            self.book.on_position(event.data)
        self.protection.on_position(event.data)

    def on_account(self, event: Event) -> None:
        with self.lock:
            self.book.on_account(event.data)
        self.carry_out(self._judge_account(event.data))

    def _judge_account(self, account: AccountData) -> list[Decision]:
        if account.balance <= 0:
            return []
        market = market_of_currency(account.accountid)
        day = self.losses.day(market, self.now())
        with self.lock:
            marks, changed = self.breaker.mark(account.vt_accountid, account.balance, day)
            self.dirty |= changed
        return self.losses.judge_account(account, marks, market, day)

    def on_order(self, event: Event) -> None:
        order = event.data
        if order.reference:
            self.order_refs[order.vt_orderid] = strategy_of(order.reference)
        self.protection.on_order(order)

    def on_trade(self, event: Event) -> None:
        strategy = self.order_refs.get(event.data.vt_orderid)
        if strategy:
            with self.lock:
                self.book.on_trade(event.data, strategy)
                self.dirty = True

    def on_timer(self, event: Event) -> None:
        now = self.now()
        self.carry_out(self.losses.new_days(now))
        for account in list(self.book.accounts.values()):
            self.carry_out(self._judge_account(account))
        with self.lock:
            losses = {name: -day.pnl(self.book) for name, day in self.book.strategies.items()}
        self.carry_out(self.losses.judge_strategies(losses, now))
        if self.writer.error is not None:
            error, self.writer.error = self.writer.error, None
            self.warn(tr("风控事件写入数据库失败：{error}（拒单本身已记入委托流水）", error=error))
        if self.dirty:
            self.save_state()

    # --- the breaker ---------------------------------------------------------------------------
    def carry_out(self, decisions: list[Decision | ClosePosition]) -> None:
        """What the loss watch and the protective exits decided, done here: the breaker, the books
        and the orders change only in this engine."""
        for decision in decisions:
            if isinstance(decision, TripBreaker):
                self.trip(decision.scope, decision.rule, decision.reason, decision.market, decision.day,
                          decision.flatten)
            elif isinstance(decision, Reset):
                self.reset_breaker(decision.scope, decision.why)
            elif isinstance(decision, ClosePosition):
                self._close(decision)
            else:
                with self.lock:
                    self.breaker.strategy_day["ashare"] = decision.day
                    if decision.fresh:
                        self.book.start_strategy_day()
                        self.dirty = True

    def _close(self, close: ClosePosition) -> None:
        req, words = self.protection.exit_order(close)
        if words:
            self.warn(words)
        if req is None:
            return
        position = self.main_engine.get_position(close.vt_positionid)
        self.record(close.rule, position.vt_symbol, words, position.gateway_name, REFERENCE)
        self.protection.exit_sent(close.vt_positionid, self.main_engine.send_order(req, position.gateway_name) or "")

    def trip(self, scope: str, rule: str, reason: str, market: str, day: date, flatten: str = "") -> None:
        with self.lock:
            if not self.breaker.trip(scope, rule, reason, market, day):
                return
            self.dirty = True
        self.warn(tr("熔断触发：{reason}。开仓委托将被拒绝，平仓和撤单照常。", reason=reason))
        self.record(rule, "", tr("熔断触发：{reason}", reason=reason))
        self.save_state()
        if flatten:
            self.carry_out(self.protection.flatten(flatten, reason))

    def reset_breaker(self, scope: str | None = None, why: str = "") -> list[Trip]:
        """Clear the breaker (one scope, or all); the caller has asked the user to confirm."""
        with self.lock:
            cleared = self.breaker.reset(scope)
        for trip in cleared:
            words = why or tr("手动复位")
            self.warn(tr("熔断已复位（{why}）：{reason}", why=words, reason=trip.reason))
            self.record("breaker_reset", "", tr("熔断复位（{why}）：{reason}", why=words, reason=trip.reason))
        if cleared:
            self.save_state()
        return cleared

    def trips(self) -> list[Trip]:
        with self.lock:
            return list(self.breaker.trips.values())

    def breaker_words(self, trip: Trip) -> str:
        return tr("熔断中：{reason}（{time} 触发）。只允许平仓和撤单；风险处理后可在风控面板手动复位，"
                  "或等下一交易日自动复位", reason=trip.reason,
                  time=formatting.second(datetime.fromisoformat(trip.time)))

    def save_state(self) -> None:
        with self.lock:
            self.dirty = False
            strategies = {name: day.to_dict() for name, day in self.book.strategies.items()}
            save_state(self.state_path, self.breaker, strategies)

    # --- views ----------------------------------------------------------------------------------
    def usage(self) -> dict[str, tuple[float, float]]:
        """Live use of the limits that have a level to show: rule -> (value, limit)."""
        with self.lock:
            p, on = self.config.params, self.config.enabled
            shown = {"order_rate": (len(self.flow.minute), p["order_rate"]["per_minute"]),
                     "cancel_rate": (len(self.flow.cancels), p["cancel_rate"]["per_minute"]),
                     "max_active_orders": (len(self.active_orders),
                                           p["max_active_orders"]["total"])}
            figures = self.figures()
            if figures:
                shown["daily_loss"] = (max(max(-f["day_pnl"], 0) / f["start"] * 100 for f in figures),
                                       p["daily_loss"]["percent"])
                shown["drawdown"] = (max(f["drawdown"] for f in figures), p["drawdown"]["percent"])
            if self.book.strategies:
                shown["strategy_loss"] = (max(max(-d.pnl(self.book), 0) for d in self.book.strategies.values()),
                                          p["strategy_loss"]["amount"])
        return {name: value for name, value in shown.items() if on.get(name)}

    def figures(self) -> list[dict]:
        """Equity, start of day, PnL today, peak and drawdown of every account."""
        rows = []
        with self.lock:
            for vt_accountid, account in sorted(self.book.accounts.items()):
                marks = self.breaker.equity.get(vt_accountid)
                if marks is None or not marks.start:
                    continue
                rows.append({"account": vt_accountid, "equity": account.balance, "start": marks.start,
                             "day_pnl": account.balance - marks.start, "peak": marks.peak,
                             "drawdown": max(marks.peak - account.balance, 0) / marks.peak * 100})
        return rows

    def events(self, day: date) -> list[RiskEventRecord]:
        """The risk events of a Beijing day, their `created` as stored (UTC)."""
        self.writer.flush()
        start = stored_time(datetime.combine(day, time.min, CHINA_TZ))
        return list(RiskEventRecord.select().where((RiskEventRecord.created >= start)
                                                   & (RiskEventRecord.created < start + timedelta(days=1)))
                    .order_by(RiskEventRecord.created))

    def warn(self, message: str) -> None:
        self.event_engine.put(Event(EVENT_LOG, LogData(msg=message, gateway_name=tr("风控"), level=WARNING)))

    def close(self) -> None:
        self.writer.close()
        if self.dirty:
            self.save_state()
