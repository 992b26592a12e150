"""The backtester's fast ArrayManager gives exactly vnpy's values."""

from __future__ import annotations

import inspect
import random
import types
from datetime import datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.object import BarData
from vnpy.trader.utility import ArrayManager

from apps.backtester.accel import FastArrayManager, accelerate

# The value given to each indicator parameter that has no default; a new vnpy indicator with a
# parameter named otherwise fails below until it gets one here.
ARGUMENTS = {"n": 10, "fast_period": 5, "slow_period": 10, "signal_period": 9, "dev": 2, "fastk_period": 9,
             "slowk_period": 3, "slowk_matype": 0, "slowd_period": 3, "slowd_matype": 0, "acceleration": 0.02,
             "maximum": 0.2}


def indicator_calls() -> list[tuple]:
    """Every one of vnpy's ArrayManager methods that calls TA-Lib, with its arguments."""
    calls = []
    for name, member in vars(ArrayManager).items():
        if isinstance(member, types.FunctionType) and "talib" in member.__code__.co_names:
            wanted = [p.name for p in inspect.signature(member).parameters.values()
                      if p.name != "self" and p.default is inspect.Parameter.empty]
            calls.append((name, *(ARGUMENTS.get(p, p) for p in wanted)))
    return calls


CALLS = indicator_calls()


def random_bars(count: int, volume: type = int) -> list[BarData]:
    rng, price, bars = random.Random(5), 10.0, []
    for i in range(count):
        close = price * (1 + rng.gauss(0, 0.01))
        bars.append(BarData(gateway_name="DB", symbol="000001", exchange=Exchange.SZSE,
                            datetime=datetime(2024, 1, 2) + timedelta(minutes=i), interval=Interval.MINUTE,
                            open_price=price, close_price=close, high_price=max(price, close) * 1.002,
                            low_price=min(price, close) * 0.998, volume=volume(rng.randint(100, 9000)),
                            turnover=rng.random() * 1e6, open_interest=float(i)))
        price = close
    return bars


@pytest.fixture(params=[float, int], ids=["float volumes", "whole-number volumes"])
def managers(request):
    plain, holder = ArrayManager(), SimpleNamespace(am=ArrayManager())
    assert accelerate(holder) == 1
    close_before = holder.am.close_array
    for bar in random_bars(250, request.param):
        plain.update_bar(bar)
        holder.am.update_bar(bar)
    assert holder.am.close_array is close_before, "strategies may keep a reference to the arrays"
    return plain, holder.am


def test_accelerated_managers_hold_the_same_arrays_as_vnpys(managers):
    plain, fast = managers
    assert isinstance(fast, FastArrayManager) and fast.inited == plain.inited and fast.count == plain.count
    for name in ("open", "high", "low", "close", "volume", "turnover", "open_interest"):
        assert np.array_equal(getattr(fast, name), getattr(plain, name))


@pytest.mark.parametrize("call", CALLS, ids=[call[0] for call in CALLS])
def test_every_indicator_equals_vnpys_bit_for_bit(managers, call):
    plain, fast = managers
    name, *args = call
    assert not any(isinstance(arg, str) for arg in args), f"give ARGUMENTS a value for {args} of {name}"
    expected, actual = getattr(plain, name)(*args, array=True), getattr(fast, name)(*args, array=True)
    np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected))     # NaNs in the same places
    assert getattr(fast, name)(*args) == getattr(plain, name)(*args)            # the latest value alone


@pytest.mark.parametrize("tail", [1, 7, 8, 9, 16, 20, 33, 86])
def test_the_mean_of_an_indicator_tail_equals_numpys_bit_for_bit(managers, tail):
    plain, fast = managers
    expected, actual = plain.atr(14, array=True)[-tail:].mean(), fast.atr(14, array=True)[-tail:].mean()
    assert actual == expected and type(actual) is type(expected)
    assert np.isnan(fast.atr(14, array=True)[:5].mean())          # the warm-up NaNs still propagate
    np.testing.assert_equal(fast.macd(12, 26, 9, array=True)[2][-tail:].mean(),        # one of several outputs
                            plain.macd(12, 26, 9, array=True)[2][-tail:].mean())
