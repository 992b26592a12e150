"""Past orders and trades from the journal."""

from __future__ import annotations

from datetime import date

from vnpy.event import EventEngine
from vnpy.trader.engine import BaseEngine, MainEngine

from lianghua_app.storage.models import OrderRecord, TradeRecord

APP_NAME = "History"


class HistoryEngine(BaseEngine):
    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__(main_engine, event_engine, APP_NAME)

    def orders(self, start: date, end: date, symbol: str = "") -> list[OrderRecord]:
        return self.main_engine.journal.orders(start, end, symbol)

    def trades(self, start: date, end: date, symbol: str = "") -> list[TradeRecord]:
        return self.main_engine.journal.trades(start, end, symbol)
