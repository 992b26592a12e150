"""CtaEngine that takes its classes from the StrategyRegistry and follows its reloads, runs each
strategy on a thread of its own (a slow or stuck strategy never stops the journal or the views),
and reconciles each strategy's position with the journal before it can trade."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

from vnpy.event import Event, EventEngine
from vnpy.trader.constant import Interval
from vnpy.trader.engine import MainEngine
from vnpy.trader.event import EVENT_LOG, EVENT_TIMER
from vnpy.trader.logger import WARNING
from vnpy.trader.object import LogData
from vnpy.trader.utility import ArrayManager
from vnpy_ctastrategy.base import APP_NAME
from vnpy_ctastrategy.engine import CtaEngine
from vnpy_ctastrategy.template import CtaTemplate

from lianghua_app import formatting
from lianghua_app.formatting import interval_words
from lianghua_app.i18n import tr
from lianghua_app.journal import journaled_position
from lianghua_app.setting_versions import latest, versions
from lianghua_app.strategies import StrategyRegistry

from .bars import DailyBarBuilder
from .runner import StrategyRunner

CALLBACK_SECONDS = 5.0
BAR_INTERVAL = "bar_interval"       # a strategy setting: "d" runs it on daily bars, as backtested on them


class LiveCtaEngine(CtaEngine):
    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__(main_engine, event_engine)
        self.registry: StrategyRegistry | None = getattr(main_engine, "strategy_registry", None)
        settings = getattr(main_engine, "settings", None)
        self.callback_seconds = settings["strategies.callback_seconds"] if settings else CALLBACK_SECONDS
        self.initialised = False
        self.runners: dict[str, StrategyRunner] = {}
        # Held while an order is sent and its id mapped to the strategy, and while an order or
        # trade event is matched to a strategy: a strategy now sends from its own thread, and
        # the venue's answer must not be looked up before the id is known.
        self.order_lock = threading.RLock()
        self.daily: dict[str, DailyBarBuilder] = {}     # strategies run on daily bars
        self.warm_up_bars: dict[str, int] = {}

    def init_engine(self) -> None:
        # The GUI widget and headless callers may both ask; initialise once.
        if self.initialised:
            return
        self.initialised = True
        super().init_engine()
        self.event_engine.register(EVENT_TIMER, self.watch_runners)
        self.event_engine.register(EVENT_TIMER, self.close_daily_bars)

    def close(self) -> None:
        super().close()
        for runner in self.runners.values():
            runner.stop()

    # --- classes ---------------------------------------------------------------------------------
    def load_strategy_class(self) -> None:
        if self.registry is None:
            self.registry = StrategyRegistry()
        self.refresh_classes()
        for error in self.registry.errors.values():
            self.write_log(str(error))

    def get_strategy_class_parameters(self, class_name: str) -> dict:
        """The class defaults, overlaid with the latest saved version (an applied optimisation)."""
        parameters = super().get_strategy_class_parameters(class_name)
        saved = latest(class_name)
        if saved is not None:
            parameters.update({k: v for k, v in saved.setting.items() if k in parameters})
        return parameters

    def setting_sources(self, class_name: str) -> list[tuple[str, dict]]:
        """Where a new strategy's parameters may come from: the class's defaults, then each saved
        version (an applied optimisation), oldest to newest."""
        defaults = CtaEngine.get_strategy_class_parameters(self, class_name)
        sources = [(tr("策略类默认值"), defaults)]
        for version in reversed(versions(class_name)):
            run = tr("，优化运行#{run}", run=version.run_id) if version.run_id else ""
            label = tr("保存的版本v{number}（{time}{run}）", number=version.version,
                       time=formatting.minute(version.created), run=run)
            sources.append((label, {**defaults, **{k: v for k, v in version.setting.items() if k in defaults}}))
        return sources

    def refresh_classes(self) -> None:
        """Running strategies keep the class they started with; new ones get the latest."""
        self.classes.clear()
        self.classes.update(self.registry.classes)

    def add_strategy(self, class_name: str, strategy_name: str, vt_symbol: str, setting: dict) -> None:
        try:
            super().add_strategy(class_name, strategy_name, vt_symbol, setting)
        except Exception as error:  # the class's own __init__ raised
            self.strategies.pop(strategy_name, None)
            self._warn(tr("创建策略{name}失败：策略类{cls}初始化出错（{kind}: {error}），请修改策略文件",
                          name=strategy_name, cls=class_name, kind=type(error).__name__, error=error))
            return
        if setting.get(BAR_INTERVAL) == Interval.DAILY.value and strategy_name in self.strategies:
            self.daily[strategy_name] = DailyBarBuilder()

    def bar_interval(self, strategy_name: str) -> Interval:
        return Interval.DAILY if strategy_name in self.daily else Interval.MINUTE

    # --- bars: warm-up and daily bars --------------------------------------------------------------
    def load_bar(self, vt_symbol: str, days: int, interval: Interval, callback: Callable, use_database: bool) -> list:
        """A strategy run on daily bars warms up on daily bars whatever its code asks; a warm-up
        that finds nothing is said, since the strategy's indicators then start empty."""
        strategy = getattr(callback, "__self__", None)
        name = getattr(strategy, "strategy_name", "")
        if name in self.daily:
            interval = Interval.DAILY
        bars = super().load_bar(vt_symbol, days, interval, callback, use_database)
        if name:
            self.warm_up_bars[name] = len(bars)
            if not bars:
                self._warn(tr("策略{name}预热没有取到{symbol}最近{days}天的{interval}K线：指标要等实时K线攒够后才可靠。"
                              "请先用数据管理导入或下载历史K线", name=name, symbol=vt_symbol, days=days,
                              interval=interval_words(interval)), strategy)
        return bars

    def process_tick_event(self, event: Event) -> None:
        if not self.daily:
            return super().process_tick_event(event)
        tick = event.data
        strategies = self.symbol_strategy_map[tick.vt_symbol]
        if not strategies:
            return
        self.check_stop_order(tick)
        for strategy in strategies:
            if not strategy.inited:
                continue
            builder = self.daily.get(strategy.strategy_name)
            if builder is None:
                self.call_strategy_func(strategy, strategy.on_tick, tick)
            elif (bar := builder.update(tick)) is not None:
                self.call_strategy_func(strategy, strategy.on_bar, bar)

    def close_daily_bars(self, event: Event) -> None:
        now = datetime.now(UTC)
        for name, builder in list(self.daily.items()):
            strategy = self.strategies.get(name)
            bar = builder.close(now)
            if bar is not None and strategy is not None and strategy.inited:
                self.call_strategy_func(strategy, strategy.on_bar, bar)

    def start_strategy(self, strategy_name: str) -> None:
        super().start_strategy(strategy_name)
        strategy = self.strategies[strategy_name]
        if not strategy.trading:
            return
        for value in vars(strategy).values():
            if isinstance(value, ArrayManager) and not value.inited:
                self._warn(tr("策略{name}已启动，但历史K线不足：指标需要{size}根{interval}K线，现有{count}根，"
                              "就绪前的信号不可靠。请先导入或下载更早的历史K线", name=strategy_name, size=value.size,
                              count=value.count, interval=interval_words(self.bar_interval(strategy_name))),
                           strategy)
                break

    def remove_strategy(self, strategy_name: str) -> bool:
        removed = super().remove_strategy(strategy_name)
        if removed:
            self.daily.pop(strategy_name, None)
            if strategy_name in self.runners:
                self.runners.pop(strategy_name).stop()
        return removed

    # --- one thread per strategy ------------------------------------------------------------------
    def runner(self, strategy: CtaTemplate) -> StrategyRunner:
        runner = self.runners.get(strategy.strategy_name)
        if runner is None:
            runner = StrategyRunner(strategy.strategy_name, lambda text: self._failed(strategy, text))
            self.runners[strategy.strategy_name] = runner
        return runner

    def call_strategy_func(self, strategy: CtaTemplate, func: Callable, params: Any = None) -> None:
        """Queue the callback on the strategy's thread. on_init, called from the strategy's own
        init thread, waits for it (vnpy restores the strategy's variables right after)."""
        label = getattr(func, "__name__", "callback")
        call = lambda: CtaEngine.call_strategy_func(self, strategy, func, params)  # noqa: E731
        if label == "on_init":
            self.runner(strategy).run_and_wait(label, call)
        else:
            self.runner(strategy).submit(label, call)

    def _failed(self, strategy: CtaTemplate, text: str) -> None:
        strategy.trading = False
        self._warn(tr("策略{name}的回调被中止，策略已停止：{error}", name=strategy.strategy_name,
                      error=text.strip().splitlines()[-1]))
        self.put_strategy_event(strategy)

    def watch_runners(self, event: Event) -> None:
        """A callback past its time limit: report it, stop the strategy, cancel its orders and
        try to interrupt it. The rest of the workstation never waited for it."""
        for name, runner in list(self.runners.items()):
            if runner.reported or runner.current == "on_init" or not runner.overrun(self.callback_seconds):
                continue
            runner.reported = True
            strategy = self.strategies.get(name)
            dropped = runner.discard_queued()
            self._warn(tr("策略{name}的{callback}已运行超过{seconds:g}秒仍未返回：已停止该策略并撤销其委托"
                          "（丢弃{dropped}个待处理回调）。其他策略、交易日志和界面不受影响；请检查策略代码后重新初始化",
                          name=name, callback=runner.current, seconds=self.callback_seconds, dropped=dropped))
            if strategy is not None:
                strategy.trading = False
                strategy.inited = False
                self.cancel_all(strategy)
                self.put_strategy_event(strategy)
            runner.interrupt()

    def init_strategy(self, strategy_name: str) -> Future:
        """Each strategy initialises on a thread of its own, so one slow on_init (or one that
        never returns) does not hold up the others."""
        future: Future = Future()

        def run() -> None:
            try:
                self._init_strategy(strategy_name)
            except BaseException as error:  # noqa: B036 - reported, and handed to whoever waits
                self._warn(tr("策略{name}初始化失败：{error}", name=strategy_name, error=error))
                future.set_exception(error)
            else:
                future.set_result(None)

        threading.Thread(target=run, name=f"init-{strategy_name}", daemon=True).start()
        return future

    # --- orders, matched to strategies under one lock ---------------------------------------------
    def send_server_order(self, *args: Any, **kwargs: Any) -> list:
        with self.order_lock:
            return super().send_server_order(*args, **kwargs)

    def process_order_event(self, event: Event) -> None:
        with self.order_lock:
            super().process_order_event(event)

    def process_trade_event(self, event: Event) -> None:
        with self.order_lock:
            super().process_trade_event(event)

    # --- reconciliation with the journal ------------------------------------------------------------
    def _init_strategy(self, strategy_name: str) -> None:
        super()._init_strategy(strategy_name)
        try:
            self.reconcile_position(strategy_name)
        except Exception as error:
            strategy = self.strategies[strategy_name]
            strategy.inited = False
            self.put_strategy_event(strategy)
            self._warn(tr("策略{name}无法与交易日志核对仓位（{error}），为安全起见不能启动", name=strategy_name,
                          error=error), strategy)

    def reconcile_position(self, strategy_name: str) -> None:
        """The saved position is vnpy's copy, written after the strategy heard of a trade; a
        crash in between leaves it behind the journal. The journal wins, and the user is told
        before the strategy can be started."""
        strategy = self.strategies.get(strategy_name)
        if strategy is None:
            return
        journaled = journaled_position(f"{APP_NAME}_{strategy_name}", strategy.vt_symbol)
        if abs(journaled - strategy.pos) < 1e-9:
            return
        message = tr("策略{name}的仓位与交易日志不一致：保存的仓位为{saved}，日志中该策略的成交合计为{journaled}，"
                     "已按交易日志改为{journaled}，请确认后再启动", name=strategy_name, saved=strategy.pos,
                     journaled=journaled)
        strategy.pos = journaled
        self.sync_strategy_data(strategy)
        self.put_strategy_event(strategy)
        self._warn(message, strategy)

    def _warn(self, message: str, strategy: CtaTemplate | None = None) -> None:
        """In the CTA dock's log and the main log."""
        self.write_log(message, strategy)
        self.event_engine.put(Event(EVENT_LOG, LogData(msg=message, gateway_name="CtaStrategy", level=WARNING)))
