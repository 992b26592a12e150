"""The anomaly rules on constructed price and volume paths: each fires when it should and
stays quiet otherwise."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from apps.monitor.config import MonitorConfig
from apps.monitor.detector import Detector
from lianghua_app.markets import CHINA_TZ
from lianghua_app.quotes import Level2Trade, QuoteFrame
from tests.helpers import make_tick, quote_frame

OPEN = datetime(2024, 6, 3, 9, 30, tzinfo=CHINA_TZ)
HOT, CALM = "600001.SSE", "600002.SSE"


def rules_fired(signals, rule: str) -> list:
    return [s for s in signals if s.rule == rule]


def minute_path(detector: Detector, paths: dict[str, list[dict]], start: datetime = OPEN) -> list:
    """One frame per minute (at second 0 and second 30) per step of each symbol's path."""
    signals = []
    for step in range(len(next(iter(paths.values())))):
        for second in (0, 30):
            moment = start + timedelta(minutes=step, seconds=second)
            signals += detector.process(quote_frame(moment, {s: p[step] for s, p in paths.items()}))
    return signals


@pytest.fixture
def detector() -> Detector:
    return Detector(MonitorConfig())


def test_a_four_percent_jump_within_five_minutes_is_a_fast_move(detector):
    hot = [{"last": 10.0}] * 6 + [{"last": 10.1}, {"last": 10.25}, {"last": 10.42}]
    calm = [{"last": 10.0 + 0.01 * i} for i in range(9)]
    signals = minute_path(detector, {HOT: hot, CALM: calm})
    moves = rules_fired(signals, "fast_move")
    assert [s.vt_symbol for s in moves] == [HOT]
    assert moves[0].value == pytest.approx(4.2, abs=0.01) and "5分钟内涨跌+4.20%" in moves[0].text


def test_a_minute_with_five_times_the_recent_volume_is_a_surge(detector):
    steady = [{"volume": 20_000.0 * (i + 1)} for i in range(8)]
    surging = steady[:7] + [{"volume": steady[6]["volume"] + 100_000.0 + 20_000.0}]
    signals = minute_path(detector, {HOT: surging, CALM: steady})
    surges = rules_fired(signals, "volume_surge")
    assert [s.vt_symbol for s in surges] == [HOT]
    assert surges[0].value >= 3


def test_volume_against_the_same_minute_of_earlier_days_uses_the_stored_profile(detector):
    profile = np.full(240, 1_000.0)
    detector.set_reference(HOT, 0, 0, profile)
    detector.set_reference(CALM, 0, 0, profile)
    path = [{"volume": 0.0}, {"volume": 100_000.0}]
    signals = minute_path(detector, {HOT: path, CALM: [{"volume": 0.0}, {"volume": 1_500.0}]})
    fired = rules_fired(signals, "volume_vs_history")
    assert [s.vt_symbol for s in fired] == [HOT] and fired[0].value == pytest.approx(100)


def test_limit_up_is_approached_touched_sealed_and_broken_in_that_order(detector):
    path = [{"last": 10.5}, {"last": 10.92}, {"last": 11.0, "ask_volume": 3_000.0},
            {"last": 11.0, "ask_volume": 0.0, "bid_volume": 800_000.0}, {"last": 11.0, "ask_volume": 0.0},
            {"last": 10.98, "ask_volume": 2_000.0}]
    signals = []
    for step, quote in enumerate(path):
        signals += detector.process(quote_frame(OPEN + timedelta(seconds=3 * step), {HOT: quote, CALM: {}}))
    rules = [s.rule for s in signals]
    assert rules == ["near_limit_up", "limit_up", "limit_up_sealed", "limit_up_broken"]
    assert {s.vt_symbol for s in signals} == {HOT}
    sealed = signals[2]
    assert sealed.value == 800_000 and sealed.time == OPEN + timedelta(seconds=9)
    row = detector.universe.rows[HOT]
    assert detector.up.first_seal[row] == (OPEN + timedelta(seconds=9)).timestamp()
    assert detector.up.breaks[row] == 1 and not detector.up.sealed[row]


def test_limit_down_seal_needs_offers_only_at_the_limit(detector):
    frames = [{"last": 9.0, "bid_volume": 2_000.0}, {"last": 9.0, "bid_volume": 0.0, "ask_volume": 900_000.0}]
    signals = []
    for step, quote in enumerate(frames):
        signals += detector.process(quote_frame(OPEN + timedelta(seconds=3 * step), {HOT: quote}))
    assert [s.rule for s in signals] == ["limit_down", "limit_down_sealed"]
    assert signals[1].value == 900_000


def test_a_seal_below_the_minimum_amount_is_not_reported(detector):
    config = MonitorConfig()
    config.params["limit_up_sealed"]["min_seal_amount"] = 50_000_000.0
    detector.configure(config)
    signals = detector.process(quote_frame(OPEN, {HOT: {"last": 11.0, "ask_volume": 0.0, "bid_volume": 1_000.0}}))
    assert [s.rule for s in signals] == ["limit_up"]


def test_seal_and_break_inside_one_batch_of_ticks_are_both_seen(detector):
    common = {"limit_up": 11.0, "limit_down": 9.0, "pre_close": 10.0, "when": OPEN}
    sealed = make_tick(HOT, 11.0, bid_volume=500_000, ask=0.0, **common)
    broken = make_tick(HOT, 10.99, ask=11.0, ask_volume=100, **common)
    rules = [s.rule for s in detector.process(QuoteFrame.from_ticks([sealed, broken]))]
    assert rules == ["limit_up", "limit_up_sealed", "limit_up_broken"]


def test_a_new_twenty_day_high_fires_once_a_day(detector):
    detector.set_reference(HOT, high=10.3, low=9.5)
    detector.set_reference(CALM, high=12.0, low=9.0)
    signals = []
    for step, price in enumerate((10.2, 10.31, 10.4, 10.35, 10.5)):
        signals += detector.process(quote_frame(OPEN + timedelta(seconds=3 * step),
                                                {HOT: {"last": price}, CALM: {"last": price}}))
    highs = rules_fired(signals, "new_high")
    assert [(s.vt_symbol, s.value) for s in highs] == [(HOT, 10.31)]
    next_day = OPEN + timedelta(days=1)
    again = detector.process(quote_frame(next_day, {HOT: {"last": 10.6, "pre_close": 10.5}}))
    assert [s.rule for s in again] == ["new_high"]


def test_macd_crosses_up_after_a_decline_turns_into_a_rally(detector):
    config = MonitorConfig()
    config.enabled["macd_cross"] = True
    detector.configure(config)
    closes = [10.0 - 0.02 * i for i in range(40)] + [9.2 + 0.03 * i for i in range(25)]
    signals = minute_path(detector, {HOT: [{"last": c} for c in closes], CALM: [{"last": 10.0}] * len(closes)})
    crosses = rules_fired(signals, "macd_cross")
    assert [(s.vt_symbol, s.text) for s in crosses] == [(HOT, "MACD金叉")]


def test_indicator_rules_that_are_off_stay_quiet(detector):
    closes = [10.0 - 0.02 * i for i in range(40)] + [9.2 + 0.03 * i for i in range(25)]
    signals = minute_path(detector, {HOT: [{"last": c} for c in closes]})
    assert not rules_fired(signals, "macd_cross") and not rules_fired(signals, "kdj_cross")


def test_a_big_level2_print_is_reported_and_a_small_one_is_not(detector):
    detector.process(quote_frame(OPEN, {HOT: {}}))
    trades = [Level2Trade(HOT, OPEN, 10.0, 200_000, "B"), Level2Trade(HOT, OPEN, 10.0, 5_000, "S")]
    signals = detector.process_level2(trades)
    assert [(s.rule, s.value) for s in signals] == [("big_order", 2_000_000)]
    assert "大单买入" in signals[0].text


def test_alerts_are_limited_to_the_watched_symbols(detector):
    detector.set_scope({CALM})
    sealed = {"last": 11.0, "ask_volume": 0.0, "bid_volume": 500_000.0}
    signals = detector.process(quote_frame(OPEN, {HOT: sealed, CALM: sealed}))
    assert {s.vt_symbol for s in signals} == {CALM}
