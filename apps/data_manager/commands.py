"""The data manager's commands: import-csv, download, data, sample-data."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from lianghua_app.commands import Command, CommandContext, add_date_range, date_range, print_progress, wait_for_status
from lianghua_app.i18n import tr


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)
    parser.add_argument("--symbol", required=True)
    parser.add_argument("--exchange", required=True, help="SSE, SZSE, BSE, GLOBAL, ...")
    parser.add_argument("--interval", help="1m, 1h, d, w (bars only)")
    parser.add_argument("--skip-bad", action="store_true", help="import the good rows, report the bad ones")
    parser.add_argument("--funding", action="store_true",
                        help="the file holds perpetual funding rates (datetime in UTC, rate) instead of bars")


def import_csv(args: argparse.Namespace, context: CommandContext) -> int:
    context.bind()
    from vnpy.trader.constant import Exchange, Interval

    from .csv_import import CsvFormatError

    try:
        exchange = Exchange(args.exchange.upper())
    except ValueError:
        print(tr("未知交易所“{value}”；可用：SSE, SZSE, BSE, GLOBAL 等", value=args.exchange), file=sys.stderr)
        return 2
    if args.funding:
        return _import_funding(args.file, args.symbol, exchange)
    try:
        interval = Interval(args.interval or "")
    except ValueError:
        print(tr("未知周期“{value}”；可用：{allowed}", value=args.interval or "",
                 allowed=", ".join(i.value for i in Interval)), file=sys.stderr)
        return 2
    engine = context.headless_engine()
    try:
        report = engine.get_engine("DataManager").import_csv(args.file, args.symbol, exchange, interval,
                                                             args.skip_bad)
    except CsvFormatError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        engine.close()
    print(report.summary())
    return 0 if report.committed else 1


def _import_funding(path: Path, symbol: str, exchange) -> int:
    from apps.backtester.funding import FundingFileError, read_funding_csv, save_funding
    from lianghua_app.vnpy_env import release_vnpy_database

    try:
        count = save_funding(symbol, exchange, read_funding_csv(path))
    except (OSError, FundingFileError) as error:
        print(tr("资金费率未导入：{error}", error=error), file=sys.stderr)
        return 1
    finally:
        release_vnpy_database()
    print(tr("已导入{symbol}的{count}条资金费率", symbol=symbol, count=count))
    return 0


def _download_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gateway", default="QMT")
    parser.add_argument("--symbols", required=True,
                        help="comma separated, e.g. 600000.SSE,000001.SZSE or BTCUSDT.GLOBAL (QMT or BINANCE)")
    add_date_range(parser)


def download(args: argparse.Namespace, context: CommandContext) -> int:
    problem, interval, start, end = date_range(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from lianghua_app.bootstrap import connect_binance_gateway, connect_qmt_gateway

    connectors = {"QMT": lambda engine: connect_qmt_gateway(engine, data_only=True),
                  "BINANCE": connect_binance_gateway}
    if args.gateway not in connectors:
        print(tr("可下载历史数据的接口：{names}", names="、".join(connectors)), file=sys.stderr)
        return 2
    if args.gateway == "BINANCE":        # crypto days are UTC days
        from vnpy.trader.constant import Exchange

        from lianghua_app.markets import clock_of

        zone = clock_of(Exchange.GLOBAL)
        start, end = start.replace(tzinfo=zone), end.replace(tzinfo=zone) if args.end else datetime.now(zone)
    engine = context.headless_engine()
    try:
        connectors[args.gateway](engine)
        status = wait_for_status(engine, args.gateway)
        print(status.message if status else tr("等待{gateway}连接超时", gateway=args.gateway), file=sys.stderr)
        if status is None or not status.connected:
            return 1
        symbols = [s.strip() for s in args.symbols.split(",") if s.strip()]
        report = engine.get_engine("DataManager").download(args.gateway, symbols, interval, start, end,
                                                           print_progress)
    finally:
        engine.close()
    print(report.summary())
    return 1 if report.failed else 0


def data(args: argparse.Namespace, context: CommandContext) -> int:
    engine = context.headless_engine()
    from .engine import overview_time

    try:
        rows = engine.get_engine("DataManager").overview()
    finally:
        engine.close()
    print(f"{'symbol':<12}{'exchange':<10}{'interval':<10}{'count':>10}  {'first':<20}{'last':<20}")
    for o in rows:
        print(f"{o.symbol:<12}{o.exchange.value:<10}{o.interval.value:<10}{o.count:>10}  "
              f"{overview_time(o.start, o.interval):<20}{overview_time(o.end, o.interval):<20}")
    if not rows:
        print(tr("数据库中还没有K线数据。用 lianghua import-csv 导入。"))
    return 0


def sample_data(args: argparse.Namespace, context: CommandContext) -> int:
    context.bind()
    from lianghua_app.vnpy_env import release_vnpy_database

    from .sample import SampleDataError, write_sample_data

    try:
        written = write_sample_data()
    except SampleDataError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        release_vnpy_database()
    for vt_symbol, interval, count in written:
        print(tr("已写入{symbol}的{count}根{interval}样例K线（随机生成，非真实行情）", symbol=vt_symbol, count=count,
                 interval=interval.value))
    print(tr("试一试：lianghua backtest --profile {profile} --strategy AshareTrendLotsStrategy --symbol 000001.SZSE "
             "--interval d --start 2021-01-04", profile=context.data_dir.root.name))
    return 0


COMMANDS = (
    Command("import-csv", "import bars from a CSV file", _import_arguments, import_csv),
    Command("download", "download bars from a gateway into the database", _download_arguments, download),
    Command("data", "list the bars in the database", lambda parser: None, data),
    Command("sample-data", "store generated sample bars to try backtests on (use a profile of its own: "
            "--profile sample)", lambda parser: None, sample_data),
)
