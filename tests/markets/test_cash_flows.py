"""Funding payments and fees reach the journal as they happen, each once: from Binance's user
stream and income history (also across an outage), from SIM's perpetuals, and from any trade
that carries its commission."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from vnpy.event import Event
from vnpy.trader.constant import Exchange, Status
from vnpy.trader.event import EVENT_LOG, EVENT_TRADE
from vnpy.trader.object import TradeData

from lianghua_app.events import EVENT_CASH_FLOW, CashFlow
from lianghua_app.journal import cash_flows
from lianghua_app.markets import CHINA_TZ
from tests.binance.helpers import collect, req, status_of
from tests.helpers import settle


def hold_btc(engine, exchange) -> None:
    vt_orderid = engine.send_order(req(price=59000.0), "BINANCE")
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.NOTTRADED)
    exchange.set_book("BTCUSDT", 58990.0, 58999.0)
    settle(engine, lambda: status_of(engine, vt_orderid) is Status.ALLTRADED)


def venue_funding(exchange) -> list[float]:
    return [float(r["income"]) for r in exchange.venue.account.income if r["incomeType"] == "FUNDING_FEE"]


def usdt_balance(engine) -> float | None:
    account = engine.get_account("BINANCE.USDT")
    return account.balance if account else None


def test_a_binance_funding_payment_is_journaled_and_the_balance_follows(engine, exchange, binance):
    hold_btc(engine, exchange)
    logs = collect(engine, EVENT_LOG)
    exchange.settle_funding()
    settle(engine, lambda: len(cash_flows("BINANCE", "funding")) == 1)
    [paid] = venue_funding(exchange)
    assert paid < 0                                                   # a long pays a positive rate
    [row] = cash_flows("BINANCE", "funding")
    assert (row.vt_symbol, row.asset, row.amount) == ("BTCUSDT.GLOBAL", "USDT", pytest.approx(paid))
    settle(engine, lambda: any("资金费" in log.msg for log in logs))
    wallet = exchange.venue.account.wallet + exchange.venue.unrealised()
    settle(engine, lambda: usdt_balance(engine) == pytest.approx(wallet))


def test_a_funding_payment_during_an_outage_is_read_back_once_at_the_gap_fill(engine, exchange, binance):
    hold_btc(engine, exchange)
    exchange.block_user_stream()
    settle(engine, lambda: not binance.trading_ready)
    exchange.settle_funding()
    exchange.block_user_stream(False)
    settle(engine, lambda: binance.trading_ready, 60)
    exchange.drop_sockets()                                            # and another gap-fill reads it again
    settle(engine, lambda: not binance.trading_ready)
    settle(engine, lambda: binance.trading_ready, 60)
    assert [row.amount for row in cash_flows("BINANCE", "funding")] == pytest.approx(venue_funding(exchange))


def test_each_binance_fill_journals_its_commission(engine, exchange, binance):
    hold_btc(engine, exchange)
    [trade] = exchange.trades()
    settle(engine, lambda: len(cash_flows("BINANCE", "commission")) == 1)
    [row] = cash_flows("BINANCE", "commission")
    assert row.amount == pytest.approx(-float(trade["commission"])) and row.amount < 0
    assert row.flow_id == f"BINANCE.{trade['id']}.fee"


def test_a_cash_flow_seen_twice_is_stored_once(engine):
    flow = CashFlow("SIM.funding.BTCUSDT.GLOBAL.1717401600", "SIM", "funding", -0.6, "USDT",
                    datetime(2024, 6, 3, 8, 0, tzinfo=timezone.utc), "BTCUSDT.GLOBAL")
    engine.event_engine.put(Event(EVENT_CASH_FLOW, flow))
    engine.event_engine.put(Event(EVENT_CASH_FLOW, flow))
    settle(engine, lambda: len(cash_flows("SIM", "funding")) == 1)
    [row] = cash_flows("SIM", since=datetime(2024, 6, 3, 16, 0, tzinfo=CHINA_TZ))      # 08:00 UTC
    assert row.time == datetime(2024, 6, 3, 8, 0)                      # stored in UTC whatever the zone given


def test_a_trade_without_a_commission_leaves_no_fee_row(engine):
    trade = TradeData(gateway_name="SIM", symbol="000001", exchange=Exchange.SZSE, orderid="1", tradeid="t1",
                      price=10.0, volume=100, datetime=datetime(2024, 6, 3, 2, 0, tzinfo=timezone.utc))
    engine.event_engine.put(Event(EVENT_TRADE, trade))
    settle(engine, lambda: True)
    assert cash_flows("SIM") == []


def test_a_trade_with_commission_and_stamp_duty_journals_them_apart(engine):
    trade = TradeData(gateway_name="SIM", symbol="000001", exchange=Exchange.SZSE, orderid="1", tradeid="t2",
                      price=10.0, volume=1000, datetime=datetime(2024, 6, 3, 2, 0, tzinfo=timezone.utc))
    trade.extra = {"commission": 5.1, "tax": 5.0, "commission_asset": "CNY"}
    engine.event_engine.put(Event(EVENT_TRADE, trade))
    settle(engine, lambda: len(cash_flows("SIM")) == 2)
    assert sorted((row.flow_id, row.kind, row.amount) for row in cash_flows("SIM")) == [
        ("SIM.t2.fee", "commission", -5.1), ("SIM.t2.tax", "tax", -5.0)]
