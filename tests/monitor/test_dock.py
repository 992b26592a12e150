"""The monitor over SIM's synthetic whole market, and its dock offscreen."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6 import QtCore
from vnpy.event import Event
from vnpy.trader.constant import Exchange, Product
from vnpy.trader.event import EVENT_CONTRACT
from vnpy.trader.object import ContractData

from apps.monitor.config import RULES
from apps.monitor.ui import ENABLED, PARAMS, MonitorWidget
from lianghua_app.bootstrap import connect_sim_gateway
from lianghua_app.events import EVENT_OPEN_SYMBOL
from lianghua_app.markets import CHINA_TZ
from lianghua_app.storage.models import AlertRecord
from tests.helpers import drain, quote_frame, shown, wait_until

START = datetime.now(CHINA_TZ).replace(hour=9, minute=30, second=0, microsecond=0)


@pytest.fixture
def market(engine):
    """SIM with its whole market, stepped by hand for ten simulated minutes."""
    connect_sim_gateway(engine, autostart=False, whole_market=True)
    gateway = engine.gateways["SIM"]
    for step in range(200):
        gateway.step_market(START + timedelta(seconds=3 * step))
    drain(engine)
    return engine.get_engine("Monitor")


@pytest.fixture
def dock(engine, market, qtbot):
    return shown(qtbot, MonitorWidget, engine)


def test_sim_offers_a_whole_market_of_about_five_thousand_a_shares_in_industries(market):
    view = market.view()
    assert 5_000 <= view.watched <= 5_600
    boards = {s.split(".")[0][:3] for s in market.detector.universe.symbols}
    assert {"600", "688", "300"} <= boards and any(s.endswith(".BSE") for s in market.detector.universe.symbols)
    assert len([s for s in view.sectors if not s.custom]) == 30
    assert sum(s.members for s in view.sectors) == view.watched


def test_the_synthetic_session_raises_limit_and_move_alerts_and_stores_them(market):
    rules = {a.rule for a in market.alerts}
    assert {"limit_up", "limit_up_sealed", "fast_move", "big_order"} <= rules
    assert AlertRecord.select().count() == len(market.alerts)
    sealed = [e for e in market.view().limit_up if e.sealed]
    assert sealed and all(e.quote.change > 4.9 and e.seal_volume > 0 for e in sealed)


def test_the_dock_fills_rankings_limit_board_and_sectors(dock, qtbot):
    dock.refresh()
    gainers = dock.rankings["gainers"]
    assert gainers.rowCount() == 50
    changes = [float(gainers.cell_text(r, 3)) for r in range(50)]
    assert changes == sorted(changes, reverse=True)
    dock.tabs.setCurrentIndex(1)
    dock.refresh()
    assert dock.limit_up.rowCount() > 0 and dock.limit_up.cell_text(0, 4)
    dock.tabs.setCurrentIndex(2)
    dock.refresh()
    assert dock.sectors.rowCount() == 30 and dock.rotation.rowCount() == 30


def test_the_tables_follow_the_market_on_the_timer(engine, dock, qtbot):
    dock.refresh()
    before = dock.summary.text()
    gateway = engine.gateways["SIM"]
    for step in range(200, 230):
        gateway.step_market(START + timedelta(seconds=3 * step))
    drain(engine)
    qtbot.waitUntil(lambda: dock.summary.text() != before, timeout=3000)


def test_new_alerts_appear_at_the_top_of_the_alert_list(engine, dock, qtbot):
    count = dock.alert_table.rowCount()
    gateway = engine.gateways["SIM"]
    for step in range(230, 300):
        gateway.step_market(START + timedelta(seconds=3 * step))
    drain(engine)
    newest = dock.engine.alerts[-1]
    qtbot.waitUntil(lambda: dock.alert_table.cell_text(0, 1) == newest.vt_symbol, timeout=5000)
    assert dock.alert_table.rowCount() > count


def test_double_clicking_a_ranked_symbol_asks_to_open_it_for_trading(engine, dock, qtbot):
    opened = []
    engine.event_engine.register(EVENT_OPEN_SYMBOL, lambda event: opened.append(event.data))
    dock.refresh()
    symbol = dock.rankings["gainers"].cell_text(0, 0)
    dock.rankings["gainers"].cellDoubleClicked.emit(0, 0)
    qtbot.waitUntil(lambda: opened == [symbol], timeout=60_000)


def test_a_rule_edited_in_the_dock_applies_and_a_bad_one_is_refused(dock):
    row = list(RULES).index("macd_cross")
    dock.rules_table.item(row, ENABLED).setCheckState(QtCore.Qt.CheckState.Checked)
    assert dock.save() == [] and dock.engine.config.enabled["macd_cross"]
    dock.rules_table.item(row, PARAMS).setText('{"fast": 30, "slow": 26, "signal": 9}')
    errors = dock.save()
    assert errors and "fast" in errors[0] and dock.engine.config.params["macd_cross"]["fast"] == 12
    assert dock.message_box is not None


def test_a_trader_can_subscribe_to_a_whole_market_symbol_and_get_ticks(engine, market):
    from vnpy.trader.object import SubscribeRequest

    vt_symbol = market.detector.universe.symbols[10]
    symbol, exchange = vt_symbol.split(".")
    contract = engine.get_contract(vt_symbol)
    engine.subscribe(SubscribeRequest(contract.symbol, contract.exchange), "SIM")
    engine.gateways["SIM"].step_market(START + timedelta(minutes=20))
    drain(engine)
    tick = engine.get_tick(vt_symbol)
    assert tick is not None and tick.last_price > 0 and tick.bid_price_1 > 0
    engine.event_engine.put(Event("noop"))


def test_sector_rotation_is_sampled_every_minute_even_with_no_dock_open(market):
    wait_until(lambda: market.rotation.ranks()[0], timeout=60)   # the engine's own timer, no dock open
    checkpoints, rows = market.rotation.ranks()
    assert len(checkpoints) == 1 and len(rows) == 30


def test_the_dock_loads_when_thousands_of_contracts_arrived_before_any_quote(engine, qtbot):
    monitor = engine.get_engine("Monitor")
    for i in range(3000):
        contract = ContractData(gateway_name="SIM", symbol=f"{600000 + i}", exchange=Exchange.SSE, name=f"股{i}",
                                product=Product.EQUITY, size=1, pricetick=0.01)
        contract.extra = {"sector": "银行"}
        engine.event_engine.put(Event(EVENT_CONTRACT, contract))
    drain(engine)
    widget = MonitorWidget(engine, engine.event_engine)
    qtbot.addWidget(widget)
    widget.refresh()
    view = monitor.view()
    assert view.watched == 0 and [s.members for s in view.sectors if s.name == "银行"] == [3000]
    monitor.process_frame(quote_frame(START, {"600001.SSE": {"last": 10.5, "pre_close": 10.0}}))
    assert [q.vt_symbol for q in monitor.view().rankings["gainers"]] == ["600001.SSE"]
