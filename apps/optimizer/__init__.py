"""Optimizer app: grid, random, genetic and Bayesian search, walk-forward, overfitting diagnostics."""

from pathlib import Path

from vnpy.trader.app import BaseApp

from .engine import APP_NAME, OptimizerEngine


class OptimizerApp(BaseApp):
    app_name = APP_NAME
    app_module = __module__
    app_path = Path(__file__).parent
    display_name = "参数优化"
    engine_class = OptimizerEngine
    widget_name = "OptimizerWidget"
    icon_name = ""
    panel_on_demand = True      # nothing to show before the trader opens it; its charts cost startup time
