"""easytrader's grids read into vnpy terms, from payloads as easytrader documents them (同花顺
family, miniqmt, 雪球) and with the column names other brokers use: one table per family, status
words with reasons, statuses that only move forward, and clear words for a row that cannot be read."""

from __future__ import annotations

from datetime import datetime

import pytest
from vnpy.trader.constant import Direction, Status

from gateways.easytrader.mapping import (
    MappingError,
    balance_of,
    entrust_no_of,
    family_of,
    moves_forward,
    order_of,
    position_of,
    status_of,
    trade_of,
)
from lianghua_app.markets import CHINA_TZ

# As docs/usage.md of easytrader shows them (同花顺 family).
THS_BALANCE = [{"参考市值": 21642.0, "可用资金": 28494.21, "币种": "0", "总资产": 50136.21, "股份参考盈亏": -90.21,
                "资金余额": 28494.21, "资金帐号": "xxx"}]
THS_POSITION = {"买入冻结": 0, "交易市场": "沪A", "卖出冻结": "0", "参考市价": 4.71, "参考市值": 10362.0,
                "参考成本价": 4.672, "参考盈亏": 82.79, "当前持仓": 2200, "盈亏比例(%)": "0.81%", "股东代码": "xxx",
                "股份余额": 2200, "股份可用": 2200, "证券代码": "601398", "证券名称": "工商银行"}
THS_TRADE = {"买卖标志": "买入", "交易市场": "深A", "委托序号": "12345", "成交价格": 0.626, "成交数量": 100,
             "成交日期": "20170313", "成交时间": "09:50:30", "成交金额": 62.60, "股东代码": "xxx", "证券代码": "162411",
             "证券名称": "华宝油气"}
THS_ORDERS = [{"买卖标志": "买入", "交易市场": "深A", "委托价格": 0.627, "委托序号": "111111", "委托数量": 100,
               "委托日期": "20170313", "委托时间": "09:50:30", "成交数量": 100, "撤单数量": 0, "状态说明": "已成",
               "股东代码": "xxxxx", "证券代码": "162411", "证券名称": "华宝油气"},
              {"买卖标志": "买入", "交易市场": "深A", "委托价格": 0.6, "委托序号": "1111", "委托数量": 100,
               "委托日期": "20170313", "委托时间": "09:40:30", "成交数量": 0, "撤单数量": 100, "状态说明": "已撤",
               "股东代码": "xxx", "证券代码": "162411", "证券名称": "华宝油气"}]
# Another broker's grid (华泰-style names) for the same things.
HT_ORDER = {"操作": "证券卖出", "合同编号": "88", "证券代码": "600036", "委托价格": "35.50", "委托数量": "1,000",
            "成交数量": "300", "成交均价": "35.50", "委托状态": "部成", "委托时间": "101502"}
HT_POSITION = {"证券代码": "600036", "证券名称": "招商银行", "股票余额": 1000, "可用余额": 600, "成本价": 33.2,
               "市价": 35.5}
# docs/miniqmt.md
QMT_ORDER = {"security": "162411", "stock_code": "162411.SZ", "order_id": 3456, "order_sysid": "1111",
             "order_time": 1634278451, "order_type": 23, "order_type_name": "买入", "order_volume": 100,
             "price_type": 50, "price_type_name": "限价", "price": 0.62, "traded_volume": 100, "traded_price": 0.613,
             "order_status": 56, "order_status_name": "已成", "status_msg": "", "offset_flag": 48,
             "offset_flag_name": "买入", "strategy_name": "", "order_remark": "", "direction": 48,
             "direction_name": "多", "account_type": 2, "account_id": "1111111111"}
QMT_TRADE = {"security": "162411", "stock_code": "162411.SZ", "traded_id": "0303222200422222",
             "traded_time": 1634278451, "traded_price": 0.613, "traded_volume": 100, "traded_amount": 61.3,
             "order_id": 1111, "order_type": 23, "order_type_name": "买入", "offset_flag": 48,
             "offset_flag_name": "买入", "account_id": "1111111111", "account_type": 2, "order_sysid": "1111"}
QMT_BALANCE = [{"total_asset": 1000000.0, "market_value": 400000.0, "cash": 600000.0, "frozen_cash": 0.0,
                "account_type": 2, "account_id": "acc"}]
QMT_POSITION = {"security": "162411", "stock_code": "162411.SZ", "volume": 100, "can_use_volume": 100,
                "open_price": 0.618, "market_value": 63.8, "frozen_volume": 0, "on_road_volume": 0,
                "yesterday_volume": 100, "avg_price": 0.618, "direction": 48}


def test_the_ths_balance_reads_total_cash_and_market_value():
    balance = balance_of(THS_BALANCE, "ths")
    assert (balance.total_asset, balance.cash, balance.available, balance.market_value, balance.account) == \
        (50136.21, 28494.21, 28494.21, 21642.0, "xxx")


def test_positions_show_t_plus_1_from_the_brokers_available_figure():
    icbc = position_of(THS_POSITION, "ths")
    assert (icbc.vt_symbol, icbc.volume, icbc.available, icbc.cost, icbc.name) == \
        ("601398.SSE", 2200, 2200, 4.672, "工商银行")
    cmb = position_of(HT_POSITION, "ths")
    assert (cmb.vt_symbol, cmb.volume, cmb.available, cmb.cost, cmb.last) == ("600036.SSE", 1000, 600, 33.2, 35.5)


def test_orders_read_from_either_brokers_column_names():
    done, cancelled = (order_of(row, "ths") for row in THS_ORDERS)
    assert (done.entrust_no, done.vt_symbol, done.status, done.traded) == \
        ("111111", "162411.SZSE", Status.ALLTRADED, 100)
    assert done.time == datetime(2017, 3, 13, 9, 50, 30, tzinfo=CHINA_TZ)
    assert (cancelled.status, cancelled.reason) == (Status.CANCELLED, "已撤单")
    part = order_of(HT_ORDER, "ths")
    assert (part.entrust_no, part.direction, part.volume, part.traded, part.status) == \
        ("88", Direction.SHORT, 1000, 300, Status.PARTTRADED)
    assert part.time.time().isoformat() == "10:15:02"


def test_a_trade_without_a_trade_number_gets_one_that_a_later_poll_repeats():
    trade = trade_of(THS_TRADE, "ths")
    assert (trade.entrust_no, trade.vt_symbol, trade.price, trade.volume) == ("12345", "162411.SZSE", 0.626, 100)
    assert trade.trade_no == trade_of(dict(THS_TRADE), "ths").trade_no == "12345-095030-100"


def test_miniqmt_rows_use_xtquants_english_keys():
    order = order_of(QMT_ORDER, "miniqmt")
    assert (order.entrust_no, order.vt_symbol, order.direction, order.status) == \
        ("3456", "162411.SZSE", Direction.LONG, Status.ALLTRADED)
    assert order.time == datetime.fromtimestamp(1634278451, CHINA_TZ)
    trade = trade_of(QMT_TRADE, "miniqmt")
    assert (trade.trade_no, trade.entrust_no, trade.price) == ("0303222200422222", "1111", 0.613)
    assert balance_of(QMT_BALANCE, "miniqmt").total_asset == 1_000_000.0
    assert position_of(QMT_POSITION, "miniqmt").available == 100


@pytest.mark.parametrize(("word", "status", "reason"), [
    ("未报", Status.SUBMITTING, ""), ("已报", Status.NOTTRADED, ""), ("部成", Status.PARTTRADED, ""),
    ("已成", Status.ALLTRADED, ""), ("已撤", Status.CANCELLED, "已撤单"), ("部撤", Status.CANCELLED, "部分成交后撤单"),
    ("废单", Status.REJECTED, "废单（柜台或交易所拒绝）"), ("已报待撤", Status.NOTTRADED, "撤单已报，等待交易所确认"),
    ("场内拒绝", Status.REJECTED, "交易所拒绝"),
])
def test_each_status_word_maps_to_a_vnpy_status_and_a_reason(word, status, reason):
    assert status_of({"状态说明": word}, "ths") == (status, reason)


def test_a_word_no_table_knows_is_kept_as_the_reason_of_an_active_order():
    assert status_of({"状态说明": "内部处理中"}, "ths") == (Status.NOTTRADED, "券商状态“内部处理中”")


def test_a_miniqmt_rejection_carries_the_counters_words():
    row = {**QMT_ORDER, "order_status_name": "废单", "status_msg": "当前时间不允许此类证券交易", "traded_volume": 0}
    assert order_of(row, "miniqmt").reason == "废单（柜台或交易所拒绝）：当前时间不允许此类证券交易"


def test_statuses_only_move_forward():
    assert moves_forward(None, Status.NOTTRADED)
    assert moves_forward(Status.NOTTRADED, Status.PARTTRADED)
    assert not moves_forward(Status.PARTTRADED, Status.NOTTRADED)            # an older poll
    assert not moves_forward(Status.CANCELLED, Status.ALLTRADED)             # final stays final


def test_a_row_that_cannot_be_read_says_which_column_is_missing():
    with pytest.raises(MappingError, match="缺少“entrust_no”列.*合同编号"):
        order_of({"证券代码": "600036", "买卖标志": "买入", "委托数量": 100}, "ths")
    with pytest.raises(MappingError, match="不支持的券商客户端"):
        family_of("unknown_client")


def test_the_entrust_number_of_an_answer_or_none_when_the_client_did_not_say():
    assert entrust_no_of({"entrust_no": "xxxxxxxx"}) == "xxxxxxxx"
    assert entrust_no_of({"entrust_no": 123456}) == "123456"
    assert entrust_no_of({"message": "success"}) is None
    assert entrust_no_of({"entrust_no": -1}) is None                          # miniqmt: refused


def test_xueqiu_rows_use_its_english_keys():
    row = {"entrust_no": 9123, "stock_code": "SH600036", "stock_name": "招商银行", "entrust_bs": "买入",
           "entrust_price": 35.5, "entrust_amount": 100, "business_amount": 100, "business_price": 35.5,
           "entrust_status": "已成交"}
    order = order_of(row, "xq")
    assert (order.entrust_no, order.vt_symbol, order.direction, order.status, order.traded) == \
        ("9123", "600036.SSE", Direction.LONG, Status.ALLTRADED, 100)
    held = position_of({"stock_code": "SZ000001", "current_amount": 500, "enable_amount": 300, "cost_price": 11.2,
                        "last_price": 11.5}, "xq")
    assert (held.vt_symbol, held.volume, held.available) == ("000001.SZSE", 500, 300)
