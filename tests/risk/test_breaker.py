"""The loss circuit breaker on a losing SIM session: it trips past the limit, refuses opening
orders, lets closing orders through, resets by hand and at the next trading day, and survives
a restart. Equity is SIM's total asset (cash plus shares at the last price)."""

from __future__ import annotations

from datetime import datetime

import pytest
from vnpy.event import Event
from vnpy.trader.constant import Direction
from vnpy.trader.event import EVENT_TIMER

from apps.risk_manager.engine import RiskEngine
from lianghua_app.markets import CHINA_TZ, beijing_today
from tests.helpers import PINGAN, drain, limits, order, quote, send

DAY1 = datetime(2024, 6, 3, 10, 0, tzinfo=CHINA_TZ)
DAY2 = datetime(2024, 6, 4, 10, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def losing(engine, sim, risk):
    """Bought 50,000 shares at 10 on day 1 (half the account); on day 2 the price falls."""
    risk.now = lambda: DAY1
    quote(sim, 10.0, when=DAY1, depth=100_000)
    assert send(engine, order(PINGAN, Direction.LONG, 50_000, 10.0)) is None
    assert engine.get_position(f"SIM.{PINGAN}.多").volume == 50_000
    risk.now = lambda: DAY2
    quote(sim, 10.0, when=DAY2)               # day 2 starts at ~1,000,000
    return risk


def tick_timer(engine) -> None:
    engine.event_engine.put(Event(EVENT_TIMER))
    drain(engine)


def test_a_loss_inside_the_daily_limit_leaves_trading_open(engine, sim, losing):
    limits(losing, daily_loss={"percent": 3.0})
    quote(sim, 9.45, when=DAY2)               # -27,500: 2.75%
    assert not losing.breaker.trips
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.45)) is None


def test_a_daily_loss_past_the_limit_trips_and_refuses_opening_orders(engine, sim, losing):
    limits(losing, daily_loss={"percent": 3.0})
    quote(sim, 9.30, when=DAY2)               # -35,000: 3.5%
    trip = losing.breaker.trips["account"]
    assert trip.rule == "daily_loss" and "SIM.CNY 当日亏损 35,000.00（3.50%）" in trip.reason
    assert "超过上限 29,99" in trip.reason                # 3% of the start, after buying fees
    reason = send(engine, order(PINGAN, Direction.LONG, 100, 9.30))
    assert reason.startswith("熔断中：账户 SIM.CNY 当日亏损") and "只允许平仓和撤单" in reason


def test_closing_orders_pass_while_the_breaker_is_tripped(engine, sim, losing):
    limits(losing, daily_loss={"percent": 3.0})
    quote(sim, 9.30, when=DAY2)
    assert losing.breaker.trips
    assert send(engine, order(PINGAN, Direction.SHORT, 10_000, 9.29)) is None


def test_a_manual_reset_reopens_trading_and_is_journaled(engine, sim, losing):
    limits(losing, daily_loss={"percent": 3.0})
    quote(sim, 9.30, when=DAY2)
    assert [t.rule for t in losing.reset_breaker()] == ["daily_loss"]
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.30)) is None
    rules = [row.rule for row in losing.events(beijing_today())]
    assert "daily_loss" in rules and "breaker_reset" in rules


def test_the_breaker_resets_itself_at_the_next_trading_day(engine, sim, losing):
    limits(losing, daily_loss={"percent": 3.0})
    quote(sim, 9.30, when=DAY2)
    losing.now = lambda: datetime(2024, 6, 4, 15, 20, tzinfo=CHINA_TZ)
    tick_timer(engine)
    assert losing.breaker.trips                       # still day 2 before the 15:30 boundary
    losing.now = lambda: datetime(2024, 6, 4, 15, 31, tzinfo=CHINA_TZ)
    tick_timer(engine)
    assert not losing.breaker.trips


def test_a_tripped_breaker_survives_a_restart(engine, sim, losing):
    limits(losing, daily_loss={"percent": 3.0})
    quote(sim, 9.30, when=DAY2)
    restarted = RiskEngine(engine, engine.event_engine)
    assert restarted.breaker.trips["account"].rule == "daily_loss"
    restarted.close()


def test_a_drawdown_from_the_peak_trips_across_days(engine, sim, losing):
    limits(losing, drawdown={"percent": 4.0})
    quote(sim, 10.60, when=DAY2)              # peak ~1,030,000
    quote(sim, 9.80, when=DAY2)               # ~990,000: 3.9% off the peak
    assert not losing.breaker.trips
    quote(sim, 9.75, when=DAY2)
    assert losing.breaker.trips["account"].rule == "drawdown"


def test_a_breaker_that_flattens_sells_what_can_be_sold(engine, sim, losing):
    limits(losing, daily_loss={"percent": 3.0, "flatten": True})
    quote(sim, 9.30, when=DAY2)
    drain(engine)
    exits = [o for o in engine.get_all_orders() if o.reference == "RiskManager"]
    assert [(o.direction, o.volume, o.price) for o in exits] == [(Direction.SHORT, 50_000, 9.29)]   # at the bid
    quote(sim, 9.30, when=DAY2, depth=100_000)
    drain(engine)
    assert engine.get_position(f"SIM.{PINGAN}.多").volume == 0


def test_a_strategy_past_its_daily_loss_is_stopped_from_opening_while_others_trade(engine, sim, risk):
    risk.now = lambda: DAY1
    limits(risk, strategy_loss={"amount": 5_000})
    quote(sim, 10.0, when=DAY1)
    assert send(engine, order(PINGAN, Direction.LONG, 10_000, 10.0, reference="CtaStrategy_Trend")) is None
    quote(sim, 9.40, when=DAY1)               # Trend is down 6,000
    tick_timer(engine)
    assert risk.breaker.trips["strategy:Trend"].reason == "策略 Trend 当日亏损 6,000.00，超过上限 5,000.00"
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.40, reference="CtaStrategy_Trend")).startswith("熔断中")
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.40, reference="CtaStrategy_Other")) is None
