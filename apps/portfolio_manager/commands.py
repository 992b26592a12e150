"""`lianghua portfolio`: attribution from the journal (by strategy, symbol, gateway or account;
cumulative or per day), the accounts' equity checks with their residuals, the budgets in force and
the latest plan. It reads only; it never proposes or applies a plan."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from lianghua_app.commands import Command, CommandContext
from lianghua_app.i18n import tr

PART_WORDS = ("交易", "持仓", "手续费", "税费", "资金费")


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", choices=["strategy", "vt_symbol", "gateway", "account"], default="strategy")
    parser.add_argument("--daily", action="store_true", help="one line per day instead of cumulative")
    parser.add_argument("--since", help="first Beijing day, e.g. 2026-11-01 (default: about a year back)")
    parser.add_argument("--csv", help="also write the lines to this CSV file (UTF-8 with BOM, for Excel)")
    parser.add_argument("--evaluate", metavar="METHOD", help="replay an allocation method over backtests' daily files"
                        " (--daily-files) against equal weight, instead of the attribution")
    parser.add_argument("--daily-files", nargs="+", default=[], metavar="FILE",
                        help="daily results of backtests (lianghua backtest --daily FILE), one per strategy")
    parser.add_argument("--window", type=int, default=60, help="days of history each rebalance looks at")
    parser.add_argument("--every", type=int, default=20, help="days between rebalances")


def portfolio(args: argparse.Namespace, context: CommandContext) -> int:
    try:
        since = date.fromisoformat(args.since) if args.since else None
    except ValueError:
        print(tr("日期格式应为 2026-11-01，收到“{value}”", value=args.since), file=sys.stderr)
        return 2
    if args.evaluate:
        return _evaluate(args, context)
    context.bind()
    from lianghua_app.formatting import money
    from lianghua_app.storage import open_database

    from . import records
    from .config import load
    from .ledger import build_report, default_start
    from .report import GROUPS, to_csv

    open_database(context.data_dir.database_file)
    config, problems = load(context.data_dir.root / "portfolio.json")
    for problem in problems:
        print(problem)
    report = build_report(since or default_start(), config["base_currency"], config["usdt_cny"], lambda _: 1.0)
    print(tr("盈亏归因（按{group}，{base}；USDT/CNY {rate}）", group=tr(GROUPS[args.by]), base=report.base,
             rate=report.usdt_cny))
    print(f"  {tr(GROUPS[args.by]):<20} {tr('日期'):<10} " + " ".join(f"{tr(w):>12}" for w in PART_WORDS)
          + f" {tr('合计'):>14}")
    for line in report.lines(args.by, args.daily):
        day = line.day.isoformat() if line.day else tr("累计")
        print(f"  {line.key:<20} {day:<10} " + " ".join(f"{money(v):>12}" for v in line.parts.values())
              + f" {money(line.total):>14}")
    if report.estimated:
        print(tr("以下收盘价缺失，按当日最后成交价估算：{items}",
                 items="、".join(f"{s} {d}" for s, d in report.estimated)))
    for check in report.checks:
        print(tr("  账户{account} {start}→{end}：权益变化{change}，归因合计{explained}，残差{residual} {currency}",
                 account=check.account, start=check.start, end=check.end, change=money(check.change),
                 explained=money(check.explained), residual=money(check.residual), currency=check.currency))
    budgets = records.budgets()
    print(tr("资金预算（{count}）", count=len(budgets)))
    for name, budget in sorted(budgets.items()):
        print(f"  {name:<20} {money(budget.capital):>16} {budget.currency}  plan {budget.plan_id}")
    latest = records.plans(1)
    if latest:
        plan = latest[0]
        print(tr("最新调仓计划 {plan}（{method}，{status}）", plan=plan.id, method=plan.method, status=plan.status))
        for line in plan.payload["lines"]:
            order = f"{line['order'][0]} {line['order'][1]:g}" if line["order"] else "-"
            print(f"  {line['strategy']:<20} {line['vt_symbol']:<16} {line['weight_target']:>7.2%} "
                  f"{line['quantity']:>12g} {order:>14}  {line['note']}")
    if args.csv:
        Path(args.csv).write_text(to_csv(report, args.by, args.daily), encoding="utf-8-sig")
        print(tr("已写入{path}", path=args.csv))
    return 0


def _evaluate(args: argparse.Namespace, context: CommandContext) -> int:
    from lianghua_app.formatting import number, percent

    from .allocation import AllocationError
    from .config import load
    from .evaluation import compare, daily_returns

    if len(args.daily_files) < 2:
        print(tr("回放评估需要至少两个回测逐日文件（--daily-files）"), file=sys.stderr)
        return 2
    config, problems = load(context.data_dir.root / "portfolio.json")
    for problem in problems:
        print(problem)
    try:
        names, returns = daily_returns([Path(p) for p in args.daily_files])
        result = compare(args.evaluate, returns, names, [""] * len(names), window=args.window, every=args.every,
                         constraints=config.constraints, **config.params(args.evaluate))
    except AllocationError as error:
        print(error, file=sys.stderr)
        return 2
    print(tr("回放评估：{count}个策略，{days}天，每{every}天按前{window}天再平衡",
             count=len(names), days=len(returns), every=args.every, window=args.window))
    for key in ("method", "equal"):
        e = result[key]
        volatility, drawdown = percent(e.annual_volatility * 100, signed=False), percent(e.max_drawdown * 100)
        print(f"  {e.method:<12} {tr('年化收益')} {percent(e.annual_return * 100):>9}  {tr('年化波动')} "
              f"{volatility:>8}  {tr('最大回撤')} {drawdown:>9}  {tr('年换手')} {number(e.turnover)}")
    weights = zip(names, result["method"].weights[-1], strict=True)
    print(tr("  最后权重：") + "  ".join(f"{name} {weight:.1%}" for name, weight in weights))
    return 0


COMMANDS = [Command("portfolio", "PnL attribution from the journal, account checks, budgets and the latest plan",
                    _arguments, portfolio)]
