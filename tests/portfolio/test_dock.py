"""The 组合 dock offscreen: attribution fills in from a refresh off the GUI thread, a line drills
down to its trades, the CSV holds the lines; a plan is shown with its weights and applied only
through 确认 (and only when the trader says yes)."""

from __future__ import annotations

from PySide6 import QtWidgets
from vnpy.trader.constant import Direction

from apps.portfolio_manager.ui import PortfolioWidget, TradesDialog
from tests.helpers import PINGAN, drain, order, settle, shown
from tests.portfolio.helpers import add_strategies, now_quote


def test_a_refresh_fills_the_table_and_a_line_drills_down_to_its_trades(qtbot, engine, sim, tmp_path, monkeypatch):
    now_quote(sim, PINGAN, 10.0)
    engine.send_order(order(PINGAN, Direction.LONG, 300, 10.0, reference="CtaStrategy_trend"), "SIM")
    settle(engine, lambda: len(engine.get_all_trades()) == 1)
    engine.get_engine("PortfolioManager").record_marks()
    dock = shown(qtbot, PortfolioWidget, engine)
    dock.refresh_button.click()
    qtbot.waitUntil(lambda: (drain(engine), dock.lines_table.rowCount() == 1)[1], timeout=60_000)
    assert dock.lines_table.cell_text(0, 0) == "trend" and dock.lines_table.cell_text(0, 1) == "累计"
    assert "1行，1笔成交" in dock.status.text() and dock.refresh_button.isEnabled()
    opened = []
    monkeypatch.setattr(TradesDialog, "exec", lambda self: opened.append(self.table.rowCount()))
    dock.drill(dock.lines_table.item(0, 0))
    assert opened == [1]
    target = tmp_path / "attribution.csv"
    dock.write_csv(str(target))
    assert target.read_text(encoding="utf-8-sig").splitlines()[1].startswith("trend,累计,")
    assert "SIM.CNY" in [dock.accounts_table.cell_text(r, 0) for r in range(dock.accounts_table.rowCount())]


def test_a_plan_waits_for_the_traders_yes(qtbot, engine, sim, monkeypatch):
    add_strategies(engine, sizer=PINGAN)
    now_quote(sim, PINGAN, 10.0)
    portfolio = engine.get_engine("PortfolioManager")
    dock = shown(qtbot, PortfolioWidget, engine)
    assert not dock.confirm_button.isEnabled() and "确认后" in dock.plan_label.text()
    assert "每个策略分得相同资金" in dock.explanation.text()
    dock.propose_button.click()
    qtbot.waitUntil(lambda: (drain(engine), dock.plan_table.rowCount() == 1)[1], timeout=60_000)
    assert dock.plan_table.cell_text(0, 0) == "sizer" and dock.plan_table.cell_text(0, 3) == "50.00%"
    assert dock.plan_table.cell_text(0, 7).startswith("买入 ") and "等权" in dock.plan_label.text()
    assert dock.confirm_button.isEnabled() and dock.history_table.cell_text(0, 3) == "待确认"
    answers = [QtWidgets.QMessageBox.StandardButton.No, QtWidgets.QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QtWidgets.QMessageBox, "question", lambda *args: answers.pop(0))
    dock.confirm_button.click()
    assert portfolio.budget("sizer") is None                               # the trader said no
    dock.confirm_button.click()
    assert portfolio.budget("sizer") is not None
    qtbot.waitUntil(lambda: (drain(engine), dock.history_table.cell_text(0, 3) == "已应用")[1], timeout=60_000)
    assert dock.history_table.rowCount() == 1 and not dock.confirm_button.isEnabled()
