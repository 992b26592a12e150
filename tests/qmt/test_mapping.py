"""The QMT mapping tables and conversions, without threads or the fake terminal."""

from __future__ import annotations

from datetime import datetime

import pytest
from vnpy.trader.constant import Direction, Exchange, Interval, OrderType, Product, Status

from gateways.qmt import mapping as m
from gateways.qmt.mapping import xtconstant as C
from gateways.qmt.mapping import xttype
from lianghua_app.markets import CHINA_TZ


def xt_order(status: int, traded: int = 0, remark: str = "A1", price_type: int = 50, order_time: int = 1717380000,
             status_msg: str = "") -> object:
    return xttype.XtOrder("1", "600000.SH", 7, "S7", order_time, C.STOCK_BUY, 1000, price_type, 10.0, traded, 10.0,
                          status, status_msg, "", remark, 0, 48, "A", "浦发银行")


@pytest.mark.parametrize("code, expected", [
    (C.ORDER_UNREPORTED, Status.SUBMITTING), (C.ORDER_WAIT_REPORTING, Status.SUBMITTING),
    (C.ORDER_REPORTED, Status.NOTTRADED), (C.ORDER_REPORTED_CANCEL, Status.NOTTRADED),
    (C.ORDER_PARTSUCC_CANCEL, Status.PARTTRADED), (C.ORDER_PART_CANCEL, Status.CANCELLED),
    (C.ORDER_CANCELED, Status.CANCELLED), (C.ORDER_PART_SUCC, Status.PARTTRADED),
    (C.ORDER_SUCCEEDED, Status.ALLTRADED), (C.ORDER_JUNK, Status.REJECTED),
])
def test_every_xtquant_status_maps_as_the_reference_recommends(code, expected):
    assert m.map_status(code, Status.SUBMITTING) == (expected, "")


def test_cancel_pending_keeps_the_order_live_so_a_late_fill_is_not_lost():
    status, _ = m.map_status(C.ORDER_REPORTED_CANCEL, Status.NOTTRADED)
    assert status not in m.FINAL_STATUSES


def test_an_unknown_status_keeps_the_previous_one_and_says_so():
    status, warning = m.map_status(C.ORDER_UNKNOWN, Status.PARTTRADED)
    assert status is Status.PARTTRADED
    assert "255" in warning


def test_a_final_status_is_never_left():
    assert m.map_status(C.ORDER_REPORTED, Status.CANCELLED)[0] is Status.CANCELLED
    assert m.map_status(C.ORDER_PART_SUCC, Status.ALLTRADED)[0] is Status.ALLTRADED


@pytest.mark.parametrize("code, symbol, exchange", [
    ("600000.SH", "600000", Exchange.SSE), ("000001.SZ", "000001", Exchange.SZSE),
    ("430047.BJ", "430047", Exchange.BSE),
])
def test_codes_convert_both_ways(code, symbol, exchange):
    assert m.from_xt_code(code) == (symbol, exchange)
    assert m.to_xt_code(symbol, exchange) == code


def test_codes_of_other_markets_are_not_taken_for_stocks():
    assert m.from_xt_code("IF2406.IF") is None


def test_a_bse_cancel_names_beijing_not_shenzhen():
    assert m.cancel_market(Exchange.BSE) == "BJ"
    assert C.MARKET_STR_TO_ENUM_MAPPING[m.cancel_market(Exchange.BSE)] == C.MARKET_ENUM_BEIJING


@pytest.mark.parametrize("order_type, exchange, price_type", [
    (OrderType.LIMIT, Exchange.SSE, C.FIX_PRICE), (OrderType.LIMIT, Exchange.BSE, C.FIX_PRICE),
    (OrderType.MARKET, Exchange.SSE, C.MARKET_SH_CONVERT_5_CANCEL),
    (OrderType.MARKET, Exchange.BSE, C.MARKET_SH_CONVERT_5_CANCEL),
    (OrderType.MARKET, Exchange.SZSE, C.MARKET_SZ_CONVERT_5_CANCEL),
    (OrderType.FAK, Exchange.SZSE, C.MARKET_SZ_INSTBUSI_RESTCANCEL),
    (OrderType.FOK, Exchange.SZSE, C.MARKET_SZ_FULL_OR_CANCEL),
])
def test_each_order_type_gets_the_price_type_its_exchange_accepts(order_type, exchange, price_type):
    assert m.price_type_for(order_type, exchange) == price_type


def test_order_types_qmt_cannot_express_are_refused_with_the_alternatives():
    assert m.price_type_for(OrderType.FOK, Exchange.SSE) is None
    assert m.price_type_for(OrderType.STOP, Exchange.SZSE) is None
    assert "限价" in m.unsupported_type_reason(OrderType.FOK, Exchange.SSE)


def test_order_times_in_seconds_and_milliseconds_read_the_same():
    assert m.to_datetime(1733118954) == m.to_datetime(1733118954000) == \
        datetime(2024, 12, 2, 13, 55, 54, tzinfo=CHINA_TZ)
    assert m.to_datetime(0) is None


def test_both_tick_payload_shapes_are_read():
    tick = {"time": 1733118954000, "lastPrice": 10.0}
    assert list(m.iter_quotes({"600000.SH": tick})) == [("600000.SH", tick)]
    assert list(m.iter_quotes({"600000.SH": [tick, tick]})) == [("600000.SH", tick)] * 2


def test_a_tick_counts_shares_and_pads_missing_depth():
    data = {"time": 1733118954000, "lastPrice": 10.5, "open": 10.0, "high": 10.6, "low": 9.9, "lastClose": 10.1,
            "amount": 7.5e6, "volume": 7000, "pvolume": 700_000, "openInt": 13, "stockStatus": 3,
            "bidPrice": [10.49, 10.48], "askPrice": [10.5, 10.51], "bidVol": [12, 3], "askVol": [5, 1]}
    tick = m.tick_from_quote("600000.SH", data, "QMT", "浦发银行", (11.11, 9.09), previous_volume=690_000)
    assert tick.volume == 700_000 and tick.last_volume == 10_000
    assert tick.bid_volume_1 == 1200 and tick.ask_volume_2 == 100
    assert tick.bid_price_5 == 0.0 and tick.ask_volume_5 == 0.0
    assert (tick.limit_up, tick.limit_down) == (11.11, 9.09)
    assert tick.open_interest == 0 and tick.extra["status"] == 13


def test_volume_falls_back_to_lots_when_pvolume_is_missing():
    assert m.shares_traded({"volume": 12}) == 1200


def test_the_first_tick_of_a_day_has_no_last_volume():
    tick = m.tick_from_quote("600000.SH", {"time": 1733118954000, "volume": 50}, "QMT")
    assert tick.last_volume == 0


def test_star_board_contracts_trade_in_200_share_minimums():
    detail = {"InstrumentName": "中芯国际", "PriceTick": 0.01, "VolumeMultiple": 1, "UpStopPrice": 60.0,
              "DownStopPrice": 40.0, "PreClose": 50.0}
    star = m.contract_from_detail("688981.SH", detail, Product.EQUITY, "QMT")
    main = m.contract_from_detail("600000.SH", detail, Product.EQUITY, "QMT")
    assert star.min_volume == 200 and main.min_volume == 100
    assert star.extra["limit_up"] == 60.0 and star.size == 1


def test_an_unknown_instrument_gives_no_contract():
    assert m.contract_from_detail("600000.SH", None, Product.EQUITY, "QMT") is None


def test_an_order_keeps_our_type_and_reference_and_never_loses_fills():
    known = m.order_from_xt(xt_order(C.ORDER_PART_SUCC, traded=400), "A1", None, "QMT")[0]
    known.type, known.reference = OrderType.LIMIT, "my_strategy"
    later, _ = m.order_from_xt(xt_order(C.ORDER_PARTSUCC_CANCEL, traded=300), "A1", known, "QMT")
    assert later is not known
    assert later.traded == 400 and later.reference == "my_strategy"
    assert later.extra["cancel_pending"] is True


def test_a_counter_rejection_carries_qmt_message():
    order, _ = m.order_from_xt(xt_order(C.ORDER_JUNK, status_msg="价格超出涨跌停"), "A1", None, "QMT")
    assert order.status is Status.REJECTED and order.extra["reason"] == "价格超出涨跌停"


def test_orders_placed_in_the_terminal_are_decoded_from_the_push():
    order, _ = m.order_from_xt(xt_order(C.ORDER_REPORTED, price_type=88), "QMT7", None, "QMT")
    assert order.direction is Direction.LONG and order.type is OrderType.MARKET


def test_sellable_shares_follow_can_use_volume():
    xt = xttype.XtPosition("1", "600000.SH", 1500, 700, 10.0, 15000, 300, 0, 1000, 10.0, 0, 10.0, 0.0, "A", "x")
    position = m.position_from_xt(xt, "QMT")
    assert position.volume == 1500 and position.frozen == 300
    assert position.yd_volume - position.frozen == 700


def test_available_cash_is_cash_not_total_assets_minus_frozen():
    account = m.account_from_xt(xttype.XtAsset("1", 50_000.0, 1_000.0, 200_000.0, 251_000.0, 50_000.0), "QMT")
    assert account.balance == 251_000.0 and account.available == 50_000.0


def _minute(hour: int, minute: int, volume: int = 10) -> dict:
    moment = datetime(2024, 6, 3, hour, minute, tzinfo=CHINA_TZ)
    return {"time": int(moment.timestamp() * 1000), "open": 10, "high": 10.2, "low": 9.9, "close": 10.1,
            "volume": volume, "amount": volume * 1010}


def test_minute_bars_are_stamped_with_their_start_and_the_auction_folds_into_the_first():
    rows = [_minute(9, 30, volume=50), _minute(9, 31), _minute(9, 32), _minute(13, 1), _minute(15, 0)]
    bars = m.bars_from_rows("600000.SH", "1m", rows, "QMT")
    assert [b.datetime.strftime("%H:%M") for b in bars] == ["09:30", "09:31", "13:00", "14:59"]
    assert bars[0].volume == (50 + 10) * 100
    assert bars[0].interval is Interval.MINUTE


def test_todays_daily_bar_is_dropped_before_the_close():
    day = {"time": int(datetime(2024, 6, 3, tzinfo=CHINA_TZ).timestamp() * 1000), "open": 10, "high": 11,
           "low": 9, "close": 10.5, "volume": 1, "amount": 1}
    during = m.bars_from_rows("600000.SH", "1d", [day], "QMT", now=datetime(2024, 6, 3, 14, 0, tzinfo=CHINA_TZ))
    after = m.bars_from_rows("600000.SH", "1d", [day], "QMT", now=datetime(2024, 6, 3, 15, 1, tzinfo=CHINA_TZ))
    assert during == []
    assert after[0].datetime == datetime(2024, 6, 3, tzinfo=CHINA_TZ)


def test_request_times_are_sent_as_beijing_wall_clock():
    from zoneinfo import ZoneInfo

    assert m.xt_time(datetime(2024, 6, 3, 1, 30, tzinfo=ZoneInfo("UTC"))) == "20240603093000"


def test_only_the_chosen_industry_family_names_an_industry():
    assert m.industry_of("SW1银行") == "银行"
    assert m.industry_of("1000SW1银行") == "" and m.industry_of("GN上海") == "" and m.industry_of("沪深A股") == ""
    assert m.industry_of("CSRC1金融业", "CSRC1") == "金融业"


def l2(code: str, flag: int, buy_no: int, sell_no: int, price: float = 10.0, volume: int = 500,
       amount: float | None = None) -> dict:
    return {code: [{"time": 1733118954000, "price": price, "volume": volume,
                    "amount": price * volume if amount is None else amount, "tradeIndex": 1, "buyNo": buy_no,
                    "sellNo": sell_no, "tradeType": 1, "tradeFlag": flag}]}


@pytest.mark.parametrize("payload, side", [
    (l2("600000.SH", 1, 5, 9), "B"),      # 外盘, whatever the order numbers say
    (l2("600000.SH", 2, 9, 5), "S"),      # 内盘
    (l2("000001.SZ", 0, 9, 5), "B"),      # SZSE: the later order took liquidity
    (l2("000001.SZ", 0, 5, 9), "S"),
    (l2("000001.SZ", 0, 0, 0), ""),       # nothing says
])
def test_a_level2_print_takes_its_side_from_the_flag_or_the_later_order(payload, side):
    (trade,) = m.level2_trades(payload)
    assert trade.side == side and trade.time == datetime(2024, 12, 2, 13, 55, 54, tzinfo=CHINA_TZ)


def test_a_level2_print_counts_shares_from_its_amount_and_drops_szse_cancels():
    (trade,) = m.level2_trades(l2("000001.SZ", 0, 9, 5, price=12.0, volume=30, amount=36_000.0))
    assert (trade.vt_symbol, trade.volume) == ("000001.SZSE", 3_000)
    assert m.level2_trades(l2("000001.SZ", 3, 7, 0, price=0.0)) == []
