"""The journal and the SIM book survive a restart; what differs is reconciled and reported."""


from vnpy.trader.constant import Direction, Status

from lianghua_app.bootstrap import build_engine, connect_sim_gateway
from lianghua_app.markets import beijing_today
from lianghua_app.settings import Settings
from lianghua_app.storage.models import OrderRecord, TradeRecord
from tests.helpers import drain, make_tick, order

PINGAN = "000001.SZSE"


def start(data_dir):
    engine = build_engine(data_dir, Settings(), connect_sim=False)
    connect_sim_gateway(engine, autostart=False, whole_market=False)
    drain(engine)
    return engine


def trade_once(engine) -> str:
    engine.gateways["SIM"].push_tick(make_tick(PINGAN, 10.0, limit_up=11.0, limit_down=9.0))
    drain(engine)
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
    drain(engine)
    return vt_orderid


def test_orders_trades_and_positions_survive_a_restart(data_dir):
    first = start(data_dir)
    vt_orderid = trade_once(first)
    first.close()

    second = start(data_dir)
    try:
        today = beijing_today()   # the journal keeps Beijing time
        assert [o.vt_orderid for o in second.journal.orders(today, today)] == [vt_orderid]
        assert len(second.journal.trades(today, today, "000001")) == 1
        assert second.get_position(f"SIM.{PINGAN}.{Direction.LONG.value}").volume == 100
    finally:
        second.close()


def test_reconcile_restores_a_trade_the_journal_missed(engine, sim):
    trade_once(engine)
    TradeRecord.delete().execute()
    warnings = engine.journal.reconcile("SIM", sim.query_orders(), sim.query_trades())
    assert len(warnings) == 2 and "不在日志中，已补记" in warnings[0]
    assert "从SIM接口补记了1笔" in warnings[1]
    assert TradeRecord.select().count() == 1


def test_reconcile_reports_an_open_order_the_gateway_no_longer_knows(engine, sim):
    engine.gateways["SIM"].push_tick(make_tick(PINGAN, 10.0, ask=10.5, limit_up=11.0, limit_down=9.0))
    drain(engine)
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
    drain(engine)
    assert OrderRecord.get_by_id(vt_orderid).status == Status.NOTTRADED.name
    warnings = engine.journal.reconcile("SIM", [], [])
    assert warnings == [f"对账：委托{vt_orderid}在日志中为{Status.NOTTRADED.value}，但接口未报告该委托"]


def test_reconcile_updates_a_status_that_changed_while_away(engine, sim):
    engine.gateways["SIM"].push_tick(make_tick(PINGAN, 10.0, ask=10.5, limit_up=11.0, limit_down=9.0))
    drain(engine)
    vt_orderid = engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")
    drain(engine)
    sim.venue.cancel(vt_orderid)  # the venue changed it; nobody published the update
    warnings = engine.journal.reconcile("SIM", sim.query_orders(), sim.query_trades())
    assert "状态由" in warnings[0]
    assert OrderRecord.get_by_id(vt_orderid).status == Status.CANCELLED.name
