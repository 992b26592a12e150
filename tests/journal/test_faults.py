"""Faults with real processes and real SQLite: kills at the worst moment, a second instance,
handlers that raise, a journal that cannot write, malformed orders."""

from __future__ import annotations

import math
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from vnpy.event import Event
from vnpy.trader.constant import Direction, Exchange, Status
from vnpy.trader.event import EVENT_LOG, EVENT_TICK, EVENT_TRADE
from vnpy.trader.object import TradeData

from lianghua_app.bootstrap import build_engine, connect_sim_gateway
from lianghua_app.paths import ProfileUnusable
from lianghua_app.profile_lock import ProfileInUse
from lianghua_app.settings import Settings, validate
from lianghua_app.storage.models import OrderRecord, OrderRequestRecord, TradeRecord
from tests.helpers import PINGAN, PROJECT, QMT_ACCOUNT, drain, order, quote, settle, wait_until

CHILD = Path(__file__).with_name("crash_child.py")
CAPITAL = Settings()["sim.capital_cny"]


def run_child(profile: Path, script: str, *args: str) -> list[str]:
    """Run a crash script to its death and return what it printed."""
    done = subprocess.run([sys.executable, str(CHILD), str(profile), script, *args], capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode != 0, "the child was meant to die"
    return done.stdout.splitlines()


def hold_profile(data_dir) -> subprocess.Popen:
    """A workstation in another process that holds the profile until it is killed."""
    holder = subprocess.Popen([sys.executable, str(CHILD), str(data_dir.root), "hold_profile"],
                              stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    for line in holder.stdout:
        if line.startswith("READY"):
            return holder
    raise AssertionError(f"the holder ended with {holder.wait()}")


def restart(data_dir, settings: Settings | None = None):
    engine = build_engine(data_dir, settings or Settings(), connect_sim=False)
    connect_sim_gateway(engine, autostart=False, whole_market=False)
    drain(engine)
    return engine


def send(engine, req, gateway: str = "SIM"):
    """The order as shown after the pipeline handled it."""
    vt_orderid = engine.send_order(req, gateway)
    drain(engine)
    return engine.get_order(vt_orderid)


def logged(engine) -> list[str]:
    lines: list[str] = []
    engine.event_engine.register(EVENT_LOG, lambda event: lines.append(event.data.msg))
    return lines


# --- kills --------------------------------------------------------------------------------------
def test_a_kill_while_fills_race_leaves_the_account_equal_to_the_journal(data_dir):
    printed = run_child(data_dir.root, "race_then_kill", "150")
    shown = [line.split()[1] for line in printed if line.startswith("TRADE")]
    last_position = [float(line.split()[1]) for line in printed if line.startswith("POSITION")][-1]
    assert len(shown) == 150

    engine = restart(data_dir)
    try:
        journaled = {t.vt_tradeid: t.volume for t in TradeRecord.select()}
        assert set(shown) <= set(journaled), "a trade the user saw is not in the journal"
        held = engine.gateways["SIM"].venue.ledger.stock(PINGAN).volume
        assert held == sum(journaled.values()), "the account and the journal disagree"
        assert held >= last_position, "the account went back behind what the user saw"
        turnover = 10.0 * held
        cash = engine.gateways["SIM"].venue.ledger.cash["CNY"]
        assert CAPITAL - turnover * 1.01 < cash <= CAPITAL - turnover

        quote(engine.gateways["SIM"])
        engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
        drain(engine)
        new = [t.vt_tradeid for t in TradeRecord.select() if t.vt_tradeid not in journaled]
        assert len(new) == 1, "the next fill reused an id the journal already held"
        assert engine.halts == {}
    finally:
        engine.close()


def test_a_liquidation_shown_before_a_kill_survives_the_restart(data_dir):
    printed = run_child(data_dir.root, "liquidate_then_kill")
    assert "LIQUIDATED" in printed
    engine = restart(data_dir)
    try:
        venue = engine.gateways["SIM"].venue
        assert venue.ledger.perp("BTCUSDT.GLOBAL").qty == 0
        assert venue.ledger.cash["USDT"] < Settings()["sim.capital_usdt"] - 60000 / 5 * 0.99
    finally:
        engine.close()


def test_ids_continue_after_the_journal_when_the_saved_book_is_lost(data_dir):
    from lianghua_app.storage.models import VenueState

    engine = restart(data_dir)
    quote(engine.gateways["SIM"])
    engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
    drain(engine)
    VenueState.delete().execute()
    engine.close()

    again = restart(data_dir)
    try:
        quote(again.gateways["SIM"])
        again.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
        drain(again)
        assert TradeRecord.select().count() == 2
        assert OrderRecord.select().count() == 2
        assert again.halts == {}
    finally:
        again.close()


BUY_ONCE = textwrap.dedent('''
    from vnpy_ctastrategy import CtaTemplate


    class BuyOnce(CtaTemplate):
        author = "test"
        parameters = []
        variables = []

        def on_init(self):
            pass

        def on_tick(self, tick):
            if self.trading and self.pos == 0 and not getattr(self, "sent", False):
                self.sent = True
                self.buy(tick.last_price, 100)
''')


def test_a_strategy_killed_mid_fill_resumes_from_its_journaled_position(data_dir, tmp_path):
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "buy_once.py").write_text(BUY_ONCE, encoding="utf-8")
    printed = run_child(data_dir.root, "strategy_fill_then_kill", str(folder))
    assert any(line.startswith("TRADE") for line in printed)

    engine = restart(data_dir, validate({"strategies.folder": str(folder)}))
    lines = logged(engine)
    try:
        cta = engine.get_engine("CtaStrategy")
        cta.init_engine()
        assert cta.strategies["buyer"].pos == 0     # vnpy's saved copy never heard of the fill
        cta.init_strategy("buyer").result(timeout=60)
        drain(engine)
        assert cta.strategies["buyer"].pos == 100
        assert any("仓位与交易日志不一致" in line and "100" in line for line in lines)
    finally:
        engine.close()


# --- one process per profile ------------------------------------------------------------------
def test_a_second_instance_is_refused_and_told_who_holds_the_profile(data_dir):
    holder = hold_profile(data_dir)
    try:
        with pytest.raises(ProfileInUse) as refused:
            build_engine(data_dir, Settings(), connect_sim=False)
        assert str(holder.pid) in str(refused.value)
    finally:
        holder.kill()
        holder.wait()
    engine = build_engine(data_dir, Settings(), connect_sim=False)   # a dead holder leaves no lock behind
    engine.close()


def test_the_command_line_says_the_profile_is_in_use_and_exits(data_dir):
    holder = hold_profile(data_dir)
    try:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        done = subprocess.run([sys.executable, "run_gui.py", "--data-dir", str(data_dir.root.parent),
                               "--profile", data_dir.root.name], env=env, cwd=PROJECT,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert done.returncode != 0
        assert str(holder.pid) in done.stderr + done.stdout
    finally:
        holder.kill()
        holder.wait()


# --- handlers that raise -------------------------------------------------------------------------
def test_a_view_that_raises_is_reported_and_trading_goes_on(engine, sim):
    lines = logged(engine)

    def broken_view(event: Event) -> None:
        raise KeyError("column")

    engine.event_engine.register(EVENT_TICK, broken_view)
    quote(sim)
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
    drain(engine)
    assert engine.get_order(vt_orderid).status is Status.ALLTRADED
    assert TradeRecord.select().count() == 1
    assert any("broken_view" in line and "出错" in line for line in lines)


def test_a_risk_manager_that_cannot_save_its_state_stops_new_orders(engine, sim, risk):
    lines = logged(engine)
    risk.state_path.unlink(missing_ok=True)
    risk.state_path.mkdir()                     # the replace of risk_state.json will fail
    quote(sim)
    engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0, reference="CtaStrategy_trend"), "SIM")
    wait_until(lambda: engine.halts, timeout=60)    # the next timer event tries to save
    refused = send(engine, order(PINGAN, Direction.LONG, 100, 10.0))
    assert refused.status is Status.REJECTED and "风控" in refused.extra["reason"]
    assert any("已停止新委托" in line for line in lines)


def test_a_journal_that_cannot_write_stops_orders_and_catches_up_when_it_can(engine, sim, data_dir):
    quote(sim)
    with sqlite3.connect(data_dir.database_file) as connection:
        connection.execute("ALTER TABLE traderecord RENAME TO traderecord_away")
    engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
    drain(engine)
    assert "交易日志" in engine.halts.get("journal", "")
    refused = send(engine, order(PINGAN, Direction.LONG, 100, 10.0))
    assert refused.status is Status.REJECTED and "交易日志" in refused.extra["reason"]

    with sqlite3.connect(data_dir.database_file) as connection:
        connection.execute("ALTER TABLE traderecord_away RENAME TO traderecord")
    wait_until(lambda: not engine.halts, timeout=60)    # retried with the next batch (the timer makes one)
    assert TradeRecord.select().count() == 1
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
    drain(engine)
    assert engine.get_order(vt_orderid).status is Status.ALLTRADED


def test_a_trade_id_seen_again_with_other_content_is_reported_and_stops_orders(engine, sim):
    quote(sim)
    engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
    drain(engine)
    first = TradeRecord.get()
    clash = TradeData(gateway_name="SIM", symbol="000001", exchange=Exchange.SZSE, orderid="other",
                      tradeid=first.vt_tradeid.split(".", 1)[1], direction=Direction.LONG, price=10.0, volume=300)
    engine.event_engine.put(Event(EVENT_TRADE, clash))
    drain(engine)
    assert "成交编号冲突" in engine.halts.get("journal", "")
    assert TradeRecord.get().volume == 100


def test_an_older_order_state_never_overwrites_a_newer_one(engine, sim):
    quote(sim)
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
    drain(engine)
    filled = engine.get_order(vt_orderid)
    older = order(PINGAN, Direction.LONG, 100, 10.0).create_order_data(filled.orderid, "SIM")
    older.status = Status.NOTTRADED
    engine.journal.record_order(older)
    row = OrderRecord.get_by_id(vt_orderid)
    assert (row.status, row.traded) == (Status.ALLTRADED.name, 100)


# --- malformed orders ---------------------------------------------------------------------------
@pytest.mark.parametrize("price, volume", [(math.nan, 100), (10.0, math.nan), (math.inf, 100), (10.0, math.inf),
                                           (10.0, -100)])
def test_an_order_with_a_price_or_volume_no_venue_could_take_is_refused_with_a_reason(engine, sim, price, volume):
    quote(sim)
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, volume, price), "SIM")
    drain(engine)
    refused = engine.get_order(vt_orderid)
    assert refused.status is Status.REJECTED and "无效" in refused.extra["reason"]
    row = OrderRequestRecord.select().order_by(OrderRequestRecord.id.desc()).get()
    assert "无效" in row.reject_reason
    assert not sim.venue.orders


def test_a_gateway_that_raises_on_send_rejects_the_order_with_the_reason(engine, sim, monkeypatch):
    quote(sim)

    def broken(req):
        raise ConnectionError("socket closed")

    monkeypatch.setattr(sim, "send_order", broken)
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
    drain(engine)
    refused = engine.get_order(vt_orderid)
    assert refused.status is Status.REJECTED and "socket closed" in refused.extra["reason"]
    assert OrderRequestRecord.get().reject_reason == refused.extra["reason"]


def test_trades_that_filled_while_qmt_was_away_are_counted_in_one_warning(qmt, engine, terminal):
    lines = logged(engine)
    vt_orderid = engine.send_order(order("600000.SSE", Direction.LONG, 1000, 9.5), "QMT")
    settle(engine, lambda: (engine.get_order(vt_orderid)).status is Status.NOTTRADED)
    terminal.shutdown()
    wait_until(lambda: not qmt.connected)
    xt = next(o for o in terminal.account(QMT_ACCOUNT).orders.values() if vt_orderid.endswith(o.order_remark))
    terminal.fill(QMT_ACCOUNT, xt.order_id, 400, 9.5)
    terminal.fill(QMT_ACCOUNT, xt.order_id, 600, 9.5)
    terminal.running = True
    settle(engine, lambda: qmt.connected and any("补记了2笔" in line for line in lines))
    assert TradeRecord.select().count() == 2


# --- a profile that cannot be opened ---------------------------------------------------------------
def test_a_corrupt_database_is_explained_at_start(data_dir):
    data_dir.database_file.write_bytes(b"this is not a database" * 200)
    with pytest.raises(ProfileUnusable, match="数据库文件已损坏"):
        build_engine(data_dir, Settings(), connect_sim=False)
    engine = None
    try:     # the lock was given back: after a restore the profile opens
        data_dir.database_file.unlink()
        engine = build_engine(data_dir, Settings(), connect_sim=False)
    finally:
        if engine:
            engine.close()


def test_the_gui_says_why_a_profile_cannot_be_opened_and_exits(tmp_path):
    blocked = tmp_path / "data"
    blocked.write_text("a file where the data folder should be", encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "run_gui.py", "--data-dir", str(blocked)], env=env,
                          cwd=PROJECT, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 3
    assert "无法创建或写入数据文件夹" in done.stderr and "Traceback" not in done.stderr


def test_a_journal_failure_that_comes_back_after_a_recovery_stops_orders_again(engine, sim):
    from lianghua_app.event_engine import HandlerFailure

    failure = HandlerFailure("lianghua_app.journal.Journal.write_batch", "batch", OSError("disk full"), "", "交易日志")
    engine.on_handler_failure(failure)
    engine.clear_halt("journal")
    engine.on_handler_failure(failure)     # the same failure, seconds later
    quote(sim)
    refused = send(engine, order(PINGAN, Direction.LONG, 100, 10.0))
    assert refused.status is Status.REJECTED and "disk full" in refused.extra["reason"]
