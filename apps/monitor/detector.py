"""The anomaly engine: whole-market quote frames in, alert signals out. Every rule runs on arrays
over all the symbols of a frame at once; a symbol's state lives in one column of each array."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from lianghua_app.i18n import tr
from lianghua_app.markets.ashare import SESSION_MINUTES, session_minute
from lianghua_app.quotes import COLUMNS, Level2Trade, QuoteFrame

from .config import MonitorConfig
from .indicators import Bollinger, Kdj, Macd, Rsi
from .limits import LimitSide
from .minutes import MinuteBars, grow
from .universe import Universe

START_SIZE = 1024


@dataclass(frozen=True)
class Signal:
    time: datetime
    vt_symbol: str
    name: str
    rule: str
    value: float
    text: str


class Detector:
    day_state = ("minute_volume", "minute_high", "minute_low", "fast_on", "surge_on", "history_on", "high_done",
                 "low_done")
    columns = (*COLUMNS, "seen", "minute_volume", "minute_high", "minute_low", "fast_on", "surge_on", "history_on",
               "high_done", "low_done", "average_volume", "ref_high", "ref_low", "in_scope")

    def __init__(self, config: MonitorConfig | None = None) -> None:
        self.universe = Universe()
        self.size = START_SIZE
        for name in self.columns:
            setattr(self, name, np.zeros(self.size, dtype=bool if name.endswith(("_on", "_done", "seen")) else float))
        self.in_scope = np.ones(self.size, dtype=bool)
        self.profile = np.zeros((SESSION_MINUTES, self.size))     # same-minute volume of earlier days
        self.bars = MinuteBars(self.size)
        self.up, self.down = LimitSide(self.size, up=True), LimitSide(self.size, up=False)
        self.minute: int | None = None
        self.day: date | None = None
        self.scope: set[str] | None = None
        self.configure(config or MonitorConfig())

    # --- configuration ----------------------------------------------------------------------
    def configure(self, config: MonitorConfig) -> None:
        """New thresholds apply at once; indicators with new periods warm up again."""
        self.config, self.on, p = config, config.enabled, config.params
        previous = getattr(self, "indicator_params", None)
        self.indicator_params = {n: dict(p[n]) for n in ("macd_cross", "kdj_cross", "rsi_extreme", "boll_break")}
        if previous != self.indicator_params:
            self.macd = Macd(self.size, **self.indicator_params["macd_cross"])
            self.kdj = Kdj(self.size, **self.indicator_params["kdj_cross"])
            self.rsi = Rsi(self.size, **self.indicator_params["rsi_extreme"])
            self.boll = Bollinger(self.size, **self.indicator_params["boll_break"])

    def set_scope(self, vt_symbols: set[str] | None) -> None:
        """Alerts only for these symbols; None watches the whole market."""
        self.scope = vt_symbols
        self.in_scope[:] = vt_symbols is None
        if vt_symbols:
            rows = [self.universe.add(s) for s in vt_symbols]
            self._fit(len(self.universe))
            self.in_scope[rows] = True

    def add(self, vt_symbol: str, name: str = "") -> int:
        """A symbol's row; every state array has room for it before this returns."""
        row = self.universe.add(vt_symbol, name)
        self._fit(len(self.universe))
        return row

    def set_reference(self, vt_symbol: str, high: float, low: float, profile: np.ndarray | None = None) -> None:
        """Earlier days: the N-day high and low, and the average volume of each session minute."""
        row = self.add(vt_symbol)
        self.ref_high[row], self.ref_low[row] = high, low
        if profile is not None:
            self.profile[:, row] = profile

    def _fit(self, count: int) -> None:
        if count <= self.size:
            return
        size = max(count, self.size * 2)
        for name in self.columns:
            setattr(self, name, grow(getattr(self, name), size))
        self.in_scope[self.size:] = self.scope is None
        self.profile = grow(self.profile, size)
        for part in (self.bars, self.up, self.down, self.macd, self.kdj, self.rsi, self.boll):
            part.resize(size)
        self.size = size

    # --- input ------------------------------------------------------------------------------
    def process(self, frame: QuoteFrame) -> list[Signal]:
        rows = self.universe.rows_of(frame.vt_symbols, frame.names)
        self._fit(len(self.universe))
        traded = frame.last > 0
        if not traded.all():
            keep = np.flatnonzero(traded)
            frame, rows = frame.take(keep), rows[keep]
        if len(rows) and np.bincount(rows).max() > 1:
            return self._in_rounds(frame, rows)
        return self._step(frame, rows)

    def _in_rounds(self, frame: QuoteFrame, rows: np.ndarray) -> list[Signal]:
        """A batch of ticks with several for one symbol runs as rounds in arrival order, so no
        state change in between is lost."""
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        starts = np.r_[True, ordered[1:] != ordered[:-1]]
        positions = np.arange(len(rows))
        rank = np.empty(len(rows), dtype=np.int64)
        rank[order] = positions - np.maximum.accumulate(np.where(starts, positions, 0))
        signals: list[Signal] = []
        for turn in range(int(rank.max()) + 1):
            chosen = np.flatnonzero(rank == turn)
            signals += self._step(frame.take(chosen), rows[chosen])
        return signals

    def process_level2(self, trades: list[Level2Trade]) -> list[Signal]:
        if not self.on["big_order"]:
            return []
        floor = self.config.params["big_order"]["min_amount"]
        signals = []
        for trade in trades:
            amount = trade.price * trade.volume
            row = self.universe.rows.get(trade.vt_symbol)
            if amount >= floor and (self.scope is None or trade.vt_symbol in self.scope):
                name = self.universe.names[row] if row is not None else trade.vt_symbol
                side = {"B": tr("买入"), "S": tr("卖出")}.get(trade.side, tr("成交"))
                signals.append(Signal(trade.time, trade.vt_symbol, name, "big_order", amount,
                                      tr("大单{side} {amount:,.0f}元 @ {price}", side=side, amount=amount,
                                         price=trade.price)))
        return signals

    # --- one round: every row at most once ------------------------------------------------------
    def _step(self, frame: QuoteFrame, rows: np.ndarray) -> list[Signal]:
        signals: list[Signal] = []
        moment = frame.time
        minute = int(moment.timestamp() // 60)
        if self.minute is not None and minute > self.minute:
            signals += self._close_minute(moment)
        if moment.date() != self.day:
            self._new_day(moment.date())
        self.minute = max(minute, self.minute or minute)
        if not len(rows):
            return signals
        fresh = ~self.seen[rows]
        if fresh.any():
            new = rows[fresh]
            self.seen[new] = True
            self.minute_volume[new] = frame.volume[fresh]
            self.minute_high[new] = self.minute_low[new] = frame.last[fresh]
        for name in COLUMNS:
            getattr(self, name)[rows] = getattr(frame, name)
        last = frame.last
        self.minute_high[rows] = np.maximum(self.minute_high[rows], last)
        self.minute_low[rows] = np.minimum(self.minute_low[rows], last)
        signals += self._moves(moment, rows, last)
        signals += self._volumes(moment, rows, frame)
        signals += self._limits(moment, rows, frame)
        signals += self._extremes(moment, rows, last)
        return signals

    def _emit(self, moment: datetime, rule: str, rows: np.ndarray, values: np.ndarray, text: str,
              **fields: object) -> list[Signal]:
        """Signals for the rows in scope; `text` is filled per row with `value` and `fields`."""
        if not len(rows) or not self.on[rule]:
            return []
        keep = self.in_scope[rows]
        symbols, names = self.universe.symbols, self.universe.names
        return [Signal(moment, symbols[r], names[r], rule, float(v), tr(text, value=float(v), **fields))
                for r, v in zip(rows[keep], values[keep], strict=True)]

    def _moves(self, moment: datetime, rows: np.ndarray, last: np.ndarray) -> list[Signal]:
        p = self.config.params["fast_move"]
        minutes = p["minutes"]
        reference = self.bars.close[self.bars.ago(minutes), rows]
        ready = (self.bars.count[rows] >= minutes) & (reference > 0)
        change = np.divide(last * 100, reference, out=np.full(len(rows), 100.0), where=ready) - 100
        moving = ready & (np.abs(change) >= p["pct"])
        fired = moving & ~self.fast_on[rows]
        self.fast_on[rows] = moving
        return self._emit(moment, "fast_move", rows[fired], change[fired], "{minutes}分钟内涨跌{value:+.2f}%",
                          minutes=minutes)

    def _volumes(self, moment: datetime, rows: np.ndarray, frame: QuoteFrame) -> list[Signal]:
        traded = frame.volume - self.minute_volume[rows]
        amount = traded * frame.last
        signals = []
        surge = self.config.params["volume_surge"]
        average = self.average_volume[rows]
        ready = (self.bars.count[rows] >= surge["minutes"]) & (average > 0)
        ratio = np.divide(traded, average, out=np.zeros(len(rows)), where=ready)
        hot = ready & (ratio >= surge["ratio"]) & (amount >= surge["min_amount"])
        fired = hot & ~self.surge_on[rows]
        self.surge_on[rows] |= hot
        signals += self._emit(moment, "volume_surge", rows[fired], ratio[fired],
                              "本分钟量为前{minutes}分钟均量的{value:.1f}倍", minutes=surge["minutes"])
        slot = session_minute(moment.hour, moment.minute)
        if slot >= 0:
            history = self.config.params["volume_vs_history"]
            usual = self.profile[slot, rows]
            ratio = np.divide(traded, usual, out=np.zeros(len(rows)), where=usual > 0)
            hot = (usual > 0) & (ratio >= history["ratio"]) & (amount >= history["min_amount"])
            fired = hot & ~self.history_on[rows]
            self.history_on[rows] |= hot
            signals += self._emit(moment, "volume_vs_history", rows[fired], ratio[fired],
                                  "本分钟量为以往同一分钟均量的{value:.1f}倍")
        return signals

    def _limits(self, moment: datetime, rows: np.ndarray, frame: QuoteFrame) -> list[Signal]:
        signals = []
        stamp = moment.timestamp()
        for side, prefix, limit, texts in (
                (self.up, "limit_up", frame.limit_up, ("距涨停{value:.2f}%", "触及涨停价{value}", "封单{value:,.0f}股",
                                                      "涨停打开，现价{value}")),
                (self.down, "limit_down", frame.limit_down, ("距跌停{value:.2f}%", "触及跌停价{value}",
                                                            "封单{value:,.0f}股", "跌停打开，现价{value}"))):
            near_rule = f"near_{prefix}"
            change = side.update(rows, stamp, frame.last, frame.pre_close, limit, frame.bid_volume, frame.ask_volume,
                                 self.config.params[near_rule]["pct"],
                                 self.config.params[f"{prefix}_sealed"]["min_seal_amount"])
            stored = self.limit_up if side.up else self.limit_down
            pre_close = np.maximum(self.pre_close[change.near], 1e-9)
            gap = np.abs(stored[change.near] - self.last[change.near]) / pre_close * 100
            signals += self._emit(moment, near_rule, change.near, gap, texts[0])
            signals += self._emit(moment, prefix, change.touched, self.last[change.touched], texts[1])
            signals += self._emit(moment, f"{prefix}_sealed", change.sealed, side.seal_volume[change.sealed], texts[2])
            signals += self._emit(moment, f"{prefix}_broken", change.broken, self.last[change.broken], texts[3])
        return signals

    def _extremes(self, moment: datetime, rows: np.ndarray, last: np.ndarray) -> list[Signal]:
        high, low = self.ref_high[rows], self.ref_low[rows]
        up = (high > 0) & (last > high) & ~self.high_done[rows]
        down = (low > 0) & (last < low) & ~self.low_done[rows]
        self.high_done[rows[up]] = True
        self.low_done[rows[down]] = True
        days_high, days_low = self.config.params["new_high"]["days"], self.config.params["new_low"]["days"]
        return (self._emit(moment, "new_high", rows[up], last[up], "{value}创{days}日新高", days=days_high)
                + self._emit(moment, "new_low", rows[down], last[down], "{value}创{days}日新低", days=days_low))

    # --- time -----------------------------------------------------------------------------------
    def _close_minute(self, moment: datetime) -> list[Signal]:
        """Every seen symbol closes the minute (a quiet one with its last price and no volume);
        the indicators step once."""
        rows = np.flatnonzero(self.seen)
        if not len(rows):
            return []
        last, volume = self.last[rows], self.volume[rows]
        self.bars.append(rows, last, self.minute_high[rows], self.minute_low[rows],
                         np.maximum(volume - self.minute_volume[rows], 0))
        self.minute_volume[rows], self.minute_high[rows], self.minute_low[rows] = volume, last, last
        self.surge_on[:] = self.history_on[:] = False
        minutes = self.config.params["volume_surge"]["minutes"]
        self.average_volume[rows] = self.bars.window("volume", minutes, rows).mean(axis=0)
        signals = []
        for rule, indicator, texts in (
                ("macd_cross", self.macd, ("MACD金叉", "MACD死叉")),
                ("kdj_cross", self.kdj, ("KDJ金叉", "KDJ死叉")),
                ("rsi_extreme", self.rsi, ("RSI超买 {value:.1f}", "RSI超卖 {value:.1f}")),
                ("boll_break", self.boll, ("突破布林上轨 {value}", "跌破布林下轨 {value}"))):
            rising, falling = indicator.update(rows, self.bars)
            values = self.rsi.value if rule == "rsi_extreme" else self.last
            signals += self._emit(moment, rule, rising, values[rising], texts[0])
            signals += self._emit(moment, rule, falling, values[falling], texts[1])
        return signals

    def _new_day(self, day: date) -> None:
        """Cumulative volumes restart, and so do the day's flags and seals."""
        self.day = day
        for name in self.day_state:
            getattr(self, name)[:] = 0
        self.up.new_day()
        self.down.new_day()

    # --- views ----------------------------------------------------------------------------------
    def change_pct(self) -> np.ndarray:
        """Today's change in % for every row (0 where there is no previous close)."""
        n = len(self.universe)
        pre = self.pre_close[:n]
        return np.divide(self.last[:n] * 100, pre, out=np.full(n, 100.0), where=pre > 0) - 100
