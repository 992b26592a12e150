"""The spot mapping alone, from Binance's documented spot payloads: no threads, no sockets."""

from __future__ import annotations

import pytest
from vnpy.trader.constant import Direction, Exchange, Offset, OrderType, Status
from vnpy.trader.object import OrderRequest

from gateways.binance import spot_mapping as sm
from gateways.binance.mapping import error_reason
from lianghua_app.markets import crypto

REPORT = {"e": "executionReport", "E": 1764633600000, "s": "BTCUSDT", "c": "lh2612020001", "C": "", "S": "BUY",
          "o": "LIMIT", "f": "GTC", "q": "0.01000000", "p": "59000.00", "x": "NEW", "X": "NEW", "r": "NONE",
          "i": 5000001, "l": "0", "z": "0", "L": "0", "n": "0", "N": None, "T": 1764633600000, "t": -1, "m": False}


def request(direction, offset, kind=OrderType.LIMIT, price=59000.0):
    return OrderRequest("BTCUSDT_SPOT", Exchange.GLOBAL, direction, kind, 0.01, price, offset)


def test_a_new_order_report_is_not_traded_and_keeps_the_client_id():
    state = sm.order_from_report(REPORT)
    assert (state.orderid, state.symbol, state.status, state.venue_id) == ("lh2612020001", "BTCUSDT_SPOT",
                                                                           Status.NOTTRADED, "S5000001")


def test_a_cancel_report_is_matched_by_the_orders_own_id_not_the_cancel_requests():
    state = sm.order_from_report({**REPORT, "x": "CANCELED", "X": "CANCELED", "c": "cancel-7", "C": "lh2612020001"})
    assert (state.orderid, state.status) == ("lh2612020001", Status.CANCELLED)


def test_a_rejected_report_says_why():
    state = sm.order_from_report({**REPORT, "x": "REJECTED", "X": "REJECTED", "r": "INSUFFICIENT_BALANCE"})
    assert state.status is Status.REJECTED and state.reason == "余额不足"


@pytest.mark.parametrize(("side", "asset", "paid", "commission"), [
    ("BUY", "BTC", "0.00001", 0.00001 * 60000.0),     # a buy pays in the coin it receives
    ("SELL", "USDT", "0.6", 0.6),                      # a sell pays in the quote
    ("BUY", "BNB", "0.001", 0.0),                      # BNB has no quote value here
])
def test_a_fills_commission_is_valued_in_the_quote_asset(side, asset, paid, commission):
    fill = {**REPORT, "x": "TRADE", "X": "FILLED", "S": side, "l": "0.01", "z": "0.01", "L": "60000",
            "n": paid, "N": asset, "t": 700001}
    trade = sm.trade_from_report(fill, "BINANCE", ("BTC", "USDT"))
    assert trade.tradeid == "S700001" and trade.extra["commission"] == pytest.approx(commission)
    assert (trade.extra["commission_asset"], trade.extra["commission_paid_asset"]) == ("USDT", asset)


def test_a_rest_fill_reads_like_the_streamed_one():
    row = {"symbol": "BTCUSDT", "id": 700001, "orderId": 5000001, "price": "60000", "qty": "0.01",
           "commission": "0.00001", "commissionAsset": "BTC", "time": 1764633600000, "isBuyer": True,
           "isMaker": True}
    streamed = sm.trade_from_report({**REPORT, "x": "TRADE", "l": "0.01", "L": "60000", "n": "0.00001", "N": "BTC",
                                     "t": 700001, "m": True}, "BINANCE", ("BTC", "USDT"))
    rest = sm.trade_from_spot_rest(row, "lh2612020001", "BINANCE", ("BTC", "USDT"))
    assert (rest.tradeid, rest.direction, rest.price, rest.volume, rest.extra) == \
        (streamed.tradeid, streamed.direction, streamed.price, streamed.volume, streamed.extra)


def test_a_placement_answer_without_update_time_takes_its_transaction_time():
    answer = {"symbol": "BTCUSDT", "orderId": 5000001, "clientOrderId": "lh2612020001", "transactTime": 1764633600000,
              "price": "59000", "origQty": "0.01", "executedQty": "0", "status": "NEW", "type": "LIMIT_MAKER",
              "side": "BUY", "timeInForce": "GTC"}
    state = sm.order_from_spot_rest(answer)
    assert state.time.timestamp() == 1764633600 and state.type is OrderType.LIMIT and state.offset is Offset.NONE


def test_a_cancel_answer_is_matched_by_the_original_client_id():
    answer = {"symbol": "BTCUSDT", "orderId": 5000001, "origClientOrderId": "lh2612020001", "clientOrderId": "x1",
              "status": "CANCELED", "origQty": "0.01", "executedQty": "0", "side": "BUY", "type": "LIMIT"}
    assert sm.order_from_spot_rest(answer).orderid == "lh2612020001"


def test_exchange_info_filters_become_the_symbols_rules():
    raw = {"symbol": "ETHUSDT", "status": "TRADING", "baseAsset": "ETH", "quoteAsset": "USDT",
           "isSpotTradingAllowed": True,
           "filters": [{"filterType": "PRICE_FILTER", "tickSize": "0.01"},
                       {"filterType": "LOT_SIZE", "minQty": "0.0001", "stepSize": "0.0001"},
                       {"filterType": "MIN_NOTIONAL", "minNotional": "10"}]}
    spec = sm.spec_from_spot(raw)
    assert (spec.symbol, spec.tick, spec.step, spec.min_qty, spec.min_notional) == ("ETHUSDT_SPOT", 0.01, 0.0001,
                                                                                   0.0001, 10.0)
    assert crypto.check_order(spec, 3000.0, 0.001) is not None        # 3 USDT: below the minimum
    assert sm.spec_from_spot({**raw, "status": "BREAK"}) is None


@pytest.mark.parametrize(("direction", "offset", "words"), [
    (Direction.SHORT, Offset.OPEN, "卖空"), (Direction.LONG, Offset.CLOSE, "买入平仓")])
def test_spot_refuses_short_selling_and_buying_to_close(direction, offset, words):
    assert words in sm.plan_spot_order(request(direction, offset), "lh1")


def test_a_stop_order_on_spot_is_refused_with_what_to_use_instead():
    assert "限价或市价" in sm.plan_spot_order(request(Direction.SHORT, Offset.CLOSE, OrderType.STOP), "lh1")


def test_order_plans_carry_the_client_id_and_time_in_force():
    sell = sm.plan_spot_order(request(Direction.SHORT, Offset.CLOSE, OrderType.FAK), "lh1")
    assert (sell.type, sell.side, sell.params["timeInForce"], sell.params["newClientOrderId"]) == \
        ("limit", "sell", "IOC", "lh1")
    market = sm.plan_spot_order(request(Direction.LONG, Offset.OPEN, OrderType.MARKET), "lh2")
    assert (market.type, market.price) == ("market", None)
    maker = sm.plan_spot_order(crypto.PostOnlyRequest("BTCUSDT_SPOT", Exchange.GLOBAL, Direction.LONG,
                                                      OrderType.LIMIT, 0.01, 59000.0, Offset.OPEN), "lh3")
    assert maker.params["postOnly"] is True and "timeInForce" not in maker.params


def test_balances_read_alike_from_the_account_and_the_stream_and_coins_become_holdings():
    account = {"balances": [{"asset": "BTC", "free": "0.04", "locked": "0.01"},
                            {"asset": "USDT", "free": "900", "locked": "100"},
                            {"asset": "DOGE", "free": "5", "locked": "0"}]}
    event = {"e": "outboundAccountPosition", "B": [{"a": "BTC", "f": "0.04", "l": "0.01"}]}
    rows = sm.balance_rows(account)
    assert sm.balance_rows(event) == rows[:1]
    accounts = {a.accountid: (a.balance, a.frozen) for a in sm.spot_accounts(rows, "BINANCE")}
    assert accounts["SPOT.BTC"] == (0.05, 0.01) and accounts["SPOT.USDT"] == (1000.0, 100.0)
    holdings = sm.spot_holdings(rows, {"BTCUSDT_SPOT"}, "BINANCE")
    assert [(p.symbol, p.volume, p.frozen) for p in holdings] == [("BTCUSDT_SPOT", 0.05, 0.01)]


@pytest.mark.parametrize(("message", "words"), [
    ("binance Account has insufficient balance for requested action.", "余额不足"),
    ("binance Order would immediately match and take.", "只做Maker"),
    ("binance Filter failure: NOTIONAL", "最小值"),
])
def test_spot_refusals_known_only_by_their_text_are_put_in_words(message, words):
    assert words in error_reason(message)
