"""Faster per-bar indicator work for strategies in a backtest, with bit-identical values.

Most of a vnpy strategy's time per bar goes to its `ArrayManager`: seven array shifts, and
TA-Lib calls through talib's pandas/polars argument check. `accelerate` switches a
strategy's array managers to `FastArrayManager`, which shifts one block in one copy (the familiar
`close_array` etc. stay the same objects, as rows of it) and calls TA-Lib's compiled
functions directly with the same numpy arrays."""

from __future__ import annotations

import types
from collections.abc import Callable

import numpy as np
import talib
from vnpy.trader import utility
from vnpy.trader.object import BarData
from vnpy.trader.utility import ArrayManager

FIELDS = ("open_array", "high_array", "low_array", "close_array", "volume_array", "turnover_array",
          "open_interest_array")


_add = np.add.reduce
_FLOAT64 = np.dtype(np.float64)


class IndicatorArray(np.ndarray):
    """An indicator's output as `FastArrayManager` returns it. Strategies often average a tail
    of it (`atr_array[-20:].mean()`); numpy's `mean` spends most of its time on Python-level
    argument handling, so the plain whole-array case is the same pairwise `add.reduce` divided
    by the count, which gives the same value bit for bit."""

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        if axis is dtype is out is None and not keepdims and not kwargs and self.dtype is _FLOAT64 \
                and self.ndim == 1 and self.size:
            return _add(self.view(np.ndarray)) / self.size
        return super().mean(axis, dtype, out, keepdims, **kwargs)


def _compiled(function: Callable) -> Callable:
    """TA-Lib's compiled `function` (without talib's argument check), outputs viewed as
    `IndicatorArray`."""
    compiled = getattr(function, "__wrapped__", function)

    def call(*args):        # ArrayManager passes TA-Lib's arguments by position
        result = compiled(*args)
        if type(result) is tuple:
            return tuple(r.view(IndicatorArray) for r in result)
        return result.view(IndicatorArray)
    return call


# A plain namespace filled up front: a lazy `__getattr__` would put a hook in every lookup.
_TALIB = types.SimpleNamespace(**{name: _compiled(getattr(talib, name)) for name in talib.get_functions()})


class FastArrayManager(ArrayManager):
    _flat: np.ndarray       # the 7 x size block, row after row
    _last: np.ndarray       # its last column

    def update_bar(self, bar: BarData) -> None:
        self.count += 1
        if not self.inited and self.count >= self.size:
            self.inited = True
        # One shift of the whole block moves every row left; the value that crosses into the end
        # of the row above lands in the last column, which is overwritten next.
        self._flat[:-1] = self._flat[1:]
        self._last[:] = (bar.open_price, bar.high_price, bar.low_price, bar.close_price, bar.volume, bar.turnover,
                        bar.open_interest)


_GLOBALS = dict(vars(utility), talib=_TALIB)
for _name, _member in vars(ArrayManager).items():
    if isinstance(_member, types.FunctionType) and "talib" in _member.__code__.co_names:
        _clone = types.FunctionType(_member.__code__, _GLOBALS, _name, _member.__defaults__, _member.__closure__)
        _clone.__kwdefaults__ = _member.__kwdefaults__
        setattr(FastArrayManager, _name, _clone)


def accelerate(strategy: object) -> int:
    """Switch the plain `ArrayManager`s among the strategy's attributes; returns how many."""
    switched = 0
    for value in vars(strategy).values():
        if type(value) is ArrayManager:
            block = np.vstack([getattr(value, name) for name in FIELDS])
            value.__class__ = FastArrayManager
            value._flat = block.reshape(-1)
            value._last = block[:, -1]
            for row, name in zip(block, FIELDS, strict=True):
                setattr(value, name, row)
            switched += 1
    return switched
