"""Backtester: vnpy-compatible backtests under A-share rules, with a fast loader."""
