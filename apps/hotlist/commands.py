"""`lianghua hotlist`: the ranking now (the latest stored scan) or at any past moment (`--at`),
rebuilt from the inputs stored up to then, and the current approvals. It never approves."""

from __future__ import annotations

import argparse
import math
import sys
from datetime import UTC, datetime

from lianghua_app.commands import Command, CommandContext
from lianghua_app.i18n import tr


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--market", choices=["crypto", "ashare", "all"], default="all")
    parser.add_argument("--at", help="a past moment, e.g. 2021-11-20T08:00 (Beijing time unless it names a zone)")


def hotlist(args: argparse.Namespace, context: CommandContext) -> int:
    from lianghua_app.markets import CHINA_TZ

    moment = datetime.now(UTC)
    if args.at:
        try:
            moment = datetime.fromisoformat(args.at)
        except ValueError:
            print(tr("时间格式应为 2021-11-20T08:00，收到“{value}”", value=args.at), file=sys.stderr)
            return 2
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)).astimezone(UTC)
    context.bind()
    from . import decisions
    from .config import load
    from .ranking import rank_at

    config, problems = load(context.data_dir.root / "hotlist.json")
    for problem in problems:
        print(problem)
    for market in (("crypto", "ashare") if args.market == "all" else (args.market,)):
        ranking = rank_at(market, moment, config)
        print(_title(market, ranking.time))
        if ranking.message:
            print("  " + ranking.message)
        for place, candidate in enumerate(ranking.top, start=1):
            terms = "  ".join(f"{name}={_number(value)}" for name, value in candidate.terms.items())
            leverage = f"  {tr('安全杠杆')} {candidate.safe_leverage}x" if candidate.safe_leverage else ""
            print(f"  {place:>3}. {candidate.vt_symbol:<18} {candidate.score:+7.2f}  {terms}{leverage}  "
                  f"{' '.join(candidate.tags)}")
    approvals = decisions.current(decisions.all_decisions())
    print(tr("当前审批（{count}）", count=len(approvals)))
    for symbol, decision in sorted(approvals.items()):
        state = tr("已到期") if decision.expires and decision.expires <= datetime.now(UTC) else tr("生效")
        print(f"  {symbol:<18} {','.join(decision.gateways):<12} {decision.who:<10} "
              f"{decision.at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M} → "
              f"{decision.expires.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}  {state}  {decision.note}")
    return 0


def _title(market: str, moment: datetime | None) -> str:
    from lianghua_app.formatting import minute

    label = tr("加密永续") if market == "crypto" else tr("A股")
    when = minute(moment) if moment else tr("无数据")
    return tr("{market}热门（扫描于{when}，北京时间）", market=label, when=when)


def _number(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.3g}"


COMMANDS = [Command("hotlist", "the hot-symbol ranking (now or --at a past moment) and the approvals",
                    _arguments, hotlist)]
