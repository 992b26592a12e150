"""The Binance gateway under faults: dropped and blocked user streams, an expired listenKey, a
skipped depth update, sends that time out, and many socket kills while orders fill."""

from __future__ import annotations

import random

import pytest
from vnpy.trader.constant import Direction, Exchange, Status
from vnpy.trader.event import EVENT_LOG
from vnpy.trader.object import SubscribeRequest

from lianghua_app.events import EVENT_GATEWAY_STATUS
from lianghua_app.journal import TradeRecord
from tests.binance.helpers import BTC, MARKETS, Market, collect, req, status_of
from tests.helpers import drain, settle, wait_until


def journaled_trade_ids() -> list[str]:
    return [t.vt_tradeid for t in TradeRecord.select().where(TradeRecord.gateway == "BINANCE")]


def test_a_fill_while_the_user_stream_is_down_is_recovered_once_before_connected(engine, exchange, binance):
    statuses = collect(engine, EVENT_GATEWAY_STATUS)
    vt_orderid = engine.send_order(req(price=59000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.NOTTRADED)
    exchange.block_user_stream()
    settle(engine, lambda: not binance.trading_ready)
    exchange.fill(vt_orderid.split(".", 1)[1], 0.004, 59000.0)
    exchange.fill(vt_orderid.split(".", 1)[1], 0.006, 59000.0)
    assert status_of(engine, vt_orderid) is Status.NOTTRADED          # nobody told us yet
    exchange.block_user_stream(False)
    settle(engine, lambda: binance.trading_ready, 60)
    assert status_of(engine, vt_orderid) is Status.ALLTRADED          # read back before 已连接
    assert sorted(journaled_trade_ids()) == sorted(f"BINANCE.{t['id']}" for t in exchange.trades())
    words = [s.message for s in statuses]
    assert any("补齐" in w for w in words) and words[-1] == "币安已连接"


def test_an_expired_listen_key_is_noticed_and_the_stream_comes_back(engine, exchange, binance):
    statuses = collect(engine, EVENT_GATEWAY_STATUS)
    exchange.expire_listen_keys()
    settle(engine, lambda: any("listenKey" in s.message for s in statuses), 60)
    settle(engine, lambda: binance.trading_ready, 60)
    vt_orderid = engine.send_order(req(price=59000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.NOTTRADED)
    exchange.set_book("BTCUSDT", 58990.0, 58999.0)                    # the fill comes on the new stream
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.ALLTRADED)
    assert len(journaled_trade_ids()) == 1


def test_a_skipped_depth_update_brings_a_fresh_snapshot(engine, exchange, binance):
    engine.subscribe(SubscribeRequest("BTCUSDT", Exchange.GLOBAL), "BINANCE")
    wait_until(lambda: ("GET", "/fapi/v1/depth") in exchange.requests)
    settle(engine, lambda: (exchange.set_book("BTCUSDT", 59950.0, 59950.1),
                            engine.get_tick(BTC) is not None and engine.get_tick(BTC).bid_price_1 == 59950.0)[1])
    snapshots = exchange.requests.count(("GET", "/fapi/v1/depth"))
    exchange.skip_depth_update("BTCUSDT")
    exchange.set_book("BTCUSDT", 59940.0, 59940.1)                     # never sent: the next one leaves a gap

    def resynced():
        exchange.set_book("BTCUSDT", 59930.0, 59930.1)
        tick = engine.get_tick(BTC)
        return exchange.requests.count(("GET", "/fapi/v1/depth")) > snapshots and tick.bid_price_1 == 59930.0
    settle(engine, resynced)
    tick = engine.get_tick(BTC)
    assert [tick.bid_price_1, tick.bid_price_2] == [59930.0, 0.0]      # no stale level left from the gap


@pytest.fixture(params=sorted(MARKETS))
def market(request, engine, binance) -> Market:
    """Futures and spot in turn, each once its user stream is consistent."""
    chosen = MARKETS[request.param]
    settle(engine, lambda: getattr(binance, chosen.ready), 60)
    return chosen


def test_a_send_that_timed_out_but_arrived_is_found_not_resent(engine, exchange, market):
    logs = collect(engine, EVENT_LOG)
    exchange.delay_next(market.hook, 4.0)                           # longer than the gateway's 2 s timeout
    vt_orderid = engine.send_order(market.request(price=59000.0), "BINANCE")
    settle(engine, lambda: any("不会重发" in log.msg for log in logs), 60)
    settle(engine, lambda: ("GET", market.lookup) in exchange.requests, 60)     # looked up by client id
    assert status_of(engine, vt_orderid) is Status.NOTTRADED
    assert exchange.requests.count(("WS", market.hook)) == 1
    assert len(getattr(exchange, market.orders)()) == 1


def test_a_send_that_never_arrived_is_rejected_with_the_reason(engine, exchange, market):
    exchange.lose_next(market.hook, 4.0)
    vt_orderid = engine.send_order(market.request(price=59000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.REJECTED, 60)
    assert "没有收到" in engine.get_order(vt_orderid).extra["reason"]
    assert getattr(exchange, market.orders)() == []


def test_a_hundred_socket_kills_while_orders_fill_lose_and_duplicate_no_fill(engine, exchange, binance):
    rng = random.Random(21)
    exchange.venue.symbols["BTCUSDT"].depth_qty = 0.002               # fills come in pieces
    resting = []
    for n in range(10):
        resting.append(engine.send_order(req(Direction.LONG, volume=0.01, price=59000.0 - n), "BINANCE"))
        resting.append(engine.send_order(req(Direction.SHORT, volume=0.01, price=61000.0 + n), "BINANCE"))
    settle(engine, lambda: all(status_of(engine, v) is Status.NOTTRADED for v in resting))
    for _ in range(100):
        if rng.random() < 0.5:
            exchange.set_book("BTCUSDT", 58980.0, 58990.0)              # the buys fill a piece each
        else:
            exchange.set_book("BTCUSDT", 61010.0, 61020.0)              # the sells fill a piece each
        exchange.drop_sockets()
        if rng.random() < 0.2:
            drain(engine)
    exchange.set_book("BTCUSDT", 59999.0, 60000.0)
    settle(engine, lambda: binance.trading_ready, 120)
    executed = {o.client_id: o.executed for o in exchange.orders()}
    settle(engine, lambda: all(engine.get_order(v).traded == executed[v.split(".", 1)[1]] for v in resting), 120)
    venue_ids = sorted(f"BINANCE.{t['id']}" for t in exchange.trades())
    assert len(venue_ids) == 20 * 5                                    # every order filled in five pieces
    assert sorted(journaled_trade_ids()) == venue_ids                  # 0 lost, 0 duplicated


def test_a_rate_limited_send_is_refused_with_the_reason_and_nothing_is_retried(engine, exchange, binance):
    exchange.fail_next("order.place", 429, -1003, "Too many requests; current limit is 1200 orders per minute.")
    vt_orderid = engine.send_order(req(price=59000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.REJECTED)
    assert "频繁" in engine.get_order(vt_orderid).extra["reason"]
    assert exchange.requests.count(("WS", "order.place")) == 1 and exchange.orders() == []


def test_an_order_that_filled_while_the_app_was_closed_is_found_at_the_next_start(engine, exchange,
                                                                                   binance_setting, data_dir):
    from lianghua_app.bootstrap import build_engine
    from lianghua_app.settings import Settings

    engine.connect(binance_setting, "BINANCE")
    wait_until(lambda: engine.gateways["BINANCE"].trading_ready, 60)
    vt_orderid = engine.send_order(req(price=59000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.NOTTRADED)
    engine.close()
    exchange.set_book("BTCUSDT", 58990.0, 58999.0)                    # fills while nobody listens
    again = build_engine(data_dir, Settings(), connect_sim=False)
    try:
        logs = collect(again, EVENT_LOG)
        again.connect(binance_setting, "BINANCE")
        wait_until(lambda: again.gateways["BINANCE"].trading_ready, 60)
        settle(again, lambda: status_of(again, vt_orderid) is Status.ALLTRADED)
        assert journaled_trade_ids() == [f"BINANCE.{exchange.trades()[0]['id']}"]
        assert not any("接口未报告该委托" in log.msg for log in logs)
    finally:
        again.close()


def test_open_interest_polling_yields_when_the_ips_weight_runs_high_and_resumes_after(engine, exchange, binance):
    logs = collect(engine, EVENT_LOG)
    engine.subscribe(SubscribeRequest("BTCUSDT", Exchange.GLOBAL), "BINANCE")
    wait_until(lambda: ("GET", "/fapi/v1/openInterest") in exchange.requests)
    exchange.extra_weight = 2300                                       # another program on this IP
    settle(engine, lambda: any("权重" in log.msg for log in logs))
    polls = exchange.requests.count(("GET", "/fapi/v1/openInterest"))
    skipped = binance.weight_pauses
    wait_until(lambda: binance.weight_pauses >= skipped + 3)          # three more rounds, none polled
    assert exchange.requests.count(("GET", "/fapi/v1/openInterest")) == polls
    exchange.extra_weight = 0
    binance.query_account()                                            # any answer brings the new weight
    wait_until(lambda: exchange.requests.count(("GET", "/fapi/v1/openInterest")) > polls)


def test_a_fill_lost_on_the_dropped_socket_is_read_back_though_a_newer_one_arrives_first(engine, exchange,
                                                                                         binance):
    first = engine.send_order(req(price=59000.0), "BINANCE")
    second = engine.send_order(req(price=58900.0), "BINANCE")
    settle(engine, lambda: status_of(engine, first) is status_of(engine, second) is Status.NOTTRADED)
    exchange.block_user_stream()
    settle(engine, lambda: not binance.trading_ready)
    exchange.fill(first.split(".", 1)[1], 0.01, 59000.0)               # pushed to nobody
    asked = len(exchange.requests)
    exchange.delay_next("/fapi/v3/positionRisk", 1.0)                # holds the gap-fill at its first read
    exchange.block_user_stream(False)
    wait_until(lambda: ("GET", "/fapi/v3/positionRisk") in exchange.requests[asked:], 60)
    exchange.fill(second.split(".", 1)[1], 0.01, 58900.0)              # arrives on the new stream, newer
    settle(engine, lambda: binance.trading_ready, 60)
    assert sorted(journaled_trade_ids()) == sorted(f"BINANCE.{t['id']}" for t in exchange.trades())
    assert status_of(engine, first) is status_of(engine, second) is Status.ALLTRADED
