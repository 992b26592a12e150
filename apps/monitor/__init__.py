"""Monitor app: whole-market watch with anomaly alerts, sectors, watchlists and push channels."""

from pathlib import Path

from vnpy.trader.app import BaseApp

from .engine import APP_NAME, MonitorEngine


class MonitorApp(BaseApp):
    app_name = APP_NAME
    app_module = __module__
    app_path = Path(__file__).parent
    display_name = "盯盘"
    engine_class = MonitorEngine
    widget_name = "MonitorWidget"
    icon_name = ""
