"""The hotlist's settings (hotlist.json in the profile): per market the weights of its terms, the
windows, the list's size and hysteresis, the filters, and how often it scans. A bad value is
refused whole, with what is wrong."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path

from lianghua_app.i18n import tr
from lianghua_app.json_config import load_config

from .filters import ASHARE_FILTERS, CRYPTO_FILTERS
from .scoring import ASHARE_TERMS, CRYPTO_TERMS, Windows

MARKETS = ("crypto", "ashare")


def market_label(market: str) -> str:
    return tr("加密") if market == "crypto" else tr("A股")


def _defaults() -> dict:
    return {
        "crypto": {"weights": dict.fromkeys(CRYPTO_TERMS, 1.0), "top_n": 20, "margin": 5, "every_minutes": 60,
                   "filters": copy.deepcopy(CRYPTO_FILTERS)},
        "ashare": {"weights": dict.fromkeys(ASHARE_TERMS, 1.0), "top_n": 30, "margin": 8, "every_minutes": 5,
                   "filters": copy.deepcopy(ASHARE_FILTERS)},
        "windows": vars(Windows()).copy(),
        "retention_days": 90,
        "approval_hours": 24.0,
    }


@dataclass
class HotlistConfig:
    raw: dict = field(default_factory=_defaults)

    def market(self, market: str) -> dict:
        return self.raw[market]

    @property
    def windows(self) -> Windows:
        return Windows(**self.raw["windows"])

    def to_dict(self) -> dict:
        return copy.deepcopy(self.raw)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse(raw: dict) -> tuple[HotlistConfig | None, list[str]]:
    merged, errors = _defaults(), []
    terms = {"crypto": CRYPTO_TERMS, "ashare": ASHARE_TERMS}
    for market in MARKETS:
        given = raw.get(market) or {}
        target = merged[market]
        for name, weight in (given.get("weights") or {}).items():
            if name not in terms[market]:
                errors.append(tr("{market}没有评分项“{name}”；可用：{allowed}", market=market, name=name,
                                 allowed=", ".join(terms[market])))
            elif not _number(weight):
                errors.append(tr("{market}.weights.{name} 应为数字，收到 {value!r}", market=market, name=name,
                                 value=weight))
            else:
                target["weights"][name] = float(weight)
        for key in ("top_n", "margin", "every_minutes"):
            if key in given:
                value = given[key]
                if not _number(value) or value < (1 if key != "margin" else 0):
                    errors.append(tr("{market}.{key} 应为正数，收到 {value!r}", market=market, key=key, value=value))
                else:
                    target[key] = int(value)
        for name, params in (given.get("filters") or {}).items():
            if name not in target["filters"] or not isinstance(params, dict):
                errors.append(tr("{market}没有过滤条件“{name}”；可用：{allowed}", market=market, name=name,
                                 allowed=", ".join(target["filters"])))
                continue
            for key, value in params.items():
                default = target["filters"][name].get(key)
                ok = (isinstance(value, bool) if isinstance(default, bool) else
                      isinstance(value, list) if isinstance(default, list) else _number(value))
                if key not in target["filters"][name] or not ok:
                    errors.append(tr("{market}.filters.{name}.{key} 的值 {value!r} 无效", market=market, name=name,
                                     key=key, value=value))
                else:
                    target["filters"][name][key] = value
    for key, value in (raw.get("windows") or {}).items():
        if key not in merged["windows"] or not _number(value) or value <= 0:
            errors.append(tr("windows.{key} 应为正数，收到 {value!r}", key=key, value=value))
        else:
            merged["windows"][key] = type(merged["windows"][key])(value)
    for key in ("retention_days", "approval_hours"):
        if key in raw:
            if not _number(raw[key]) or raw[key] <= 0:
                errors.append(tr("{key} 应为正数，收到 {value!r}", key=key, value=raw[key]))
            else:
                merged[key] = raw[key]
    return (None, errors) if errors else (HotlistConfig(merged), [])


def load(path: Path) -> tuple[HotlistConfig, list[str]]:
    return load_config(path, parse, HotlistConfig, tr("热门配置"))

