"""`lianghua` command line: gui, check, import-csv, download, backtest, optimize, data, settings, secret."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from .i18n import set_locale, tr
from .paths import DataDir, ProfileUnusable, resolve_data_dir
from .settings import SettingsStore


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        args.command = "gui"
    try:
        data_dir = resolve_data_dir(args.data_dir, args.profile)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    store = SettingsStore(data_dir.settings_file)
    settings = store.load()
    set_locale(settings["language"])
    for problem in store.problems:
        print(tr("设置问题：{problem}", problem=problem), file=sys.stderr)
    handler = COMMANDS[args.command]
    try:
        return handler(args, data_dir, store)
    except ProfileUnusable as error:
        print(error, file=sys.stderr)
        if args.command == "gui":
            from .ui.app import show_fatal

            show_fatal(str(error))
        return 3


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="profile root folder (default: LIANGHUA_HOME or ~/LiangHua)")
    common.add_argument("--profile", default="default", help="profile name (a folder under the data dir)")
    parser = argparse.ArgumentParser(prog="lianghua", parents=[common],
                                     description="LiangHua trading workstation")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("gui", parents=[common], help="open the workstation")
    sub.add_parser("check", parents=[common], help="verify this installation")
    imp = sub.add_parser("import-csv", parents=[common], help="import bars from a CSV file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--symbol", required=True)
    imp.add_argument("--exchange", required=True, help="SSE, SZSE, BSE, GLOBAL, ...")
    imp.add_argument("--interval", help="1m, 1h, d, w (bars only)")
    imp.add_argument("--skip-bad", action="store_true", help="import the good rows, report the bad ones")
    imp.add_argument("--funding", action="store_true",
                     help="the file holds perpetual funding rates (datetime in UTC, rate) instead of bars")
    down = sub.add_parser("download", parents=[common], help="download bars from a gateway into the database")
    down.add_argument("--gateway", default="QMT")
    down.add_argument("--symbols", required=True, help="comma separated, e.g. 600000.SSE,000001.SZSE")
    down.add_argument("--interval", default="d", help="1m, 1h, d, w")
    down.add_argument("--start", required=True, help="YYYY-MM-DD")
    down.add_argument("--end", help="YYYY-MM-DD (default: today)")
    run = argparse.ArgumentParser(add_help=False)
    run.add_argument("--strategy", required=True)
    run.add_argument("--symbol", required=True, help="e.g. 000001.SZSE")
    run.add_argument("--interval", default="d", help="1m, 1h, d, w")
    run.add_argument("--start", required=True, help="YYYY-MM-DD")
    run.add_argument("--end", help="YYYY-MM-DD (default: today)")
    run.add_argument("--rules", choices=["ashare", "crypto", "none"], default="")
    run.add_argument("--capital", type=float, default=1_000_000.0)
    run.add_argument("--rate", type=float)
    run.add_argument("--slippage", type=float, default=0.0)
    run.add_argument("--size", type=float, default=1.0)
    run.add_argument("--pricetick", type=float, default=0.01)
    run.add_argument("--leverage", type=int, default=1, help="crypto rules: isolated-margin leverage")
    bt = sub.add_parser("backtest", parents=[common, run], help="backtest a strategy on stored bars")
    bt.add_argument("--param", action="append", default=[], help="name=value, repeatable")
    bt.add_argument("--setting-version", help="start from a saved parameter version: a number or 'latest'")
    bt.add_argument("--json", action="store_true", help="last line of stdout: the statistics as JSON")
    bt.add_argument("--trades", type=Path, help="write one row per fill to this CSV")
    bt.add_argument("--daily", type=Path, help="write one row per day to this CSV")
    opt = sub.add_parser("optimize", parents=[common, run], help="search a strategy's parameters")
    opt.add_argument("--param", action="append", default=[],
                     help="name=start:stop:step (stop included when on the grid), name=a,b,c or name=value")
    opt.add_argument("--method", choices=["grid", "random", "ga", "bayes"], default="grid")
    opt.add_argument("--trials", type=int, default=50, help="random, ga, bayes: how many points to try")
    opt.add_argument("--sampler", choices=["tpe", "cmaes"], default="tpe", help="bayes: optuna's sampler")
    opt.add_argument("--target", default="sharpe_ratio", help="any statistic of a backtest")
    opt.add_argument("--minimize", action="store_true")
    opt.add_argument("--constraint", action="append", default=[], help='e.g. "trade_count>=10", repeatable')
    opt.add_argument("--walk-forward", default="", help="IS_DAYS:OOS_DAYS[:STEP_DAYS]")
    opt.add_argument("--anchored", action="store_true", help="walk-forward: every in-sample window starts at --start")
    opt.add_argument("--workers", type=int, help="local processes (default: settings, else all cores)")
    opt.add_argument("--dask", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    opt.add_argument("--seed", type=int, default=7)
    opt.add_argument("--json", action="store_true", help="last line of stdout: the result as JSON")
    sub.add_parser("data", parents=[common], help="list the bars in the database")
    sub.add_parser("sample-data", parents=[common],
                   help="store generated sample bars to try backtests on (use a profile of its own: --profile sample)")
    sub.add_parser("settings", parents=[common], help="show the settings and where they live")
    secret = sub.add_parser("secret", parents=[common], help="store credentials in the OS keyring")
    secret.add_argument("action", choices=["set", "delete"])
    secret.add_argument("key")
    return parser


def _bind(data_dir: DataDir, store: SettingsStore) -> None:
    from .vnpy_env import bind_vnpy

    bind_vnpy(data_dir, store.current["language"])


def cmd_gui(args: argparse.Namespace, data_dir: DataDir, store: SettingsStore) -> int:
    _bind(data_dir, store)
    from .ui.app import run_gui

    return run_gui(data_dir, store)


def cmd_check(args: argparse.Namespace, data_dir: DataDir, store: SettingsStore) -> int:
    from .check import print_report, run_checks

    results = run_checks(data_dir)
    print_report(results)
    return 0 if all(r.ok or not r.required for r in results) else 1


def cmd_import_csv(args: argparse.Namespace, data_dir: DataDir, store: SettingsStore) -> int:
    _bind(data_dir, store)
    from vnpy.trader.constant import Exchange, Interval

    from apps.data_manager.csv_import import CsvFormatError

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
    engine = _headless_engine(data_dir, store)
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

    try:
        count = save_funding(symbol, exchange, read_funding_csv(path))
    except (OSError, FundingFileError) as error:
        print(tr("资金费率未导入：{error}", error=error), file=sys.stderr)
        return 1
    finally:
        from .vnpy_env import release_vnpy_database

        release_vnpy_database()
    print(tr("已导入{symbol}的{count}条资金费率", symbol=symbol, count=count))
    return 0


def cmd_download(args: argparse.Namespace, data_dir: DataDir, store: SettingsStore) -> int:
    problem, interval, start, end = _download_range(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if args.gateway != "QMT":
        print(tr("目前只有QMT接口提供历史数据下载"), file=sys.stderr)
        return 2
    _bind(data_dir, store)
    from .bootstrap import connect_qmt_gateway

    engine = _headless_engine(data_dir, store)
    try:
        connect_qmt_gateway(engine, data_only=True)
        status = _wait_for_status(engine, args.gateway)
        print(status.message if status else tr("等待QMT连接超时"), file=sys.stderr)
        if status is None or not status.connected:
            return 1
        symbols = [s.strip() for s in args.symbols.split(",") if s.strip()]
        report = engine.get_engine("DataManager").download(args.gateway, symbols, interval, start, end,
                                                           _print_progress)
    finally:
        engine.close()
    print(report.summary())
    return 1 if report.failed else 0


def _download_range(args: argparse.Namespace):
    from datetime import datetime

    from vnpy.trader.constant import Interval

    from .markets import CHINA_TZ

    if args.interval == "5m":
        return tr("数据库没有5分钟周期：请下载1m，策略里用BarGenerator合成5分钟K线"), None, None, None
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


def _wait_for_status(engine, gateway_name: str, timeout: float = 120.0):
    """The first status after "connecting…": connected, or why not."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = engine.gateway_status.get(gateway_name)
        if status is not None and not status.busy:
            return status
        time.sleep(0.1)
    return None


def _print_progress(done: int, total: int, symbol: str) -> None:
    width = 30
    filled = width * done // max(total, 1)
    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {symbol:<12}", end="", file=sys.stderr,
          flush=True)
    if done == total:
        print(file=sys.stderr)


def cmd_backtest(args: argparse.Namespace, data_dir: DataDir, store: SettingsStore) -> int:
    from apps.backtester.bars import batch_work

    with batch_work():          # nothing else runs in this process: the collector may be paused
        return _backtest(args, data_dir, store)


def _backtest(args: argparse.Namespace, data_dir: DataDir, store: SettingsStore) -> int:
    import json

    problem, interval, start, end = _download_range(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    _bind(data_dir, store)
    from apps.backtester.engine import (
        BacktestConfig,
        BacktestError,
        parse_setting,
        run_backtest,
        write_daily,
        write_trades,
    )

    from .strategies import StrategyRegistry

    folder = store.current["strategies.folder"]
    classes = StrategyRegistry(Path(folder).expanduser() if folder else None).classes
    try:
        setting = parse_setting(classes[args.strategy], args.param) if args.strategy in classes else {}
        if args.setting_version:
            setting = {**_saved_setting(data_dir, args.strategy, args.setting_version), **setting}
        config = BacktestConfig(args.strategy, args.symbol, interval, start, end, setting, args.rules, args.capital,
                                args.rate, args.slippage, args.size, args.pricetick, leverage=args.leverage)
        result = run_backtest(config, classes, _print_progress)
    except BacktestError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        from .vnpy_env import release_vnpy_database

        release_vnpy_database()
    if args.trades:
        write_trades(result, args.trades)
    if args.daily:
        write_daily(result, args.daily)
    from apps.backtester import labels

    for moment, orderid, reason in labels.note_rows(config, result):
        print(f"{moment} {orderid}: {reason}", file=sys.stderr)
    stats = result.statistics
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, default=str))
    else:
        for name, value in labels.statistic_rows(stats, config.vt_symbol, config.capital, labels.SUMMARY):
            print(f"{name}：{value}")
    explanation = labels.no_trade_reason(result)
    if explanation:
        print(explanation, file=sys.stderr)
    return 0


def _saved_setting(data_dir: DataDir, strategy: str, wanted: str) -> dict:
    from apps.backtester.engine import BacktestError

    from .setting_versions import versions
    from .storage import open_database

    open_database(data_dir.database_file)
    saved = versions(strategy)
    chosen = saved[0] if saved and wanted == "latest" else next(
        (v for v in saved if str(v.version) == wanted), None)
    if chosen is None:
        raise BacktestError(tr("策略{strategy}没有参数版本“{wanted}”；已有：{known}", strategy=strategy, wanted=wanted,
                               known=", ".join(str(v.version) for v in saved) or tr("无")))
    return chosen.setting


def cmd_optimize(args: argparse.Namespace, data_dir: DataDir, store: SettingsStore) -> int:
    from apps.backtester.bars import batch_work

    with batch_work():
        return _optimize(args, data_dir, store)


def _optimize(args: argparse.Namespace, data_dir: DataDir, store: SettingsStore) -> int:
    problem, interval, start, end = _download_range(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    _bind(data_dir, store)
    from apps.backtester.engine import BacktestConfig
    from apps.optimizer.engine import RequestText, build_request
    from apps.optimizer.report import result_json, result_lines
    from apps.optimizer.run import Eta
    from apps.optimizer.space import OptimizeError

    engine = _headless_engine(data_dir, store)
    try:
        optimizer = engine.get_engine("Optimizer")
        config = BacktestConfig(args.strategy, args.symbol, interval, start, end, {}, args.rules, args.capital,
                                args.rate, args.slippage, args.size, args.pricetick, leverage=args.leverage)
        text = RequestText(args.param, args.target, args.minimize, args.method, args.trials, args.constraint,
                           args.walk_forward, args.anchored, args.sampler, args.seed)
        request = build_request(config, text, optimizer.strategy_classes())
        eta = Eta()
        result, run_id = optimizer.optimize(request, lambda trial, done, total: _print_progress(
            done, total, f"ETA {eta.left(done, total):4.0f}s"), workers=args.workers, dask_address=args.dask)
    except OptimizeError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        engine.close()
    print(file=sys.stderr)
    if args.json:
        import json

        print(json.dumps(result_json(result, run_id), ensure_ascii=False))
    else:
        print("\n".join(result_lines(result, run_id)))
    return 0


def cmd_sample_data(args: argparse.Namespace, data_dir: DataDir, store: SettingsStore) -> int:
    _bind(data_dir, store)
    from apps.data_manager.sample import SampleDataError, write_sample_data

    from .vnpy_env import release_vnpy_database

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
             "--interval d --start 2021-01-04", profile=args.profile))
    return 0


def cmd_data(args: argparse.Namespace, data_dir: DataDir, store: SettingsStore) -> int:
    _bind(data_dir, store)
    from apps.data_manager.engine import overview_time

    engine = _headless_engine(data_dir, store)
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


def cmd_settings(args: argparse.Namespace, data_dir: DataDir, store: SettingsStore) -> int:
    from .settings import SCHEMA

    print(tr("设置文件：{path}", path=data_dir.settings_file))
    for key, spec in SCHEMA.items():
        print(f"  {key:<26}= {store.current[key]!r:<14} {spec.help} [{spec.allowed()}]")
    return 1 if store.problems else 0


def cmd_secret(args: argparse.Namespace, data_dir: DataDir, store: SettingsStore) -> int:
    from .secrets import SecretStoreError, delete_secret, set_secret

    try:
        if args.action == "set":
            value = getpass.getpass(tr("{key} 的值（不会显示）：", key=args.key)) if sys.stdin.isatty() \
                else sys.stdin.readline().rstrip("\n")
            set_secret(args.profile, args.key, value)
            print(tr("已存入系统钥匙串：{key}", key=args.key))
        else:
            delete_secret(args.profile, args.key)
            print(tr("已删除：{key}", key=args.key))
    except SecretStoreError as error:
        print(str(error), file=sys.stderr)
        return 1
    return 0


def _headless_engine(data_dir: DataDir, store: SettingsStore):
    from .bootstrap import build_engine

    return build_engine(data_dir, store.current, connect_sim=False)


COMMANDS = {
    "sample-data": cmd_sample_data,
    "gui": cmd_gui,
    "check": cmd_check,
    "import-csv": cmd_import_csv,
    "download": cmd_download,
    "backtest": cmd_backtest,
    "optimize": cmd_optimize,
    "data": cmd_data,
    "settings": cmd_settings,
    "secret": cmd_secret,
}

if __name__ == "__main__":
    sys.exit(main())
