"""The Binance gateway through real ccxt against the loopback exchange: contracts, market data,
trading, and the pipeline, journal and risk checks around it."""

from __future__ import annotations

import pytest
from vnpy.trader.constant import Direction, Exchange, Offset, OrderType, Status
from vnpy.trader.event import EVENT_LOG
from vnpy.trader.object import SubscribeRequest

from lianghua_app.events import EVENT_GATEWAY_STATUS
from lianghua_app.journal import TradeRecord
from lianghua_app.markets import crypto
from tests.binance.helpers import BTC, collect, req, status_of
from tests.helpers import drain, settle, wait_until


def volume_held(engine, direction="净") -> float | None:
    position = engine.get_position(f"BINANCE.{BTC}.{direction}")
    return position.volume if position else None


def test_contracts_are_the_trading_perpetuals_with_exchange_filters(engine, binance):
    btc = engine.get_contract(BTC)
    assert (btc.pricetick, btc.min_volume, btc.gateway_name) == (0.1, 0.001, "BINANCE")
    assert engine.get_contract("LUNAUSDT.GLOBAL") is None            # settling, not trading
    assert engine.get_contract("XAUUSDT.GLOBAL").extra["tradfi"]
    assert crypto.spec_of("SOLUSDT").min_notional == 5.0


def test_the_pre_trade_guard_applies_the_exchange_filters(engine, exchange, binance):
    vt_orderid = engine.send_order(req(volume=0.0005), "BINANCE")
    drain(engine)
    assert status_of(engine, vt_orderid) is Status.REJECTED
    assert "数量" in engine.get_order(vt_orderid).extra["reason"]
    assert exchange.orders() == []


@pytest.mark.parametrize("binance_extra", [{"api_key": "", "secret": ""}])
def test_market_data_needs_no_key_and_carries_depth_mark_and_funding(engine, exchange, binance_setting):
    engine.connect(binance_setting, "BINANCE")
    gateway = engine.gateways["BINANCE"]
    wait_until(lambda: gateway.data_ready and gateway.state_text == "行情", 60)
    engine.subscribe(SubscribeRequest("BTCUSDT", Exchange.GLOBAL), "BINANCE")
    exchange.set_book("BTCUSDT", 59900.0, 59900.1)

    def updated():
        exchange.set_book("BTCUSDT", 59900.0, 59900.1)
        tick = engine.get_tick(BTC)
        return tick is not None and (tick.bid_price_1, tick.extra["mark_price"]) == (59900.0, pytest.approx(59900.05))
    settle(engine, updated)                    # the streamed mark replaces the one read at connect
    tick = engine.get_tick(BTC)
    assert tick.ask_price_1 == 59900.1 and tick.extra["funding_rate"] > 0
    assert tick.extra["next_funding_time"] is not None


def test_a_resting_order_fills_when_the_market_reaches_it_and_is_journaled_once(engine, exchange, binance):
    vt_orderid = engine.send_order(req(price=59000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.NOTTRADED)
    exchange.set_book("BTCUSDT", 58990.0, 58999.0)
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.ALLTRADED)
    settle(engine, lambda: volume_held(engine) == 0.01)
    assert TradeRecord.select().where(TradeRecord.gateway == "BINANCE").count() == 1
    trade = TradeRecord.get(TradeRecord.gateway == "BINANCE")
    assert trade.vt_tradeid == f"BINANCE.{exchange.trades()[0]['id']}"


def test_a_refused_order_says_why_in_chinese(engine, exchange, binance):
    vt_orderid = engine.send_order(req(volume=50.0, price=59000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.REJECTED)
    assert "保证金不足" in engine.get_order(vt_orderid).extra["reason"]


def test_a_cancelled_order_is_cancelled_at_the_exchange(engine, exchange, binance):
    vt_orderid = engine.send_order(req(price=58000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.NOTTRADED)
    engine.cancel_order(engine.get_order(vt_orderid).create_cancel_request(), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.CANCELLED)
    assert exchange.orders()[0].status == "CANCELED"


def test_a_stop_order_waits_on_the_algo_api_and_fills_when_triggered(engine, exchange, binance):
    entry = engine.send_order(req(kind=OrderType.MARKET, price=0.0), "BINANCE")
    settle(engine, lambda: status_of(engine, entry) is Status.ALLTRADED)
    settle(engine, lambda: volume_held(engine) == 0.01)
    stop = engine.send_order(req(Direction.SHORT, price=59500.0, kind=OrderType.STOP, offset=Offset.CLOSE), "BINANCE")
    settle(engine, lambda: status_of(engine, stop) is Status.NOTTRADED)
    assert ("POST", "/fapi/v1/algoOrder") in exchange.requests
    assert ("POST", "/fapi/v1/order") not in exchange.requests   # plain orders go over the WebSocket API
    exchange.set_book("BTCUSDT", 59400.0, 59400.1)
    settle(engine, lambda: status_of(engine, stop) is Status.ALLTRADED)
    settle(engine, lambda: volume_held(engine) == 0)
    stop_trades = TradeRecord.select().where(TradeRecord.vt_orderid == stop)
    assert [t.volume for t in stop_trades] == [0.01]


def test_a_sell_trigger_above_the_mark_is_a_take_profit_that_closes_the_position(engine, exchange, binance):
    entry = engine.send_order(req(kind=OrderType.MARKET, price=0.0), "BINANCE")
    settle(engine, lambda: status_of(engine, entry) is Status.ALLTRADED and volume_held(engine) == 0.01)
    take = engine.send_order(req(Direction.SHORT, price=61000.0, kind=OrderType.STOP, offset=Offset.CLOSE), "BINANCE")
    settle(engine, lambda: status_of(engine, take) is Status.NOTTRADED)
    assert exchange.algos.orders[max(exchange.algos.orders)].type == "TAKE_PROFIT_MARKET"
    exchange.set_book("BTCUSDT", 61000.0, 61000.1)
    settle(engine, lambda: status_of(engine, take) is Status.ALLTRADED and volume_held(engine) == 0)


def test_a_stop_order_can_be_cancelled(engine, exchange, binance):
    stop = engine.send_order(req(price=61000.0, kind=OrderType.STOP), "BINANCE")
    settle(engine, lambda: status_of(engine, stop) is Status.NOTTRADED)
    engine.cancel_order(engine.get_order(stop).create_cancel_request(), "BINANCE")
    settle(engine, lambda: status_of(engine, stop) is Status.CANCELLED)
    assert exchange.algos.orders[min(exchange.algos.orders)].status == "CANCELED"


@pytest.mark.parametrize("binance_extra", [{"position_mode": "hedge"}])
def test_hedge_mode_shows_long_and_short_positions_apart(engine, exchange, binance):
    assert binance.hedge_mode and exchange.venue.account.hedge_mode
    long = engine.send_order(req(kind=OrderType.MARKET, price=0.0, offset=Offset.OPEN), "BINANCE")
    short = engine.send_order(req(Direction.SHORT, volume=0.02, kind=OrderType.MARKET, price=0.0,
                                  offset=Offset.OPEN), "BINANCE")
    settle(engine, lambda: status_of(engine, long) is Status.ALLTRADED and status_of(engine, short) is Status.ALLTRADED)
    settle(engine, lambda: engine.get_position("BINANCE.BTCUSDT.GLOBAL.多") is not None
           and engine.get_position("BINANCE.BTCUSDT.GLOBAL.空") is not None)
    assert engine.get_position("BINANCE.BTCUSDT.GLOBAL.多").volume == 0.01
    assert engine.get_position("BINANCE.BTCUSDT.GLOBAL.空").volume == 0.02


def test_leverage_is_set_per_symbol_and_said(engine, exchange, binance):
    logs = collect(engine, EVENT_LOG)
    binance.set_leverage("BTCUSDT", 5)
    settle(engine, lambda: any("杠杆设为5倍：成功" in log.msg for log in logs))
    assert exchange.venue.account.leverage["BTCUSDT"] == 5


@pytest.mark.parametrize("binance_extra", [{"secret": "wrong-secret"}])
def test_a_wrong_secret_keeps_market_data_and_says_why(engine, exchange, binance_setting):
    statuses = collect(engine, EVENT_GATEWAY_STATUS)
    engine.connect(binance_setting, "BINANCE")
    logs = collect(engine, EVENT_LOG)
    settle(engine, lambda: any("Secret" in s.message for s in statuses)
           and any("现货账户失败" in log.msg for log in logs), 60)
    gateway = engine.gateways["BINANCE"]
    assert gateway.data_ready and not gateway.trading_ready and not gateway.spot_ready


def test_a_clock_skew_is_explained(engine, exchange, binance_setting):
    exchange.skew_ms = -120_000
    statuses = collect(engine, EVENT_GATEWAY_STATUS)
    engine.connect(binance_setting, "BINANCE")
    settle(engine, lambda: any("时钟" in s.message for s in statuses), 60)


def test_an_ip_ban_is_explained_and_the_app_keeps_running(engine, exchange):
    exchange.banned = True
    statuses = collect(engine, EVENT_GATEWAY_STATUS)
    engine.connect({"server": "LOOPBACK"}, "BINANCE")
    settle(engine, lambda: any("封禁" in s.message for s in statuses), 60)
    assert engine.get_contract(BTC) is None


def test_a_key_without_futures_permission_is_explained(engine, exchange, binance_setting):
    exchange.futures_permission = False
    statuses = collect(engine, EVENT_GATEWAY_STATUS)
    engine.connect(binance_setting, "BINANCE")
    settle(engine, lambda: any("权限" in s.message for s in statuses), 60)


def initialised(engine, strategy_class, name: str):
    """The CTA engine and a strategy of `strategy_class` on BTCUSDT, initialised."""
    cta = engine.get_engine("CtaStrategy")
    cta.init_engine()
    cta.classes[strategy_class.__name__] = strategy_class
    cta.add_strategy(strategy_class.__name__, name, BTC, {})
    cta.init_strategy(name)
    strategy = cta.strategies[name]
    wait_until(lambda: strategy.inited, 60)
    return cta, strategy


def test_a_cta_strategy_runs_unchanged_on_binance_perpetuals(engine, exchange, binance):
    from vnpy_ctastrategy import CtaTemplate

    class BuyOnce(CtaTemplate):
        def on_init(self) -> None:
            self.sent = False
            self.load_bar(1)

        def on_tick(self, tick) -> None:
            if self.trading and not self.sent and tick.ask_price_1:
                self.buy(tick.ask_price_1, 0.01)
                self.sent = True

        def on_bar(self, bar) -> None:
            pass

    cta, strategy = initialised(engine, BuyOnce, "buy_once_binance")
    cta.start_strategy("buy_once_binance")
    wait_until(lambda: ("GET", "/fapi/v1/depth") in exchange.requests)

    def bought():
        exchange.set_book("BTCUSDT", 60000.0, 60000.1)
        return strategy.pos == 0.01
    wait_until(bought, 60)
    assert exchange.orders()[0].client_id.startswith("lh") and exchange.orders()[0].status == "FILLED"
    cta.stop_strategy("buy_once_binance")
    cta.remove_strategy("buy_once_binance")


def test_a_strategy_sets_its_symbols_leverage_and_margin_type_on_binance(engine, exchange, binance):
    from vnpy_ctastrategy import CtaTemplate

    from apps.cta_strategy.api import set_leverage

    class Levered(CtaTemplate):
        def on_init(self) -> None:
            self.asked = set_leverage(self, 7, isolated=True)

    logs = collect(engine, EVENT_LOG)
    cta, strategy = initialised(engine, Levered, "levered")
    settle(engine, lambda: sum("成功" in log.msg for log in logs) == 2)
    assert strategy.asked
    account = exchange.venue.account
    assert (account.leverage["BTCUSDT"], account.margin_type["BTCUSDT"]) == (7, "isolated")
    cta.remove_strategy("levered")


def test_an_ed25519_key_signs_the_account_requests(engine):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from gateways.binance.client import Server, register_server
    from gateways.binance.testing import FakeBinance

    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    fake = FakeBinance(api_key="ed-key", ed25519_public_pem=public_pem).start()
    try:
        register_server(Server("LOOPBACK", rest=fake.rest_url, ws=fake.ws_url))
        engine.connect({"api_key": "ed-key", "secret": private_pem, "server": "LOOPBACK", "timeout": 2}, "BINANCE")
        gateway = engine.gateways["BINANCE"]
        wait_until(lambda: gateway.trading_ready, 60)
        vt_orderid = engine.send_order(req(price=59000.0), "BINANCE")
        settle(engine, lambda: status_of(engine, vt_orderid) is Status.NOTTRADED)
    finally:
        engine.close()
        fake.stop()


def test_the_whole_market_arrives_as_one_ticker_event_per_batch(engine, exchange, binance):
    from gateways.binance.market_data import EVENT_CRYPTO_TICKERS

    batches = collect(engine, EVENT_CRYPTO_TICKERS)
    exchange.venue.symbols["ETHUSDT"].change_percent = 2.5
    settle(engine, lambda: (exchange.set_book("ETHUSDT", 3050.0, 3050.01),
                            any(t.symbol == "ETHUSDT" for b in batches for t in b.tickers))[1])
    eth = next(t for b in batches for t in b.tickers if t.symbol == "ETHUSDT")
    assert eth.change_percent == pytest.approx(2.5) and eth.quote_volume == 1e9
    assert all(b.gateway_name == "BINANCE" for b in batches)


def test_contract_specs_carry_the_keys_fee_rates_and_leverage(engine, exchange, binance_setting):
    exchange.venue.account.maker_fee, exchange.venue.account.taker_fee = 0.00018, 0.00045
    exchange.venue.symbols["XAUUSDT"].fees = (0.0, 0.0001)
    engine.connect(binance_setting, "BINANCE")
    gateway = engine.gateways["BINANCE"]
    wait_until(lambda: gateway.trading_ready, 60)
    spec = crypto.spec_of("BTCUSDT")
    assert (spec.maker_fee, spec.taker_fee) == (0.00018, 0.00045)
    assert spec.max_leverage == exchange.venue.symbols["BTCUSDT"].max_leverage
    assert engine.get_contract(BTC).extra["spec"] == spec
    engine.subscribe(SubscribeRequest("XAUUSDT", Exchange.GLOBAL), "BINANCE")     # a TradFi rate of its own
    settle(engine, lambda: crypto.spec_of("XAUUSDT").taker_fee == 0.0001)
    assert crypto.spec_of("XAUUSDT").maker_fee == 0.0


def test_listed_specs_are_stored_for_backtests_in_other_processes(engine, exchange, binance):
    from lianghua_app.storage.contract_specs import load_spec

    stored = load_spec("SOLUSDT")
    assert stored == crypto.spec_of("SOLUSDT")
    assert (stored.min_notional, stored.taker_fee) == (5.0, exchange.venue.account.taker_fee)


def test_the_all_market_snapshot_feeds_the_hotlist_from_binance(engine, exchange, binance):
    frame = binance.crypto_snapshot()
    trading = sorted(f"{s.symbol}.GLOBAL" for s in exchange.venue.symbols.values() if s.status == "TRADING")
    assert sorted(frame.vt_symbols) == trading
    row = frame.vt_symbols.index(BTC)
    book = exchange.venue.symbols["BTCUSDT"]
    assert (frame.bid[row], frame.ask[row], frame.tick[row]) == (book.bid, book.ask, 0.1)
    assert frame.open_interest[row] == book.open_interest and frame.quote_volume[row] > 0
    assert frame.tradfi[frame.vt_symbols.index("XAUUSDT.GLOBAL")] and not frame.tradfi[row]
    assert frame.listed_days[row] > 365
    ranking = engine.get_engine("Hotlist").scan("crypto")
    assert ranking.universe == len(trading)                          # Binance's, not SIM's
