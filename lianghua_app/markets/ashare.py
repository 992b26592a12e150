"""A-share market rules: boards, lots, price limits, tick, fees, sessions, T+1.

Sources (checked against the exchanges' published rules; re-check when a rule changes):
- Lots and order size: SSE Trading Rules (2023 rev.) art. 3.3.5-3.3.7 and SZSE Trading Rules
  (2023 rev.) art. 3.3.5-3.3.7: buys in multiples of 100 shares, an odd lot below 100 shares
  must be sold in one order; limit orders at most 1,000,000 shares.
- STAR Market: SSE STAR Market Trading Special Provisions art. 14: a limit order is at least
  200 shares and at most 100,000, increasing in steps of 1 share; a remainder below
  200 shares is sold in one order.
- ChiNext: SZSE ChiNext Trading Special Provisions (2020) art. 9 and 10: limit orders at most
  300,000 shares; price limit 20% from 2020-08-24 (the registration reform), 10% before.
- Beijing: BSE Trading Rules (2021) art. 3.3.4 (at least 100 shares, steps of 1) and
  art. 3.3.11 (price limit 30%).
- Price limits: SSE/SZSE Trading Rules art. 3.4.13 (10%, ST 5%), STAR provisions art. 18 (20%).
  Limit prices are rounded half up to the tick (art. 3.4.14), tick 0.01 CNY for stocks
  (art. 3.3.10).
- Stamp duty on sells only: 0.1% since 2008-09-19; halved to 0.05% from 2023-08-28
  (Ministry of Finance / State Taxation Administration announcement 2023 No. 39).
- Transfer fee (CSDC's, both sides): before 2015-08-01 Shanghai charged 0.3 per mille of the
  par value traded (par 1 CNY: 0.30 CNY per 1,000 shares) and Shenzhen none apart from its
  exchange handling fee (CSDC's 0.0255 per mille was collected inside it, which the commission
  covers); from 2015-08-01 both charge 0.002% of turnover (CSDC, "Notice on adjusting the A-share
  transfer fee", July 2015); Beijing 0.0025% from its opening; all 0.001% from 2022-04-29 (CSDC
  notice of 2022-04-28 halving the stock transfer fee). Brokers of the time often charged
  Shanghai clients more (1 CNY per 1,000 shares, 1 CNY minimum): set that in the commission.
- Commission: set by the broker (a rate with a per-order minimum, commonly 5 CNY).
- Sessions: call auction 9:15-9:25, continuous 9:30-11:30 and 13:00-15:00
  (SZSE and, since 2018-08-20, SSE run a closing call auction 14:57-15:00).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from ..i18n import tr
from .money import to_fen

PRICE_TICK = 0.01
STAMP_DUTY_CUT = date(2023, 8, 28)
TRANSFER_FEE_UNIFIED = date(2015, 8, 1)
TRANSFER_FEE_CUT = date(2022, 4, 29)
PAR_VALUE = 1.0
CHINEXT_REFORM = date(2020, 8, 24)


class Board(Enum):
    MAIN = "main"
    CHINEXT = "chinext"
    STAR = "star"
    BEIJING = "beijing"


def board_of(symbol: str) -> Board:
    """Board from the six-digit code (SSE 60x main, 688/689 STAR; SZSE 00x main, 30x ChiNext;
    BSE 4x/8x/920)."""
    if symbol.startswith(("688", "689")):
        return Board.STAR
    if symbol.startswith(("300", "301", "302")):
        return Board.CHINEXT
    if symbol.startswith(("4", "8", "92")):
        return Board.BEIJING
    return Board.MAIN


def is_st(name: str) -> bool:
    return "ST" in name.upper()


@dataclass(frozen=True)
class LotRule:
    minimum: int
    step: int
    maximum: int


LOT_RULES: dict[Board, LotRule] = {
    Board.MAIN: LotRule(100, 100, 1_000_000),
    Board.CHINEXT: LotRule(100, 100, 300_000),
    Board.STAR: LotRule(200, 1, 100_000),
    Board.BEIJING: LotRule(100, 1, 1_000_000),
}


def limit_ratio(board: Board, st: bool, day: date) -> float:
    if board is Board.BEIJING:
        return 0.30
    if board is Board.STAR:
        return 0.20
    if board is Board.CHINEXT:
        return 0.20 if day >= CHINEXT_REFORM else (0.05 if st else 0.10)
    return 0.05 if st else 0.10


def round_to_tick(price: float, tick: float = PRICE_TICK) -> float:
    ticks = (Decimal(str(price)) / Decimal(str(tick))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(ticks * Decimal(str(tick)))


def price_limits(prev_close: float, board: Board, st: bool, day: date) -> tuple[float, float]:
    """(limit_down, limit_up) for a day whose previous close is `prev_close`."""
    ratio = limit_ratio(board, st, day)
    return round_to_tick(prev_close * (1 - ratio)), round_to_tick(prev_close * (1 + ratio))


def is_on_tick(price: float, tick: float = PRICE_TICK) -> bool:
    return abs(price / tick - round(price / tick)) < 1e-6


def check_buy_volume(board: Board, volume: float) -> str | None:
    rule = LOT_RULES[board]
    if volume != int(volume):
        return tr("委托数量须为整数股")
    if board in (Board.MAIN, Board.CHINEXT) and volume % rule.step:
        return tr("买入数量须为{lot}股整数倍", lot=rule.step)
    if volume < rule.minimum:
        return tr("买入数量不得少于{minimum}股", minimum=rule.minimum)
    if volume > rule.maximum:
        return tr("单笔委托不得超过{maximum}股", maximum=rule.maximum)
    return None


def check_sell_volume(board: Board, volume: float, available: float) -> str | None:
    rule = LOT_RULES[board]
    if volume != int(volume):
        return tr("委托数量须为整数股")
    if volume > available:
        return tr("可卖数量不足：可卖{available}股，委托{volume}股（T+1：当日买入次日可卖）",
                  available=int(available), volume=int(volume))
    if volume > rule.maximum:
        return tr("单笔委托不得超过{maximum}股", maximum=rule.maximum)
    # An odd remainder may only be sold together, in one order.
    if board in (Board.MAIN, Board.CHINEXT):
        odd = available % rule.step
        if volume % rule.step and volume % rule.step != odd:
            return tr("卖出数量须为{lot}股整数倍（零股须一次性卖出）", lot=rule.step)
    elif volume < rule.minimum and volume != available:
        return tr("卖出数量不得少于{minimum}股（余额不足时须一次性卖出）", minimum=rule.minimum)
    return None


@dataclass(frozen=True)
class AshareFeeSchedule:
    commission_rate: float = 0.00025
    min_commission: float = 5.0


@dataclass(frozen=True)
class Fees:
    commission: float
    stamp_duty: float
    transfer_fee: float

    @property
    def total(self) -> float:
        return self.commission + self.stamp_duty + self.transfer_fee


def stamp_duty_rate(day: date) -> float:
    return 0.001 if day < STAMP_DUTY_CUT else 0.0005


def transfer_fee(symbol: str, shares: float, turnover: float, day: date) -> float:
    if day >= TRANSFER_FEE_CUT:
        return turnover * 0.00001
    if board_of(symbol) is Board.BEIJING:
        return turnover * 0.000025
    if day >= TRANSFER_FEE_UNIFIED:
        return turnover * 0.00002
    return shares * PAR_VALUE * 0.0003 if symbol.startswith("6") else 0.0


def fees_for_fill(
    is_sell: bool,
    symbol: str,
    shares: float,
    turnover: float,
    day: date,
    schedule: AshareFeeSchedule,
    commission_already_charged: float = 0.0,
    order_turnover_before: float = 0.0,
) -> Fees:
    """Fees of one fill. The minimum commission applies per order, so a later fill of the same
    order pays only what its order's commission grows by."""
    order_commission = max((order_turnover_before + turnover) * schedule.commission_rate,
                           schedule.min_commission)
    commission = max(order_commission - commission_already_charged, 0.0)
    stamp = turnover * stamp_duty_rate(day) if is_sell else 0.0
    return Fees(to_fen(commission), to_fen(stamp), to_fen(transfer_fee(symbol, shares, turnover, day)))


def estimate_buy_cost(symbol: str, price: float, volume: float, day: date, schedule: AshareFeeSchedule) -> float:
    """Cash to freeze for a buy: turnover plus the fees it can incur."""
    turnover = price * volume
    return turnover + fees_for_fill(False, symbol, volume, turnover, day, schedule).total


CALL_AUCTION = (time(9, 15), time(9, 25))
CONTINUOUS = ((time(9, 30), time(11, 30)), (time(13, 0), time(15, 0)))


def is_trading_time(moment: datetime) -> bool:
    """True inside the call auction or continuous trading on a weekday (holidays not known)."""
    if moment.weekday() >= 5:
        return False
    now = moment.time()
    windows = (CALL_AUCTION, *CONTINUOUS)
    return any(start <= now <= end for start, end in windows)


def is_limit_up_locked(last_price: float, ask_volume: float, limit_up: float) -> bool:
    """Locked at limit-up: trading at the limit with nobody offering, so no buy can fill."""
    return limit_up > 0 and last_price >= limit_up - 1e-9 and ask_volume <= 0


def is_limit_down_locked(last_price: float, bid_volume: float, limit_down: float) -> bool:
    return limit_down > 0 and last_price <= limit_down + 1e-9 and bid_volume <= 0


SESSION_MINUTES = 240
_SESSION_SPANS = tuple((s.hour * 60 + s.minute, e.hour * 60 + e.minute) for s, e in CONTINUOUS)


def session_minute(hour: int, minute: int) -> int:
    """Minute of the continuous session: 09:30 is 0, 13:00 is 120, 14:59 is 239; -1 outside."""
    clock, done = hour * 60 + minute, 0
    for first, last in _SESSION_SPANS:
        if first <= clock < last:
            return done + clock - first
        done += last - first
    return -1


def session_fraction(moment: datetime) -> float:
    """Share of the day's continuous trading gone at `moment` (a Beijing wall clock): 0 before
    09:30, 0.5 over the lunch break, 1 from 15:00."""
    minute = moment.hour * 60 + moment.minute + moment.second / 60
    done = sum(min(max(minute - first, 0.0), last - first) for first, last in _SESSION_SPANS)
    return done / SESSION_MINUTES
