"""`lianghua optimize`: the backtester's run arguments plus the search."""

from __future__ import annotations

import argparse
import json
import sys

from apps.backtester.commands import add_run_arguments, run_config
from lianghua_app.commands import Command, CommandContext, print_progress


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_run_arguments(parser)
    parser.add_argument("--param", action="append", default=[],
                        help="name=start:stop:step (stop included when on the grid), name=a,b,c or name=value")
    parser.add_argument("--method", choices=["grid", "random", "ga", "bayes"], default="grid")
    parser.add_argument("--trials", type=int, default=50, help="random, ga, bayes: how many points to try")
    parser.add_argument("--sampler", choices=["tpe", "cmaes"], default="tpe", help="bayes: optuna's sampler")
    parser.add_argument("--target", default="sharpe_ratio", help="any statistic of a backtest")
    parser.add_argument("--minimize", action="store_true")
    parser.add_argument("--constraint", action="append", default=[], help='e.g. "trade_count>=10", repeatable')
    parser.add_argument("--walk-forward", default="", help="IS_DAYS:OOS_DAYS[:STEP_DAYS]")
    parser.add_argument("--anchored", action="store_true",
                        help="walk-forward: every in-sample window starts at --start")
    parser.add_argument("--workers", type=int, help="local processes (default: settings, else all cores)")
    parser.add_argument("--dask", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="last line of stdout: the result as JSON")


def optimize(args: argparse.Namespace, context: CommandContext) -> int:
    config = run_config(args)
    if config is None:
        return 2
    engine = context.headless_engine()
    from apps.backtester.bars import batch_work

    from .engine import RequestText, build_request
    from .report import result_json, result_lines
    from .run import Eta
    from .space import OptimizeError

    try:
        optimizer = engine.get_engine("Optimizer")
        text = RequestText(args.param, args.target, args.minimize, args.method, args.trials, args.constraint,
                           args.walk_forward, args.anchored, args.sampler, args.seed)
        request = build_request(config, text, optimizer.strategy_classes())
        eta = Eta()
        with batch_work():
            result, run_id = optimizer.optimize(request, lambda trial, done, total: print_progress(
                done, total, f"ETA {eta.left(done, total):4.0f}s"), workers=args.workers, dask_address=args.dask)
    except OptimizeError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        engine.close()
    print(file=sys.stderr)
    if args.json:
        print(json.dumps(result_json(result, run_id), ensure_ascii=False))
    else:
        print("\n".join(result_lines(result, run_id)))
    return 0


COMMANDS = (Command("optimize", "search a strategy's parameters", _arguments, optimize),)
