"""The hotlist's headless side: scans on a schedule (one at a time per market, off the GUI
thread, with progress), stores each scan's inputs and scores, and keeps the approvals: a
person's 批准 puts a symbol on the risk manager's whitelist for the chosen gateways until it
expires or is revoked. No job, strategy or command approves; only `approve`, which the dock
calls when a person clicks."""

from __future__ import annotations

import getpass
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from vnpy.event import Event, EventEngine
from vnpy.trader.engine import BaseEngine, MainEngine
from vnpy.trader.event import EVENT_LOG
from vnpy.trader.object import LogData

from lianghua_app import formatting
from lianghua_app.events import EVENT_MARKET_SNAPSHOT, MarketSnapshot
from lianghua_app.i18n import tr
from lianghua_app.json_config import apply_config
from lianghua_app.markets import CHINA_TZ, ashare
from lianghua_app.quotes import CRYPTO_COLUMNS, CryptoFrame, QuoteFrame

from . import decisions, inputs
from .config import MARKETS, load, market_label, parse
from .decisions import Decision
from .ranking import Context, Ranking, rank_at
from .scoring import Snapshot

APP_NAME = "Hotlist"
EVENT_HOTLIST = "eLhHotlist"                    # data: Ranking
EVENT_HOTLIST_PROGRESS = "eLhHotlistProgress"   # data: ScanProgress
EVENT_HOTLIST_APPROVALS = "eLhHotlistApprovals"  # data: dict vt_symbol -> Decision (current approvals)
ASHARE_COLUMNS = ("last", "volume", "turnover", "pre_close", "limit_up")
FIRST_SCAN_SECONDS = 60          # the first crypto scan: once the gateways have had time to connect


@dataclass(frozen=True)
class ScanProgress:
    market: str
    done: int
    total: int
    label: str


class HotlistEngine(BaseEngine):
    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__(main_engine, event_engine, APP_NAME)
        self.path = main_engine.data_dir.root / "hotlist.json"
        self.config, problems = load(self.path)
        for problem in problems:
            self.warn(problem)
        self.rankings: dict[str, Ranking] = {}
        self.scanning = {market: threading.Lock() for market in MARKETS}
        self.lock = threading.Lock()
        self.ashare_frame: QuoteFrame | None = None
        self.approvals: dict[str, Decision] = decisions.current(decisions.all_decisions())
        event_engine.register(EVENT_MARKET_SNAPSHOT, self.on_snapshot)
        self._schedule(first_in=FIRST_SCAN_SECONDS)
        self.match_whitelist()
        self.expire_due()

    def match_whitelist(self) -> None:
        """At start, the approvals against what the risk manager enforces (risk.json may have been
        edited by hand): an approval whose entries left the whitelist is revoked and said so; an
        approved entry with no approval on record is said, and left to the person who put it there."""
        risk = self.main_engine.get_engine("RiskManager")
        if risk is None:
            return
        enforced = set(risk.config.to_dict()["params"]["whitelist"].get("approved", []))
        for vt_symbol, approval in list(self.approvals.items()):
            missing = [g for g in approval.gateways if f"{g}:{vt_symbol}" not in enforced]
            if missing:
                self.warn(tr("{symbol}的审批在风控白名单中已被移除（{gateways}），审批随之撤销", symbol=vt_symbol,
                             gateways="、".join(missing)))
                self.revoke(vt_symbol, "revoke")
        recorded = {f"{g}:{s}" for s, d in self.approvals.items() for g in d.gateways}
        for entry in sorted(enforced - recorded):
            self.warn(tr("风控白名单中的{entry}没有审批记录（可能是手工加入）", entry=entry))

    def _schedule(self, first_in: float | None = None) -> None:
        """The scans at the configured intervals (again after a change: no restart needed)."""
        scheduler = getattr(self.main_engine, "scheduler", None)
        if scheduler is None:
            return
        scheduler.every(self.config.market("crypto")["every_minutes"] * 60, lambda: self.scan_async("crypto"),
                        "hotlist.crypto", first_in=first_in)
        scheduler.every(self.config.market("ashare")["every_minutes"] * 60, self._ashare_job, "hotlist.ashare")
        scheduler.every(30, self.expire_due, "hotlist.expiry")

    # --- configuration ---------------------------------------------------------------------
    def apply(self, raw: dict) -> list[str]:
        config, errors = apply_config(self.path, raw, parse)
        if config is not None:
            self.config = config
            self._schedule()
        return errors

    # --- inputs ------------------------------------------------------------------------------
    def on_snapshot(self, event: Event) -> None:
        snapshot: MarketSnapshot = event.data
        self.ashare_frame = snapshot.frame

    def _crypto_frame(self) -> CryptoFrame | None:
        """Binance's universe when it is connected, else SIM's."""
        for name in sorted(self.main_engine.gateways, key=lambda n: n != "BINANCE"):
            gateway = self.main_engine.gateways[name]
            take = getattr(gateway, "crypto_snapshot", None)
            frame = take() if take is not None else None
            if frame is not None and len(frame):
                return frame
        return None

    def capture(self, market: str) -> Snapshot | None:
        """This moment's inputs for `market`, as they will be stored; None when no gateway has any."""
        if market == "crypto":
            frame = self._crypto_frame()
            if frame is None:
                return None
            columns = {name: getattr(frame, name).astype(np.float64) for name in CRYPTO_COLUMNS}
            columns["tradfi"] = frame.tradfi.astype(np.float64)
            return Snapshot(frame.time.astimezone(UTC), list(frame.vt_symbols), columns)
        frame = self.ashare_frame
        if frame is None or not len(frame):
            return None
        return Snapshot(frame.time.astimezone(UTC), list(frame.vt_symbols),
                        {name: getattr(frame, name).astype(np.float64) for name in ASHARE_COLUMNS})

    # --- scans ---------------------------------------------------------------------------------
    def _ashare_job(self) -> None:
        if ashare.is_trading_time(datetime.now(CHINA_TZ)):
            self.scan_async("ashare")

    def scan_async(self, market: str) -> bool:
        """Start a scan in its own thread; a scan of the same market still running means this
        one is skipped (with a log line), never stacked."""
        guard = self.scanning[market]
        if not guard.acquire(blocking=False):
            self.warn(tr("上一轮{market}热门扫描尚未结束，本轮跳过", market=market_label(market)))
            return False
        threading.Thread(target=self._scan_and_release, args=(market, guard), name=f"hotlist-{market}",
                         daemon=True).start()
        return True

    def _scan_and_release(self, market: str, guard: threading.Lock) -> None:
        try:
            self.scan(market)
        except Exception as error:              # a scan must never die silently
            self.warn(tr("{market}热门扫描失败：{error}", market=market_label(market), error=error))
        finally:
            guard.release()

    def scan(self, market: str) -> Ranking:
        """Blocking: capture, store, rank at the captured moment, store the scores, publish."""
        self._progress(market, 0, tr("读取行情"))
        snapshot = self.capture(market)
        if snapshot is None:
            ranking = Ranking(market, None, message=tr("没有{market}行情可供扫描：请先连接接口（模拟盘也可）",
                                                          market=market_label(market)))
        else:
            self._progress(market, 1, tr("保存输入"))
            inputs.save_input(market, snapshot)
            self._progress(market, 2, tr("计算评分"))
            ranking = rank_at(market, snapshot.time, self.config, self.context(market))
            if ranking.scored is not None:
                inputs.save_scores(market, snapshot.time, ranking.scored.vt_symbols, ranking.scored.score,
                                   [c.vt_symbol for c in ranking.top])
            inputs.forget_before(snapshot.time - timedelta(days=self.config.raw["retention_days"]))
        self.rankings[market] = ranking
        self._progress(market, 3, ranking.message or tr("完成"))
        self.event_engine.put(Event(EVENT_HOTLIST, ranking))
        if ranking.message:
            self.warn(ranking.message)
        return ranking

    def context(self, market: str) -> Context:
        held = {p.vt_symbol for p in self.main_engine.get_all_positions() if p.volume}
        context = Context(held=held)
        for contract in self.main_engine.get_all_contracts():
            extra = contract.extra or {}
            context.names[contract.vt_symbol] = contract.name
            if extra.get("sector"):
                context.sectors[contract.vt_symbol] = extra["sector"]
            brackets = extra.get("brackets") or []
            if brackets:
                context.maintenance[contract.vt_symbol] = float(brackets[0].get("maintMarginRatio", 0.004))
            spec = extra.get("spec")
            if spec is not None:
                context.max_leverage[contract.vt_symbol] = spec.max_leverage
        return context

    def _progress(self, market: str, done: int, label: str) -> None:
        self.event_engine.put(Event(EVENT_HOTLIST_PROGRESS, ScanProgress(market, done, 3, label)))

    # --- approvals: a person's act only ---------------------------------------------------------
    def approve(self, vt_symbol: str, gateways: list[str], hours: float, note: str = "") -> list[str]:
        """Whitelist `vt_symbol` on `gateways` for `hours`; what went wrong, or []. Only from the
        GUI thread, where a person clicks: strategies, jobs and gateways run on other threads."""
        if threading.current_thread() is not threading.main_thread():
            refusal = tr("审批只能由人在界面上完成：来自后台线程“{thread}”的审批{symbol}已拒绝",
                         thread=threading.current_thread().name, symbol=vt_symbol)
            self.warn(refusal)
            return [refusal]
        if not gateways:
            return [tr("请至少选择一个接口")]
        if not hours > 0:
            return [tr("有效期须大于0小时")]
        risk = self.main_engine.get_engine("RiskManager")
        if risk is None:
            return [tr("风控未加载，无法审批")]
        now = datetime.now(UTC)
        candidate = self._candidate(vt_symbol)
        decision = Decision(vt_symbol, "approve", tuple(gateways), getpass.getuser(), now, now + timedelta(hours=hours),
                            note, decisions.snapshot_text(candidate))
        previous = self.approvals.get(vt_symbol)
        if previous is not None and set(previous.gateways) - set(gateways):
            risk.set_whitelisted(vt_symbol, False, sorted(set(previous.gateways) - set(gateways)))
        errors = risk.set_whitelisted(vt_symbol, True, gateways)
        if errors:
            return errors
        decisions.record(decision)
        with self.lock:
            self.approvals[vt_symbol] = decision
        self.warn(tr("{who}批准{symbol}在{gateways}交易，至{expires}", who=decision.who, symbol=vt_symbol,
                     gateways="、".join(gateways), expires=formatting.minute(decision.expires)))
        self._publish_approvals()
        return []

    def revoke(self, vt_symbol: str, action: str = "revoke") -> list[str]:
        with self.lock:
            approval = self.approvals.pop(vt_symbol, None)
        if approval is None:
            return [tr("{symbol}没有生效的审批", symbol=vt_symbol)]
        risk = self.main_engine.get_engine("RiskManager")
        errors = risk.set_whitelisted(vt_symbol, False, list(approval.gateways)) if risk else []
        decisions.record(Decision(vt_symbol, action, approval.gateways, getpass.getuser() if action == "revoke"
                                  else "system", datetime.now(UTC)))
        self.warn(tr("{symbol}的审批已到期，已移出白名单（{gateways}）", symbol=vt_symbol,
                     gateways="、".join(approval.gateways)) if action == "expire" else
                  tr("已撤销{symbol}的审批，已移出白名单（{gateways}）", symbol=vt_symbol,
                     gateways="、".join(approval.gateways)))
        self._publish_approvals()
        return errors

    def expire_due(self) -> list[str]:
        now = datetime.now(UTC)
        with self.lock:
            due = [s for s, d in self.approvals.items() if d.expires is not None and d.expires <= now]
        for vt_symbol in due:
            self.revoke(vt_symbol, "expire")
        return due

    def current_approvals(self) -> dict[str, Decision]:
        with self.lock:
            return dict(self.approvals)

    def _candidate(self, vt_symbol: str):
        for ranking in self.rankings.values():
            for candidate in ranking.top:
                if candidate.vt_symbol == vt_symbol:
                    return candidate
        return None

    def _publish_approvals(self) -> None:
        self.event_engine.put(Event(EVENT_HOTLIST_APPROVALS, self.current_approvals()))

    # --- for the dock ------------------------------------------------------------------------
    def score_history(self, market: str, vt_symbol: str) -> list[tuple[datetime, float]]:
        return inputs.score_history(market, vt_symbol)

    def warn(self, message: str) -> None:
        self.event_engine.put(Event(EVENT_LOG, LogData(msg=message, gateway_name=tr("热门"))))

    def close(self) -> None:
        self.event_engine.unregister(EVENT_MARKET_SNAPSHOT, self.on_snapshot)

