"""SIM replays stored bars as quotes; a bar locked at limit-up refuses buys there too."""

from datetime import datetime

from vnpy.trader.constant import Direction, Exchange, Interval, Status
from vnpy.trader.database import get_database
from vnpy.trader.object import BarData

from lianghua_app.markets import CHINA_TZ
from tests.helpers import drain, order


def bar(day: int, o: float, h: float, low: float, c: float) -> BarData:
    return BarData(gateway_name="DB", symbol="000001", exchange=Exchange.SZSE, interval=Interval.DAILY,
                   datetime=datetime(2015, 6, day, tzinfo=CHINA_TZ), open_price=o, high_price=h, low_price=low,
                   close_price=c, volume=1e6)


def test_replay_streams_stored_bars_as_quotes(engine, sim):
    get_database().save_bar_data([bar(1, 10.0, 10.5, 9.9, 10.0), bar(2, 10.1, 10.6, 10.0, 10.5)])
    count = sim.start_replay("000001", Exchange.SZSE, Interval.DAILY, datetime(2015, 6, 1), datetime(2015, 6, 3),
                             speed=4)
    sim.step()
    drain(engine)
    assert count == 2
    assert engine.get_tick("000001.SZSE").last_price == 10.0   # the first bar's close


def test_replay_of_a_limit_up_locked_bar_refuses_buys(engine, sim):
    get_database().save_bar_data([bar(1, 10.0, 10.0, 10.0, 10.0), bar(2, 11.0, 11.0, 11.0, 11.0)])
    sim.start_replay("000001", Exchange.SZSE, Interval.DAILY, datetime(2015, 6, 1), datetime(2015, 6, 3), speed=8)
    sim.step()
    drain(engine)
    tick = engine.get_tick("000001.SZSE")
    assert (tick.limit_up, tick.ask_volume_1) == (11.0, 0)
    vt_orderid = engine.send_order(order("000001.SZSE", Direction.LONG, 100, 11.0), "SIM")
    drain(engine)
    assert engine.get_order(vt_orderid).status is Status.NOTTRADED


def test_replay_without_data_says_so(engine, sim):
    assert sim.start_replay("600000", Exchange.SSE, Interval.DAILY, datetime(2015, 6, 1), datetime(2015, 6, 3)) == 0
    drain(engine)
    assert sim.replay is None
