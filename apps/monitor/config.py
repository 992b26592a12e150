"""The monitor's configuration: every anomaly rule with its switch, push flag and thresholds,
the watch scope and the alert cooldown. Kept as JSON in the profile; a configuration with any
error is refused whole and the previous one stays in force."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path

from lianghua_app.i18n import tr
from lianghua_app.json_config import load_config


@dataclass(frozen=True)
class RuleSpec:
    label: str
    defaults: dict[str, float]
    help: str


RULES: dict[str, RuleSpec] = {
    "fast_move": RuleSpec("快速异动", {"minutes": 5, "pct": 3.0}, "N分钟内涨跌幅达到x%"),
    "volume_surge": RuleSpec("放量", {"minutes": 5, "ratio": 3.0, "min_amount": 1_000_000.0},
                             "本分钟成交量达到前N分钟均量的x倍（成交额不低于下限）"),
    "volume_vs_history": RuleSpec("同时段放量", {"ratio": 3.0, "min_amount": 1_000_000.0},
                                  "本分钟成交量达到以往交易日同一分钟均量的x倍（需已存1分钟K线）"),
    "near_limit_up": RuleSpec("接近涨停", {"pct": 1.0}, "距涨停价不足昨收的x%"),
    "limit_up": RuleSpec("涨停", {}, "成交价触及涨停价"),
    "limit_up_sealed": RuleSpec("涨停封板", {"min_seal_amount": 0.0}, "涨停价上无卖单、买一封单金额不低于下限"),
    "limit_up_broken": RuleSpec("涨停开板", {}, "封板后出现卖单或价格离开涨停价"),
    "near_limit_down": RuleSpec("接近跌停", {"pct": 1.0}, "距跌停价不足昨收的x%"),
    "limit_down": RuleSpec("跌停", {}, "成交价触及跌停价"),
    "limit_down_sealed": RuleSpec("跌停封板", {"min_seal_amount": 0.0}, "跌停价上无买单、卖一封单金额不低于下限"),
    "limit_down_broken": RuleSpec("跌停开板", {}, "封板后出现买单或价格离开跌停价"),
    "new_high": RuleSpec("创新高", {"days": 20}, "突破此前N个交易日最高价（需已存日K线）"),
    "new_low": RuleSpec("创新低", {"days": 20}, "跌破此前N个交易日最低价（需已存日K线）"),
    "macd_cross": RuleSpec("MACD金叉/死叉", {"fast": 12, "slow": 26, "signal": 9}, "1分钟K线MACD的DIF穿越DEA"),
    "kdj_cross": RuleSpec("KDJ金叉/死叉", {"period": 9}, "1分钟K线KDJ的K线穿越D线"),
    "rsi_extreme": RuleSpec("RSI超买/超卖", {"period": 14, "overbought": 80.0, "oversold": 20.0},
                            "1分钟K线RSI上穿超买线或下穿超卖线"),
    "boll_break": RuleSpec("布林带突破", {"period": 20, "width": 2.0}, "1分钟收盘价突破布林上轨或跌破下轨"),
    "big_order": RuleSpec("大单", {"min_amount": 1_000_000.0}, "逐笔成交金额不低于下限（需Level-2行情）"),
}

INTEGER_PARAMS = {"minutes", "days", "fast", "slow", "signal", "period"}
MAX_MINUTES = 60
ON_BY_DEFAULT = ("fast_move", "volume_surge", "volume_vs_history", "near_limit_up", "limit_up", "limit_up_sealed",
                 "limit_up_broken", "near_limit_down", "limit_down", "limit_down_sealed", "limit_down_broken",
                 "new_high", "new_low", "big_order")


@dataclass
class MonitorConfig:
    enabled: dict[str, bool] = field(default_factory=lambda: {n: n in ON_BY_DEFAULT for n in RULES})
    push: dict[str, bool] = field(default_factory=lambda: {n: False for n in RULES})    # send to channels
    params: dict[str, dict] = field(default_factory=lambda: {n: copy.deepcopy(r.defaults) for n, r in RULES.items()})
    watchlists: list[str] = field(default_factory=list)     # empty: the whole market
    cooldown_seconds: float = 300.0                          # same symbol and rule stay quiet this long
    sound: bool = True
    tray: bool = True

    def to_dict(self) -> dict:
        return {"enabled": self.enabled, "push": self.push, "params": self.params, "watchlists": self.watchlists,
                "cooldown_seconds": self.cooldown_seconds, "sound": self.sound, "tray": self.tray}


def _param_problems(rule: str, key: str, value: object) -> str | None:
    if key not in RULES[rule].defaults:
        return tr("{rule} 没有参数 {key}；可用：{allowed}", rule=rule, key=key,
                  allowed=", ".join(RULES[rule].defaults) or "-")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return tr("{rule}.{key} 应为不小于0的数，收到 {value!r}", rule=rule, key=key, value=value)
    if key in INTEGER_PARAMS and (value != int(value) or value < 1):
        return tr("{rule}.{key} 应为正整数，收到 {value!r}", rule=rule, key=key, value=value)
    if key == "minutes" and value > MAX_MINUTES:
        return tr("{rule}.minutes 最多 {limit} 分钟", rule=rule, limit=MAX_MINUTES)
    return None


def _rule_problems(rule: str, params: dict) -> list[str]:
    if rule == "macd_cross" and params["fast"] >= params["slow"]:
        return [tr("macd_cross 的 fast 应小于 slow")]
    if rule == "rsi_extreme" and not 0 < params["oversold"] < params["overbought"] < 100:
        return [tr("rsi_extreme 应满足 0 < oversold < overbought < 100")]
    return []


def parse(raw: dict) -> tuple[MonitorConfig | None, list[str]]:
    errors: list[str] = []
    config = MonitorConfig()
    for section in ("enabled", "push"):
        for name, on in (raw.get(section) or {}).items():
            if name not in RULES:
                errors.append(tr("未知规则 {name}；可用：{allowed}", name=name, allowed=", ".join(RULES)))
            elif not isinstance(on, bool):
                errors.append(tr("规则 {name} 的开关应为 true/false", name=name))
            else:
                getattr(config, section)[name] = on
    for name, params in (raw.get("params") or {}).items():
        if name not in RULES or not isinstance(params, dict):
            errors.append(tr("未知规则 {name}；可用：{allowed}", name=name, allowed=", ".join(RULES)))
            continue
        problems = [p for p in (_param_problems(name, k, v) for k, v in params.items()) if p]
        merged = {**config.params[name], **params}
        problems = problems or _rule_problems(name, merged)
        errors.extend(problems)
        if not problems:
            config.params[name] = {k: int(v) if k in INTEGER_PARAMS else float(v) for k, v in merged.items()}
    watchlists = raw.get("watchlists", [])
    if not isinstance(watchlists, list) or not all(isinstance(w, str) for w in watchlists):
        errors.append(tr("watchlists 应为自选股列表名称的列表"))
    else:
        config.watchlists = list(watchlists)
    cooldown = raw.get("cooldown_seconds", config.cooldown_seconds)
    if isinstance(cooldown, bool) or not isinstance(cooldown, int | float) or not 0 <= cooldown <= 86_400:
        errors.append(tr("cooldown_seconds 应在 0 到 86400 秒之间，收到 {value!r}", value=cooldown))
    else:
        config.cooldown_seconds = float(cooldown)
    for flag in ("sound", "tray"):
        value = raw.get(flag, getattr(config, flag))
        if not isinstance(value, bool):
            errors.append(tr("{flag} 应为 true/false", flag=flag))
        else:
            setattr(config, flag, value)
    return (None, errors) if errors else (config, [])


def load(path: Path) -> tuple[MonitorConfig, list[str]]:
    return load_config(path, parse, MonitorConfig, tr("监控配置"))
