"""One ranking of one market at one moment, from the stored inputs up to that moment: terms,
scores, filters, tags and the top-N with hysteresis. Shared by the engine's scans, the dock and
`lianghua hotlist --at`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np

from lianghua_app.i18n import tr
from lianghua_app.markets import CHINA_TZ, ashare

from . import inputs
from .config import HotlistConfig, market_label
from .filters import ashare_eligible, crypto_eligible
from .scoring import Scored, Snapshot, aligned, ashare_terms, crypto_terms, score, top_with_hysteresis
from .tags import ashare_tags, crypto_tags, daily_volatility, safe_leverage


@dataclass
class Candidate:
    vt_symbol: str
    name: str
    score: float
    terms: dict[str, float]
    z: dict[str, float]
    tags: list[str]
    safe_leverage: int | None = None


@dataclass
class Ranking:
    market: str
    time: datetime | None
    top: list[Candidate] = field(default_factory=list)
    universe: int = 0
    eligible: int = 0
    excluded: dict[str, str] = field(default_factory=dict)     # symbol -> the first filter it failed
    message: str = ""
    scored: Scored | None = None


@dataclass
class Context:
    """What a ranking needs beyond the stored inputs."""
    previous: list[str] = field(default_factory=list)       # the last list, for hysteresis
    held: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)
    sectors: dict[str, str] = field(default_factory=dict)
    maintenance: dict[str, float] = field(default_factory=dict)
    max_leverage: dict[str, int] = field(default_factory=dict)


def lookback(market: str, config: HotlistConfig) -> timedelta:
    windows = config.windows
    if market == "crypto":
        return timedelta(hours=max(windows.baseline_hours, windows.long_hours, windows.oi_hours) + 1)
    return timedelta(days=windows.ashare_days * 2 + 4)       # weekends and holidays in between


def rank_at(market: str, moment: datetime, config: HotlistConfig, context: Context | None = None) -> Ranking:
    """The ranking as it was at `moment`: only inputs stored at or before it count, and the list
    the scan before it published (hysteresis)."""
    context = replace(context or Context(), previous=inputs.previous_top(market, moment))
    zone = CHINA_TZ if market == "ashare" else None
    return rank(market, inputs.history(market, moment, lookback(market, config), zone), config, context)


def rank(market: str, history: list[Snapshot], config: HotlistConfig, context: Context) -> Ranking:
    if not history or not history[-1].vt_symbols:
        return Ranking(market, history[-1].time if history else None,
                       message=tr("没有可排名的{market}数据：先连接行情并完成一次扫描", market=market_label(market)))
    now = history[-1]
    settings = config.market(market)
    if market == "crypto":
        terms = crypto_terms(history, config.windows)
        eligible, reasons = crypto_eligible(now.columns, now.vt_symbols, settings["filters"], context.held)
    else:
        fraction = ashare.session_fraction(now.time.astimezone(CHINA_TZ))
        terms = ashare_terms(history, config.windows, fraction, context.sectors)
        names = [context.names.get(s, "") for s in now.vt_symbols]
        eligible, reasons = ashare_eligible(now.columns, now.vt_symbols, names, settings["filters"], context.held)
    scored = score(terms, settings["weights"], now.vt_symbols)
    top = top_with_hysteresis(scored, eligible, context.previous, settings["top_n"], settings["margin"])
    ranking = Ranking(market, now.time, universe=len(now.vt_symbols), eligible=int(eligible.sum()),
                      excluded={s: r for s, r in zip(now.vt_symbols, reasons, strict=True) if r}, scored=scored)
    if not eligible.any():
        ranking.message = tr("{count}个代码全部被过滤条件排除，请放宽过滤条件", count=len(now.vt_symbols))
    ranking.top = _candidates(market, top, history, scored, config, context)
    return ranking


def _candidates(market: str, top: list[str], history: list[Snapshot], scored: Scored, config: HotlistConfig,
                context: Context) -> list[Candidate]:
    now = history[-1]
    row_of = {s: i for i, s in enumerate(now.vt_symbols)}
    rows = [row_of[s] for s in top]
    columns = now.columns
    candidates = []
    if market == "crypto":
        steps_per_day = _steps_per_day(history)
        vol = daily_volatility(aligned(history, top, "last"), steps_per_day) if top else np.zeros(0)
        for k, (symbol, i) in enumerate(zip(top, rows, strict=True)):
            bid, ask = columns["bid"][i], columns["ask"][i]
            spread = (ask - bid) / ((ask + bid) / 2) * 1e4 if bid > 0 and ask > 0 else math.nan
            tags = crypto_tags(vol[k], columns["funding_rate"][i], scored.terms["funding_z"][i],
                               scored.terms["oi_delta"][i], columns["quote_volume"][i], spread,
                               bool(scored.missing[i]) or not np.isfinite(scored.terms["vol_jump"][i]))
            leverage = safe_leverage(vol[k], context.maintenance.get(symbol, 0.004),
                                     context.max_leverage.get(symbol, 125))
            candidates.append(_candidate(symbol, i, scored, context, tags, leverage))
    else:
        for symbol, i in zip(top, rows, strict=True):
            tags = ashare_tags(scored.terms["limit_up_proximity"][i], scored.z["turnover"][i],
                               ashare.is_st(context.names.get(symbol, "")),
                               not np.isfinite(scored.terms["volume_ratio"][i]))
            candidates.append(_candidate(symbol, i, scored, context, tags, None))
    return candidates


def _candidate(symbol: str, i: int, scored: Scored, context: Context, tags: list[str],
               leverage: int | None) -> Candidate:
    return Candidate(symbol, context.names.get(symbol, ""), float(scored.score[i]),
                     {name: float(values[i]) for name, values in scored.terms.items()},
                     {name: float(values[i]) for name, values in scored.z.items()}, tags, leverage)


def _steps_per_day(history: list[Snapshot]) -> float:
    if len(history) < 2:
        return 24.0
    span = (history[-1].time - history[0].time).total_seconds() / (len(history) - 1)
    return 86_400 / span if span > 0 else 24.0

