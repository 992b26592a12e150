"""Money arithmetic: amounts in yuan are rounded half up to the fen, as brokers and CSDC round."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

_NOISE = Decimal("1e-9")
_FEN = Decimal("0.01")


def to_fen(amount: float) -> float:
    """Half up to the fen: 5.095 -> 5.10, 7.045 -> 7.05 (`round` gives 5.09 and 7.04, because
    neither is exact in binary). The float's noise below a billionth is dropped first, so
    20380 * 0.00025 rounds as the 5.095 it means."""
    return float(Decimal(amount).quantize(_NOISE, ROUND_HALF_EVEN).quantize(_FEN, ROUND_HALF_UP))
