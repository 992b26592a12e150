"""Protective exits: the pure decision on price paths, the closing order each market needs, and
the order the risk manager sends through the pipeline (with its reason) when an exit fires."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
import talib
from vnpy.trader.constant import Direction, Exchange, Interval, Offset, Product
from vnpy.trader.database import get_database
from vnpy.trader.object import BarData, ContractData, PositionData

from apps.risk_manager.exits import Watch, closing_order, exit_reason
from apps.risk_manager.rules import RULES
from lianghua_app.markets import CHINA_TZ, beijing_today
from tests.helpers import PINGAN, drain, limits, make_tick, order, quote, send

DAY1 = datetime(2024, 6, 3, 10, 0, tzinfo=CHINA_TZ)
DAY2 = datetime(2024, 6, 4, 10, 0, tzinfo=CHINA_TZ)
OFF = RULES["protective_exit"].defaults


def params(**values) -> dict:
    return {**OFF, **values}


def walk(watch: Watch, p: dict, path: list[float], atr: float | None = None) -> tuple[int, str] | None:
    """The first step of the path at which an exit fires, with its reason."""
    for step, price in enumerate(path):
        watch.see(price)
        reason = exit_reason(watch, p, price, atr)
        if reason:
            return step, reason
    return None


def test_a_fixed_stop_loss_fires_at_the_first_price_past_it():
    fired = walk(Watch(True, 10.0, 10.0), params(stop_loss_pct=5), [9.8, 9.6, 9.51, 9.49, 9.0])
    assert fired == (3, "止损：最新价 9.49 较成本 10.0 亏 5.10%，上限 5%")


def test_a_take_profit_fires_for_a_short_when_the_price_falls():
    fired = walk(Watch(False, 100.0, 100.0), params(take_profit_pct=3), [99.0, 98.0, 96.9])
    assert fired[0] == 2 and fired[1].startswith("止盈")


def test_a_trailing_stop_follows_the_best_price_and_fires_on_the_pullback():
    fired = walk(Watch(True, 10.0, 10.0), params(trailing_pct=5), [10.5, 12.0, 11.5, 11.41, 11.39])
    assert fired == (4, "移动止损：最新价 11.39 触及 11.4（自最优价 12.0 回撤 5%）")


def test_nothing_fires_on_a_quiet_path():
    p = params(stop_loss_pct=5, take_profit_pct=5, trailing_pct=5, atr_stop=2, chandelier_atr=3, atr_take=4)
    assert walk(Watch(True, 10.0, 10.0), p, [10.1, 9.9, 10.2, 10.0], atr=0.2) is None


def test_an_atr_stop_and_a_chandelier_stop_use_the_atr_multiple():
    assert walk(Watch(True, 10.0, 10.0), params(atr_stop=2), [9.7, 9.61, 9.59], atr=0.2)[0] == 2
    fired = walk(Watch(True, 10.0, 10.0), params(chandelier_atr=3), [11.0, 10.5, 10.39], atr=0.2)
    assert fired[0] == 2 and fired[1].startswith("吊灯止损：最新价 10.39 触及 10.4")


def contract(vt_symbol: str, size: float = 1, tick: float = 0.01) -> ContractData:
    symbol, exchange = vt_symbol.split(".")
    return ContractData("SIM", symbol, Exchange(exchange), symbol, Product.EQUITY, size, tick)


def test_an_ashare_exit_sells_only_the_sellable_shares_at_the_bid_within_the_limit():
    position = PositionData("SIM", "000001", Exchange.SZSE, Direction.LONG, volume=1500, yd_volume=1000, price=10.0)
    tick = make_tick(PINGAN, 9.0, bid=8.99, ask=9.0, limit_down=9.05)
    req = closing_order(position, contract(PINGAN), tick, 1000, "RiskManager")
    assert (req.direction, req.offset, req.volume, req.price) == (Direction.SHORT, Offset.CLOSE, 1000, 9.05)


def test_an_ashare_exit_of_shares_bought_today_waits_for_tomorrow():
    position = PositionData("SIM", "000001", Exchange.SZSE, Direction.LONG, volume=1000, price=10.0)
    assert "T+1" in closing_order(position, contract(PINGAN), make_tick(PINGAN, 9.0), 0, "RiskManager")


def test_a_crypto_exit_is_a_marketable_limit_through_the_last_price():
    position = PositionData("SIM", "BTCUSDT", Exchange.GLOBAL, Direction.NET, volume=-0.5, price=60_000)
    req = closing_order(position, contract("BTCUSDT.GLOBAL", tick=0.1), make_tick("BTCUSDT.GLOBAL", 62_000), 0, "R")
    assert (req.direction, req.volume, req.price) == (Direction.LONG, 0.5, 62_310.0)


@pytest.fixture
def holding(engine, sim, risk):
    """1,000 shares bought at 10 on day 1, sellable on day 2."""
    quote(sim, 10.0, when=DAY1)
    assert send(engine, order(PINGAN, Direction.LONG, 1000, 10.0)) is None
    quote(sim, 10.0, when=DAY2)
    return risk


def exit_orders(engine) -> list:
    return [o for o in engine.get_all_orders() if o.reference == "RiskManager"]


def test_a_stop_loss_sends_a_closing_sell_through_the_pipeline_and_says_why(engine, sim, holding):
    limits(holding, protective_exit=params(stop_loss_pct=5))
    quote(sim, 9.60, when=DAY2)
    assert exit_orders(engine) == []
    quote(sim, 9.40, when=DAY2)
    drain(engine)
    [sent] = exit_orders(engine)
    assert (sent.direction, sent.offset, sent.volume, sent.price) == (Direction.SHORT, Offset.CLOSE, 1000, 9.39)
    [event] = [row for row in holding.events(beijing_today()) if row.rule == "protective_exit"]
    assert event.reason.startswith("止损：最新价 9.4 较成本 10.0") and "平仓 空 1,000@9.39" in event.reason


def test_an_exit_is_sent_once_while_its_order_is_working(engine, sim, holding):
    limits(holding, protective_exit=params(stop_loss_pct=5))
    for price in (9.40, 9.35, 9.30):
        sim.push_tick(make_tick(PINGAN, price, bid=9.5, ask=9.6, bid_volume=0, when=DAY2))   # nobody to sell to
    drain(engine)
    drain(engine)           # the exit order is put while the tick is handled
    assert len(exit_orders(engine)) == 1


def test_an_atr_stop_reads_stored_daily_bars_through_talib(engine, sim, holding):
    start = datetime(2024, 3, 1, tzinfo=CHINA_TZ)
    bars = [BarData("DB", "000001", Exchange.SZSE, start + timedelta(days=i), Interval.DAILY,
                    high_price=10.2 + 0.01 * i, low_price=9.8, close_price=10.0, open_price=10.0, volume=1e6)
            for i in range(40)]
    get_database().save_bar_data(bars)
    atr = talib.ATR(np.array([b.high_price for b in bars]), np.array([b.low_price for b in bars]),
                    np.array([b.close_price for b in bars]), timeperiod=14)[-1]
    level = 10.0 - 1.5 * atr
    limits(holding, protective_exit=params(atr_stop=1.5, atr_interval="d"))
    holding.protection.bars.clear()
    quote(sim, round(level + 0.02, 2), when=DAY2)
    assert exit_orders(engine) == []
    quote(sim, round(level - 0.02, 2), when=DAY2)
    drain(engine)
    assert len(exit_orders(engine)) == 1


def test_a_position_bought_today_is_reported_not_sold(engine, sim, risk):
    quote(sim, 10.0, when=DAY1)
    assert send(engine, order(PINGAN, Direction.LONG, 1000, 10.0)) is None
    limits(risk, protective_exit=params(stop_loss_pct=5))
    quote(sim, 9.40, when=DAY1)
    drain(engine)
    assert exit_orders(engine) == []
    assert "T+1" in risk.protection.watches[f"SIM.{PINGAN}.多"].told
