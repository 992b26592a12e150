"""Who may be ranked at all: each filter switchable, with its parameters, and the first reason a
symbol is left out, so the dock can say why a name is missing. Pure."""

from __future__ import annotations

import numpy as np

from lianghua_app.i18n import tr
from lianghua_app.markets import ashare

CRYPTO_FILTERS = {
    "listing_age": {"on": True, "min_days": 30.0},
    "min_quote_volume": {"on": True, "usdt": 20_000_000.0},
    "spread": {"on": True, "max_bps": 10.0},
    "price_tick": {"on": True, "min_ratio": 1000.0},
    "tradfi": {"on": True},                     # TradFi perpetuals are listed apart, not ranked with crypto
    "blacklist": {"on": True, "symbols": []},
    "held": {"on": False},
}
ASHARE_FILTERS = {
    "min_turnover": {"on": True, "cny": 20_000_000.0},
    "price_tick": {"on": True, "min_ratio": 200.0},      # 2 yuan: below it one tick is over 0.5% of the price
    "st": {"on": True},
    "suspended": {"on": True},
    "blacklist": {"on": True, "symbols": []},
    "held": {"on": False},
}


def crypto_eligible(columns: dict[str, np.ndarray], vt_symbols: list[str], filters: dict,
                    held: set[str]) -> tuple[np.ndarray, list[str]]:
    n = len(vt_symbols)
    reasons = [""] * n
    last, bid, ask = columns["last"], columns["bid"], columns["ask"]
    mid = np.where((bid > 0) & (ask > 0), (bid + ask) / 2, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread_bps = (ask - bid) / mid * 1e4
        ratio = last / columns["tick"]
    checks = [
        ("listing_age", lambda p: columns["listed_days"] < p["min_days"],
         lambda p: tr("上市不足{days:.0f}天", days=p["min_days"])),
        ("min_quote_volume", lambda p: columns["quote_volume"] < p["usdt"],
         lambda p: tr("24小时成交额低于{amount:,.0f} USDT", amount=p["usdt"])),
        ("spread", lambda p: ~(spread_bps <= p["max_bps"]),
         lambda p: tr("买卖价差超过{bps:g}个基点（或无报价）", bps=p["max_bps"])),
        ("price_tick", lambda p: ~(ratio >= p["min_ratio"]),
         lambda p: tr("价格不足最小变动价位的{ratio:,.0f}倍", ratio=p["min_ratio"])),
        ("tradfi", lambda p: columns["tradfi"].astype(bool), lambda p: tr("TradFi永续，单独列示")),
        ("blacklist", lambda p: np.isin(vt_symbols, p["symbols"]), lambda p: tr("在黑名单中")),
        ("held", lambda p: np.isin(vt_symbols, sorted(held)), lambda p: tr("已持有")),
    ]
    return _apply(checks, filters, CRYPTO_FILTERS, reasons)


def ashare_eligible(columns: dict[str, np.ndarray], vt_symbols: list[str], names: list[str], filters: dict,
                    held: set[str]) -> tuple[np.ndarray, list[str]]:
    reasons = [""] * len(vt_symbols)
    st = np.array([ashare.is_st(name) for name in names], dtype=bool)
    checks = [
        ("suspended", lambda p: (columns["volume"] <= 0) | (columns["last"] <= 0), lambda p: tr("停牌或无成交")),
        ("st", lambda p: st, lambda p: tr("ST股")),
        ("price_tick", lambda p: columns["last"] / ashare.PRICE_TICK < p["min_ratio"],
         lambda p: tr("价格不足最小变动价位的{ratio:,.0f}倍", ratio=p["min_ratio"])),
        ("min_turnover", lambda p: columns["turnover"] < p["cny"],
         lambda p: tr("成交额低于{amount:,.0f}元", amount=p["cny"])),
        ("blacklist", lambda p: np.isin(vt_symbols, p["symbols"]), lambda p: tr("在黑名单中")),
        ("held", lambda p: np.isin(vt_symbols, sorted(held)), lambda p: tr("已持有")),
    ]
    return _apply(checks, filters, ASHARE_FILTERS, reasons)


def _apply(checks, filters: dict, defaults: dict, reasons: list[str]) -> tuple[np.ndarray, list[str]]:
    eligible = np.ones(len(reasons), dtype=bool)
    for name, fails, words in checks:
        params = {**defaults[name], **filters.get(name, {})}
        if not params["on"]:
            continue
        out = np.asarray(fails(params), dtype=bool) & eligible
        if out.any():
            text = words(params)
            for i in np.flatnonzero(out):
                reasons[i] = text
        eligible &= ~out
    return eligible, reasons
