"""What more than one test module uses."""

from __future__ import annotations

from datetime import datetime

from vnpy_ctastrategy import CtaTemplate

from apps.cta_strategy.api import budget_volume
from lianghua_app.markets import CHINA_TZ
from tests.helpers import drain, make_tick


class BudgetBuyer(CtaTemplate):
    """Buys once per tick while flat of open orders: its budget's worth, else a fixed 100 shares."""
    author = "tests"

    def on_init(self) -> None:
        self.sent: list[float] = []

    def on_tick(self, tick) -> None:
        if self.trading and not self.cta_engine.strategy_orderid_map[self.strategy_name]:
            volume = budget_volume(self, tick.ask_price_1, 100)
            self.sent.append(volume)
            self.buy(tick.ask_price_1, volume)


def now_quote(sim, vt_symbol: str, last: float) -> None:
    sim.push_tick(make_tick(vt_symbol, last, bid=round(last - 0.01, 2), ask=last, limit_up=round(last * 1.1, 2),
                            limit_down=round(last * 0.9, 2), pre_close=last, when=datetime.now(CHINA_TZ),
                            bid_volume=1_000_000, ask_volume=1_000_000))
    drain(sim)


def add_strategies(engine, **symbols: str):
    """BudgetBuyer strategies by name, on their symbols; the CTA engine back."""
    cta = engine.get_engine("CtaStrategy")
    cta.init_engine()
    cta.classes["BudgetBuyer"] = BudgetBuyer
    for name, vt_symbol in symbols.items():
        cta.add_strategy("BudgetBuyer", name, vt_symbol, {})
    return cta
