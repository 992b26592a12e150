"""The monitor's array indicators agree with TA-Lib on the same 1-minute bars."""

from __future__ import annotations

import numpy as np
import pytest
import talib

from apps.monitor.indicators import Bollinger, Kdj, Macd, Rsi
from apps.monitor.minutes import MinuteBars

BARS = 300


@pytest.fixture(scope="module")
def walk():
    """Two symbols' random-walk minute bars, fed to the ring one minute at a time."""
    rng = np.random.default_rng(7)
    close = 10 * np.exp(np.cumsum(rng.normal(0, 0.004, (BARS, 2)), axis=0))
    high = close * (1 + rng.uniform(0, 0.003, close.shape))
    low = close * (1 - rng.uniform(0, 0.003, close.shape))
    return close, high, low


def run(indicator, walk):
    close, high, low = walk
    bars, rows = MinuteBars(2), np.arange(2)
    for minute in range(BARS):
        bars.append(rows, close[minute], high[minute], low[minute], np.zeros(2))
        indicator.update(rows, bars)
    return bars


def test_macd_matches_talib_after_warm_up(walk):
    macd = Macd(2, 12, 26, 9)
    run(macd, walk)
    for column in range(2):
        dif, dea, _ = talib.MACD(walk[0][:, column], 12, 26, 9)
        ours_dif, ours_dea = macd.values(np.array([column]))
        assert ours_dif[0] == pytest.approx(dif[-1], abs=1e-9)
        assert ours_dea[0] == pytest.approx(dea[-1], abs=1e-9)


def test_kdj_matches_talib_stoch_with_ema_smoothing(walk):
    kdj = Kdj(2, 9)
    run(kdj, walk)
    close, high, low = walk
    for column in range(2):
        k, d = talib.STOCH(high[:, column], low[:, column], close[:, column], fastk_period=9, slowk_period=5,
                           slowk_matype=1, slowd_period=5, slowd_matype=1)
        assert kdj.k[column] == pytest.approx(k[-1], abs=1e-6)
        assert kdj.d[column] == pytest.approx(d[-1], abs=1e-6)


def test_rsi_matches_talib(walk):
    rsi = Rsi(2, 14, 80, 20)
    run(rsi, walk)
    for column in range(2):
        assert rsi.value[column] == pytest.approx(talib.RSI(walk[0][:, column], 14)[-1], abs=1e-9)


def test_bollinger_bands_match_talib(walk):
    boll = Bollinger(2, 20, 2.0)
    bars = run(boll, walk)
    upper, middle, lower = boll.bands(np.arange(2), bars)
    for column in range(2):
        ta_upper, ta_middle, ta_lower = talib.BBANDS(walk[0][:, column], 20, 2.0, 2.0)
        assert (upper[column], middle[column], lower[column]) == pytest.approx(
            (ta_upper[-1], ta_middle[-1], ta_lower[-1]), abs=1e-9)
