"""`lianghua backtest`, and the run arguments and configuration the optimiser's command shares."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lianghua_app.commands import Command, CommandContext, add_date_range, date_range, print_progress
from lianghua_app.i18n import tr


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strategy", required=True)
    parser.add_argument("--symbol", required=True, help="e.g. 000001.SZSE")
    add_date_range(parser)
    parser.add_argument("--rules", choices=["ashare", "crypto", "none"], default="")
    parser.add_argument("--capital", type=float, default=1_000_000.0)
    parser.add_argument("--rate", type=float)
    parser.add_argument("--slippage", type=float, default=0.0)
    parser.add_argument("--size", type=float, default=1.0)
    parser.add_argument("--pricetick", type=float, default=0.01)
    parser.add_argument("--leverage", type=int, default=1, help="crypto rules: isolated-margin leverage")


def run_config(args: argparse.Namespace, setting: dict | None = None):
    """The BacktestConfig of the run arguments, the one place both commands build it; None, with
    the problem said, when they do not make one."""
    from .engine import BacktestConfig

    problem, interval, start, end = date_range(args)
    if problem:
        print(problem, file=sys.stderr)
        return None
    return BacktestConfig(args.strategy, args.symbol, interval, start, end, setting or {}, args.rules,
                              args.capital, args.rate, args.slippage, args.size, args.pricetick,
                              leverage=args.leverage)


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_run_arguments(parser)
    parser.add_argument("--param", action="append", default=[], help="name=value, repeatable")
    parser.add_argument("--setting-version", help="start from a saved parameter version: a number or 'latest'")
    parser.add_argument("--json", action="store_true", help="last line of stdout: the statistics as JSON")
    parser.add_argument("--trades", type=Path, help="write one row per fill to this CSV")
    parser.add_argument("--daily", type=Path, help="write one row per day to this CSV")


def backtest(args: argparse.Namespace, context: CommandContext) -> int:
    config = run_config(args)
    if config is None:
        return 2
    engine = context.headless_engine()
    from . import labels
    from .bars import batch_work
    from .engine import BacktestError, parse_setting, write_daily, write_trades

    backtester = engine.get_engine("Backtester")
    try:
        classes = backtester.strategy_classes()
        setting = parse_setting(classes[args.strategy], args.param) if args.strategy in classes else {}
        if args.setting_version:
            setting = {**_saved_setting(args.strategy, args.setting_version), **setting}
        config.setting = setting
        with batch_work():          # nothing else runs in this process: the collector may be paused
            result = backtester.run(config, print_progress)
    except BacktestError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        engine.close()
    if args.trades:
        write_trades(result, args.trades)
    if args.daily:
        write_daily(result, args.daily)
    for moment, orderid, reason in labels.note_rows(config, result):
        print(f"{moment} {orderid}: {reason}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.statistics, ensure_ascii=False, default=str))
    else:
        for name, value in labels.statistic_rows(result.statistics, config.vt_symbol, config.capital, labels.SUMMARY):
            print(f"{name}：{value}")
    explanation = labels.no_trade_reason(result)
    if explanation:
        print(explanation, file=sys.stderr)
    return 0


def _saved_setting(strategy: str, wanted: str) -> dict:
    from lianghua_app.setting_versions import versions

    from .engine import BacktestError

    saved = versions(strategy)
    chosen = saved[0] if saved and wanted == "latest" else next(
        (v for v in saved if str(v.version) == wanted), None)
    if chosen is None:
        raise BacktestError(tr("策略{strategy}没有参数版本“{wanted}”；已有：{known}", strategy=strategy, wanted=wanted,
                               known=", ".join(str(v.version) for v in saved) or tr("无")))
    return chosen.setting


COMMANDS = (Command("backtest", "backtest a strategy on stored bars", _arguments, backtest),)
