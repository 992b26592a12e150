from datetime import date, datetime

import pytest

from lianghua_app.markets import CHINA_TZ, ashare
from lianghua_app.markets.ashare import Board


@pytest.mark.parametrize(("symbol", "board"), [
    ("600519", Board.MAIN), ("000001", Board.MAIN), ("300750", Board.CHINEXT),
    ("688981", Board.STAR), ("830799", Board.BEIJING), ("920002", Board.BEIJING),
])
def test_board_is_known_from_the_code(symbol, board):
    assert ashare.board_of(symbol) is board


def test_main_board_buy_must_be_whole_lots_of_100():
    assert ashare.check_buy_volume(Board.MAIN, 150) == "买入数量须为100股整数倍"
    assert ashare.check_buy_volume(Board.MAIN, 300) is None


def test_star_buy_needs_200_then_steps_of_one():
    assert ashare.check_buy_volume(Board.STAR, 199) == "买入数量不得少于200股"
    assert ashare.check_buy_volume(Board.STAR, 200) is None
    assert ashare.check_buy_volume(Board.STAR, 201) is None


def test_odd_lot_may_only_be_sold_in_one_order():
    assert ashare.check_sell_volume(Board.MAIN, 150, available=250) is None   # 100 + the 50 odd shares
    assert ashare.check_sell_volume(Board.MAIN, 130, available=250) is not None
    assert ashare.check_sell_volume(Board.MAIN, 200, available=250) is None


def test_selling_more_than_available_names_t_plus_one():
    reason = ashare.check_sell_volume(Board.MAIN, 500, available=0)
    assert "可卖数量不足" in reason and "T+1" in reason


@pytest.mark.parametrize(("symbol", "st", "day", "expected"), [
    ("600000", False, date(2024, 1, 2), (9.0, 11.0)),
    ("600000", True, date(2024, 1, 2), (9.5, 10.5)),
    ("300001", False, date(2020, 8, 21), (9.0, 11.0)),
    ("300001", False, date(2020, 8, 24), (8.0, 12.0)),
    ("688001", False, date(2024, 1, 2), (8.0, 12.0)),
    ("830799", False, date(2024, 1, 2), (7.0, 13.0)),
])
def test_price_limit_band_follows_board_st_and_date(symbol, st, day, expected):
    assert ashare.price_limits(10.0, ashare.board_of(symbol), st, day) == expected


def test_limit_price_rounds_half_up_to_the_tick():
    # 11.05 * 1.1 = 12.155 -> 12.16 ; 11.05 * 0.9 = 9.945 -> 9.95
    assert ashare.price_limits(11.05, Board.MAIN, False, date(2024, 1, 2)) == (9.95, 12.16)


def test_stamp_duty_is_charged_on_sells_at_the_rate_of_the_day():
    schedule = ashare.AshareFeeSchedule(0.0003, 5.0)
    before = ashare.fees_for_fill(True, "000001", 0, 100_000, date(2023, 8, 25), schedule)
    after = ashare.fees_for_fill(True, "000001", 0, 100_000, date(2023, 8, 28), schedule)
    buy = ashare.fees_for_fill(False, "000001", 0, 100_000, date(2023, 8, 28), schedule)
    assert (before.stamp_duty, after.stamp_duty, buy.stamp_duty) == (100.0, 50.0, 0.0)


def test_small_order_pays_the_minimum_commission_once_per_order():
    schedule = ashare.AshareFeeSchedule(0.00025, 5.0)
    first = ashare.fees_for_fill(False, "000001", 0, 10_000, date(2024, 1, 2), schedule)
    second = ashare.fees_for_fill(False, "000001", 0, 30_000, date(2024, 1, 2), schedule,
                                  commission_already_charged=first.commission, order_turnover_before=10_000)
    assert first.commission == 5.0
    assert second.commission == 5.0   # 40,000 * 0.025% = 10 in total for the order


def test_transfer_fee_was_halved_on_2022_04_29():
    schedule = ashare.AshareFeeSchedule()
    assert ashare.fees_for_fill(False, "000001", 0, 1_000_000, date(2022, 4, 28), schedule).transfer_fee == 20.0
    assert ashare.fees_for_fill(False, "000001", 0, 1_000_000, date(2022, 4, 29), schedule).transfer_fee == 10.0


@pytest.mark.parametrize(("symbol", "day", "fee"), [
    ("600000", date(2015, 7, 31), 3.00),     # Shanghai: 0.3 per mille of 10,000 CNY par value
    ("000001", date(2015, 7, 31), 0.00),     # Shenzhen: inside the exchange's handling fee
    ("600000", date(2015, 8, 3), 2.40),      # both: 0.002% of 120,000 CNY
    ("000001", date(2015, 8, 3), 2.40),
    ("830799", date(2022, 1, 4), 3.00),      # Beijing: 0.0025%
    ("830799", date(2022, 4, 29), 1.20),     # all: 0.001%
    ("600000", date(2022, 4, 29), 1.20),
])
def test_transfer_fee_follows_csdcs_rule_of_the_day_and_exchange(symbol, day, fee):
    fees = ashare.fees_for_fill(False, symbol, 10_000, 120_000.0, day, ashare.AshareFeeSchedule())
    assert fees.transfer_fee == fee


@pytest.mark.parametrize(("moment", "open_"), [
    (datetime(2024, 6, 3, 9, 20, tzinfo=CHINA_TZ), True),
    (datetime(2024, 6, 3, 9, 27, tzinfo=CHINA_TZ), False),
    (datetime(2024, 6, 3, 10, 0, tzinfo=CHINA_TZ), True),
    (datetime(2024, 6, 3, 12, 0, tzinfo=CHINA_TZ), False),
    (datetime(2024, 6, 3, 14, 59, tzinfo=CHINA_TZ), True),
    (datetime(2024, 6, 1, 10, 0, tzinfo=CHINA_TZ), False),  # Saturday
])
def test_trading_sessions(moment, open_):
    assert ashare.is_trading_time(moment) is open_


def test_fees_are_rounded_half_up_to_the_fen_as_the_broker_rounds():
    from datetime import date

    from lianghua_app.markets import ashare

    schedule = ashare.AshareFeeSchedule(commission_rate=0.00025, min_commission=5.0)
    buy = ashare.fees_for_fill(False, "000001", 0, 20_380.0, date(2024, 6, 3), schedule)      # 20,380 x 0.025% = 5.095
    assert buy.commission == 5.10
    sell = ashare.fees_for_fill(True, "000001", 0, 14_090.0, date(2024, 6, 3), schedule)      # 14,090 x 0.05% = 7.045
    assert sell.stamp_duty == 7.05


def test_session_minutes_and_the_share_of_the_day_gone_skip_the_lunch_break():
    from datetime import datetime

    from lianghua_app.markets.ashare import session_fraction, session_minute

    assert [session_minute(h, m) for h, m in ((9, 29), (9, 30), (11, 29), (11, 30), (13, 0), (14, 59), (15, 0))] \
        == [-1, 0, 119, -1, 120, 239, -1]
    assert [session_fraction(datetime(2026, 11, 30, h, m)) for h, m in ((9, 0), (10, 30), (12, 0), (14, 0), (16, 0))] \
        == [0.0, 0.25, 0.5, 0.75, 1.0]
