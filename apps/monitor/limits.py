"""Limit-up and limit-down watch for every symbol at once: approaching, touching, sealing (the
limit price with nobody on the other side) and breaking the seal, with the seal's first and
last time, its size and how often it broke today."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .minutes import grow

EPSILON = 1e-6


@dataclass
class Changes:
    near: np.ndarray        # rows that came within reach of the limit
    touched: np.ndarray
    sealed: np.ndarray      # rows whose seal reached the alert size
    broken: np.ndarray


class LimitSide:
    """One side: `up` watches the limit-up price and the bids sealing it; the down side mirrors
    it with the limit-down price and the offers."""

    flags = ("near", "at", "sealed", "alerted")
    numbers = ("first_seal", "last_seal", "seal_volume", "breaks")

    def __init__(self, size: int, up: bool) -> None:
        self.up = up
        for name in self.flags:
            setattr(self, name, np.zeros(size, dtype=bool))
        for name in self.numbers:
            setattr(self, name, np.zeros(size))

    def resize(self, size: int) -> None:
        for name in self.flags + self.numbers:
            setattr(self, name, grow(getattr(self, name), size))

    def new_day(self) -> None:
        for name in self.flags + self.numbers:
            getattr(self, name)[:] = 0

    def update(self, rows: np.ndarray, stamp: float, last: np.ndarray, pre_close: np.ndarray, limit: np.ndarray,
               bid_volume: np.ndarray, ask_volume: np.ndarray, near_pct: float, min_seal_amount: float) -> Changes:
        has = limit > 0
        if self.up:
            at = has & (last >= limit - EPSILON)
            near = has & (last >= limit - near_pct / 100 * pre_close)
            holding, facing = bid_volume, ask_volume
        else:
            at = has & (last <= limit + EPSILON)
            near = has & (last <= limit + near_pct / 100 * pre_close)
            holding, facing = ask_volume, bid_volume
        sealed = at & (facing <= 0) & (holding > 0)
        was_near, was_at, was_sealed, alerted = self.near[rows], self.at[rows], self.sealed[rows], self.alerted[rows]
        big_enough = sealed & (holding * limit >= min_seal_amount)
        new_seal = sealed & ~was_sealed
        broken = was_sealed & ~sealed
        sealed_rows = rows[sealed]
        first = rows[new_seal & (self.first_seal[rows] == 0)]
        self.first_seal[first] = stamp
        self.last_seal[rows[new_seal]] = stamp
        self.seal_volume[sealed_rows] = holding[sealed]
        self.breaks[rows[broken]] += 1
        self.near[rows], self.at[rows], self.sealed[rows] = near, at, sealed
        self.alerted[rows] = (alerted & sealed) | big_enough
        # "Near" is within reach or at the limit, so a stock that opens its seal is not near again.
        return Changes(rows[near & ~was_near & ~at], rows[at & ~was_at], rows[big_enough & ~(alerted & was_sealed)],
                       rows[broken])
