"""The hotlist's arithmetic, pure numpy: each term from the point-in-time history of one market,
a robust z-score across the universe, the weighted score, and a top-N that does not churn.

History is a list of snapshots (oldest first, none later than the scan's moment); each term is
NaN where a symbol has too little history, and a NaN term counts as the universe's median (0)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

CRYPTO_TERMS = ("vol_jump", "turnover", "oi_delta", "funding_z", "regime_shift")
ASHARE_TERMS = ("volume_ratio", "turnover", "move", "limit_up_proximity", "sector_strength")
MAD_SCALE = 1.4826          # makes the median absolute deviation a standard deviation for normal data
Z_CAP = 5.0


@dataclass
class Snapshot:
    time: datetime
    vt_symbols: list[str]
    columns: dict[str, np.ndarray]


@dataclass
class Windows:
    baseline_hours: float = 72.0        # VolJump's and FundingZ's own history
    oi_hours: float = 4.0               # OIΔ looks this far back
    short_hours: float = 24.0           # RegimeShift: recent realised volatility ...
    long_hours: float = 168.0           # ... against this longer one
    ashare_days: int = 5                # 量比: average daily volume over this many past days


@dataclass
class Scored:
    vt_symbols: list[str]
    terms: dict[str, np.ndarray]        # raw terms (NaN: not enough history)
    z: dict[str, np.ndarray]            # standardised across the universe
    score: np.ndarray
    missing: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))   # no history at all


def robust_z(values: np.ndarray) -> np.ndarray:
    """(x - median) / (1.4826 x MAD) across the universe, capped at ±5; NaN and a flat term give 0."""
    finite = np.isfinite(values)
    z = np.zeros(len(values))
    if finite.sum() < 2:
        return z
    median = np.median(values[finite])
    spread = MAD_SCALE * np.median(np.abs(values[finite] - median))
    if spread <= 0:
        spread = np.std(values[finite])
    if spread <= 0:
        return z
    z[finite] = np.clip((values[finite] - median) / spread, -Z_CAP, Z_CAP)
    return z


def aligned(history: list[Snapshot], vt_symbols: list[str], name: str) -> np.ndarray:
    """One column over time as a (snapshots x symbols) matrix in `vt_symbols` order (NaN where a
    snapshot did not have the symbol)."""
    matrix = np.full((len(history), len(vt_symbols)), np.nan)
    index = {s: i for i, s in enumerate(vt_symbols)}
    for row, snapshot in enumerate(history):
        values = snapshot.columns.get(name)
        if values is None:
            continue
        if snapshot.vt_symbols == vt_symbols:
            matrix[row] = values
            continue
        where = [(index[s], j) for j, s in enumerate(snapshot.vt_symbols) if s in index]
        if where:
            target, source = np.array(where).T
            matrix[row, target] = values[source]
    return matrix


def _since(history: list[Snapshot], moment: datetime) -> int:
    """Index of the first snapshot at or after `moment`."""
    return next((i for i, s in enumerate(history) if s.time >= moment), len(history))


def _log_ratio(now: np.ndarray, before: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log(now / before)
    return np.where(np.isfinite(ratio), ratio, np.nan)


def _nan_median(matrix: np.ndarray) -> np.ndarray:
    out = np.full(matrix.shape[1], np.nan)
    counts = np.isfinite(matrix).sum(axis=0)
    if matrix.shape[0]:
        filled = counts > 0
        out[filled] = np.nanmedian(matrix[:, filled], axis=0)
    return out


def crypto_terms(history: list[Snapshot], windows: Windows) -> dict[str, np.ndarray]:
    now = history[-1]
    symbols, t = now.vt_symbols, now.time
    qv = aligned(history, symbols, "quote_volume")
    oi = aligned(history, symbols, "open_interest")
    funding = aligned(history, symbols, "funding_rate")
    last = aligned(history, symbols, "last")
    past = slice(_since(history, t - timedelta(hours=windows.baseline_hours)), len(history) - 1)
    terms = {"vol_jump": _log_ratio(qv[-1], _nan_median(qv[past])),
             "turnover": np.log(np.where(qv[-1] > 0, qv[-1], np.nan))}
    back = _since(history, t - timedelta(hours=windows.oi_hours))
    terms["oi_delta"] = _log_ratio(oi[-1], oi[back]) if back < len(history) - 1 else np.full(len(symbols), np.nan)
    own = funding[past]
    median = _nan_median(own)
    spread = MAD_SCALE * _nan_median(np.abs(own - median))
    with np.errstate(divide="ignore", invalid="ignore"):
        terms["funding_z"] = np.where(spread > 0, (funding[-1] - median) / spread, np.nan)
    returns = log_returns(last)
    short = returns[_since(history, t - timedelta(hours=windows.short_hours)):]
    long = returns[_since(history, t - timedelta(hours=windows.long_hours)):]
    terms["regime_shift"] = _log_ratio(returns_std(short), returns_std(long))
    return terms


def log_returns(prices: np.ndarray) -> np.ndarray:
    """Step-to-step log returns of a (snapshots x symbols) price matrix (NaN where a price is missing)."""
    return np.diff(np.log(np.where(prices > 0, prices, np.nan)), axis=0)


def returns_std(returns: np.ndarray) -> np.ndarray:
    """Per-symbol standard deviation of returns; NaN with fewer than three."""
    counts = np.isfinite(returns).sum(axis=0)
    out = np.full(returns.shape[1], np.nan)
    enough = counts >= 3
    if enough.any():
        out[enough] = np.nanstd(returns[:, enough], axis=0)
    return out


def ashare_terms(history: list[Snapshot], windows: Windows, day_fraction: float,
                 sector_of: dict[str, str]) -> dict[str, np.ndarray]:
    """`day_fraction`: share of the trading day gone at the scan (量比 compares like with like)."""
    now = history[-1]
    symbols, columns = now.vt_symbols, now.columns
    days: dict = {}
    for snapshot in history[:-1]:
        if snapshot.time.date() < now.time.date():
            days[snapshot.time.date()] = snapshot           # the day's last snapshot: its full volume
    past = [days[d] for d in sorted(days)[-windows.ashare_days:]]
    daily = _nan_median(aligned(past, symbols, "volume")) if past else np.full(len(symbols), np.nan)
    expected = daily * max(day_fraction, 1 / 240)
    pre_close = columns["pre_close"]
    with np.errstate(divide="ignore", invalid="ignore"):
        move = np.where(pre_close > 0, columns["last"] / pre_close - 1, np.nan)
        band = columns["limit_up"] - pre_close
        proximity = np.where(band > 0, np.clip((columns["last"] - pre_close) / band, 0, 1), np.nan)
        ratio = np.where(expected > 0, columns["volume"] / expected, np.nan)
    sectors = np.array([sector_of.get(s, "") for s in symbols])
    strength = np.full(len(symbols), np.nan)
    for sector in set(sectors) - {""}:
        members = sectors == sector
        strength[members] = np.nanmean(move[members])
    return {"volume_ratio": np.log(ratio), "turnover": np.log(np.where(columns["turnover"] > 0,
                                                                        columns["turnover"], np.nan)),
            "move": move, "limit_up_proximity": proximity, "sector_strength": strength}


def score(terms: dict[str, np.ndarray], weights: dict[str, float], vt_symbols: list[str]) -> Scored:
    z = {name: robust_z(values) for name, values in terms.items()}
    total = np.zeros(len(vt_symbols))
    for name, weight in weights.items():
        total += weight * z[name]
    missing = np.all([~np.isfinite(v) for v in terms.values()], axis=0) if terms else np.zeros(0, bool)
    return Scored(vt_symbols, terms, z, total, missing)


def top_with_hysteresis(scored: Scored, eligible: np.ndarray, previous: list[str], count: int,
                        margin: int) -> list[str]:
    """The best `count` eligible symbols; one already listed stays while it ranks within
    `count + margin`, so a symbol near the edge does not flicker in and out."""
    order = [i for i in np.argsort(-scored.score, kind="stable") if eligible[i]]
    ranked = [scored.vt_symbols[i] for i in order]
    keep = [s for s in ranked[: count + margin] if s in set(previous)]
    chosen = keep[:count]
    for symbol in ranked:
        if len(chosen) >= count:
            break
        if symbol not in chosen:
            chosen.append(symbol)
    position = {s: i for i, s in enumerate(ranked)}
    return sorted(chosen, key=position.__getitem__)
