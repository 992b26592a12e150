"""The rebalance plan: quantities each market allows (A-share lots, STAR's 200 then 1, a
perpetual's step, minimum quantity and notional), never more than the capital, with what rounding
leaves over handed to the strategies furthest below target; and an account check that shows its
residual."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from apps.portfolio_manager.attribution import DayRow
from apps.portfolio_manager.plan import Slot, build_plan
from apps.portfolio_manager.report import check_accounts
from lianghua_app.markets import ashare, crypto, size_rule

SYMBOLS = [("600519.SSE", "ashare", "CNY"), ("688981.SSE", "ashare", "CNY"), ("000001.SZSE", "ashare", "CNY"),
           ("BTCUSDT.GLOBAL", "crypto", "USDT"), ("ETHUSDT.GLOBAL", "crypto", "USDT")]


def slots(prices: list[float]) -> list[Slot]:
    return [Slot(f"s{i}", symbol, market, currency, price, size_rule(symbol), 0.0, 0.0,
                 7.2 if currency == "USDT" else 1.0)
            for i, ((symbol, market, currency), price) in enumerate(zip(SYMBOLS, prices, strict=True))]


def lawful(line) -> bool:
    symbol = line.slot.vt_symbol.split(".")[0]
    if line.quantity == 0:
        return True
    if line.slot.market == "ashare":
        return ashare.check_buy_volume(ashare.board_of(symbol), line.quantity) is None
    return crypto.check_order(crypto.spec_of(symbol), line.slot.price, line.quantity, check_tick=False) is None


@pytest.mark.parametrize("seed", range(25))
def test_rounding_never_breaks_a_lot_step_or_minimum_and_never_spends_more_than_the_capital(seed):
    rng = np.random.default_rng(seed)
    prices = [float(rng.uniform(5, 2000)), float(rng.uniform(10, 200)), float(rng.uniform(5, 20)),
              float(rng.uniform(20_000, 90_000)), float(rng.uniform(1_000, 5_000))]
    weights = rng.dirichlet(np.ones(5)) * rng.uniform(0.3, 1.0)
    total = float(rng.uniform(50_000, 5_000_000))
    plan = build_plan(total, list(weights), slots(prices), "CNY")
    assert all(lawful(line) for line in plan.lines)
    assert sum(line.capital for line in plan.lines) <= total * weights.sum() + 1e-6
    for line in plan.lines:
        assert line.capital == pytest.approx(line.quantity * line.slot.price * line.slot.to_base)


def test_what_a_lot_leaves_over_goes_to_the_strategy_furthest_below_its_target():
    plan = build_plan(300_000, [0.5, 0.5], [slots([1500.0] * 5)[0], slots([0, 0, 12.5, 0, 0])[2]], "CNY")
    moutai, pingan = plan.lines
    assert moutai.quantity == 100                    # 150,000 buys exactly one lot
    assert pingan.quantity == 12_000                 # 150,000 / 12.5
    assert plan.cash == pytest.approx(0.0)
    plan = build_plan(400_000, [0.5, 0.5], [slots([1500.0] * 5)[0], slots([0, 0, 12.5, 0, 0])[2]], "CNY")
    moutai, pingan = plan.lines
    assert moutai.quantity == 100 and pingan.quantity == 20_000   # moutai's 50,000 remainder went to pingan
    assert plan.cash == pytest.approx(0.0)


def test_a_share_too_small_for_the_minimum_order_is_zero_and_says_so():
    plan = build_plan(100_000, [0.05, 0.95], [slots([1500.0] * 5)[0], slots([0, 0, 12.5, 0, 0])[2]], "CNY")
    moutai, pingan = plan.lines
    assert moutai.quantity == 0 and "不足最小下单量" in moutai.note
    assert pingan.quantity == 8_000 and moutai.order is None               # moutai's 5,000 went to pingan
    capped = build_plan(100_000, [0.05, 0.95], [slots([1500.0] * 5)[0], slots([0, 0, 12.5, 0, 0])[2]], "CNY",
                        caps=[100_000, 96_000]).lines[1]
    assert capped.quantity == 7_600                                        # a cap holds the remainder back


def test_a_perpetual_gets_its_minimum_notional_before_any_position():
    [btc] = build_plan(90 * 7.2, [1.0], [slots([0, 0, 0, 60_000.0, 0])[3]], "CNY").lines
    assert btc.quantity == 0.0                       # 0.001 BTC is 60 USDT, under the 100 USDT minimum
    [btc] = build_plan(110 * 7.2, [1.0], [slots([0, 0, 0, 60_000.0, 0])[3]], "CNY").lines
    assert btc.quantity == 0.0                       # the smallest order worth 100 USDT is 0.002 BTC: 120 USDT
    [btc] = build_plan(125 * 7.2, [1.0], [slots([0, 0, 0, 60_000.0, 0])[3]], "CNY").lines
    assert btc.quantity == 0.002
    [btc] = build_plan(200 * 7.2, [1.0], [slots([0, 0, 0, 60_000.0, 0])[3]], "CNY").lines
    assert btc.quantity == 0.003 and btc.capital == pytest.approx(0.003 * 60_000 * 7.2)


def test_no_capital_or_no_price_is_said_in_words():
    with pytest.raises(ValueError, match="可分配资金须大于0"):
        build_plan(0, [1.0], slots([10.0] * 5)[:1], "CNY")
    [line] = build_plan(1_000_000, [1.0], slots([0.0] * 5)[:1], "CNY").lines
    assert line.quantity == 0 and line.note == "无价格，暂不分配"


def test_the_account_check_shows_what_the_rows_do_not_explain():
    rows = [DayRow(date(2026, 11, 30), "trend", "000001.SZSE", "SIM", trading=500.0, commission=-5.0),
            DayRow(date(2026, 12, 1), "trend", "000001.SZSE", "SIM", holding=-200.0)]
    equity = [(date(2026, 11, 29), "SIM.CNY", "CNY", 1_000_000.0), (date(2026, 12, 1), "SIM.CNY", "CNY", 1_010_295.0)]
    [check] = check_accounts(rows, equity)
    assert (check.change, check.explained) == (10_295.0, 295.0)
    assert check.residual == pytest.approx(10_000.0)                       # a deposit, say
