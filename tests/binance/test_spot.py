"""Binance spot through real ccxt against the loopback exchange: spot symbols beside the
perpetuals, books, orders over the WebSocket API, the user stream that spot serves only there,
balances and holdings, and recovery after a dropped stream."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pytest
from vnpy.trader.constant import Direction, Exchange, Interval, Offset, OrderType, Product, Status
from vnpy.trader.database import get_database
from vnpy.trader.object import SubscribeRequest

from lianghua_app.journal import TradeRecord
from lianghua_app.markets import crypto
from tests.binance.helpers import BTC, SPOT, spot_req, status_of
from tests.helpers import drain, settle, wait_until


@pytest.fixture
def spot(engine, binance):
    settle(engine, lambda: binance.spot_ready, 60)
    return binance


def balance(engine, asset: str) -> float | None:
    account = engine.get_account(f"BINANCE.SPOT.{asset}")
    return account.balance if account else None


def held(engine) -> float | None:
    position = engine.get_position(f"BINANCE.{SPOT}.净")
    return position.volume if position else None


def test_a_key_without_futures_permission_trades_spot_and_says_the_perpetuals_are_data_only(engine, exchange,
                                                                                             binance_setting):
    from lianghua_app.events import EVENT_GATEWAY_STATUS
    from tests.binance.helpers import collect, req

    exchange.futures_permission = False
    statuses = collect(engine, EVENT_GATEWAY_STATUS)
    engine.connect(binance_setting, "BINANCE")
    gateway = engine.gateways["BINANCE"]
    settle(engine, lambda: gateway.spot_ready and any("合约仅行情" in s.message for s in statuses), 60)
    resting = engine.send_order(spot_req(price=59000.0), "BINANCE")
    perpetual = engine.send_order(req(price=59000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, resting) is Status.NOTTRADED
           and status_of(engine, perpetual) is Status.REJECTED)
    assert [o.client_id for o in exchange.spot_orders()] == [resting.split(".", 1)[1]]
    assert exchange.orders() == [] and not gateway.trading_ready


def test_spot_symbols_are_listed_apart_from_the_perpetuals_with_their_own_filters(engine, spot):
    btc_spot, btc_perp = engine.get_contract(SPOT), engine.get_contract(BTC)
    assert btc_spot.product is Product.SPOT and btc_perp.product is Product.FUTURES
    assert (btc_spot.pricetick, btc_spot.min_volume) == (0.01, 0.00001)
    assert engine.get_contract("OLDUSDT_SPOT.GLOBAL") is None           # in a break, not trading
    spec = crypto.spec_of("BTCUSDT_SPOT")
    assert (spec.min_notional, spec.taker_fee, spec.max_leverage) == (5.0, 0.001, 1)


def test_balances_and_holdings_are_shown_once_connected(engine, spot):
    settle(engine, lambda: balance(engine, "USDT") == 10_000.0 and held(engine) == 0.05)
    assert balance(engine, "BTC") == 0.05


def test_a_spot_book_arrives_as_ticks_with_depth(engine, exchange, spot):
    engine.subscribe(SubscribeRequest("BTCUSDT_SPOT", Exchange.GLOBAL), "BINANCE")
    wait_until(lambda: ("GET", "/api/v3/depth") in exchange.requests)
    settle(engine, lambda: (exchange.set_spot_book("BTCUSDT", 61000.0, 61000.5),
                            (engine.get_tick(SPOT) or False) and engine.get_tick(SPOT).bid_price_1 == 61000.0)[1])
    tick = engine.get_tick(SPOT)
    assert (tick.ask_price_1, tick.bid_volume_1) == (61000.5, 20.0)
    perpetual = engine.get_tick(BTC)
    assert perpetual is None or perpetual.bid_price_1 != 61000.0       # the perpetual's book is its own


def test_a_skipped_spot_depth_update_brings_a_fresh_snapshot(engine, exchange, spot):
    engine.subscribe(SubscribeRequest("BTCUSDT_SPOT", Exchange.GLOBAL), "BINANCE")
    wait_until(lambda: ("GET", "/api/v3/depth") in exchange.requests)
    settle(engine, lambda: (exchange.set_spot_book("BTCUSDT", 61000.0, 61000.5),
                            (engine.get_tick(SPOT) or False) and engine.get_tick(SPOT).bid_price_1 == 61000.0)[1])
    snapshots = exchange.requests.count(("GET", "/api/v3/depth"))
    exchange.skip_depth_update("BTCUSDT")
    exchange.set_spot_book("BTCUSDT", 60990.0, 60990.5)                # never sent: the next one leaves a gap

    def resynced():
        exchange.set_spot_book("BTCUSDT", 60980.0, 60980.5)
        return exchange.requests.count(("GET", "/api/v3/depth")) > snapshots and \
            engine.get_tick(SPOT).bid_price_1 == 60980.0
    settle(engine, resynced)
    tick = engine.get_tick(SPOT)
    assert [tick.bid_price_1, tick.bid_price_2] == [60980.0, 0.0]      # no stale level left from the gap


def test_the_pre_trade_guard_applies_the_spot_pairs_filters(engine, exchange, spot):
    vt_orderid = engine.send_order(spot_req(volume=0.00005, price=59000.0), "BINANCE")    # 2.95 USDT < 5
    drain(engine)
    assert status_of(engine, vt_orderid) is Status.REJECTED
    assert exchange.spot_orders() == []


def test_a_resting_buy_fills_when_the_market_comes_down_and_moves_the_balances(engine, exchange, spot):
    vt_orderid = engine.send_order(spot_req(price=59000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.NOTTRADED)
    settle(engine, lambda: engine.get_account("BINANCE.SPOT.USDT").frozen == 590.0)
    exchange.set_spot_book("BTCUSDT", 58990.0, 58999.0)
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.ALLTRADED)
    settle(engine, lambda: balance(engine, "USDT") == 9_410.0)
    settle(engine, lambda: held(engine) == pytest.approx(0.05 + 0.01 * 0.999))
    trade = TradeRecord.get(TradeRecord.gateway == "BINANCE")
    assert trade.vt_tradeid == f"BINANCE.S{exchange.spot_trades()[0]['id']}"
    assert trade.vt_symbol == SPOT


def test_a_fill_is_charged_in_the_quote_value_of_the_coin_paid(engine, exchange, spot):
    vt_orderid = engine.send_order(spot_req(kind=OrderType.MARKET, price=0.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.ALLTRADED)
    trade = next(t for t in engine.get_all_trades() if t.vt_orderid == vt_orderid)
    assert trade.price == 60000.01
    assert trade.extra["commission_paid_asset"] == "BTC"
    assert trade.extra["commission"] == pytest.approx(0.01 * 0.001 * 60000.01)
    assert trade.extra["commission_asset"] == "USDT"


def test_selling_more_than_is_held_is_refused_in_words(engine, exchange, spot):
    vt_orderid = engine.send_order(spot_req(Direction.SHORT, volume=0.5, price=61000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.REJECTED)
    assert "余额不足" in engine.get_order(vt_orderid).extra["reason"]
    assert not exchange.spot_orders()


def test_short_selling_spot_is_refused_before_it_is_sent(engine, exchange, spot):
    vt_orderid = engine.send_order(spot_req(Direction.SHORT, offset=Offset.OPEN, price=61000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.REJECTED)
    assert "卖空" in engine.get_order(vt_orderid).extra["reason"]
    assert not exchange.spot_orders()


def test_a_post_only_buy_that_would_take_is_refused(engine, exchange, spot):
    req = crypto.PostOnlyRequest("BTCUSDT_SPOT", Exchange.GLOBAL, Direction.LONG, OrderType.LIMIT, 0.01, 60001.0,
                                 Offset.OPEN)
    vt_orderid = engine.send_order(req, "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.REJECTED)
    assert "Maker" in engine.get_order(vt_orderid).extra["reason"] or "立即成交" in \
        engine.get_order(vt_orderid).extra["reason"]


def test_a_cancelled_spot_order_is_cancelled_at_the_exchange_and_unlocks_its_cash(engine, exchange, spot):
    vt_orderid = engine.send_order(spot_req(price=58000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.NOTTRADED)
    engine.cancel_order(engine.get_order(vt_orderid).create_cancel_request(), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.CANCELLED)
    assert exchange.spot_orders()[0].status == "CANCELED"
    settle(engine, lambda: engine.get_account("BINANCE.SPOT.USDT").frozen == 0.0)


def test_a_spot_fill_while_the_stream_is_down_is_read_back_before_spot_is_connected(engine, exchange, spot):
    vt_orderid = engine.send_order(spot_req(price=59000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.NOTTRADED)
    exchange.block_user_stream()
    settle(engine, lambda: not spot.spot_ready)
    exchange.spot_fill(vt_orderid.split(".", 1)[1], 0.004, 59000.0)
    exchange.spot_fill(vt_orderid.split(".", 1)[1], 0.006, 59000.0)
    assert status_of(engine, vt_orderid) is Status.NOTTRADED
    exchange.block_user_stream(False)
    settle(engine, lambda: spot.spot_ready, 60)
    assert status_of(engine, vt_orderid) is Status.ALLTRADED
    journaled = sorted(t.vt_tradeid for t in TradeRecord.select().where(TradeRecord.gateway == "BINANCE"))
    assert journaled == sorted(f"BINANCE.S{t['id']}" for t in exchange.spot_trades())


def test_socket_kills_while_spot_orders_fill_lose_and_duplicate_no_fill(engine, exchange, spot):
    rng = random.Random(8)
    exchange.spot.symbols["BTCUSDT"].depth_qty = 0.002                 # fills come in pieces
    resting = [engine.send_order(spot_req(volume=0.01, price=59000.0 - n), "BINANCE") for n in range(5)]
    settle(engine, lambda: all(status_of(engine, o) is Status.NOTTRADED for o in resting), 60)
    for kill in range(30):
        order = rng.choice(resting).split(".", 1)[1]
        exchange.spot_fill(order, 0.001, 58990.0)
        if kill % 3 == 0:
            exchange.drop_sockets()
    settle(engine, lambda: spot.spot_ready, 60)
    traded = {o.client_id: o.executed for o in exchange.spot_orders()}
    settle(engine, lambda: all(engine.get_order(o).traded == pytest.approx(traded[o.split(".", 1)[1]])
                               for o in resting), 60)
    journaled = sorted(t.vt_tradeid for t in TradeRecord.select().where(TradeRecord.gateway == "BINANCE"))
    assert journaled == sorted(f"BINANCE.S{t['id']}" for t in exchange.spot_trades())
    settle(engine, lambda: balance(engine, "BTC") == pytest.approx(sum(exchange.spot_balances()["BTC"])))


def test_the_portfolio_counts_spot_coins_at_their_spot_price(engine, exchange, spot):
    portfolio = engine.get_engine("PortfolioManager")
    assert portfolio.apply({"usdt_cny": 7.0}) == []
    settle(engine, lambda: balance(engine, "BTC") == 0.05)
    lines = {line.account: line for line in portfolio.accounts()}
    assert lines["BINANCE.SPOT.BTC"].currency == "BTC" and math.isnan(lines["BINANCE.SPOT.BTC"].in_base)
    engine.subscribe(SubscribeRequest("BTCUSDT_SPOT", Exchange.GLOBAL), "BINANCE")
    settle(engine, lambda: (exchange.set_spot_book("BTCUSDT", 61000.0, 61000.5),
                            (engine.get_tick(SPOT) or False) and engine.get_tick(SPOT).last_price > 61000)[1])
    lines = {line.account: line for line in portfolio.accounts()}
    assert lines["BINANCE.SPOT.BTC"].in_base == pytest.approx(0.05 * engine.get_tick(SPOT).last_price * 7.0)
    assert lines["BINANCE.SPOT.USDT"].in_base == pytest.approx(10_000.0 * 7.0)


def test_spot_klines_download_in_pages_of_a_thousand_without_funding(engine, exchange, spot):
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, 23, 59, tzinfo=UTC)
    report = engine.get_engine("DataManager").download("BINANCE", [SPOT], Interval.MINUTE, start, end)
    bars = get_database().load_bar_data("BTCUSDT_SPOT", Exchange.GLOBAL, Interval.MINUTE, start, end)
    assert len(bars) == 2 * 1440 == report.saved[SPOT]
    assert exchange.requests.count(("GET", "/api/v3/klines")) == 3
    assert SPOT not in report.funding and ("GET", "/fapi/v1/fundingRate") not in exchange.requests
