"""The risk manager's headless side: one guard in the engine's order pipeline that runs the
enabled rules against the OMS (positions, ticks, active orders) of whichever gateway the
order goes to, journals every refusal, and takes a new configuration without a restart."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from logging import WARNING
from time import monotonic

from vnpy.event import Event, EventEngine
from vnpy.trader.constant import Direction, Offset
from vnpy.trader.engine import BaseEngine, MainEngine
from vnpy.trader.event import EVENT_LOG
from vnpy.trader.object import LogData, OrderRequest

from lianghua_app.i18n import tr
from lianghua_app.storage.models import RiskEventRecord

from .config import RiskConfig, load, parse, save
from .rules import RULES, Check, Flow, request_key

APP_NAME = "RiskManager"
CLOSING = (Offset.CLOSE, Offset.CLOSETODAY, Offset.CLOSEYESTERDAY)


@dataclass(frozen=True)
class RiskRejection:
    time: datetime
    rule: str
    vt_symbol: str
    reason: str


class RiskEngine(BaseEngine):
    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__(main_engine, event_engine, APP_NAME)
        self.path = main_engine.data_dir.root / "risk.json"
        self.config, problems = load(self.path)
        for problem in problems:
            self._warn(problem)
        self.flow = Flow()
        self.lock = threading.Lock()
        self.rejections: deque[RiskRejection] = deque(maxlen=500)
        main_engine.add_guard("risk", self.check)

    def apply(self, raw: dict) -> list[str]:
        """Validate, save and switch to a new configuration; on any error keep the current one
        and return what is wrong."""
        config, errors = parse(raw)
        if errors:
            return errors
        save(self.path, config)
        with self.lock:
            self.config = config
        return []

    def check(self, req: OrderRequest, gateway_name: str) -> str | None:
        clock = monotonic()
        with self.lock:
            config: RiskConfig = self.config
            self.flow.forget(clock)
            check = self._context(req, gateway_name, clock)
            for name, rule in RULES.items():
                if not config.enabled.get(name) or (rule.opening_only and check.closing):
                    continue
                reason = rule.check(check, config.params_for(name, req.vt_symbol, req.reference), self.flow)
                if reason:
                    self._record(name, req, gateway_name, reason)
                    return reason
            self.flow.record(clock, request_key(req))
        return None

    def _context(self, req: OrderRequest, gateway_name: str, clock: float) -> Check:
        engine = self.main_engine
        tick = engine.get_tick(req.vt_symbol)
        contract = engine.get_contract(req.vt_symbol)
        mid = None
        if tick and tick.bid_price_1 > 0 and tick.ask_price_1 > 0:
            mid = (tick.bid_price_1 + tick.ask_price_1) / 2
        net = 0.0
        for direction in (Direction.LONG, Direction.SHORT, Direction.NET):
            position = engine.get_position(f"{gateway_name}.{req.vt_symbol}.{direction.value}")
            if position is not None:
                net += -position.volume if direction == Direction.SHORT else position.volume
        opposite = (req.direction == Direction.LONG and net < 0) or (req.direction == Direction.SHORT and net > 0)
        closing = req.offset in CLOSING or (opposite and req.volume <= abs(net))
        return Check(req, clock, closing, tick.last_price if tick else None, mid, net,
                     contract.size if contract else 1.0, engine.get_all_active_orders())

    def _record(self, rule: str, req: OrderRequest, gateway_name: str, reason: str) -> None:
        now = datetime.now()
        RiskEventRecord.create(created=now, rule=rule, gateway=gateway_name, vt_symbol=req.vt_symbol,
                               reference=req.reference or "", reason=reason)
        self.rejections.appendleft(RiskRejection(now, rule, req.vt_symbol, reason))

    def events(self, day: date) -> list[RiskEventRecord]:
        start = datetime.combine(day, time.min)
        return list(RiskEventRecord.select().where((RiskEventRecord.created >= start)
                                                   & (RiskEventRecord.created < start + timedelta(days=1)))
                    .order_by(RiskEventRecord.created))

    def _warn(self, message: str) -> None:
        self.event_engine.put(Event(EVENT_LOG, LogData(msg=message, gateway_name=tr("风控"), level=WARNING)))
