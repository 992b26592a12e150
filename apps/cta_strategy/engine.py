"""CtaEngine that takes its classes from the StrategyRegistry and follows its reloads."""

from __future__ import annotations

from vnpy.event import EventEngine
from vnpy.trader.engine import MainEngine
from vnpy_ctastrategy.engine import CtaEngine

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
