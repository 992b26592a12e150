"""SIM matching, driven directly with constructed quotes (no threads)."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from vnpy.trader.constant import Direction, OrderType, Status

from gateways.sim.instruments import DEFAULT_INSTRUMENTS, make_contract
from gateways.sim.venue import SimVenue
from lianghua_app.markets import CHINA_TZ, ashare
from tests.helpers import make_tick, order

MONDAY = datetime(2024, 6, 3, 10, 0, tzinfo=CHINA_TZ)
PINGAN = "000001.SZSE"
BTC = "BTCUSDT.GLOBAL"


@pytest.fixture
def venue() -> SimVenue:
    contracts = [make_contract(i.symbol, i.exchange, i.name, "SIM") for i in DEFAULT_INSTRUMENTS]
    return SimVenue("SIM", contracts, capital_cny=100_000, capital_usdt=10_000, leverage=5,
                    fees=ashare.AshareFeeSchedule(0.00025, 5.0))


def buy_pingan(venue: SimVenue, volume: float = 1000, when: datetime = MONDAY):
    venue.on_tick(make_tick(PINGAN, 10.0, bid=9.99, ask=10.0, when=when, pre_close=10.0))
    return venue.submit(order(PINGAN, Direction.LONG, volume, 10.0), when)


def test_marketable_buy_fills_at_the_ask(venue):
    placed, changes = buy_pingan(venue)
    assert placed.status is Status.ALLTRADED
    assert [(t.price, t.volume) for t in changes.trades] == [(10.0, 1000)]


def test_buy_fills_partially_against_the_quote_size_then_completes(venue):
    venue.on_tick(make_tick(PINGAN, 10.0, ask=10.0, ask_volume=300, when=MONDAY))
    placed, _ = venue.submit(order(PINGAN, Direction.LONG, 1000, 10.0), MONDAY)
    assert (placed.status, placed.traded) == (Status.PARTTRADED, 300)
    venue.on_tick(make_tick(PINGAN, 10.0, ask=10.0, ask_volume=5000, when=MONDAY + timedelta(seconds=3)))
    assert (placed.status, placed.traded) == (Status.ALLTRADED, 1000)


def test_shares_bought_today_cannot_be_sold_today(venue):
    buy_pingan(venue)
    position = venue.position_data(PINGAN)
    assert (position.volume, position.yd_volume) == (1000, 0)
    refused, _ = venue.submit(order(PINGAN, Direction.SHORT, 1000, 10.0), MONDAY)
    assert refused.status is Status.REJECTED
    assert "T+1" in refused.extra["reason"]


def test_shares_become_sellable_on_the_next_trading_day(venue):
    buy_pingan(venue)
    tuesday = MONDAY + timedelta(days=1)
    venue.on_tick(make_tick(PINGAN, 10.2, bid=10.2, ask=10.21, when=tuesday))
    assert venue.position_data(PINGAN).yd_volume == 1000
    sold, _ = venue.submit(order(PINGAN, Direction.SHORT, 1000, 10.2), tuesday)
    assert sold.status is Status.ALLTRADED
    assert venue.position_data(PINGAN).volume == 0


def test_no_buy_fills_against_a_limit_up_locked_quote(venue):
    venue.on_tick(make_tick(PINGAN, 11.0, bid=11.0, ask=0.0, limit_up=11.0, limit_down=9.0, when=MONDAY))
    placed, changes = venue.submit(order(PINGAN, Direction.LONG, 100, 11.0), MONDAY)
    assert placed.status is Status.NOTTRADED and not changes.trades


def test_no_sell_fills_against_a_limit_down_locked_quote(venue):
    buy_pingan(venue)
    tuesday = MONDAY + timedelta(days=1)
    venue.on_tick(make_tick(PINGAN, 9.0, bid=0.0, ask=9.0, limit_up=11.0, limit_down=9.0, when=tuesday))
    placed, changes = venue.submit(order(PINGAN, Direction.SHORT, 1000, 9.0), tuesday)
    assert placed.status is Status.NOTTRADED and not changes.trades


def test_small_buy_pays_minimum_commission_and_transfer_fee(venue):
    _, changes = buy_pingan(venue, volume=100)
    # 1,000 CNY turnover: commission 0.25 -> minimum 5; transfer fee 0.001% = 0.01; no stamp duty
    assert changes.trades[0].extra["commission"] == pytest.approx(5.01)
    assert venue.ledger.cash["CNY"] == pytest.approx(100_000 - 1_000 - 5.01)


def test_the_position_shows_the_price_paid_and_keeps_the_cost_with_fees_apart(venue):
    buy_pingan(venue, volume=100)
    position = venue.position_data(PINGAN)
    assert position.price == 10.0
    assert position.extra["cost"] == pytest.approx((1_000 + 5.01) / 100)


def test_sell_pays_stamp_duty_of_its_date(venue):
    friday = datetime(2023, 8, 25, 10, 0, tzinfo=CHINA_TZ)
    buy_pingan(venue, 1000, when=friday - timedelta(days=1))
    venue.on_tick(make_tick(PINGAN, 10.0, when=friday))
    _, changes = venue.submit(order(PINGAN, Direction.SHORT, 1000, 10.0), friday)
    # 10,000 turnover: commission minimum 5, stamp duty 0.1% = 10, transfer fee 0.001% = 0.1
    extra = changes.trades[0].extra
    assert (extra["commission"], extra["tax"]) == (pytest.approx(5.1), pytest.approx(10.0))


def test_open_buy_freezes_cash_and_cancel_releases_it(venue):
    venue.on_tick(make_tick(PINGAN, 10.0, ask=10.5, when=MONDAY))
    placed, _ = venue.submit(order(PINGAN, Direction.LONG, 1000, 10.0), MONDAY)
    assert venue.account_data("CNY").frozen == pytest.approx(10_000 + 5 + 0.1)
    venue.cancel(placed.vt_orderid)
    assert placed.status is Status.CANCELLED
    assert venue.account_data("CNY").frozen == pytest.approx(0)


def test_cancelling_a_filled_order_is_refused_with_a_message(venue):
    placed, _ = buy_pingan(venue)
    changes = venue.cancel(placed.vt_orderid)
    assert not changes.orders and "无法撤单" in changes.logs[0]


def test_buy_beyond_free_cash_is_refused_with_amounts(venue):
    venue.on_tick(make_tick(PINGAN, 10.0, when=MONDAY))
    refused, _ = venue.submit(order(PINGAN, Direction.LONG, 20_000, 10.0), MONDAY)
    assert refused.status is Status.REJECTED
    assert refused.extra["reason"].startswith("可用资金不足：需要200,")


def test_market_order_remainder_is_cancelled(venue):
    venue.on_tick(make_tick(PINGAN, 10.0, ask=10.0, ask_volume=300, limit_up=11.0, when=MONDAY))
    placed, _ = venue.submit(order(PINGAN, Direction.LONG, 1000, order_type=OrderType.MARKET), MONDAY)
    assert (placed.status, placed.traded) == (Status.CANCELLED, 300)


def test_perpetual_long_holds_isolated_margin_and_pays_taker_fee(venue):
    now = datetime(2024, 6, 3, 1, 0, tzinfo=timezone.utc)
    venue.on_tick(make_tick(BTC, 60000.0, bid=59999.9, ask=60000.0, ask_volume=5, when=now))
    _, changes = venue.submit(order(BTC, Direction.LONG, 0.1, 60000.0), now)
    assert changes.trades[0].extra["commission"] == pytest.approx(6000 * 0.0005)
    assert venue.account_data("USDT").frozen == pytest.approx(6000 / 5)


def test_funding_is_charged_when_a_funding_time_passes(venue):
    start = datetime(2024, 6, 3, 7, 59, tzinfo=timezone.utc)
    venue.on_tick(make_tick(BTC, 60000.0, when=start))
    venue.submit(order(BTC, Direction.LONG, 0.1, 60000.0), start)
    wallet = venue.ledger.cash["USDT"]
    changes = venue.on_tick(make_tick(BTC, 60000.0, when=start + timedelta(minutes=2),
                                      extra={"funding_rate": 0.0001, "mark_price": 60000.0}))
    assert venue.ledger.cash["USDT"] == pytest.approx(wallet - 0.1 * 60000 * 0.0001)
    assert "资金费结算" in changes.logs[0]
    [flow] = changes.flows
    assert (flow.kind, flow.vt_symbol, flow.time) == ("funding", BTC, datetime(2024, 6, 3, 8, 0, tzinfo=timezone.utc))
    assert flow.amount == pytest.approx(-0.1 * 60000 * 0.0001)


def test_closing_a_perpetual_realises_pnl(venue):
    now = datetime(2024, 6, 3, 1, 0, tzinfo=timezone.utc)
    venue.on_tick(make_tick(BTC, 60000.0, when=now))
    venue.submit(order(BTC, Direction.LONG, 0.1, 60000.0), now)
    venue.on_tick(make_tick(BTC, 61000.0, when=now + timedelta(minutes=1)))
    wallet = venue.ledger.cash["USDT"]
    venue.submit(order(BTC, Direction.SHORT, 0.1, 61000.0), now + timedelta(minutes=1))
    assert venue.ledger.cash["USDT"] == pytest.approx(wallet + 100 - 6100 * 0.0005)
    assert venue.position_data(BTC).volume == 0


def test_snapshot_with_the_journaled_day_restores_the_same_book(venue):
    buy_pingan(venue)
    contracts = list(venue.contracts.values())
    again = SimVenue("SIM", contracts, 1, 1)
    again.restore(venue.snapshot(), list(venue.orders.values()), venue.trades)
    assert again.position_data(PINGAN).volume == 1000
    assert again.ledger.cash == venue.ledger.cash
    assert [t.vt_tradeid for t in again.trades] == [t.vt_tradeid for t in venue.trades]


def test_the_saved_book_does_not_grow_with_the_days_finished_orders(venue):
    buy_pingan(venue)
    size = len(json.dumps(venue.snapshot()))
    for _ in range(20):
        buy_pingan(venue)
    assert len(json.dumps(venue.snapshot())) < size + 200   # the holding's numbers change, no rows are added


def test_a_book_with_a_nan_amount_is_refused_on_restore(venue):
    data = venue.snapshot()
    data["ledger"]["cash"]["CNY"] = float("nan")
    with pytest.raises(ValueError, match="cash.CNY"):
        SimVenue("SIM", list(venue.contracts.values()), 1, 1).restore(data)


def test_a_snapshot_keeps_its_amounts_when_the_book_changes_afterwards(venue):
    buy_pingan(venue)
    saved = venue.snapshot()
    cash = saved["ledger"]["cash"]["CNY"]
    buy_pingan(venue)
    assert saved["ledger"]["cash"]["CNY"] == cash
