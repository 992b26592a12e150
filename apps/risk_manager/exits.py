"""Protective exits per position: fixed %, ATR multiples (TA-Lib on recent bars), trailing and
chandelier stops. Pure: what fires and the closing order it needs; the engine sends it."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import talib
from vnpy.trader.constant import Direction, Offset, OrderType
from vnpy.trader.object import BarData, ContractData, OrderRequest, PositionData, TickData

from lianghua_app.i18n import tr
from lianghua_app.markets import ashare, is_ashare

MARKETABLE_SLIPPAGE = 0.005      # a crypto exit is a limit order this far through the last price


@dataclass
class Watch:
    """One position being protected: its entry, the best price seen since, an exit in flight."""
    long: bool
    entry: float
    best: float            # highest since entry for a long, lowest for a short
    pending: str = ""      # vt_orderid of the exit order in flight
    retry_after: float = 0.0
    told: str = ""         # the last "cannot exit" message, said once

    def see(self, price: float) -> None:
        self.best = max(self.best, price) if self.long else min(self.best, price)


def exit_reason(w: Watch, p: dict, last: float, atr: float | None) -> str | None:
    """Why the position must be closed now, or None."""
    sign = 1 if w.long else -1
    move = (last / w.entry - 1) * 100 * sign if w.entry else 0.0
    if p["stop_loss_pct"] and move <= -p["stop_loss_pct"]:
        return tr("止损：最新价 {last} 较成本 {entry} 亏 {move:.2f}%，上限 {limit}%", last=last, entry=w.entry,
                  move=-move, limit=p["stop_loss_pct"])
    if p["take_profit_pct"] and move >= p["take_profit_pct"]:
        return tr("止盈：最新价 {last} 较成本 {entry} 盈 {move:.2f}%，目标 {limit}%", last=last, entry=w.entry,
                  move=move, limit=p["take_profit_pct"])
    stops = []          # (level, words, values)
    if p["trailing_pct"]:
        stops.append((w.best * (1 - sign * p["trailing_pct"] / 100),
                      "移动止损：最新价 {last} 触及 {level}（自最优价 {best} 回撤 {limit}%）",
                      {"best": w.best, "limit": p["trailing_pct"]}))
    if atr and p["atr_stop"]:
        stops.append((w.entry - sign * p["atr_stop"] * atr, "ATR止损：最新价 {last} 触及 {level}（成本 {entry} ∓ "
                      "{multiple}×ATR {atr}）", {"entry": w.entry, "multiple": p["atr_stop"], "atr": round(atr, 4)}))
    if atr and p["chandelier_atr"]:
        stops.append((w.best - sign * p["chandelier_atr"] * atr,
                      "吊灯止损：最新价 {last} 触及 {level}（最优价 {best} ∓ {multiple}×ATR {atr}）",
                      {"best": w.best, "multiple": p["chandelier_atr"], "atr": round(atr, 4)}))
    for level, words, values in stops:
        if (last <= level) if w.long else (last >= level):
            return tr(words, last=last, level=round(level, 4), **values)
    if atr and p["atr_take"]:
        target = w.entry + sign * p["atr_take"] * atr
        if (last >= target) if w.long else (last <= target):
            return tr("ATR止盈：最新价 {last} 达到 {level}（成本 {entry} ± {multiple}×ATR {atr}）", last=last,
                      level=round(target, 4), entry=w.entry, multiple=p["atr_take"], atr=round(atr, 4))
    return None


def needs_atr(p: dict) -> bool:
    return bool(p["atr_stop"] or p["atr_take"] or p["chandelier_atr"])


class Bars:
    """Recent high/low/close bars of one symbol: stored bars to start with, then 1-minute bars
    built from ticks (for the `1m` interval)."""

    def __init__(self, bars: list[BarData], capacity: int = 200) -> None:
        self.high: deque[float] = deque((b.high_price for b in bars), maxlen=capacity)
        self.low: deque[float] = deque((b.low_price for b in bars), maxlen=capacity)
        self.close: deque[float] = deque((b.close_price for b in bars), maxlen=capacity)
        self.minute = None

    def on_tick(self, tick: TickData) -> None:
        minute = tick.datetime.replace(second=0, microsecond=0)
        price = tick.last_price
        if minute != self.minute:
            self.minute = minute
            self.high.append(price)
            self.low.append(price)
            self.close.append(price)
        else:
            self.high[-1] = max(self.high[-1], price)
            self.low[-1] = min(self.low[-1], price)
            self.close[-1] = price

    def atr(self, window: int) -> float | None:
        if len(self.close) <= window:
            return None
        value = talib.ATR(np.array(self.high), np.array(self.low), np.array(self.close), timeperiod=int(window))[-1]
        return None if math.isnan(value) else float(value)


def closing_order(position: PositionData, contract: ContractData, tick: TickData | None, sellable: float,
                  reference: str) -> OrderRequest | str:
    """The order that closes `position` now at a price that should fill, or why it cannot be sent."""
    long = position.direction is Direction.LONG or (position.direction is Direction.NET and position.volume > 0)
    last = tick.last_price if tick else position.price
    if is_ashare(contract.exchange):
        if not long:
            return tr("{symbol} 不是多头持仓，无法自动平仓", symbol=position.vt_symbol)
        if sellable <= 0:
            return tr("{symbol} 今日买入的股份不可卖出（T+1），明日开盘后再平仓", symbol=position.vt_symbol)
        price = (tick.bid_price_1 if tick and tick.bid_price_1 else last)
        if tick and tick.limit_down:
            price = max(price, tick.limit_down)
        volume = sellable
        price = ashare.round_to_tick(price, contract.pricetick or ashare.PRICE_TICK)
    else:
        volume = abs(position.volume)
        tick_size = contract.pricetick or 0.01
        raw = last * (1 - MARKETABLE_SLIPPAGE if long else 1 + MARKETABLE_SLIPPAGE)
        price = round(round(raw / tick_size) * tick_size, 10)
    return OrderRequest(symbol=position.symbol, exchange=position.exchange,
                        direction=Direction.SHORT if long else Direction.LONG, type=OrderType.LIMIT, volume=volume,
                        price=price, offset=Offset.CLOSE, reference=reference)
