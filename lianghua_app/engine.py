"""TradingEngine: vnpy's MainEngine with an order pipeline, a journal and plugin wiring."""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from time import monotonic

from peewee import DatabaseError
from vnpy.event import Event, EventEngine
from vnpy.trader.constant import Direction, Status
from vnpy.trader.engine import MainEngine
from vnpy.trader.event import EVENT_CONTRACT, EVENT_LOG, EVENT_ORDER
from vnpy.trader.logger import DEBUG, ERROR, WARNING
from vnpy.trader.logger import logger as vnpy_logger
from vnpy.trader.object import CancelRequest, LogData, OrderRequest, SubscribeRequest

from . import markets
from .event_engine import GuardedEventEngine, HandlerFailure
from .events import EVENT_GATEWAY_STATUS, EVENT_ORDER_REJECTED, EVENT_TRADING_HALT, GatewayStatus
from .formatting import describe_order as describe
from .i18n import tr
from .journal import Journal
from .paths import DataDir, ProfileUnusable
from .profile_lock import ProfileLock
from .redact import redact, redact_log_events
from .scheduler import Scheduler
from .settings import Settings
from .storage import database_hint, open_database
from .strategies import StrategyRegistry
from .vnpy_env import release_vnpy_database

Guard = Callable[[OrderRequest, str], "str | None"]
JOURNAL = "journal"
GUARD_LABELS = {"halt": tr("停止新委托"), "markets": tr("市场规则"), "risk": tr("风控"), "engine": tr("委托检查"),
                "gateway": tr("接口")}


@dataclass(frozen=True)
class Rejection:
    vt_orderid: str
    guard: str
    reason: str
    request: OrderRequest
    gateway_name: str
    time: datetime


class TradingEngine(MainEngine):
    """Owns `send_order`: ordered pre-trade guards, then the gateway. Nothing monkeypatches it."""

    def __init__(self, data_dir: DataDir, settings: Settings | None = None,
                 event_engine: EventEngine | None = None) -> None:
        self.data_dir = data_dir
        self.settings = settings or Settings()
        self.profile_lock = ProfileLock(data_dir.root).acquire()
        try:
            self.database = open_database(data_dir.database_file)
        except BaseException as error:
            self.profile_lock.release()
            if isinstance(error, (DatabaseError, OSError)):
                raise ProfileUnusable(database_problem(data_dir, error)) from error
            raise
        self.halts: dict[str, str] = {}     # component -> why new orders are stopped
        self._failures_seen: dict[tuple[str, str], float] = {}
        self.guards: list[tuple[str, Guard]] = []
        self.cancel_observers: list[Callable[[CancelRequest, str], None]] = []
        self.gateway_status: dict[str, GatewayStatus] = {}
        self._reject_ids = itertools.count(1)
        self.scheduler = Scheduler()
        self.strategy_registry: StrategyRegistry | None = None
        cwd = Path.cwd()
        event_engine = event_engine or GuardedEventEngine()
        if isinstance(event_engine, GuardedEventEngine):
            event_engine.set_failure_listener(self.on_handler_failure)
            event_engine.add_batch_hook(redact_log_events, "")
        super().__init__(event_engine)
        os.chdir(cwd)  # MainEngine changes into vnpy's folder; we keep the user's
        self.add_guard("halt", self.check_halts)
        self.add_guard("markets", self.check_market_rules)

    def init_engines(self) -> None:
        super().init_engines()
        # Before any app or widget registers, so rows are written before anything is shown.
        self.journal = Journal(self.event_engine, on_recovered=lambda: self.clear_halt(JOURNAL))
        self.event_engine.register(EVENT_GATEWAY_STATUS, self.process_gateway_status)
        self.event_engine.register(EVENT_CONTRACT, self.process_contract_owner)
        self.contract_owners: dict[str, str] = {}
        self.overlaps_reported: set[tuple[str, str]] = set()

    # --- failures and halts ----------------------------------------------------------------
    def on_handler_failure(self, failure: HandlerFailure) -> None:
        """A handler raised: log its traceback, tell the user, and when the journal or the risk
        manager failed, stop new orders with the reason."""
        if failure.critical:    # every time: a failure that comes back after a recovery stops orders again
            self.halt(JOURNAL if failure.event_type == "batch" else failure.handler,
                      tr("{component}出错，已停止新委托：{error}", component=failure.critical,
                         error=failure.error))
        key = (failure.handler, str(failure.error))
        now = monotonic()
        if now - self._failures_seen.get(key, -3600.0) < 60:   # a retry failing again every second is logged once
            return
        self._failures_seen[key] = now
        vnpy_logger.bind(gateway_name="Engine").error(
            f"event handler {failure.handler} failed on {failure.event_type}\n{redact(failure.traceback)}")
        if failure.critical or failure.event_type == EVENT_LOG:   # halt() said it; a log failure could loop
            return
        self.event_engine.put(Event(EVENT_LOG, LogData(
            msg=tr("处理程序{handler}出错（{error}），已跳过该事件，其他功能照常运行；详情见日志文件",
                   handler=failure.handler, error=failure.error), gateway_name="Engine", level=ERROR)))

    def halt(self, component: str, reason: str) -> None:
        """Stop new orders (cancels still pass) until the component recovers or the user restarts."""
        first = component not in self.halts
        self.halts[component] = reason
        if first:
            self.event_engine.put(Event(EVENT_LOG, LogData(msg=reason, gateway_name="Engine", level=ERROR)))
            self.event_engine.put(Event(EVENT_TRADING_HALT, dict(self.halts)))

    def clear_halt(self, component: str) -> None:
        if self.halts.pop(component, None) is not None:
            self.event_engine.put(Event(EVENT_LOG, LogData(msg=tr("{component}已恢复，可以继续下单",
                                                                      component=tr("交易日志") if component == JOURNAL
                                                                      else component),
                                                           gateway_name="Engine", level=WARNING)))
            self.event_engine.put(Event(EVENT_TRADING_HALT, dict(self.halts)))

    def check_halts(self, req: OrderRequest, gateway_name: str) -> str | None:
        if self.halts:
            return "；".join(self.halts.values())
        return None

    # --- guards -------------------------------------------------------------------------
    def add_guard(self, name: str, guard: Guard, before: str | None = None) -> None:
        """Register a pre-trade check; it returns a reason to refuse, or None to pass."""
        self.remove_guard(name)
        names = [n for n, _ in self.guards]
        index = names.index(before) if before in names else len(self.guards)
        self.guards.insert(index, (name, guard))

    def remove_guard(self, name: str) -> None:
        self.guards = [(n, g) for n, g in self.guards if n != name]

    def check_market_rules(self, req: OrderRequest, gateway_name: str) -> str | None:
        contract = self.get_contract(req.vt_symbol)
        tick = self.get_tick(req.vt_symbol)
        today = tick.datetime.date() if tick and tick.datetime else markets.beijing_today()
        return markets.validate_order(req, contract, tick, self.sellable_volume(req.vt_symbol, gateway_name),
                                      today)

    def sellable_volume(self, vt_symbol: str, gateway_name: str) -> float:
        position = self.get_position(f"{gateway_name}.{vt_symbol}.{Direction.LONG.value}")
        if position is None:
            return 0.0
        return max(position.yd_volume - position.frozen, 0.0)

    def add_cancel_observer(self, observer: Callable[[CancelRequest, str], None]) -> None:
        """Told of every cancel request; cancels themselves are never blocked."""
        self.cancel_observers.append(observer)

    # --- order pipeline ------------------------------------------------------------------
    def connect(self, setting: dict, gateway_name: str) -> None:
        self.journal.begin_catch_up(gateway_name)
        super().connect(setting, gateway_name)

    def subscribe(self, req: SubscribeRequest, gateway_name: str) -> None:
        gateway = self.get_gateway(gateway_name)
        if gateway:
            self.write_log(tr("订阅{symbol}的行情（{gateway}）", symbol=req.vt_symbol, gateway=gateway_name))
            gateway.subscribe(req)

    def cancel_order(self, req: CancelRequest, gateway_name: str) -> None:
        for observer in self.cancel_observers:
            observer(req, gateway_name)
        super().cancel_order(req, gateway_name)

    def send_order(self, req: OrderRequest, gateway_name: str) -> str:
        gateway = self.gateways.get(gateway_name)
        if gateway is None:
            return self._reject(req, gateway_name, "engine", tr("接口{name}不存在或未加载", name=gateway_name))
        reason = malformed(req)
        if reason:
            return self._reject(req, gateway_name, "engine", reason)
        for name, guard in self.guards:
            try:
                reason = guard(req, gateway_name)
            except Exception as error:
                vnpy_logger.bind(gateway_name="Engine").exception(f"pre-trade guard {name} failed")
                reason = tr("下单前检查“{name}”出错（{error}），已停止新委托", name=GUARD_LABELS.get(name, name),
                            error=error)
                self.halt(f"guard:{name}", reason)
            if reason:
                return self._reject(req, gateway_name, name, reason)
        entry = self.journal.record_request(req, gateway_name)
        # DEBUG: shown in the log panel, not written to the log file (the journal keeps every order)
        self.event_engine.put(Event(EVENT_LOG, LogData(
            msg=tr("委托已发往{gateway}：{order}", gateway=gateway_name, order=describe(req)),
            gateway_name="MainEngine", level=DEBUG)))
        try:
            vt_orderid = gateway.send_order(req)
        except Exception as error:
            vnpy_logger.bind(gateway_name="Engine").exception(f"gateway {gateway_name} failed to send an order")
            return self._reject(req, gateway_name, "gateway",
                                tr("接口{name}下单出错：{error}", name=gateway_name, error=error), entry)
        if vt_orderid:
            self.journal.link_request(entry, vt_orderid)
        return vt_orderid

    def _reject(self, req: OrderRequest, gateway_name: str, guard: str, reason: str, entry=None) -> str:
        orderid = f"REJ{datetime.now():%H%M%S}{next(self._reject_ids):04d}"
        order = req.create_order_data(orderid, gateway_name)
        order.status = Status.REJECTED
        order.datetime = datetime.now(markets.CHINA_TZ)
        order.extra = {"reason": reason}
        if entry is None:
            self.journal.record_request(req, gateway_name, order.vt_orderid, reason)
        else:
            entry.reject_reason = reason
            self.journal.link_request(entry, order.vt_orderid)
        rejection = Rejection(order.vt_orderid, guard, reason, req, gateway_name, datetime.now(timezone.utc))
        self.write_log(tr("委托被拒绝（{check}）：{order}。{reason}", check=GUARD_LABELS.get(guard, guard),
                          order=describe(req), reason=reason), source=gateway_name)
        self.event_engine.put(Event(EVENT_ORDER_REJECTED, rejection))
        self.event_engine.put(Event(EVENT_ORDER, order))
        self.event_engine.put(Event(EVENT_ORDER + order.vt_orderid, order))
        return order.vt_orderid

    def process_gateway_status(self, event: Event) -> None:
        """On every (re)connect the journal is compared with what the venue reports. The
        venue's orders were queued before its status, so they are journaled by now."""
        status: GatewayStatus = event.data
        self.gateway_status[status.gateway_name] = status
        gateway = self.gateways.get(status.gateway_name)
        if not status.connected or status.busy:
            self.journal.begin_catch_up(status.gateway_name)
        if not status.connected or gateway is None or not getattr(gateway, "connected", True):
            return
        recovered = self.journal.end_catch_up(status.gateway_name)
        if recovered:
            self.event_engine.put(Event(EVENT_LOG, LogData(
                msg=tr("对账：{gateway}接口连接时补记了{count}笔日志中没有的成交（在程序关闭或断线期间成交），"
                       "请核对持仓与策略仓位", gateway=status.gateway_name, count=recovered),
                gateway_name="Journal", level=WARNING)))
        for warning in self.journal.reconcile(status.gateway_name, gateway.query_orders(), gateway.query_trades()):
            self.event_engine.put(Event(EVENT_LOG, LogData(msg=warning, gateway_name="Journal", level=WARNING)))

    def process_contract_owner(self, event: Event) -> None:
        """vnpy keys contracts by symbol, so the gateway connected last receives strategy
        orders for a symbol two gateways share (SIM and QMT both list 600519.SSE). Say so once."""
        contract = event.data
        owner = self.contract_owners.get(contract.vt_symbol)
        self.contract_owners[contract.vt_symbol] = contract.gateway_name
        pair = (owner, contract.gateway_name)
        if owner and owner != contract.gateway_name and pair not in self.overlaps_reported:
            self.overlaps_reported.add(pair)
            warning = tr("{symbol}等合约同时由{old}和{new}提供：按代码下单的CTA策略将发往{new}。"
                         "请不要让同一策略同时用于模拟和实盘。", symbol=contract.vt_symbol, old=owner,
                         new=contract.gateway_name)
            self.event_engine.put(Event(EVENT_LOG, LogData(msg=warning, gateway_name="Engine", level=WARNING)))

    def close(self) -> None:
        self.scheduler.shutdown()
        try:
            super().close()
            self.journal.close()
            self.database.close()
            release_vnpy_database()
        finally:
            self.profile_lock.release()


def database_problem(data_dir: DataDir, error: Exception) -> str:
    return tr("无法打开数据库{path}（{error}）：{hint}", path=data_dir.database_file, error=error,
              hint=database_hint(error))


def malformed(req: OrderRequest) -> str | None:
    """A price or volume no venue could take: NaN, infinity, a negative price, no volume."""
    if not isinstance(req.volume, (int, float)) or not math.isfinite(req.volume) or req.volume <= 0:
        return tr("委托数量{volume}无效：须为大于0的有限数字", volume=req.volume)
    if not isinstance(req.price, (int, float)) or not math.isfinite(req.price) or req.price < 0:
        return tr("委托价格{price}无效：须为不小于0的有限数字", price=req.price)
    return None

