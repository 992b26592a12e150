"""The portfolio manager's settings (portfolio.json in the profile): the base currency and the
USDT/CNY rate, the capital to allocate, the method with its parameters, the constraints and the
history window. A bad value is refused whole, with what is wrong."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path

from lianghua_app.i18n import tr
from lianghua_app.json_config import load_config

from .allocation import ALLOCATORS, Constraints

BASES = ("CNY", "USDT")


def _defaults() -> dict:
    return {
        "base_currency": "CNY",
        "usdt_cny": 7.2,
        "rate_symbol": "",              # a quote whose last price is the USDT/CNY rate, when streamed
        "capital": 0.0,                 # 0: all accounts' equity
        "method": "equal",
        "params": {"target_vol": {"target": 0.10, "w_max": 1.0}, "kelly": {"fraction": 0.5},
                   "ucb1": {"discount": 0.98, "exploration": 1.0}, "thompson": {"discount": 0.98}},
        "risk_budgets": {},             # strategy -> budget, for target_vol and risk_budget (default equal)
        "constraints": vars(Constraints()).copy(),
        "window_days": 60,
    }


@dataclass
class PortfolioConfig:
    raw: dict = field(default_factory=_defaults)

    def __getitem__(self, key: str):
        return self.raw[key]

    @property
    def constraints(self) -> Constraints:
        values = copy.deepcopy(self.raw["constraints"])
        return Constraints(**values)

    def params(self, method: str) -> dict:
        return dict(self.raw["params"].get(method, {}))

    def to_dict(self) -> dict:
        return copy.deepcopy(self.raw)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse(raw: dict) -> tuple[PortfolioConfig | None, list[str]]:
    merged, errors = _defaults(), []
    for key, value in raw.items():
        if key not in merged:
            errors.append(tr("组合设置中没有“{key}”这一项", key=key))
        elif isinstance(merged[key], dict) and isinstance(value, dict):
            merged[key] = {**merged[key], **value} if key != "risk_budgets" else dict(value)
        else:
            merged[key] = value
    if merged["base_currency"] not in BASES:
        errors.append(tr("基准币种应为{allowed}之一，收到“{value}”", allowed="、".join(BASES),
                         value=merged["base_currency"]))
    if not _number(merged["usdt_cny"]) or merged["usdt_cny"] <= 0:
        errors.append(tr("USDT/CNY汇率应为大于0的数，收到{value!r}", value=merged["usdt_cny"]))
    if not _number(merged["capital"]) or merged["capital"] < 0:
        errors.append(tr("分配资金应为不小于0的数（0为全部账户权益），收到{value!r}", value=merged["capital"]))
    if merged["method"] not in ALLOCATORS:
        errors.append(tr("未知分配方法“{method}”；可用：{known}", method=merged["method"], known="、".join(ALLOCATORS)))
    if not isinstance(merged["window_days"], int) or merged["window_days"] < 2:
        errors.append(tr("历史窗口应为不小于2的整数（天），收到{value!r}", value=merged["window_days"]))
    for strategy, budget in merged["risk_budgets"].items():
        if not _number(budget) or budget < 0:
            errors.append(tr("策略{strategy}的风险预算应为不小于0的数，收到{value!r}", strategy=strategy, value=budget))
    for method, params in merged["params"].items():
        for name, value in (params.items() if isinstance(params, dict) else ()):
            if not _number(value) or value < 0:
                errors.append(tr("{method}的参数{name}应为不小于0的数，收到{value!r}", method=method, name=name,
                                 value=value))
    try:
        errors += Constraints(**merged["constraints"]).problems()
    except TypeError as error:
        errors.append(tr("约束设置有误：{error}", error=error))
    caps = merged["constraints"].get("market_caps", {})
    if not isinstance(caps, dict) or any(not _number(v) or v < 0 for v in caps.values()):
        errors.append(tr("市场上限应为 市场→不小于0的数"))
    return (None, errors) if errors else (PortfolioConfig(merged), [])


def load(path: Path) -> tuple[PortfolioConfig, list[str]]:
    return load_config(path, parse, PortfolioConfig, tr("组合设置"))

