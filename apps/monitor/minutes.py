"""Rolling 1-minute bars of every watched symbol, as rings: one row per minute, one column per
symbol. The whole market closes a minute at once, so a close is a handful of array writes."""

from __future__ import annotations

import numpy as np

RING_MINUTES = 128      # the longest look-back any rule may ask for, plus room


def grow(array: np.ndarray, size: int, fill: float = 0.0) -> np.ndarray:
    """`array` padded along its last axis to `size` columns."""
    shape = (*array.shape[:-1], size)
    grown = np.full(shape, fill, dtype=array.dtype)
    grown[..., :array.shape[-1]] = array
    return grown


class MinuteBars:
    def __init__(self, size: int) -> None:
        self.close = np.zeros((RING_MINUTES, size))
        self.high = np.zeros((RING_MINUTES, size))
        self.low = np.zeros((RING_MINUTES, size))
        self.volume = np.zeros((RING_MINUTES, size))
        self.count = np.zeros(size, dtype=np.int64)     # closed bars per symbol
        self.pos = 0                                     # ring row the next close goes to

    def resize(self, size: int) -> None:
        for name in ("close", "high", "low", "volume", "count"):
            setattr(self, name, grow(getattr(self, name), size))

    def append(self, rows: np.ndarray, close: np.ndarray, high: np.ndarray, low: np.ndarray,
               volume: np.ndarray) -> None:
        """Close one minute for `rows`; the other symbols' columns keep their last bar. A symbol's
        first bar fills its whole column, so look-backs never read another symbol's zeros."""
        first = self.count[rows] == 0
        if first.any():
            fresh = rows[first]
            self.close[:, fresh], self.high[:, fresh] = close[first], high[first]
            self.low[:, fresh] = low[first]
        row = self.pos % RING_MINUTES
        self.close[row, rows], self.high[row, rows] = close, high
        self.low[row, rows], self.volume[row, rows] = low, volume
        self.count[rows] += 1
        self.pos += 1

    def ago(self, minutes: int) -> int:
        """Ring row of the bar closed `minutes` minutes ago (1 = the latest)."""
        return (self.pos - minutes) % RING_MINUTES

    def window(self, name: str, length: int, rows: np.ndarray) -> np.ndarray:
        """The last `length` closed bars of `rows`, oldest first: shape (length, len(rows))."""
        ring_rows = [(self.pos - length + i) % RING_MINUTES for i in range(length)]
        return getattr(self, name)[np.ix_(ring_rows, rows)]
