"""Backtester app: one-click backtests under A-share, crypto or vnpy's own rules."""

from pathlib import Path

from vnpy.trader.app import BaseApp

from .engine import APP_NAME, BacktesterEngine


class BacktesterApp(BaseApp):
    app_name = APP_NAME
    app_module = __module__
    app_path = Path(__file__).parent
    display_name = "回测"
    engine_class = BacktesterEngine
    widget_name = "BacktesterWidget"
    icon_name = ""
    panel_on_demand = True      # nothing to show before the trader opens it; its charts cost startup time
