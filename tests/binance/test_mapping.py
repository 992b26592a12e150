"""The Binance mapping tables, from payloads shaped as Binance documents them (no sockets)."""

from __future__ import annotations

import pytest
from vnpy.trader.constant import Direction, Exchange, Offset, OrderType, Status
from vnpy.trader.object import OrderRequest

from gateways.binance import mapping as m
from gateways.binance.orders import OrderBook
from lianghua_app.markets import crypto


def exchange_info_row(symbol="BTCUSDT", status="TRADING", contract_type="PERPETUAL", underlying="COIN"):
    return {"symbol": symbol, "status": status, "contractType": contract_type, "baseAsset": symbol[:-4],
            "quoteAsset": "USDT", "underlyingType": underlying, "underlyingSubType": [],
            "filters": [{"filterType": "PRICE_FILTER", "tickSize": "0.10"},
                        {"filterType": "LOT_SIZE", "stepSize": "0.001", "minQty": "0.002"},
                        {"filterType": "MIN_NOTIONAL", "notional": "100"}]}


def update(**fields):
    base = {"s": "BTCUSDT", "c": "lh1", "S": "BUY", "o": "LIMIT", "f": "GTC", "q": "0.01", "p": "60000",
            "ap": "0", "sp": "0", "x": "NEW", "X": "NEW", "i": 8001, "l": "0", "z": "0", "L": "0", "N": "USDT",
            "n": "0", "T": 1764547200000, "t": 0, "m": False, "R": False, "ot": "LIMIT", "ps": "BOTH", "rp": "0"}
    return {**base, **fields}


def request(direction=Direction.LONG, kind=OrderType.LIMIT, offset=Offset.NONE, price=60000.0):
    return OrderRequest("BTCUSDT", Exchange.GLOBAL, direction, kind, 0.01, price, offset)


def test_a_trading_perpetual_carries_its_exchange_filters():
    spec = m.spec_from_symbol(exchange_info_row())
    assert (spec.tick, spec.step, spec.min_qty, spec.min_notional) == (0.1, 0.001, 0.002, 100.0)


@pytest.mark.parametrize("row", [exchange_info_row(status="SETTLING"),
                                 exchange_info_row(contract_type="CURRENT_QUARTER")])
def test_symbols_that_do_not_trade_as_perpetuals_are_not_listed(row):
    assert m.spec_from_symbol(row) is None


def test_tradfi_perpetuals_are_tagged_apart_from_crypto():
    gold = exchange_info_row("XAUUSDT", contract_type="TRADIFI_PERPETUAL", underlying="COMMODITY")
    contract = m.contract_from_spec(m.spec_from_symbol(gold), gold, "BINANCE")
    assert contract.extra["tradfi"] and "TradFi" in contract.name
    coin = exchange_info_row()
    assert not m.contract_from_spec(m.spec_from_symbol(coin), coin, "BINANCE").extra["tradfi"]


@pytest.mark.parametrize(("status", "expected"), [
    ("NEW", Status.NOTTRADED), ("PARTIALLY_FILLED", Status.PARTTRADED), ("FILLED", Status.ALLTRADED),
    ("CANCELED", Status.CANCELLED), ("EXPIRED", Status.CANCELLED), ("EXPIRED_IN_MATCH", Status.CANCELLED),
    ("REJECTED", Status.REJECTED), ("NEW_INSURANCE", Status.ALLTRADED), ("NEW_ADL", Status.ALLTRADED)])
def test_every_documented_order_status_maps_to_a_vnpy_status(status, expected):
    assert m.order_from_update(update(X=status)).status is expected


def test_an_expired_post_only_order_says_it_would_have_taken():
    state = m.order_from_update(update(X="EXPIRED", f="GTX"))
    assert "Maker" in state.reason


def test_an_expired_ioc_order_says_the_rest_was_cancelled():
    assert "IOC" in m.order_from_update(update(X="EXPIRED", f="IOC", z="0.004")).reason


@pytest.mark.parametrize(("text", "words"), [
    ('binanceusdm {"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}', "时钟"),
    ('binanceusdm {"code":-2019,"msg":"Margin is insufficient."}', "保证金不足"),
    ('binanceusdm {"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}', "合约交易权限"),
    ('binanceusdm {"code":-1022,"msg":"Signature for this request is not valid."}', "Secret"),
    ('binanceusdm {"code":-4164,"msg":"Order\'s notional must be no smaller than 100"}', "最小"),
    ('binanceusdm 418 I\'m a teapot {"code":-1003}', "封禁"),
    ('binanceusdm {"code":-9999,"msg":"Something new."}', "Something new."),
])
def test_binance_errors_read_as_chinese_reasons(text, words):
    assert words in m.error_reason(text)


def test_close_is_reduce_only_in_one_way_mode():
    plan = m.plan_order(request(Direction.SHORT, offset=Offset.CLOSE), "lh1", hedge_mode=False)
    assert plan.params["reduceOnly"] is True and "positionSide" not in plan.params


@pytest.mark.parametrize(("direction", "offset", "side"), [
    (Direction.LONG, Offset.OPEN, "LONG"), (Direction.SHORT, Offset.CLOSE, "LONG"),
    (Direction.SHORT, Offset.OPEN, "SHORT"), (Direction.LONG, Offset.CLOSE, "SHORT")])
def test_hedge_mode_picks_the_position_side_from_direction_and_offset(direction, offset, side):
    plan = m.plan_order(request(direction, offset=offset), "lh1", hedge_mode=True)
    assert plan.params["positionSide"] == side and "reduceOnly" not in plan.params


def test_hedge_mode_refuses_an_order_without_an_offset():
    assert isinstance(m.plan_order(request(offset=Offset.NONE), "lh1", hedge_mode=True), str)


@pytest.mark.parametrize(("kind", "tif"), [(OrderType.LIMIT, "GTC"), (OrderType.FAK, "IOC"), (OrderType.FOK, "FOK")])
def test_limit_order_kinds_map_to_binance_time_in_force(kind, tif):
    assert m.plan_order(request(kind=kind), "lh1", False).params["timeInForce"] == tif


def test_a_stop_order_goes_to_the_algo_api_with_our_id_as_client_algo_id():
    plan = m.plan_order(request(kind=OrderType.STOP, price=61000.0), "lh7", False)
    assert plan.type == "STOP_MARKET"
    assert plan.params["clientAlgoId"] == "lh7" and plan.params["triggerPrice"] == 61000.0
    assert "newClientOrderId" not in plan.params


def test_an_algo_update_maps_to_a_stop_order_and_finishes_filled():
    o = {"caid": "lh7", "aid": 2148719, "o": "STOP_MARKET", "s": "BTCUSDT", "S": "SELL", "ps": "BOTH", "q": "0.01",
         "X": "NEW", "ai": "", "aq": "0", "tp": "59000", "R": True, "T": 1764547200000, "rm": ""}
    state = m.order_from_algo(o)
    assert (state.type, state.status, state.price, state.offset) == (OrderType.STOP, Status.NOTTRADED, 59000.0,
                                                                     Offset.CLOSE)
    assert m.order_from_algo({**o, "X": "FINISHED", "aq": "0.01"}).status is Status.ALLTRADED
    assert "Reduce" in m.order_from_algo({**o, "X": "REJECTED", "rm": "Reduce Only reject"}).reason


def test_a_fill_carries_binance_trade_id_commission_and_realised_pnl():
    trade = m.trade_from_update(update(x="TRADE", X="FILLED", t=777, l="0.01", L="59999.9", n="0.3", rp="1.5"),
                                "lh1", "BINANCE")
    assert (trade.tradeid, trade.volume, trade.price) == ("777", 0.01, 59999.9)
    assert trade.extra["commission"] == 0.3 and trade.extra["realized_pnl"] == 1.5


def test_an_order_update_without_a_fill_is_no_trade():
    assert m.trade_from_update(update(x="NEW"), "lh1", "BINANCE") is None


def test_a_late_report_never_takes_an_order_back():
    book = OrderBook()
    book.advance(m.order_from_update(update(X="PARTIALLY_FILLED", z="0.005")), "BINANCE")
    assert book.advance(m.order_from_update(update(X="NEW", z="0")), "BINANCE") is None
    order = book.orders["lh1"]
    assert (order.status, order.traded) == (Status.PARTTRADED, 0.005)


def test_a_finished_order_stays_finished():
    book = OrderBook()
    book.advance(m.order_from_update(update(X="FILLED", z="0.01")), "BINANCE")
    assert book.advance(m.order_from_update(update(X="CANCELED", z="0.01")), "BINANCE") is None


def test_a_binance_trade_id_counts_once():
    book = OrderBook()
    trade = m.trade_from_update(update(x="TRADE", t=5, l="0.01", L="1"), "lh1", "BINANCE")
    assert book.first_sight(trade, 10) and not book.first_sight(trade, 10)
    assert book.last_trade_ms["BTCUSDT"] == 10


def test_a_keys_terms_set_leverage_from_the_first_bracket_and_both_fee_rates():
    spec = crypto.PERPETUALS["BTCUSDT"]
    brackets = [{"bracket": 1, "initialLeverage": 75}, {"bracket": 2, "initialLeverage": 50}]
    fees = {"symbol": "BTCUSDT", "makerCommissionRate": "0.000180", "takerCommissionRate": "0.00045"}
    terms = m.with_account_terms(spec, brackets, fees)
    assert (terms.max_leverage, terms.maker_fee, terms.taker_fee) == (75, 0.00018, 0.00045)
    assert m.with_account_terms(spec, [], None) == spec


def test_funding_income_rows_become_signed_cash_flows_with_the_venue_id():
    rows = [{"symbol": "ETHUSDT", "incomeType": "FUNDING_FEE", "income": "-0.01250000", "asset": "USDT",
             "time": 1717401600000, "tranId": 9689322392, "tradeId": "", "info": "FUNDING_FEE"},
            {"symbol": "ETHUSDT", "incomeType": "COMMISSION", "income": "-0.03", "asset": "USDT",
             "time": 1717401600001, "tranId": 9689322393, "tradeId": "5", "info": "COMMISSION"}]
    [flow] = m.funding_flows(rows, "BINANCE")
    assert (flow.flow_id, flow.vt_symbol, flow.amount) == ("BINANCE.funding.9689322392", "ETHUSDT.GLOBAL", -0.0125)
    assert flow.time.isoformat() == "2024-06-03T08:00:00+00:00"


@pytest.mark.parametrize(("direction", "trigger", "kind"), [
    (Direction.SHORT, 61000.0, "TAKE_PROFIT_MARKET"), (Direction.SHORT, 59000.0, "STOP_MARKET"),
    (Direction.LONG, 59000.0, "TAKE_PROFIT_MARKET"), (Direction.LONG, 61000.0, "STOP_MARKET")])
def test_a_trigger_on_the_winning_side_of_the_mark_is_a_take_profit(direction, trigger, kind):
    plan = m.plan_order(request(direction=direction, kind=OrderType.STOP, price=trigger), "lh8", False, 60000.0)
    assert plan.type == kind and plan.params["clientAlgoId"] == "lh8"


def test_a_post_only_limit_order_is_sent_good_till_crossing_and_other_kinds_are_refused():
    post_only = crypto.PostOnlyRequest("BTCUSDT", Exchange.GLOBAL, Direction.LONG, OrderType.LIMIT, 0.01, 59000.0)
    assert m.plan_order(post_only, "lh9", False).params["timeInForce"] == "GTX"
    post_only.type = OrderType.MARKET
    assert "限价" in m.plan_order(post_only, "lh9", False)


@pytest.mark.parametrize(("proxy", "attributes"), [
    ("http://127.0.0.1:7890", {"http_proxy", "ws_proxy"}),
    ("127.0.0.1:7890", {"http_proxy", "ws_proxy"}),
    ("https://proxy.example:443", {"https_proxy", "wss_proxy"}),
    ("socks5://127.0.0.1:7891", {"socks_proxy", "ws_socks_proxy"}),
    ("", set()),
])
def test_a_proxy_fills_exactly_one_ccxt_proxy_per_transport(proxy, attributes):
    filled = m.proxy_attributes(proxy)
    assert set(filled) == attributes
    assert all(url.endswith(proxy) and "://" in url for url in filled.values())


@pytest.mark.parametrize(("proxy", "says"), [("ftp://127.0.0.1:21", "socks5://"), ("http://127.0.0.1", "端口"),
                                             ("http://:7890", "主机"), ("http://127.0.0.1:port", "端口")])
def test_a_proxy_setting_that_cannot_be_read_says_what_to_write(proxy, says):
    with pytest.raises(ValueError, match=says):
        m.proxy_attributes(proxy)


@pytest.mark.parametrize(("server", "hosts"), [
    ("REAL", ("fapi.binance.com", "fstream.binance.com", "ws-fapi.binance.com", "api.binance.com",
              "stream.binance.com", "ws-api.binance.com")),
    ("TESTNET", ("testnet.binancefuture.com", "fstream.binancefuture.com", "testnet.binancefuture.com",
                 "testnet.binance.vision", "stream.testnet.binance.vision", "ws-api.testnet.binance.vision")),
    ("DEMO", ("demo-fapi.binance.com", "demo-fstream.binance.com", "testnet.binancefuture.com", "demo-api.binance.com",
              "demo-stream.binance.com", "demo-ws-api.binance.com")),
])
def test_each_server_reaches_binances_own_hosts_for_rest_streams_and_the_websocket_api(server, hosts):
    from urllib.parse import urlsplit

    from gateways.binance.client import SERVERS, BinanceClient
    from gateways.binance.spot_client import SpotClient

    futures, spot = BinanceClient(SERVERS[server]).ex, SpotClient(SERVERS[server]).ex
    reached = (futures.urls["api"]["fapiPrivate"], futures.get_ws_url("linear", "market"),
               futures.urls["api"]["ws"]["ws-api"]["linear"], spot.urls["api"]["private"],
               spot.urls["api"]["ws"]["spot"], spot.urls["api"]["ws"]["ws-api"]["spot"])
    assert tuple(urlsplit(url).hostname for url in reached) == hosts
