"""Crypto perpetual rules (Binance USD-M futures conventions).

Sources: Binance USD-M `GET /fapi/v1/exchangeInfo` filters (PRICE_FILTER tickSize,
LOT_SIZE stepSize/minQty, MIN_NOTIONAL notional) as published for BTCUSDT and ETHUSDT;
the USD-M fee schedule for VIP 0 (maker 0.0200%, taker 0.0500%); funding settles every
8 hours at 00:00, 08:00 and 16:00 UTC: payment = position notional at the mark price x
funding rate, paid by longs to shorts when the rate is positive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from vnpy.trader.object import OrderRequest

from ..i18n import tr


@dataclass(frozen=True)
class PerpSpec:
    symbol: str
    name: str
    tick: float
    step: float
    min_qty: float
    min_notional: float
    maker_fee: float = 0.0002
    taker_fee: float = 0.0005
    funding_interval_hours: int = 8
    max_leverage: int = 125


PERPETUALS: dict[str, PerpSpec] = {
    "BTCUSDT": PerpSpec("BTCUSDT", "BTC/USDT 永续", tick=0.1, step=0.001, min_qty=0.001, min_notional=100.0),
    "ETHUSDT": PerpSpec("ETHUSDT", "ETH/USDT 永续", tick=0.01, step=0.001, min_qty=0.001, min_notional=20.0),
}


@dataclass
class PostOnlyRequest(OrderRequest):
    """A limit order that must rest as maker: a venue refuses it rather than let it take (vnpy
    has no such order type; gateways read `post_only`)."""
    post_only: bool = True


def is_post_only(req: OrderRequest) -> bool:
    return bool(getattr(req, "post_only", False))


_listed: dict[str, PerpSpec] = {}


def register_specs(specs: list[PerpSpec]) -> None:
    """What a venue's contract list says (tick, step, minimums, fees, leverage): from then on
    the guard, SIM and the backtester apply these filters to the symbol."""
    _listed.update({spec.symbol: spec for spec in specs})


def spec_of(symbol: str) -> PerpSpec | None:
    """The venue's filters for a symbol, else SIM's defaults, else None."""
    return _listed.get(symbol) or PERPETUALS.get(symbol)


def is_multiple(value: float, step: float) -> bool:
    ratio = Decimal(str(value)) / Decimal(str(step))
    return ratio == ratio.to_integral_value()


def check_order(spec: PerpSpec, price: float, qty: float, check_tick: bool = True) -> str | None:
    """`check_tick` is off for market orders, whose `price` is only the reference for notional."""
    if qty < spec.min_qty:
        return tr("数量不得小于{minimum}", minimum=spec.min_qty)
    if not is_multiple(qty, spec.step):
        return tr("数量须为{step}的整数倍", step=spec.step)
    if check_tick and price > 0 and not is_multiple(price, spec.tick):
        return tr("价格须为最小变动价位{tick}的整数倍", tick=spec.tick)
    if price > 0 and price * qty < spec.min_notional:
        return tr("委托金额{notional:.2f}低于最小名义价值{minimum}", notional=price * qty,
                  minimum=spec.min_notional)
    return None


def trade_fee(spec: PerpSpec, notional: float, maker: bool) -> float:
    return abs(notional) * (spec.maker_fee if maker else spec.taker_fee)


def initial_margin(notional: float, leverage: int) -> float:
    return abs(notional) / leverage


def funding_payment(position_qty: float, mark_price: float, rate: float) -> float:
    """What the position pays (positive) or receives (negative) at one funding time."""
    return position_qty * mark_price * rate


def next_funding_time(moment: datetime, interval_hours: int = 8) -> datetime:
    moment = moment.astimezone(timezone.utc)
    start_of_day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    slots = int((moment - start_of_day) / timedelta(hours=interval_hours)) + 1
    return start_of_day + timedelta(hours=interval_hours * slots)


def liquidation_price(entry_price: float, qty: float, margin: float, maintenance_rate: float = 0.004) -> float:
    """Price at which isolated margin falls to the maintenance margin (qty signed: + long)."""
    if qty == 0:
        return 0.0
    # margin + qty*(p - entry) = maintenance_rate * |qty| * p
    sign = 1 if qty > 0 else -1
    return (entry_price * qty - margin) / (qty - sign * maintenance_rate * abs(qty))


@dataclass
class PerpPosition:
    """One isolated-margin perpetual position: the single place fills, realised PnL and margin
    are worked out (SIM's ledger and the backtester's book both hold one). `qty` is signed
    (+ long) in order units; `size` converts units to coins."""
    qty: float = 0.0
    entry: float = 0.0
    margin: float = 0.0

    def fill(self, signed_qty: float, price: float, leverage: int, size: float = 1.0) -> float:
        """Apply a fill; return the realised PnL of the part that closed."""
        realised = 0.0
        if self.qty and (self.qty > 0) != (signed_qty > 0):
            closing = min(abs(signed_qty), abs(self.qty))
            sign = 1 if self.qty > 0 else -1
            realised = closing * (price - self.entry) * sign * size
            self.margin -= self.margin * closing / abs(self.qty)
            self.qty -= sign * closing
            signed_qty += sign * closing
            if abs(self.qty) < 1e-12:
                self.qty, self.entry, self.margin = 0.0, 0.0, 0.0
        if abs(signed_qty) > 1e-12:
            total = abs(self.qty) + abs(signed_qty)
            self.entry = (self.entry * abs(self.qty) + price * abs(signed_qty)) / total
            self.qty += signed_qty
            self.margin += initial_margin(signed_qty * price * size, leverage)
        return realised

    def unrealised(self, mark: float, size: float = 1.0) -> float:
        return self.qty * (mark - self.entry) * size if self.qty else 0.0

    def liquidation_price(self, maintenance_rate: float = 0.004, size: float = 1.0) -> float:
        return liquidation_price(self.entry, self.qty * size, self.margin, maintenance_rate)
