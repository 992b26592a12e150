"""Registry of built-in gateways and apps, plus third-party ones from entry points
(`lianghua.gateways`, `lianghua.apps`)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points


@dataclass(frozen=True)
class Plugin:
    name: str
    target: str         # "module:attribute"
    kind: str           # "gateway" or "app"

    def load(self) -> type:
        module_name, _, attribute = self.target.partition(":")
        return getattr(import_module(module_name), attribute)


BUILTIN: tuple[Plugin, ...] = (
    Plugin("SIM", "gateways.sim:SimGateway", "gateway"),
    Plugin("QMT", "gateways.qmt:QmtGateway", "gateway"),
    Plugin("CtaStrategy", "apps.cta_strategy:CtaApp", "app"),
    Plugin("History", "apps.history:HistoryApp", "app"),
    Plugin("DataManager", "apps.data_manager:DataManagerApp", "app"),
    Plugin("Backtester", "apps.backtester:BacktesterApp", "app"),
    Plugin("RiskManager", "apps.risk_manager:RiskManagerApp", "app"),
    Plugin("Optimizer", "apps.optimizer:OptimizerApp", "app"),
    Plugin("Monitor", "apps.monitor:MonitorApp", "app"),
)


def all_plugins() -> list[Plugin]:
    plugins = list(BUILTIN)
    for kind in ("gateway", "app"):
        for entry in entry_points(group=f"lianghua.{kind}s"):
            plugins.append(Plugin(entry.name, entry.value, kind))
    return plugins
