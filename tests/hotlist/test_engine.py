"""The hotlist in the running app: a scan of SIM's perpetuals on a fresh machine, approvals that
feed and drain the risk manager's whitelist (which then refuses an unapproved symbol), expiry,
skipped overlapping scans, the point-in-time property, and the command line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from vnpy.trader.constant import Direction, Exchange, OrderType, Status
from vnpy.trader.event import EVENT_LOG
from vnpy.trader.object import OrderRequest

from apps.hotlist import decisions, inputs
from apps.hotlist.config import HotlistConfig
from apps.hotlist.engine import EVENT_HOTLIST
from apps.hotlist.ranking import rank_at
from lianghua_app.cli import main
from tests.binance.helpers import collect
from tests.helpers import drain, settle
from tests.hotlist.helpers import universe


@pytest.fixture
def hotlist(engine):
    return engine.get_engine("Hotlist")


def buy(engine, symbol: str, price: float) -> str:
    return engine.send_order(OrderRequest(symbol, Exchange.GLOBAL, Direction.LONG, OrderType.LIMIT, 100.0, price),
                             "SIM")


def test_a_fresh_machine_ranks_sims_perpetuals_and_explains_each_row(engine, sim, hotlist):
    rankings = collect(engine, EVENT_HOTLIST)
    for _ in range(3):
        hotlist.scan("crypto")
    drain(engine)
    ranking = rankings[-1]
    assert ranking.universe >= 55 and 0 < len(ranking.top) <= 20
    assert all("TradFi" not in c.name for c in ranking.top)                       # listed apart
    first = ranking.top[0]
    assert set(first.terms) == {"vol_jump", "turnover", "oi_delta", "funding_z", "regime_shift"}
    assert first.safe_leverage >= 1 and first.score == max(c.score for c in ranking.top)
    assert len(hotlist.score_history("crypto", first.vt_symbol)) == 3


def test_an_approval_feeds_the_whitelist_and_an_unapproved_symbol_is_refused(engine, sim, hotlist):
    risk = engine.get_engine("RiskManager")
    assert hotlist.approve("SOLUSDT.GLOBAL", ["SIM"], 24, "breakout") == []
    refused = buy(engine, "ADAUSDT", 0.5)                              # SIM's universe, never approved
    drain(engine)
    assert engine.get_order(refused).status is Status.REJECTED
    assert "白名单" in engine.get_order(refused).extra["reason"]
    assert "SIM:SOLUSDT.GLOBAL" in risk.config.params["whitelist"]["approved"]
    [decision] = decisions.all_decisions()
    assert (decision.action, decision.gateways, decision.note) == ("approve", ("SIM",), "breakout")
    assert decision.expires - decision.at == timedelta(hours=24) and decision.who
    assert hotlist.revoke("SOLUSDT.GLOBAL") == []
    assert risk.config.params["whitelist"]["approved"] == []


def test_an_expired_approval_removes_itself_and_says_so(engine, sim, hotlist):
    logs = collect(engine, EVENT_LOG)
    hotlist.approve("SOLUSDT.GLOBAL", ["SIM"], 1)
    approval = hotlist.approvals["SOLUSDT.GLOBAL"]
    hotlist.approvals["SOLUSDT.GLOBAL"] = approval.__class__(**{**vars(approval),
                                                              "expires": datetime.now(UTC) - timedelta(seconds=1)})
    assert hotlist.expire_due() == ["SOLUSDT.GLOBAL"]
    settle(engine, lambda: any("到期" in log.msg for log in logs))
    assert engine.get_engine("RiskManager").config.params["whitelist"]["approved"] == []
    assert [d.action for d in decisions.all_decisions()] == ["approve", "expire"]


def test_scans_never_approve_anything(engine, sim, hotlist):
    hotlist.scan("crypto")
    assert decisions.all_decisions() == [] and hotlist.current_approvals() == {}


def test_a_scan_still_running_makes_the_next_one_skip_with_a_log_line(engine, sim, hotlist):
    logs = collect(engine, EVENT_LOG)
    hotlist.scanning["crypto"].acquire()
    try:
        assert hotlist.scan_async("crypto") is False
    finally:
        hotlist.scanning["crypto"].release()
    settle(engine, lambda: any("跳过" in log.msg for log in logs))


def test_data_stored_after_a_moment_never_changes_the_ranking_at_it(data_dir):
    config = HotlistConfig()
    config.raw["crypto"]["filters"]["min_quote_volume"]["on"] = False
    history = universe()
    for snapshot in history[:50]:
        inputs.save_input("crypto", snapshot)
    moment = history[49].time
    before = rank_at("crypto", moment, config)

    def storm(hour, columns):
        columns["quote_volume"] *= 50
        columns["funding_rate"] += 0.01
    for snapshot in universe(change=storm)[50:]:
        inputs.save_input("crypto", snapshot)
    after = rank_at("crypto", moment, config)
    assert np.array_equal(before.scored.score, after.scored.score)
    assert [c.vt_symbol for c in before.top] == [c.vt_symbol for c in after.top]
    assert rank_at("crypto", history[-1].time + timedelta(hours=30), config).time > moment


def test_the_command_line_prints_the_ranking_at_a_past_moment_and_the_approvals(data_dir, capsys):
    for snapshot in universe()[:40]:
        inputs.save_input("crypto", snapshot)
    at = universe()[30].time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M+00:00")
    profile = ["--data-dir", str(data_dir.root.parent), "--profile", data_dir.root.name]
    assert main(["hotlist", *profile, "--market", "crypto", "--at", at]) == 0
    out = capsys.readouterr().out
    assert "加密永续热门（扫描于2026-11-21 14:00" in out and "  1. C" in out and "安全杠杆" in out
    assert "当前审批（0）" in out
    assert main(["hotlist", *profile, "--at", "yesterday"]) == 2


def test_the_ashare_list_ranks_the_whole_market_without_st_shares(engine, hotlist):
    from lianghua_app.bootstrap import connect_sim_gateway
    from lianghua_app.markets import CHINA_TZ

    connect_sim_gateway(engine, autostart=False, whole_market=True)
    sim = engine.gateways["SIM"]
    drain(engine)
    day = datetime(2026, 11, 30, 10, 0, tzinfo=CHINA_TZ)
    for minute in range(3):
        sim.step_market(day + timedelta(minutes=minute))
    drain(engine)
    assert hotlist.apply({"ashare": {"filters": {"min_turnover": {"cny": 1_000_000.0}}}}) == []  # SIM's sizes are small
    ranking = hotlist.scan("ashare")
    assert ranking.universe > 5000 and len(ranking.top) == 30
    assert not any("ST" in c.name for c in ranking.top)
    assert any("ST" in reason for reason in ranking.excluded.values())
    assert all("历史不足" in c.tags for c in ranking.top)                  # no earlier day for 量比 yet
    assert all(np.isfinite(c.terms["sector_strength"]) for c in ranking.top)


SEEN: list = []


def test_a_backtest_sees_the_hotlist_as_it_was_at_each_bar(data_dir):
    from vnpy.trader.constant import Interval
    from vnpy.trader.database import get_database
    from vnpy.trader.object import BarData
    from vnpy_ctastrategy import CtaTemplate

    from apps.backtester.engine import BacktestConfig, run_backtest
    from apps.cta_strategy.api import hot_symbols

    class Watcher(CtaTemplate):
        def on_init(self) -> None:
            pass

        def on_bar(self, bar) -> None:
            SEEN.append((bar.datetime, hot_symbols(self)))

    history = universe()
    for snapshot in history[:60]:                                      # scans up to hour 59 only
        inputs.save_input("crypto", snapshot)
    bars = [BarData(gateway_name="DB", symbol="C07USDT", exchange=Exchange.GLOBAL, interval=Interval.HOUR,
                    datetime=history[0].time + timedelta(hours=h, minutes=30), open_price=100, high_price=101,
                    low_price=99, close_price=100, volume=10) for h in range(40, 75)]
    get_database().save_bar_data(bars)
    SEEN.clear()
    config = BacktestConfig("Watcher", "C07USDT.GLOBAL", Interval.HOUR, bars[0].datetime, bars[-1].datetime,
                            rules="none")
    run_backtest(config, {"Watcher": Watcher})
    assert len(SEEN) > 20
    hotlist_config = HotlistConfig()
    for moment, symbols in SEEN[::7]:
        scan = max(s.time for s in history[:60] if s.time <= moment)
        assert symbols == [c.vt_symbol for c in rank_at("crypto", scan, hotlist_config).top]
    assert SEEN[-1][1] == [c.vt_symbol for c in rank_at("crypto", history[59].time, hotlist_config).top]


def test_scans_are_scheduled_hourly_for_crypto_and_every_five_minutes_for_ashares(engine, hotlist):
    jobs = {job.id: job for job in engine.scheduler.scheduler.get_jobs()}
    assert jobs["hotlist.crypto"].trigger.interval == timedelta(hours=1)
    first = getattr(jobs["hotlist.crypto"], "next_run_time", None)
    assert first is not None and first <= datetime.now(UTC) + timedelta(minutes=2)      # not an hour after start
    assert jobs["hotlist.ashare"].trigger.interval == timedelta(minutes=5)
    assert jobs["hotlist.expiry"].trigger.interval <= timedelta(minutes=1)


def test_an_approval_from_a_background_thread_is_refused(engine, sim, hotlist):
    import threading

    answers = []
    worker = threading.Thread(target=lambda: answers.append(hotlist.approve("SOLUSDT.GLOBAL", ["SIM"], 24)),
                              name="strategy-runner")
    worker.start()
    worker.join()
    assert "界面" in answers[0][0] and "strategy-runner" in answers[0][0]
    assert hotlist.current_approvals() == {} and decisions.all_decisions() == []


def test_an_approved_perpetual_of_sims_universe_streams_quotes_and_trades(engine, sim, hotlist):
    from vnpy.trader.object import SubscribeRequest

    assert hotlist.approve("SOLUSDT.GLOBAL", ["SIM"], 24) == []
    engine.subscribe(SubscribeRequest("SOLUSDT", Exchange.GLOBAL), "SIM")
    sim.step()
    drain(engine)
    tick = engine.get_tick("SOLUSDT.GLOBAL")
    assert tick is not None and 0 < tick.bid_price_1 < tick.ask_price_1 and tick.extra["funding_rate"]
    step = sim.perpetuals.step_qty[sim.perpetuals.symbols.index("SOLUSDT")]
    bought = engine.send_order(OrderRequest("SOLUSDT", Exchange.GLOBAL, Direction.LONG, OrderType.MARKET, step * 2,
                                            0.0), "SIM")
    drain(engine)
    assert engine.get_order(bought).status is Status.ALLTRADED
    assert engine.get_order(bought).traded == pytest.approx(step * 2)


def test_a_changed_scan_interval_takes_effect_without_a_restart(engine, hotlist):
    def interval(job_id: str) -> float:
        return engine.scheduler.scheduler.get_job(job_id).trigger.interval.total_seconds()

    engine.scheduler.start()                                             # as the window starts it
    assert interval("hotlist.crypto") == 60 * 60
    raw = hotlist.config.to_dict()
    raw["crypto"]["every_minutes"] = 15
    assert hotlist.apply(raw) == []
    assert interval("hotlist.crypto") == 15 * 60


def test_an_approval_removed_from_the_risk_table_is_revoked_and_said(engine, hotlist):
    assert hotlist.approve("SOLUSDT.GLOBAL", ["SIM"], 24) == []
    assert hotlist.approve("ETHUSDT.GLOBAL", ["SIM"], 24) == []
    risk = engine.get_engine("RiskManager")
    raw = risk.config.to_dict()
    raw["params"]["whitelist"]["approved"] = ["SIM:ETHUSDT.GLOBAL", "SIM:DOGEUSDT.GLOBAL"]   # risk.json edited by hand
    assert risk.apply(raw) == []
    logs = collect(engine, EVENT_LOG)
    hotlist.match_whitelist()                                  # what a start does
    drain(engine)
    assert set(hotlist.current_approvals()) == {"ETHUSDT.GLOBAL"}
    assert (decisions.all_decisions()[-1].vt_symbol, decisions.all_decisions()[-1].action) == \
        ("SOLUSDT.GLOBAL", "revoke")
    assert any("SOLUSDT.GLOBAL的审批在风控白名单中已被移除" in log.msg for log in logs)
    assert any("SIM:DOGEUSDT.GLOBAL没有审批记录" in log.msg for log in logs)
