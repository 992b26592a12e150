"""PnL attribution on constructed fills with fees, taxes and funding: the parts add up exactly to
the change in cash plus position value, per strategy and in total, on A-share (Beijing) and
crypto (UTC) days; a fill without a strategy is 手动; funding no position explains is shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from apps.portfolio_manager.attribution import MANUAL, UNEXPLAINED, Fill, Funding, attribute, market_day
from lianghua_app.markets import CHINA_TZ

MOUTAI, BTC = "600519.SSE", "BTCUSDT.GLOBAL"


def beijing(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CHINA_TZ)


def equity_change(fills, funding, opening, final_close, strategy=None) -> float:
    """Cash plus position value, counted independently of the attribution."""
    chosen = [f for f in fills if strategy is None or (f.strategy or MANUAL) == strategy]
    cash = sum(-f.qty * f.price * f.size - f.commission - f.tax for f in chosen)
    start_qty = sum(q for (_, s, _), (q, _) in opening.items() if strategy is None or (s or MANUAL) == strategy)
    start_close = next(iter(opening.values()))[1] if opening else 0.0
    end_qty = start_qty + sum(f.qty for f in chosen)
    return cash + sum(f.amount for f in funding) + end_qty * final_close - start_qty * start_close


def test_ashare_days_add_up_per_strategy_and_in_total():
    fills = [Fill(beijing(26, 10), MOUTAI, "trend", 500, 101.0, commission=5.0),
             Fill(beijing(27, 14), MOUTAI, "trend", -800, 103.0, commission=5.0, tax=0.8 * 103 * 0.5),
             Fill(beijing(27, 14, 30), MOUTAI, "", 200, 102.5, commission=5.0)]
    opening = {("", "trend", MOUTAI): (1000, 100.0)}
    closes = {(MOUTAI, date(2026, 11, 26)): 102.0, (MOUTAI, date(2026, 11, 27)): 101.0,
              (MOUTAI, date(2026, 11, 30)): 104.0}
    rows = attribute(fills, [], closes, opening)
    assert sum(r.total for r in rows) == pytest.approx(equity_change(fills, [], opening, 104.0))
    trend = [r for r in rows if r.strategy == "trend"]
    assert sum(r.total for r in trend) == pytest.approx(equity_change(fills, [], opening, 104.0, "trend"))
    first = next(r for r in trend if r.day == date(2026, 11, 26))
    assert (first.holding, first.trading, first.commission) == (1000 * 2.0, 500 * 1.0, -5.0)
    manual = [r for r in rows if r.strategy == MANUAL]
    assert manual and manual[-1].position == 200                           # a trade no strategy sent
    assert next(r for r in trend if r.day == date(2026, 11, 27)).tax == pytest.approx(-41.2)


def test_crypto_days_are_utc_days_and_funding_follows_the_positions_held():
    fills = [Fill(datetime(2026, 11, 29, 23, 30, tzinfo=UTC), BTC, "carry", 0.3, 60_000.0, commission=9.0),
             Fill(datetime(2026, 11, 30, 0, 30, tzinfo=UTC), BTC, "trend", 0.1, 60_100.0, commission=3.0)]
    funding = [Funding(datetime(2026, 11, 30, 8, 0, tzinfo=UTC), BTC, -4.0)]
    closes = {(BTC, date(2026, 11, 29)): 60_050.0, (BTC, date(2026, 11, 30)): 60_500.0}
    rows = attribute(fills, funding, closes)
    assert [(r.day, r.strategy) for r in rows][:1] == [(date(2026, 11, 29), "carry")]   # 07:30 Beijing, 29th UTC
    paid = {r.strategy: r.funding for r in rows if r.day == date(2026, 11, 30)}
    assert paid == pytest.approx({"carry": -3.0, "trend": -1.0})           # split 3 : 1 by position
    assert sum(r.total for r in rows) == pytest.approx(equity_change(fills, funding, {}, 60_500.0))


def test_funding_with_no_position_to_explain_it_is_shown_not_spread():
    funding = [Funding(datetime(2026, 11, 30, 8, 0, tzinfo=UTC), BTC, 1.5)]
    rows = attribute([], funding, {(BTC, date(2026, 11, 30)): 60_000.0})
    assert [(r.strategy, r.funding) for r in rows] == [(UNEXPLAINED, 1.5)]


def test_each_market_counts_its_own_days():
    moment = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)                    # 07:30 on 1 December in Beijing
    assert (market_day(moment, BTC), market_day(moment, MOUTAI)) == (date(2026, 11, 30), date(2026, 12, 1))


def test_a_day_without_its_close_is_named():
    with pytest.raises(ValueError, match="no close for 600519.SSE"):
        attribute([Fill(beijing(26, 10), MOUTAI, "trend", 100, 10.0)], [], {})
