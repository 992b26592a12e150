"""Registry of built-in gateways and apps, plus third-party ones from entry points
(`lianghua.gateways`, `lianghua.apps`). A plugin may also bring `lianghua` subcommands
(`commands`: "module:ATTRIBUTE" naming a sequence of `commands.Command`) and installation checks
(`checks`: a sequence of (name, required, probe)); both are imported only when asked for."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points


@dataclass(frozen=True)
class Plugin:
    name: str
    target: str         # "module:attribute"
    kind: str           # "gateway" or "app"
    commands: str = ""  # "module:attribute" of its subcommands
    checks: str = ""    # "module:attribute" of its installation checks

    def load(self) -> type:
        return _attribute(self.target)

    def load_commands(self) -> tuple:
        return tuple(_attribute(self.commands)) if self.commands else ()

    def load_checks(self) -> tuple:
        return tuple(_attribute(self.checks)) if self.checks else ()


def _attribute(target: str):
    module_name, _, attribute = target.partition(":")
    return getattr(import_module(module_name), attribute)


BUILTIN: tuple[Plugin, ...] = (
    Plugin("SIM", "gateways.sim:SimGateway", "gateway"),
    Plugin("QMT", "gateways.qmt:QmtGateway", "gateway", checks="gateways.qmt.checks:CHECKS"),
    Plugin("BINANCE", "gateways.binance:BinanceGateway", "gateway", checks="gateways.binance.checks:CHECKS"),
    Plugin("EASYTRADER", "gateways.easytrader:EasytraderGateway", "gateway", "gateways.easytrader.commands:COMMANDS",
           "gateways.easytrader.checks:CHECKS"),
    Plugin("CtaStrategy", "apps.cta_strategy:CtaApp", "app"),
    Plugin("History", "apps.history:HistoryApp", "app"),
    Plugin("DataManager", "apps.data_manager:DataManagerApp", "app", "apps.data_manager.commands:COMMANDS"),
    Plugin("Backtester", "apps.backtester:BacktesterApp", "app", "apps.backtester.commands:COMMANDS"),
    Plugin("RiskManager", "apps.risk_manager:RiskManagerApp", "app"),
    Plugin("Optimizer", "apps.optimizer:OptimizerApp", "app", "apps.optimizer.commands:COMMANDS"),
    Plugin("Monitor", "apps.monitor:MonitorApp", "app"),
    Plugin("Hotlist", "apps.hotlist:HotlistApp", "app", "apps.hotlist.commands:COMMANDS"),
    Plugin("PortfolioManager", "apps.portfolio_manager:PortfolioApp", "app",
           "apps.portfolio_manager.commands:COMMANDS"),
)


def all_plugins() -> list[Plugin]:
    plugins = list(BUILTIN)
    for kind in ("gateway", "app"):
        for entry in entry_points(group=f"lianghua.{kind}s"):
            plugins.append(Plugin(entry.name, entry.value, kind))
    return plugins
