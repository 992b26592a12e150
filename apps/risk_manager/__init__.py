"""Risk manager app: layered pre-trade rules, loss circuit breakers and protective exits."""

from pathlib import Path

from vnpy.trader.app import BaseApp

from .engine import APP_NAME, RiskEngine


class RiskManagerApp(BaseApp):
    app_name = APP_NAME
    app_module = __module__
    app_path = Path(__file__).parent
    display_name = "风控"
    engine_class = RiskEngine
    widget_name = "RiskWidget"
    icon_name = ""
