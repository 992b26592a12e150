"""A hostile or broken live strategy stops only itself: callbacks run on the strategy's own
thread, a callback past its time limit stops its strategy, inits do not wait for each other,
and a class that raises on creation is reported."""

from __future__ import annotations

import threading

import pytest
from vnpy.trader.constant import Direction, Status
from vnpy.trader.event import EVENT_LOG
from vnpy_ctastrategy import CtaTemplate

from lianghua_app.bootstrap import build_engine, connect_sim_gateway
from lianghua_app.settings import validate
from lianghua_app.storage.models import TradeRecord
from tests.helpers import PINGAN, drain, make_tick, order, wait_until


class SpinsOnTick(CtaTemplate):
    author = "tests"

    def on_init(self) -> None:
        pass

    def on_tick(self, tick) -> None:
        while self.trading:
            pass


class NeverInits(CtaTemplate):
    author = "tests"
    release = threading.Event()     # a new one for each test

    def on_init(self) -> None:
        self.release.wait()


class Quiet(CtaTemplate):
    author = "tests"

    def on_init(self) -> None:
        pass


class RaisesOnCreation(CtaTemplate):
    author = "tests"

    def __init__(self, cta_engine, strategy_name, vt_symbol, setting) -> None:
        raise ValueError("window must be set")

    def on_init(self) -> None:
        pass


@pytest.fixture
def cta(data_dir):
    NeverInits.release = threading.Event()
    engine = build_engine(data_dir, validate({"strategies.callback_seconds": 0.5}), connect_sim=False)
    connect_sim_gateway(engine, autostart=False, whole_market=False)
    drain(engine)
    cta = engine.get_engine("CtaStrategy")
    cta.init_engine()
    cta.classes.update({c.__name__: c for c in (SpinsOnTick, NeverInits, Quiet, RaisesOnCreation)})
    cta.lines = []
    engine.event_engine.register(EVENT_LOG, lambda event: cta.lines.append(event.data.msg))
    yield cta
    NeverInits.release.set()
    engine.close()


def test_a_strategy_stuck_in_on_tick_is_stopped_and_the_journal_and_views_keep_flowing(cta):
    engine = cta.main_engine
    cta.add_strategy("SpinsOnTick", "spinner", PINGAN, {})
    cta.init_strategy("spinner").result(timeout=60)
    cta.start_strategy("spinner")
    sim = engine.gateways["SIM"]
    sim.push_tick(make_tick(PINGAN, 10.0, limit_up=11.0, limit_down=9.0))
    drain(engine)                   # the tick reached the strategy, which now spins on its own thread
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
    drain(engine)
    assert engine.get_order(vt_orderid).status is Status.ALLTRADED
    assert TradeRecord.select().count() == 1
    wait_until(lambda: any("spinner" in line and "已运行超过" in line for line in cta.lines), timeout=60)
    strategy = cta.strategies["spinner"]
    assert not strategy.trading
    wait_until(lambda: cta.runners["spinner"].busy_since is None, timeout=60)   # the loop was interrupted


def test_an_on_init_that_never_returns_does_not_hold_up_another_strategys_init(cta):
    cta.add_strategy("NeverInits", "stuck", PINGAN, {})
    cta.add_strategy("Quiet", "quiet", PINGAN, {})
    stuck = cta.init_strategy("stuck")
    cta.init_strategy("quiet").result(timeout=60)
    assert cta.strategies["quiet"].inited
    assert not stuck.done() and not cta.strategies["stuck"].inited


def test_a_class_that_raises_when_created_is_reported_and_nothing_else_changes(cta):
    cta.add_strategy("RaisesOnCreation", "broken", PINGAN, {})
    drain(cta.main_engine)
    assert "broken" not in cta.strategies
    assert any("broken" in line and "window must be set" in line for line in cta.lines)
    cta.add_strategy("Quiet", "fine", PINGAN, {})
    assert "fine" in cta.strategies
