"""The one set of market rules, applied to vnpy objects.

SIM, the pre-trade guard, the backtester and the risk manager all call `validate_order`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from vnpy.trader.constant import Direction, Exchange, Offset, OrderType
from vnpy.trader.object import ContractData, OrderRequest, TickData

from ..i18n import tr
from . import ashare, crypto

CHINA_TZ = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def beijing_today() -> date:
    """The A-share calendar day, whatever the computer's time zone (the journal keeps Beijing time)."""
    return datetime.now(CHINA_TZ).date()


ASHARE_EXCHANGES = (Exchange.SSE, Exchange.SZSE, Exchange.BSE)   # a tuple: members match by identity, no enum hash


def is_ashare(exchange: Exchange) -> bool:
    return exchange in ASHARE_EXCHANGES


_SUFFIXES = {"SH": Exchange.SSE, "SSE": Exchange.SSE, "SZ": Exchange.SZSE, "SZSE": Exchange.SZSE,
             "BJ": Exchange.BSE, "BSE": Exchange.BSE}


def ashare_vt_symbol(text: str) -> str | None:
    """`600519`, `600519.SH` or `600519.SSE` -> `600519.SSE`; None when it is not an A-share
    code. A bare code takes its exchange from its first digits."""
    code, _, suffix = text.strip().upper().partition(".")
    if len(code) != 6 or not code.isdigit():
        return None
    if suffix:
        exchange = _SUFFIXES.get(suffix)
    elif ashare.board_of(code) is ashare.Board.BEIJING:
        exchange = Exchange.BSE
    else:
        exchange = Exchange.SSE if code.startswith(("5", "6", "9")) else Exchange.SZSE
    return f"{code}.{exchange.value}" if exchange else None


def exchange_of(vt_symbol: str) -> Exchange:
    return Exchange(vt_symbol.rsplit(".", 1)[1])


def market_of(exchange: Exchange) -> str:
    """"ashare" or "crypto": the market whose rules, days and caps apply."""
    return "ashare" if is_ashare(exchange) else "crypto"


def clock_of(exchange: Exchange) -> ZoneInfo:
    """The zone a market's days and files are in: Beijing for A-shares, UTC for crypto."""
    return CHINA_TZ if is_ashare(exchange) else UTC


def currency_of(exchange: Exchange) -> str:
    """The currency an instrument settles in: CNY for A-shares, USDT for the perpetuals."""
    return "CNY" if is_ashare(exchange) else "USDT"


def perp_spec(contract: ContractData) -> crypto.PerpSpec:
    known = (contract.extra or {}).get("spec") or crypto.spec_of(contract.symbol)
    if known:
        return known
    return crypto.PerpSpec(contract.symbol, contract.name, tick=contract.pricetick,
                           step=contract.min_volume, min_qty=contract.min_volume, min_notional=0.0)


@dataclass(frozen=True)
class SizeRule:
    """How a position in a symbol can be sized: a multiple of `step`, at least `minimum` and worth
    at least `min_notional`; `size` is the contract multiplier."""
    minimum: float
    step: float
    min_notional: float = 0.0
    size: float = 1.0


def size_rule(vt_symbol: str, contract: ContractData | None = None) -> SizeRule:
    """A-shares: the board's lot (100 shares; STAR 200 then 1). Crypto: the venue's filters."""
    symbol, _, suffix = vt_symbol.rpartition(".")
    if is_ashare(Exchange(suffix)):
        lot = ashare.LOT_RULES[ashare.board_of(symbol)]
        return SizeRule(lot.minimum, lot.step)
    spec = perp_spec(contract) if contract else crypto.spec_of(symbol)
    if spec is None:
        return SizeRule(0.0, 1e-8, size=contract.size if contract else 1.0)
    return SizeRule(spec.min_qty, spec.step, spec.min_notional, contract.size if contract else 1.0)


def floor_quantity(qty: float, rule: SizeRule, price: float) -> float:
    """The largest quantity at most `qty` that the rule allows; 0 when even the smallest allowed
    order would exceed it."""
    if not qty > 0:
        return 0.0
    step = Decimal(str(rule.step))
    floored = float((Decimal(str(qty)) / step).to_integral_value(ROUND_FLOOR) * step)
    if floored < rule.minimum or floored * price * rule.size < rule.min_notional:
        return 0.0
    return floored


def is_buy(req: OrderRequest) -> bool:
    return req.direction is Direction.LONG


def validate_order(
    req: OrderRequest,
    contract: ContractData | None,
    tick: TickData | None,
    available: float,
    today: date,
) -> str | None:
    """The reason the order breaks a market rule, or None. `available` is the sellable
    volume of an A-share position (T+1), ignored for crypto."""
    if contract is None:
        return tr("未知合约：{symbol}", symbol=req.vt_symbol)
    if req.volume <= 0:
        return tr("委托数量须大于0")
    if req.type is OrderType.LIMIT and req.price <= 0:
        return tr("限价委托须填写价格")
    if is_ashare(contract.exchange):
        return _validate_ashare(req, contract, tick, available, today)
    spec = perp_spec(contract)
    limit = req.type is OrderType.LIMIT
    price = req.price if limit else (tick.last_price if tick else 0.0)
    return crypto.check_order(spec, price, req.volume, check_tick=limit)


def _validate_ashare(
    req: OrderRequest, contract: ContractData, tick: TickData | None, available: float, today: date
) -> str | None:
    board = ashare.board_of(contract.symbol)
    if req.direction is Direction.SHORT and req.offset is Offset.OPEN:
        return tr("A股不支持卖空开仓，请使用卖出平仓")
    if req.direction is Direction.LONG and req.offset not in (Offset.OPEN, Offset.NONE):
        return tr("A股不支持买入平仓")
    if is_buy(req):
        reason = ashare.check_buy_volume(board, req.volume)
    else:
        reason = ashare.check_sell_volume(board, req.volume, available)
    if reason:
        return reason
    if req.type is not OrderType.LIMIT:
        return None
    if not ashare.is_on_tick(req.price, contract.pricetick or ashare.PRICE_TICK):
        return tr("委托价格须为{tick}元的整数倍", tick=contract.pricetick or ashare.PRICE_TICK)
    limit_down, limit_up = band_of(contract, tick, today)
    if limit_up and req.price > limit_up + 1e-9:
        return tr("委托价格{price}高于涨停价{limit}", price=req.price, limit=limit_up)
    if limit_down and req.price < limit_down - 1e-9:
        return tr("委托价格{price}低于跌停价{limit}", price=req.price, limit=limit_down)
    return None


def band_of(contract: ContractData, tick: TickData | None, today: date) -> tuple[float, float]:
    """Today's (limit_down, limit_up): from the quote or the contract when the venue sends
    them, else computed from the previous close."""
    extra = contract.extra or {}
    if tick is None or not tick.limit_up:
        if extra.get("limit_up") and extra.get("limit_down"):
            return extra["limit_down"], extra["limit_up"]
    if tick is None:
        return 0.0, 0.0
    if tick.limit_up and tick.limit_down:
        return tick.limit_down, tick.limit_up
    if tick.pre_close:
        board = ashare.board_of(contract.symbol)
        return ashare.price_limits(tick.pre_close, board, ashare.is_st(contract.name), today)
    return 0.0, 0.0
