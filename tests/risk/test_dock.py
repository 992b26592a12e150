"""The risk dock offscreen: rules with live usage, an editor that validates before saving, the
refusal list, the breaker with its reason and a reset that asks first, equity figures."""

from __future__ import annotations

import json

import pytest
from PySide6 import QtCore, QtWidgets
from vnpy.trader.constant import Direction

from apps.risk_manager.rules import RULES
from apps.risk_manager.ui import ENABLED, PARAMS, RiskWidget
from tests.helpers import PINGAN, order, quote, send

ROWS = {name: row for row, name in enumerate(RULES)}


@pytest.fixture
def dock(engine, sim, risk, qtbot):
    widget = RiskWidget(engine, engine.event_engine)
    qtbot.addWidget(widget)
    return widget


def edit(dock, rule: str, on: bool, params: str | None = None) -> None:
    row = ROWS[rule]
    state = QtCore.Qt.CheckState.Checked if on else QtCore.Qt.CheckState.Unchecked
    dock.rules_table.item(row, ENABLED).setCheckState(state)
    if params is not None:
        dock.rules_table.item(row, PARAMS).setText(params)


def test_a_rule_switched_on_in_the_dock_applies_at_once(engine, sim, dock):
    quote(sim)
    edit(dock, "max_volume", True, '{"limit": 100}')
    assert dock.save() == []
    assert dock.status.text() == "已保存，立即生效"
    assert send(engine, order(PINGAN, Direction.LONG, 200, 10.0)) == "单笔委托数量 200 超过上限 100"


def test_an_invalid_edit_is_refused_with_a_message_and_the_old_rules_stay(engine, sim, risk, dock):
    edit(dock, "max_volume", True, '{"limit": -1}')
    edit(dock, "max_notional", True, '{"limit": ')
    errors = dock.save()
    assert not any("max_volume.limit" in e for e in errors)          # unreadable JSON is reported before limits
    assert any("单笔金额 的参数不是有效的JSON" in e for e in errors)
    assert dock.message_box.isVisible() and "原配置继续生效" in dock.message_box.text()
    assert not risk.config.enabled["max_volume"]
    edit(dock, "max_notional", False, "{}")
    assert any("max_volume.limit 应为不小于0的数" in e for e in dock.save())
    assert not risk.config.enabled["max_volume"]


def test_the_recommended_set_is_only_ticked_until_saved(risk, dock):
    dock.recommend()
    assert dock.rules_table.item(ROWS["daily_loss"], ENABLED).checkState() == QtCore.Qt.CheckState.Checked
    assert not risk.config.enabled["daily_loss"]
    assert dock.save() == [] and risk.config.enabled["daily_loss"]


def test_usage_bars_and_the_refusal_list_follow_the_orders(engine, sim, risk, dock):
    quote(sim)
    edit(dock, "order_rate", True, json.dumps({"per_second": 100, "per_minute": 4}))
    edit(dock, "max_volume", True, '{"limit": 100}')
    assert dock.save() == []
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.9)) is None
    send(engine, order(PINGAN, Direction.LONG, 500, 9.9))
    dock.refresh()
    assert dock.bars["order_rate"].text() == "1/4" and dock.bars["order_rate"].value() == 250
    assert dock.rejections_table.cell_text(0, 3) == "单笔委托数量 500 超过上限 100"
    assert dock.rejections_table.cell_text(0, 1) == "单笔数量"


def test_a_tripped_breaker_shows_its_reason_and_resets_only_when_confirmed(engine, sim, risk, dock):
    risk.trip("account", "daily_loss", "账户 SIM.CNY 当日亏损 35,000.00", "ashare", risk.now().date())
    dock.refresh()
    assert "熔断中：账户 SIM.CNY 当日亏损 35,000.00" in dock.breaker_label.text() and dock.reset_button.isEnabled()
    dock.ask_reset()
    dock.message_box.button(QtWidgets.QMessageBox.StandardButton.No).click()
    assert risk.breaker.trips
    dock.ask_reset()
    dock.message_box.button(QtWidgets.QMessageBox.StandardButton.Yes).click()
    assert not risk.breaker.trips and dock.breaker_label.text() == "熔断：正常"


def test_equity_and_drawdown_are_shown_per_account(engine, sim, dock):
    quote(sim)
    dock.refresh()
    rows = {dock.equity_table.cell_text(r, 0): dock.equity_table.cell_text(r, 1)
            for r in range(dock.equity_table.rowCount())}
    assert rows == {"SIM.CNY": "1,000,000.00", "SIM.USDT": "100,000.00"}
