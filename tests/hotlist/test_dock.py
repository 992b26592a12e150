"""The 热门 dock offscreen: it fills from a scan, shows each term and the score history of the
selected symbol, and lists approvals as they are made and revoked."""

from __future__ import annotations

from apps.hotlist.ui import HotlistWidget
from tests.helpers import drain, shown


def test_the_dock_shows_the_ranking_its_terms_and_the_selected_symbols_history(qtbot, engine, sim):
    dock = shown(qtbot, HotlistWidget, engine)
    assert "尚未扫描" in dock.status.text()
    hotlist = engine.get_engine("Hotlist")
    for _ in range(2):
        hotlist.scan("crypto")
    drain(engine)
    qtbot.waitUntil(lambda: dock.table.rowCount() == len(hotlist.rankings["crypto"].top), timeout=60_000)
    headers = [dock.table.horizontalHeaderItem(i).text() for i in range(dock.table.columnCount())]
    assert headers[:4] == ["排名", "代码", "名称", "得分"] and "资金费偏离" in headers and "安全杠杆" in headers
    assert "个通过过滤" in dock.status.text()
    assert "原始值" in dock.table.item(0, 4).toolTip()
    dock.table.selectRow(0)
    symbol = dock.selected().vt_symbol
    assert len(dock.chart.getPlotItem().listDataItems()[0].xData) == 2
    assert hotlist.approve(symbol, ["SIM"], 24, "test") == []
    drain(engine)
    qtbot.waitUntil(lambda: dock.approvals_table.rowCount() == 1, timeout=60_000)
    assert dock.approvals_table.cell_text(0, 0) == symbol and dock.approvals_table.cell_text(0, 1) == "SIM"
    assert hotlist.revoke(symbol) == []
    drain(engine)
    qtbot.waitUntil(lambda: dock.approvals_table.rowCount() == 0, timeout=60_000)


def test_the_ashare_view_says_what_to_do_before_any_scan(qtbot, engine, sim):
    dock = shown(qtbot, HotlistWidget, engine)
    dock.market_combo.setCurrentIndex(1)
    assert dock.market() == "ashare" and "立即扫描" in dock.status.text()
