"""The order pipeline: guards in order, then the gateway; every step journaled."""

from vnpy.event import Event
from vnpy.trader.constant import Direction, Status
from vnpy.trader.event import EVENT_TRADE

from lianghua_app.storage.models import OrderRequestRecord, TradeRecord
from tests.helpers import drain, make_tick, order

PINGAN = "000001.SZSE"


def quote(sim, last: float = 10.0) -> None:
    sim.push_tick(make_tick(PINGAN, last, bid=last - 0.01, ask=last, limit_up=11.0, limit_down=9.0,
                            pre_close=10.0))
    drain(sim)


def test_lot_violation_is_refused_before_the_gateway_with_a_reason(engine, sim):
    quote(sim)
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, 150, 10.0), "SIM")
    drain(engine)
    refused = engine.get_order(vt_orderid)
    assert refused.status is Status.REJECTED
    assert refused.extra["reason"] == "买入数量须为100股整数倍"
    assert not sim.venue.orders  # the gateway never saw it


def test_refusal_is_journaled_with_its_reason(engine, sim):
    quote(sim)
    engine.send_order(order(PINGAN, Direction.LONG, 100, 11.5), "SIM")
    drain(engine)  # written before the refusal is shown
    row = OrderRequestRecord.select().order_by(OrderRequestRecord.id.desc()).get()
    assert row.reject_reason == "委托价格11.5高于涨停价11.0"


def test_registered_guard_runs_before_the_market_rules(engine, sim):
    quote(sim)
    engine.add_guard("whitelist", lambda req, gateway: "不在白名单" if req.symbol != "600519" else None,
                     before="markets")
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, 150, 10.0), "SIM")
    drain(engine)
    assert engine.get_order(vt_orderid).extra["reason"] == "不在白名单"


def test_accepted_order_fills_and_its_request_names_the_strategy(engine, sim):
    quote(sim)
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0, reference="DoubleMa_1"), "SIM")
    drain(engine)
    assert engine.get_order(vt_orderid).status is Status.ALLTRADED
    row = OrderRequestRecord.get(OrderRequestRecord.vt_orderid == vt_orderid)
    assert row.reference == "DoubleMa_1"


def test_trade_is_in_the_database_before_any_view_receives_it(engine, sim):
    seen = []

    def view(event: Event) -> None:  # registered after the journal, like every widget
        seen.append(TradeRecord.get_or_none(TradeRecord.vt_tradeid == event.data.vt_tradeid) is not None)

    engine.event_engine.register(EVENT_TRADE, view)
    quote(sim)
    engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
    drain(engine)
    assert seen == [True]


def test_unknown_gateway_is_a_refusal_not_a_crash(engine):
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "XTP")
    drain(engine)
    assert "XTP" in engine.get_order(vt_orderid).extra["reason"]


def test_sell_short_is_refused_for_a_shares(engine, sim):
    from vnpy.trader.constant import Offset

    quote(sim)
    vt_orderid = engine.send_order(order(PINGAN, Direction.SHORT, 100, 10.0, offset=Offset.OPEN), "SIM")
    drain(engine)
    assert "卖空" in engine.get_order(vt_orderid).extra["reason"]
