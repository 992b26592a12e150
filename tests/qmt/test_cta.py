"""A strategy from the CTA engine trades on QMT through the same pipeline as on SIM."""

from __future__ import annotations

from vnpy.trader.object import TickData
from vnpy_ctastrategy import CtaTemplate

from tests.helpers import wait_until


class BuyOnceStrategy(CtaTemplate):
    author = "tests"

    def on_init(self) -> None:
        self.active_orderids: list[str] = []
        self.load_bar(1)

    def on_tick(self, tick: TickData) -> None:
        if self.trading and self.pos == 0 and not self.active_orderids:
            self.active_orderids = self.buy(tick.ask_price_1, 200)

    def on_order(self, order) -> None:
        if not order.is_active():
            self.active_orderids = []

    def on_bar(self, bar) -> None:
        pass


def test_a_cta_strategy_buys_through_qmt_and_sees_its_position(qmt, engine, terminal):
    cta = engine.get_engine("CtaStrategy")
    cta.init_engine()
    cta.classes["BuyOnceStrategy"] = BuyOnceStrategy
    cta.add_strategy("BuyOnceStrategy", "buy_once_qmt", "600000.SSE", {})
    cta.init_strategy("buy_once_qmt")
    strategy = cta.strategies["buy_once_qmt"]
    wait_until(lambda: strategy.inited)
    cta.start_strategy("buy_once_qmt")
    wait_until(lambda: qmt.subscribed.get("600000.SH", 0) > 0)
    terminal.set_quote("600000.SH", 10.0, bid=9.99, ask=10.0)
    wait_until(lambda: strategy.pos == 200)
    sent = [o for o in terminal.account("55001234").orders.values()]
    assert len(sent) == 1 and sent[0].strategy_name.endswith("buy_once_qmt")
    cta.stop_strategy("buy_once_qmt")
    cta.remove_strategy("buy_once_qmt")
