"""Money arithmetic: amounts in yuan are rounded half up to the fen, as brokers and CSDC round;
amounts in one currency are converted to another at the user's USDT/CNY rate."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

_NOISE = Decimal("1e-9")
_FEN = Decimal("0.01")


def to_fen(amount: float) -> float:
    """Half up to the fen: 5.095 -> 5.10, 7.045 -> 7.05 (`round` gives 5.09 and 7.04, because
    neither is exact in binary). The float's noise below a billionth is dropped first, so
    20380 * 0.00025 rounds as the 5.095 it means."""
    return float(Decimal(amount).quantize(_NOISE, ROUND_HALF_EVEN).quantize(_FEN, ROUND_HALF_UP))


STABLE = ("USDT", "USDC", "FDUSD", "BUSD", "USD")   # counted as one US dollar each


class ConversionError(ValueError):
    pass


def convert(amount: float, currency: str, base: str, usdt_cny: float) -> float:
    """`amount` in `currency` expressed in `base` (CNY or a dollar stablecoin)."""
    if currency == base or (currency in STABLE and base in STABLE):
        return amount
    if not usdt_cny > 0:
        raise ConversionError(f"USDT/CNY rate must be positive, got {usdt_cny!r}")
    if currency in STABLE and base == "CNY":
        return amount * usdt_cny
    if currency == "CNY" and base in STABLE:
        return amount / usdt_cny
    raise ConversionError(f"no rate from {currency} to {base}")
