"""Hotlist app: ranks the symbols worth trading now, explains each score, and lets nothing trade
on an approval-gated gateway until a person approves it."""

from pathlib import Path

from vnpy.trader.app import BaseApp

from .engine import APP_NAME, HotlistEngine


class HotlistApp(BaseApp):
    app_name = APP_NAME
    app_module = __module__
    app_path = Path(__file__).parent
    display_name = "热门"
    engine_class = HotlistEngine
    widget_name = "HotlistWidget"
    icon_name = ""
