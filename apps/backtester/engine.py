"""Headless backtests: configuration, parameter parsing and one run with statistics."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from threading import Event

from pandas import DataFrame
from vnpy.event import EventEngine
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import BarOverview
from vnpy.trader.engine import BaseEngine, MainEngine
from vnpy.trader.object import OrderData, TradeData

from apps.data_manager.engine import bar_overview
from lianghua_app.i18n import tr
from lianghua_app.markets import ashare, crypto, is_ashare
from lianghua_app.storage.contract_specs import load_spec

from .bars import BarSeries
from .books import CryptoBook
from .core import Backtester, OrderNote, PerpetualSetup
from .stats import RoundTrip, extended_statistics, round_trips

APP_NAME = "Backtester"


class BacktestError(ValueError):
    """Bad input, said in words a user can act on."""


@dataclass
class BacktestConfig:
    strategy: str
    vt_symbol: str
    interval: Interval
    start: datetime
    end: datetime
    setting: dict = field(default_factory=dict)
    rules: str = ""                 # "" = by exchange: ashare for SSE/SZSE/BSE, else none
    capital: float = 1_000_000.0
    rate: float | None = None
    slippage: float = 0.0
    size: float = 1.0
    pricetick: float = 0.01
    min_commission: float = 5.0
    leverage: int = 1
    funding: list[tuple[datetime, float]] | None = None     # crypto: None reads the stored rates
    spec: crypto.PerpSpec | None = None     # crypto: None reads the venue's stored filters, else SIM's defaults


@dataclass
class BacktestResult:
    statistics: dict
    trades: list[TradeData]
    daily: DataFrame
    notes: list[OrderNote]
    bar_count: int
    fees: dict[str, float]          # vt_tradeid -> commission and taxes of that fill
    orders: list[OrderData] = field(default_factory=list)
    bars: BarSeries | None = None
    trips: list[RoundTrip] = field(default_factory=list)
    capital: float = 0.0

    def balance(self) -> list[float]:
        return list(self.capital + self.daily["net_pnl"].cumsum()) if not self.daily.empty else []


def parse_setting(strategy_class: type, pairs: list[str]) -> dict:
    """`name=value` pairs typed like the strategy's own defaults."""
    setting = {}
    allowed = list(getattr(strategy_class, "parameters", []))
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or name not in allowed:
            raise BacktestError(tr("策略{strategy}没有参数“{name}”；可用参数：{allowed}",
                                   strategy=strategy_class.__name__, name=name, allowed=", ".join(allowed)))
        default = getattr(strategy_class, name)
        try:
            setting[name] = (text.strip().lower() in ("1", "true", "yes")) if isinstance(default, bool) \
                else type(default)(text.strip())
        except ValueError as error:
            raise BacktestError(tr("参数{name}应为{kind}，收到“{value}”", name=name,
                                   kind=type(default).__name__, value=text)) from error
    return setting


def run_backtest(config: BacktestConfig, classes: dict[str, type],
                 progress: Callable[[int, int, str], None] | None = None,
                 cancel: Event | None = None, bars: BarSeries | None = None) -> BacktestResult:
    """Blocking; `progress(done, total, label)` is called from this thread, and setting
    `cancel` stops the replay with BacktestError. `bars` already in memory replace the
    database read (they are cut to the run's dates)."""
    strategy_class = classes.get(config.strategy)
    if strategy_class is None:
        raise BacktestError(tr("未知策略“{name}”；可用策略：{known}", name=config.strategy,
                               known=", ".join(sorted(classes))))
    symbol, _, suffix = config.vt_symbol.rpartition(".")
    try:
        exchange = Exchange(suffix)
    except ValueError as error:
        raise BacktestError(tr("代码格式应为 000001.SZSE / 600000.SSE / BTCUSDT.GLOBAL")) from error
    rules = config.rules or ("ashare" if is_ashare(exchange) else "none")
    if not 1 <= config.leverage <= 125:
        raise BacktestError(tr("杠杆倍数应在1到125之间，收到{value}", value=config.leverage))
    rate = config.rate if config.rate is not None else (0.00025 if rules == "ashare" else 0.0)
    spec = config.spec or (load_spec(symbol) if rules == "crypto" else None)
    engine = Backtester(rules, ashare.AshareFeeSchedule(rate, config.min_commission),
                        PerpetualSetup(spec=spec, leverage=config.leverage, funding=config.funding,
                                       fee_rate=config.rate))
    engine.set_parameters(vt_symbol=config.vt_symbol, interval=config.interval, start=config.start,
                          end=config.end, rate=rate, slippage=config.slippage, size=config.size,
                          pricetick=config.pricetick, capital=config.capital)
    engine.add_strategy(strategy_class, config.setting)
    engine.preloaded = bars
    engine.load_data()
    if not engine.history_data:
        raise BacktestError(tr("数据库中没有{symbol}在{start:%Y-%m-%d}至{end:%Y-%m-%d}的{interval}K线；"
                               "先用 lianghua import-csv 或 lianghua download 导入，lianghua data 查看已有数据",
                               symbol=config.vt_symbol, start=config.start, end=config.end,
                               interval=config.interval.value))
    engine.progress, engine.cancel = progress, cancel
    engine.run_backtesting()
    if cancel is not None and cancel.is_set():
        raise BacktestError(tr("回测已取消"))
    if engine.failure:
        raise BacktestError(tr("策略运行出错：\n{detail}", detail=engine.failure))
    daily = engine.calculate_result()
    base = engine.calculate_statistics(output=False)
    bars = engine.history_data
    trades = list(engine.trades.values())
    trips = round_trips(trades, config.size)
    statistics = extended_statistics(daily, base, trips, config.capital, bars[0].close_price, bars[-1].close_price)
    statistics["trade_count"] = statistics.get("total_trade_count", 0)
    if isinstance(engine.book, CryptoBook):
        statistics["funding_paid"] = engine.book.funding_paid
        statistics["liquidations"] = engine.book.liquidations
    fees = {t.vt_tradeid: engine.trade_fees.get(t.vt_tradeid, t.price * t.volume * config.size * rate)
            for t in trades}
    return BacktestResult(statistics, trades, daily, engine.notes, len(bars), fees, list(engine.limit_orders.values()),
                          bars, trips, config.capital)


def write_trades(result: BacktestResult, path: Path) -> None:
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["datetime", "direction", "offset", "price", "volume", "commission"])
        for trade in result.trades:
            writer.writerow([trade.datetime.isoformat(), trade.direction.name, trade.offset.name, trade.price,
                             trade.volume, round(result.fees[trade.vt_tradeid], 4)])


def write_daily(result: BacktestResult, path: Path) -> None:
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "close_price", "net_pnl", "balance"])
        for (day, row), balance in zip(result.daily.iterrows(), result.balance(), strict=True):
            writer.writerow([day.isoformat(), row["close_price"], round(row["net_pnl"], 4), round(balance, 4)])


class StrategyDataEngine(BaseEngine):
    """Strategies from the main engine's registry, symbols from the data overview: what the
    backtester and the optimiser both offer."""

    def strategy_classes(self) -> dict[str, type]:
        registry = getattr(self.main_engine, "strategy_registry", None)
        return dict(registry.classes) if registry else {}

    def overview(self) -> list[BarOverview]:
        return bar_overview()


class BacktesterEngine(StrategyDataEngine):
    """The app's headless side."""

    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__(main_engine, event_engine, APP_NAME)

    def run(self, config: BacktestConfig, progress: Callable[[int, int, str], None] | None = None,
            cancel: Event | None = None) -> BacktestResult:
        return run_backtest(config, self.strategy_classes(), progress, cancel)
