"""The risk configuration: which rules are on, their limits, and per-strategy / per-symbol
overrides. Kept as JSON in the profile; a configuration with any error is refused whole."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path

from lianghua_app.i18n import tr
from lianghua_app.json_config import load_config

from .day import DEFAULT_BOUNDARIES, parse_clock
from .rules import RULES


@dataclass
class RiskConfig:
    enabled: dict[str, bool] = field(default_factory=lambda: {name: False for name in RULES})  # opt in
    params: dict[str, dict] = field(default_factory=lambda: {n: copy.deepcopy(r.defaults) for n, r in RULES.items()})
    overrides: dict[str, dict[str, dict]] = field(default_factory=dict)  # "strategy:X" / "symbol:Y" -> rule -> params
    boundaries: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_BOUNDARIES))  # market -> "HH:MM"

    def params_for(self, rule: str, vt_symbol: str, strategy: str) -> dict:
        """Base limits, then the strategy's override, then the symbol's (most specific wins)."""
        params = self.params[rule]
        if not self.overrides:
            return params
        for scope in (f"strategy:{strategy}", f"symbol:{vt_symbol}"):
            override = self.overrides.get(scope, {}).get(rule)
            if override:
                params = {**params, **override}
        return params

    def to_dict(self) -> dict:
        return {"enabled": self.enabled, "params": self.params, "overrides": self.overrides,
                "boundaries": self.boundaries}


def _check_params(rule: str, params: object, where: str, errors: list[str]) -> None:
    if not isinstance(params, dict):
        errors.append(tr("{where}{rule} 的参数应为字典", where=where, rule=rule))
        return
    defaults = RULES[rule].defaults
    before = len(errors)
    for key, value in params.items():
        default = defaults.get(key)
        if key not in defaults:
            errors.append(tr("{where}{rule} 没有参数 {key}；可用：{allowed}", where=where, rule=rule, key=key,
                             allowed=", ".join(defaults) or "-"))
        elif isinstance(default, list):
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                errors.append(tr("{where}{rule}.{key} 应为文字列表", where=where, rule=rule, key=key))
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                errors.append(tr("{where}{rule}.{key} 应为 true/false", where=where, rule=rule, key=key))
        elif isinstance(default, str):
            if not isinstance(value, str):
                errors.append(tr("{where}{rule}.{key} 应为文字", where=where, rule=rule, key=key))
        elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            errors.append(tr("{where}{rule}.{key} 应为不小于0的数，收到 {value!r}", where=where, rule=rule, key=key,
                             value=value))
    if len(errors) == before:
        errors.extend(where + problem for problem in RULES[rule].validate({**defaults, **params}))


def parse(raw: dict) -> tuple[RiskConfig | None, list[str]]:
    """A full configuration from JSON-like data, or the list of everything wrong with it."""
    errors: list[str] = []
    config = RiskConfig()
    for name, on in (raw.get("enabled") or {}).items():
        if name not in RULES:
            errors.append(tr("未知规则 {name}；可用：{allowed}", name=name, allowed=", ".join(RULES)))
        elif not isinstance(on, bool):
            errors.append(tr("规则 {name} 的开关应为 true/false", name=name))
        else:
            config.enabled[name] = on
    for name, params in (raw.get("params") or {}).items():
        if name not in RULES:
            errors.append(tr("未知规则 {name}；可用：{allowed}", name=name, allowed=", ".join(RULES)))
            continue
        before = len(errors)
        _check_params(name, params, "", errors)
        if len(errors) == before:
            config.params[name].update(params)
    for scope, rules in (raw.get("overrides") or {}).items():
        kind, _, target = scope.partition(":")
        if kind not in ("strategy", "symbol") or not target or not isinstance(rules, dict):
            errors.append(tr("覆盖范围 {scope} 应写成 strategy:策略名 或 symbol:代码", scope=scope))
            continue
        for name, params in rules.items():
            if name not in RULES:
                errors.append(tr("{scope}：未知规则 {name}", scope=scope, name=name))
            else:
                _check_params(name, params, f"{scope} ", errors)
        config.overrides[scope] = rules
    for market, boundary in (raw.get("boundaries") or {}).items():
        try:
            if market not in DEFAULT_BOUNDARIES:
                raise ValueError
            parse_clock(boundary)
            config.boundaries[market] = boundary
        except (ValueError, TypeError, AttributeError):
            errors.append(tr("日切时间 {market}={value!r} 应写成 HH:MM（市场：ashare、crypto）", market=market,
                             value=boundary))
    return (None, errors) if errors else (config, [])


def load(path: Path) -> tuple[RiskConfig, list[str]]:
    return load_config(path, parse, RiskConfig, tr("风控配置"))


RECOMMENDED = ("price_deviation", "max_notional", "max_active_orders", "order_rate", "cancel_rate", "duplicate",
               "self_trade", "cash_reserve", "daily_loss", "drawdown")
"""Rules a fresh profile is offered with one click: the ones that cannot refuse a sound order."""
