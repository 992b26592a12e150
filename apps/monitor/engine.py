"""The monitor's headless side: whole-market snapshots and the tick stream go through the
anomaly detector; alerts are de-duplicated, stored and pushed; the tables are computed on
request from the same state. Sectors come from the gateways' contracts or the profile's CSV,
watchlists from the database."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta
from logging import WARNING
from pathlib import Path
from time import monotonic

from vnpy.event import Event, EventEngine
from vnpy.trader.engine import BaseEngine, MainEngine
from vnpy.trader.event import EVENT_CONTRACT, EVENT_LOG, EVENT_TICK, EVENT_TIMER
from vnpy.trader.object import LogData, TickData

from lianghua_app.events import (
    EVENT_GATEWAY_STATUS,
    EVENT_LEVEL2_TRADES,
    EVENT_MARKET_SNAPSHOT,
    EVENT_MONITOR_ALERTS,
)
from lianghua_app.i18n import tr
from lianghua_app.json_config import apply_config
from lianghua_app.markets import CHINA_TZ
from lianghua_app.notify import Notifier, channels_from_settings
from lianghua_app.quotes import QuoteFrame
from lianghua_app.secrets import SecretStoreError, get_secret
from lianghua_app.sectors import adopt_sector_csv

from . import watchlists
from .alerts import Alert, AlertCenter, recent_alerts
from .boards import MarketView, Rotation, market_view
from .config import MonitorConfig, load, parse
from .detector import Detector, Signal
from .reference import load_references

APP_NAME = "Monitor"
FLUSH_TICKS = 4096          # ticks gathered before they go through the detector as one frame
FLUSH_SECONDS = 0.25        # ... or this long after the first of them arrived


class MonitorEngine(BaseEngine):
    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__(main_engine, event_engine, APP_NAME)
        root = main_engine.data_dir.root
        self.path, self.sectors_path = root / "monitor.json", root / "sectors.csv"
        self.config, problems = load(self.path)
        self.lock = threading.RLock()
        self.detector = Detector(self.config)
        self.pending: list[TickData] = []
        self.pending_since = 0.0
        self.pending_minute: tuple | None = None
        self.contract_sectors: dict[str, str] = {}
        self.csv_sectors: dict[str, str] = {}
        self.sectors: dict[str, list[str]] | None = None       # built when asked, dropped on change
        self.watchlists = watchlists.all_watchlists()
        self.rotation = Rotation()
        self.alerts = deque(recent_alerts(), maxlen=2000)
        self.notifier = self._notifier(main_engine)
        self.center = AlertCenter(self.config.cooldown_seconds, self.notifier)
        self.changes = 0
        self.cached: tuple[int, int, MarketView] | None = None
        self.reference_day = None
        self.rotation_minute: int | None = None
        for problem in problems:
            self.warn(problem)
        if self.sectors_path.exists():
            self.load_sectors(self.sectors_path, keep=False)
        self._apply_scope()
        for kind, handler in ((EVENT_MARKET_SNAPSHOT, self.on_snapshot), (EVENT_TICK, self.on_tick),
                              (EVENT_LEVEL2_TRADES, self.on_level2), (EVENT_TIMER, self.on_timer),
                              (EVENT_CONTRACT, self.on_contract), (EVENT_GATEWAY_STATUS, self.on_gateway_status)):
            event_engine.register(kind, handler)

    def _notifier(self, main_engine: MainEngine) -> Notifier:
        settings, profile = main_engine.settings, main_engine.data_dir.root.name
        try:
            channels, problems = channels_from_settings(settings, lambda key: get_secret(profile, key))
        except SecretStoreError as error:
            channels, problems = [], [str(error)]
        for problem in problems:
            self.warn(problem)
        return Notifier(channels, self._delivered, settings["notify.throttle_seconds"], settings["notify.retries"])

    def _delivered(self, channel: str, ids: list[int], status: str, attempts: int, error: str) -> None:
        AlertCenter.record_delivery(channel, ids, status, attempts, error)
        if status != "sent":
            self.warn(tr("预警推送到{channel}失败（第{attempts}次）：{error}{tail}", channel=channel, attempts=attempts,
                         error=error, tail=tr("，稍后重试") if status == "retrying" else tr("，已放弃")))

    def warn(self, message: str) -> None:
        self.event_engine.put(Event(EVENT_LOG, LogData(msg=message, gateway_name=APP_NAME, level=WARNING)))

    # --- configuration ---------------------------------------------------------------------
    def apply(self, raw: dict) -> list[str]:
        """Validate, save and switch; on any error the current configuration stays."""
        config, errors = apply_config(self.path, raw, self._parse)
        if config is None:
            return errors
        with self.lock:
            self.config = config
            self.detector.configure(config)
            self.center.cooldown = timedelta(seconds=config.cooldown_seconds)
            self._apply_scope()
        return []

    def _parse(self, raw: dict) -> tuple[MonitorConfig | None, list[str]]:
        """The configuration, if every watchlist it names exists."""
        config, errors = parse(raw)
        unknown = [name for name in config.watchlists if name not in self.watchlists] if config else []
        if unknown:
            return None, [tr("没有名为 {names} 的自选股列表", names="、".join(unknown))]
        return config, errors

    def _apply_scope(self) -> None:
        chosen = self.config.watchlists
        scope = self._members(chosen) if chosen else None
        with self.lock:
            self.detector.set_scope(scope)
            self.changes += 1
        for name in self.main_engine.get_all_gateway_names():
            self._request_level2(self.main_engine.get_gateway(name))

    def level2_symbols(self) -> list[str]:
        """Level-2 prints come per code (QMT has no whole-market Level-2), so the big-order rule
        watches the chosen watchlists, or every watchlist while the whole market is watched."""
        return sorted(self._members(self.config.watchlists or list(self.watchlists)))

    def _members(self, names: list[str]) -> set[str]:
        return {vt_symbol for name in names for vt_symbol, _ in self.watchlists.get(name, [])}

    def _request_level2(self, gateway: object) -> None:
        """The gateway's Level-2 list follows the rule: switching big orders off empties it."""
        if hasattr(gateway, "subscribe_level2"):
            gateway.subscribe_level2(self.level2_symbols() if self.config.enabled.get("big_order") else [])

    # --- market data -------------------------------------------------------------------------
    def on_gateway_status(self, event: Event) -> None:
        """Whole-market quotes from every gateway that offers them (QMT, SIM)."""
        status = event.data
        gateway = self.main_engine.get_gateway(status.gateway_name)
        if status.connected and not status.busy:
            if hasattr(gateway, "subscribe_whole_market"):
                gateway.subscribe_whole_market()
            self._request_level2(gateway)

    def on_snapshot(self, event: Event) -> None:
        with self.lock:
            self._flush()
        self.process_frame(event.data.frame)

    def on_tick(self, event: Event) -> None:
        tick: TickData = event.data
        minute = (tick.datetime.date(), tick.datetime.hour, tick.datetime.minute)
        with self.lock:
            if self.pending and minute != self.pending_minute:
                self._flush()           # one frame never spans two minutes
            if not self.pending:
                self.pending_since, self.pending_minute = monotonic(), minute
            self.pending.append(tick)
            if len(self.pending) >= FLUSH_TICKS or monotonic() - self.pending_since >= FLUSH_SECONDS:
                self._flush()

    def on_level2(self, event: Event) -> None:
        with self.lock:
            self._publish(self.detector.process_level2(event.data.trades))

    def on_timer(self, event: Event) -> None:
        with self.lock:
            self._flush()
            new_minute = self.detector.minute != self.rotation_minute
            self.rotation_minute = self.detector.minute
        if new_minute:
            self.view()     # samples the sectors for the rotation table even while no dock is open
        today = datetime.now(CHINA_TZ).date()
        if self.reference_day != today:
            self.reference_day = today
            threading.Thread(target=self._load_references, args=(today,), name="monitor-reference",
                             daemon=True).start()

    def _flush(self) -> None:
        if self.pending:
            frame = QuoteFrame.from_ticks(self.pending)
            self.pending = []
            self._publish(self.detector.process(frame))

    def _publish(self, signals: list[Signal]) -> list[Alert]:
        self.changes += 1
        if not signals:
            return []
        alerts = self.center.accept(signals, self.config.push)
        if alerts:
            self.alerts.extend(alerts)
            self.event_engine.put(Event(EVENT_MONITOR_ALERTS, alerts))
        return alerts

    def process_frame(self, frame: QuoteFrame) -> list[Alert]:
        """Run one frame through the rules now and return the alerts it raised."""
        with self.lock:
            return self._publish(self.detector.process(frame))

    def _load_references(self, today) -> None:
        params = self.config.params
        count = 0
        try:
            for reference in load_references(today, int(params["new_high"]["days"]), int(params["new_low"]["days"])):
                with self.lock:
                    self.detector.set_reference(reference.vt_symbol, reference.high, reference.low, reference.profile)
                count += 1
        except Exception as error:     # a broken database must not stop the monitor
            self.warn(tr("读取历史K线失败（新高新低、同时段放量规则暂不可用）：{error}", error=error))
            return
        if count:
            self.main_engine.write_log(tr("监控：已从数据库读取{count}只股票的历史K线", count=count), source=APP_NAME)

    # --- sectors and watchlists ------------------------------------------------------------------
    def on_contract(self, event: Event) -> None:
        sector = (event.data.extra or {}).get("sector")
        if sector:
            with self.lock:
                self.contract_sectors[event.data.vt_symbol] = sector
                self.detector.add(event.data.vt_symbol, event.data.name)
                self.sectors = None

    def load_sectors(self, path: Path, keep: bool = True) -> str | None:
        """Use a sector CSV (kept in the profile, shared with the risk manager); the reason when
        it is unusable."""
        return adopt_sector_csv(path, self.sectors_path, keep, self._use_sectors, self.warn)

    def _use_sectors(self, sectors: dict[str, str]) -> None:
        with self.lock:
            self.csv_sectors, self.sectors = sectors, None

    def sector_members(self) -> dict[str, list[str]]:
        """Industry -> members: the CSV's word where it has one, the gateway's otherwise."""
        with self.lock:
            if self.sectors is None:
                grouped: dict[str, list[str]] = {}
                csv_sectors = self.csv_sectors
                for vt_symbol in self.detector.universe.symbols:
                    sector = csv_sectors.get(vt_symbol.split(".")[0]) or self.contract_sectors.get(vt_symbol)
                    if sector:
                        grouped.setdefault(sector, []).append(vt_symbol)
                self.sectors = grouped
            return self.sectors

    def save_watchlist(self, name: str, members: list[tuple[str, str]]) -> None:
        watchlists.save(name, members)
        self._reload_watchlists()

    def delete_watchlist(self, name: str) -> None:
        watchlists.delete(name)
        self._reload_watchlists()

    def import_watchlist(self, path: Path, name: str) -> int:
        members = watchlists.read_csv(path)
        self.save_watchlist(name, members)
        return len(members)

    def export_watchlist(self, name: str, path: Path) -> None:
        names = dict(zip(self.detector.universe.symbols, self.detector.universe.names, strict=True))
        watchlists.write_csv(path, self.watchlists.get(name, []), names)

    def _reload_watchlists(self) -> None:
        with self.lock:
            self.watchlists = watchlists.all_watchlists()
        self._apply_scope()

    def watchlist_names(self) -> list[str]:
        with self.lock:
            return list(self.watchlists)

    def watchlist_members(self, name: str) -> list[tuple[str, str, str]]:
        """(vt_symbol, name, note) of one watchlist; the name from the whole market where known."""
        with self.lock:
            universe = self.detector.universe
            names = dict(zip(universe.symbols, universe.names, strict=True))
            return [(symbol, names.get(symbol, ""), note) for symbol, note in self.watchlists.get(name, [])]

    def rotation_ranks(self, every_minutes: int = 30):
        """The sectors' ranks at the day's checkpoints (see boards.Rotation.ranks)."""
        with self.lock:
            return self.rotation.ranks(every_minutes)

    def alert_list(self) -> list:
        with self.lock:
            return list(self.alerts)

    # --- views -------------------------------------------------------------------------------------
    def view(self, count: int = 50) -> MarketView:
        """The tables, recomputed only when something changed since the last call."""
        industries = self.sector_members()
        with self.lock:
            if self.cached and self.cached[:2] == (self.changes, count):
                return self.cached[2]
            groups = {**industries, **{n: [s for s, _ in m] for n, m in self.watchlists.items()}}
            view = market_view(self.detector, groups, set(self.watchlists), count)
            if view.time:
                self.rotation.record(view.time, view.sectors)
            self.cached = (self.changes, count, view)
            return view

    def close(self) -> None:
        self.notifier.close()
