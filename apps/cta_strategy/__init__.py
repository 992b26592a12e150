"""vnpy's CTA strategy app, fed by LiangHua's strategy registry (the live strategies folder)."""

from __future__ import annotations

from vnpy_ctastrategy import CtaStrategyApp

from .engine import LiveCtaEngine


class CtaApp(CtaStrategyApp):
    app_module: str = __module__
    engine_class: type[LiveCtaEngine] = LiveCtaEngine
