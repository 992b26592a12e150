"""Protective exits and flattening: watch each open position and say when one must be closed
and with which order; the risk engine sends it through the same pipeline every order takes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from time import monotonic
from typing import TYPE_CHECKING

from vnpy.trader.constant import Direction, Interval
from vnpy.trader.database import get_database
from vnpy.trader.object import OrderData, OrderRequest, PositionData, TickData

from lianghua_app.formatting import quantity as number
from lianghua_app.i18n import tr

from .exits import Bars, Watch, closing_order, exit_reason, needs_atr

if TYPE_CHECKING:
    from .engine import RiskEngine

REFERENCE = "RiskManager"
RETRY_SECONDS = 5.0
HISTORY = {"1m": (Interval.MINUTE, timedelta(days=5)), "d": (Interval.DAILY, timedelta(days=200))}


@dataclass(frozen=True)
class ClosePosition:
    vt_positionid: str
    reason: str
    rule: str           # "protective_exit" or "flatten"


class Protection:
    def __init__(self, risk: RiskEngine) -> None:
        self.risk = risk
        self.watches: dict[str, Watch] = {}              # vt_positionid -> watch
        self.by_symbol: dict[str, set[str]] = {}
        self.bars: dict[tuple[str, str], Bars] = {}      # (vt_symbol, interval) -> recent bars

    def on_position(self, position: PositionData) -> None:
        key = position.vt_positionid
        if not position.volume:
            self.watches.pop(key, None)
            self.by_symbol.get(position.vt_symbol, set()).discard(key)
            return
        long = position.direction is Direction.LONG or (position.direction is Direction.NET and position.volume > 0)
        watch = self.watches.get(key)
        if watch is None or watch.long != long:
            self.watches[key] = Watch(long, position.price, position.price)
            self.by_symbol.setdefault(position.vt_symbol, set()).add(key)
        else:
            watch.entry = position.price or watch.entry

    def on_tick(self, tick: TickData) -> list[ClosePosition]:
        bars = self.bars.get((tick.vt_symbol, "1m"))
        if bars is not None:
            bars.on_tick(tick)
        keys = self.by_symbol.get(tick.vt_symbol)
        if not keys or not self.risk.config.enabled["protective_exit"] or not tick.last_price:
            return []
        p = self.risk.config.params_for("protective_exit", tick.vt_symbol, "")
        closes = []
        for key in list(keys):
            watch = self.watches[key]
            watch.see(tick.last_price)
            if watch.pending or monotonic() < watch.retry_after:
                continue
            atr = self._bars(tick, p["atr_interval"]).atr(p["atr_window"]) if needs_atr(p) else None
            reason = exit_reason(watch, p, tick.last_price, atr)
            if reason:
                closes.append(ClosePosition(key, reason, "protective_exit"))
        return closes

    def on_order(self, order: OrderData) -> None:
        if order.reference != REFERENCE or order.is_active():
            return
        for watch in self.watches.values():
            if watch.pending == order.vt_orderid:
                watch.pending = ""
                if order.traded < order.volume:
                    watch.retry_after = monotonic() + RETRY_SECONDS

    def flatten(self, gateway_name: str, why: str) -> list[ClosePosition]:
        return [ClosePosition(position.vt_positionid, tr("熔断平仓：{why}", why=why), "flatten")
                for position in self.risk.main_engine.get_all_positions()
                if position.gateway_name == gateway_name and position.volume]

    def exit_order(self, close: ClosePosition) -> tuple[OrderRequest | None, str]:
        """The order that carries out `close` and the words for it; or no order and why not
        (said once per reason, "" when there is nothing to say or do)."""
        engine = self.risk.main_engine
        position = engine.get_position(close.vt_positionid)
        if position is None or not position.volume:
            return None, ""
        watch = self.watches.setdefault(close.vt_positionid, Watch(position.volume > 0, position.price,
                                                                    position.price))
        if watch.pending:
            return None, ""
        req = closing_order(position, engine.get_contract(position.vt_symbol), engine.get_tick(position.vt_symbol),
                            engine.sellable_volume(position.vt_symbol, position.gateway_name), REFERENCE)
        if isinstance(req, str):
            watch.retry_after = monotonic() + RETRY_SECONDS
            if watch.told == req:
                return None, ""
            watch.told = req
            return None, tr("{reason}；但{why}", reason=close.reason, why=req)
        return req, tr("{reason} → 平仓 {direction} {volume}@{price}", reason=close.reason,
                       direction=req.direction.value, volume=number(req.volume), price=req.price)

    def exit_sent(self, vt_positionid: str, vt_orderid: str) -> None:
        self.watches[vt_positionid].pending = vt_orderid

    def _bars(self, tick: TickData, interval: str) -> Bars:
        """The bars stored before this tick, then (for 1m) completed from live ticks."""
        bars = self.bars.get((tick.vt_symbol, interval))
        if bars is None:
            kind, span = HISTORY[interval]
            stored = get_database().load_bar_data(tick.symbol, tick.exchange, kind, tick.datetime - span, tick.datetime)
            bars = self.bars[(tick.vt_symbol, interval)] = Bars(stored)
        return bars
