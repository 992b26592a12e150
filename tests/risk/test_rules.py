"""Risk manager rules in the order pipeline, against the SIM gateway: each passes inside its
limit, refuses just past it with the value and the limit, and closing orders get through."""

from __future__ import annotations

from datetime import datetime, timedelta

from vnpy.trader.constant import Direction, Offset, Status

from apps.risk_manager.engine import RiskEngine
from lianghua_app.markets import CHINA_TZ, beijing_today
from tests.helpers import PINGAN, drain, limits, order, quote, send

BTC = "BTCUSDT.GLOBAL"


def test_an_order_inside_the_notional_limit_passes(engine, sim, risk):
    quote(sim)
    limits(risk, max_notional={"limit": 100_000})
    assert send(engine, order(PINGAN, Direction.LONG, 10_000, 10.0)) is None


def test_a_notional_just_past_the_limit_is_refused_with_value_and_limit(engine, sim, risk):
    quote(sim)
    limits(risk, max_notional={"limit": 100_000})
    assert send(engine, order(PINGAN, Direction.LONG, 10_100, 10.0)) == "单笔委托金额 101,000 超过上限 100,000"


def test_an_order_volume_past_the_limit_is_refused(engine, sim, risk):
    quote(sim)
    limits(risk, max_volume={"limit": 1000})
    assert send(engine, order(PINGAN, Direction.LONG, 1000, 10.0)) is None
    assert send(engine, order(PINGAN, Direction.LONG, 1100, 10.0)) == "单笔委托数量 1,100 超过上限 1,000"


def test_a_fat_finger_price_is_refused_against_the_mid_price(engine, sim, risk):
    quote(sim)                                            # bid 9.99, ask 10.00: mid 9.995
    limits(risk, price_deviation={"percent": 2.0})
    assert send(engine, order(PINGAN, Direction.LONG, 100, 10.19)) is None
    reason = send(engine, order(PINGAN, Direction.LONG, 100, 10.25))
    assert reason.startswith("委托价 10.25 偏离参考价 9.995 达 2.55%")


def test_orders_per_second_are_limited_in_a_rolling_window(engine, sim, risk):
    quote(sim)
    limits(risk, order_rate={"per_second": 3, "per_minute": 100})
    for price in (9.90, 9.91, 9.92):
        assert send(engine, order(PINGAN, Direction.LONG, 100, price)) is None
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.93)) == "每秒委托 3 笔已达上限 3"


def test_the_same_order_twice_within_the_window_is_refused(engine, sim, risk):
    quote(sim)
    limits(risk, duplicate={"seconds": 5})
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.90)) is None
    assert "相同委托" in send(engine, order(PINGAN, Direction.LONG, 100, 9.90))
    assert send(engine, order(PINGAN, Direction.LONG, 200, 9.90)) is None


def test_a_repeat_with_the_volume_written_as_a_whole_number_is_still_a_duplicate(engine, sim, risk):
    quote(sim)
    limits(risk, duplicate={"seconds": 5})
    assert send(engine, order(PINGAN, Direction.LONG, 100.0, 9.90)) is None
    assert "相同委托" in send(engine, order(PINGAN, Direction.LONG, 100, 9.90))


def test_a_buy_that_would_hit_our_own_resting_sell_is_refused(engine, sim, risk):
    quote(sim, 60_000.0, vt_symbol=BTC)
    limits(risk, self_trade={})
    assert send(engine, order(BTC, Direction.SHORT, 0.01, 61_000.0, offset=Offset.OPEN)) is None
    assert "会与自己的挂单" in send(engine, order(BTC, Direction.LONG, 0.01, 61_000.0, offset=Offset.OPEN))
    assert send(engine, order(BTC, Direction.LONG, 0.01, 60_500.0, offset=Offset.OPEN)) is None


def test_active_orders_per_symbol_are_capped(engine, sim, risk):
    quote(sim)
    limits(risk, max_active_orders={"total": 10, "per_symbol": 2})
    for price in (9.80, 9.81):
        assert send(engine, order(PINGAN, Direction.LONG, 100, price)) is None
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.82)) == f"{PINGAN} 活动委托 2 笔已达上限 2"


def test_a_blacklisted_symbol_cannot_be_bought_but_a_holding_can_be_sold(engine, sim, risk):
    quote(sim)
    assert send(engine, order(PINGAN, Direction.LONG, 1000, 10.0)) is None
    quote(sim, when=datetime(2024, 6, 4, 10, 0, tzinfo=CHINA_TZ))
    limits(risk, blacklist={"symbols": ["000001"]})
    assert send(engine, order(PINGAN, Direction.LONG, 100, 10.0)) == f"{PINGAN} 在黑名单中，只允许平仓"
    assert send(engine, order(PINGAN, Direction.SHORT, 1000, 9.99)) is None


def test_a_closing_sell_skips_opening_limits(engine, sim, risk):
    quote(sim)
    assert send(engine, order(PINGAN, Direction.LONG, 1000, 10.0)) is None
    quote(sim, when=datetime(2024, 6, 4, 10, 0, tzinfo=CHINA_TZ))      # next day: the shares are sellable
    limits(risk, max_volume={"limit": 100}, max_notional={"limit": 1000})
    assert send(engine, order(PINGAN, Direction.SHORT, 1000, 9.99)) is None
    assert send(engine, order(PINGAN, Direction.LONG, 200, 10.0)) == "单笔委托数量 200 超过上限 100"


def test_a_symbol_override_beats_the_strategy_override_and_the_base(engine, sim, risk):
    quote(sim)
    raw = {"enabled": {name: name == "max_volume" for name in risk.config.enabled},
           "params": {"max_volume": {"limit": 100}},
           "overrides": {"strategy:Trend": {"max_volume": {"limit": 500}},
                         f"symbol:{PINGAN}": {"max_volume": {"limit": 300}}}}
    assert risk.apply(raw) == []
    assert send(engine, order(PINGAN, Direction.LONG, 300, 10.0, reference="Trend")) is None
    assert send(engine, order(PINGAN, Direction.LONG, 400, 10.0, reference="Trend")) == "单笔委托数量 400 超过上限 300"


def test_refusals_are_journaled_and_queryable_by_day(engine, sim, risk):
    quote(sim)
    limits(risk, max_volume={"limit": 100})
    send(engine, order(PINGAN, Direction.LONG, 200, 10.0, reference="Trend"))
    rows = risk.events(beijing_today())
    assert [(r.rule, r.vt_symbol, r.reference, r.reason) for r in rows] == \
        [("max_volume", PINGAN, "Trend", "单笔委托数量 200 超过上限 100")]
    assert abs(rows[0].created - datetime.now()) < timedelta(minutes=1)      # stored in local time
    assert risk.rejections[0].rule == "max_volume"


def test_a_new_configuration_applies_live_and_survives_a_restart(engine, sim, risk):
    quote(sim)
    limits(risk, max_volume={"limit": 100})
    assert send(engine, order(PINGAN, Direction.LONG, 200, 10.0)) is not None
    limits(risk, max_volume={"limit": 1000})
    assert send(engine, order(PINGAN, Direction.LONG, 200, 10.0)) is None
    assert RiskEngine(engine, engine.event_engine).config.params["max_volume"]["limit"] == 1000


def test_an_invalid_configuration_is_refused_and_the_previous_stays_in_force(engine, sim, risk):
    quote(sim)
    limits(risk, max_volume={"limit": 100})
    errors = risk.apply({"params": {"max_volume": {"limit": -5}, "nonsense": {}}})
    assert any("max_volume.limit" in e for e in errors) and any("未知规则 nonsense" in e for e in errors)
    assert send(engine, order(PINGAN, Direction.LONG, 200, 10.0)) == "单笔委托数量 200 超过上限 100"


def test_cancels_are_never_blocked(engine, sim, risk):
    quote(sim)
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, 100, 9.5), "SIM")
    drain(engine)
    limits(risk, blacklist={"symbols": [PINGAN]}, order_rate={"per_second": 0, "per_minute": 0})
    engine.cancel_order(engine.get_order(vt_orderid).create_cancel_request(), "SIM")
    drain(sim)
    drain(engine)
    assert engine.get_order(vt_orderid).status is Status.CANCELLED
