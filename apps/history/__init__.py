from pathlib import Path

from vnpy.trader.app import BaseApp

from .engine import APP_NAME, HistoryEngine


class HistoryApp(BaseApp):
    app_name = APP_NAME
    app_module = __module__
    app_path = Path(__file__).parent
    display_name = "历史委托成交"
    engine_class = HistoryEngine
    widget_name = "HistoryWidget"
    icon_name = ""
