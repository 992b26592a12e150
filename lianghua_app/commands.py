"""What an app or gateway needs to add a `lianghua` subcommand: a `Command` (its name, its
arguments, what it runs) listed by the plugin, and a `CommandContext` with the profile. Shared
pieces (a date range, a progress bar, a headless engine) live here so each app's commands stay
short. The dispatcher is `cli.py`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .i18n import tr
from .paths import DataDir
from .settings import SettingsStore


@dataclass
class CommandContext:
    data_dir: DataDir
    store: SettingsStore

    def bind(self) -> None:
        """Point vnpy at the profile; before the command imports anything that imports vnpy."""
        from .vnpy_env import bind_vnpy

        bind_vnpy(self.data_dir, self.store.current["language"])

    def headless_engine(self):
        """The trading engine with its apps, no gateway connected; close it when done."""
        from .bootstrap import build_engine

        self.bind()
        return build_engine(self.data_dir, self.store.current, connect_sim=False)


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, CommandContext], int]


def add_date_range(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--interval", default="d", help="1m, 1h, d, w")
    parser.add_argument("--start", required=True, help="YYYY-MM-DD")
    parser.add_argument("--end", help="YYYY-MM-DD (default: today)")


COMPOSED = {"5m": "1m", "15m": "1m", "30m": "1m", "4h": "1h"}     # intervals a strategy builds from a stored one


def date_range(args: argparse.Namespace) -> tuple[str, object, datetime | None, datetime | None]:
    """(problem, interval, start, end) from --interval, --start and --end, in Beijing dates."""
    from vnpy.trader.constant import Interval

    from .markets import CHINA_TZ

    if args.interval in COMPOSED:
        return tr("数据库没有{interval}周期（vnpy的周期只有1m、1h、d、w）：请下载{base}，"
                  "策略里用BarGenerator合成{interval}K线", interval=args.interval,
                  base=COMPOSED[args.interval]), None, None, None
    try:
        interval = Interval(args.interval)
    except ValueError:
        return tr("未知周期“{value}”；可用：1m, 1h, d, w", value=args.interval), None, None, None
    try:
        start = datetime.strptime(args.start, "%Y-%m-%d").replace(tzinfo=CHINA_TZ)
        end = datetime.strptime(args.end, "%Y-%m-%d").replace(hour=23, minute=59, tzinfo=CHINA_TZ) if args.end \
            else datetime.now(CHINA_TZ)
    except ValueError:
        return tr("日期格式应为YYYY-MM-DD，例如2020-01-01"), None, None, None
    return "", interval, start, end


def print_progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = width * done // max(total, 1)
    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<12}", end="", file=sys.stderr,
          flush=True)
    if done == total:
        print(file=sys.stderr)


def wait_for_status(engine, gateway_name: str, timeout: float = 120.0):
    """The first status after "connecting…": connected, or why not; None if none came."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = engine.gateway_status.get(gateway_name)
        if status is not None and not status.busy:
            return status
        time.sleep(0.1)
    return None
