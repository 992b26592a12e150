"""CtaEngine that takes its classes from the StrategyRegistry and follows its reloads."""

from __future__ import annotations

from vnpy.event import Event, EventEngine
from vnpy.trader.engine import MainEngine
from vnpy.trader.event import EVENT_LOG
from vnpy.trader.logger import WARNING
from vnpy.trader.object import LogData
from vnpy_ctastrategy.base import APP_NAME
from vnpy_ctastrategy.engine import CtaEngine

from lianghua_app.i18n import tr
from lianghua_app.journal import journaled_position
from lianghua_app.setting_versions import latest
from lianghua_app.strategies import StrategyRegistry


class LiveCtaEngine(CtaEngine):
    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__(main_engine, event_engine)
        self.registry: StrategyRegistry | None = getattr(main_engine, "strategy_registry", None)
        self.initialised = False

    def init_engine(self) -> None:
        # The GUI widget and headless callers may both ask; initialise once.
        if self.initialised:
            return
        self.initialised = True
        super().init_engine()

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

    def refresh_classes(self) -> None:
        """Running strategies keep the class they started with; new ones get the latest."""
        self.classes.clear()
        self.classes.update(self.registry.classes)

    def _init_strategy(self, strategy_name: str) -> None:
        super()._init_strategy(strategy_name)
        try:
            self.reconcile_position(strategy_name)
        except Exception as error:   # runs in vnpy's init thread, whose future nobody reads
            strategy = self.strategies[strategy_name]
            strategy.inited = False
            self.put_strategy_event(strategy)
            message = tr("策略{name}无法与交易日志核对仓位（{error}），为安全起见不能启动", name=strategy_name,
                         error=error)
            self.write_log(message, strategy)
            self.event_engine.put(Event(EVENT_LOG, LogData(msg=message, gateway_name="CtaStrategy", level=WARNING)))

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
        self.write_log(message, strategy)
        self.event_engine.put(Event(EVENT_LOG, LogData(msg=message, gateway_name="CtaStrategy", level=WARNING)))
