"""Portfolio manager: where every yuan and USDT of PnL came from (per strategy, symbol, gateway
and account), the accounts together in one currency, and how capital is split across strategies,
through a plan that changes nothing until a person confirms it."""

from pathlib import Path

from vnpy.trader.app import BaseApp

from .engine import APP_NAME, PortfolioEngine


class PortfolioApp(BaseApp):
    app_name = APP_NAME
    app_module = __module__
    app_path = Path(__file__).parent
    display_name = "组合"
    engine_class = PortfolioEngine
    widget_name = "PortfolioWidget"
    icon_name = ""
