"""The workstation window, offscreen: docks, saved layouts, gateway status, refusal reasons."""

import pytest
from vnpy.event import Event
from vnpy.trader.constant import Direction, Exchange, Interval
from vnpy.trader.event import EVENT_ACCOUNT, EVENT_LOG
from vnpy.trader.object import AccountData

from lianghua_app.markets import beijing_today
from lianghua_app.ui.main_window import MainWindow
from tests.helpers import drain, make_tick, order

PANEL_KEYS = {"trading", "ticks", "orders", "active", "trades", "log", "accounts", "positions"}


@pytest.fixture
def window(qtbot, engine, sim, data_dir):
    main_window = MainWindow(engine, data_dir.layout_file, confirm_exit=False)
    qtbot.addWidget(main_window)
    main_window.show()
    return main_window


def test_every_panel_and_app_is_a_dock(window):
    assert PANEL_KEYS | {"app:CtaStrategy", "app:History", "app:DataManager", "app:Backtester",
                         "app:RiskManager", "app:Optimizer", "app:Monitor", "app:Hotlist",
                         "app:PortfolioManager"} == set(window.docks)


def test_the_backtester_panel_is_built_when_its_dock_is_first_shown(window, qtbot):
    from apps.backtester.ui import BacktesterWidget

    dock = window.docks["app:Backtester"]
    qtbot.wait(0)
    assert "app:Backtester" not in window.widgets                 # tabbed behind the quotes
    assert not isinstance(dock.widget().widget(), BacktesterWidget)
    dock.raise_()                                                 # its tab chosen
    qtbot.waitUntil(lambda: isinstance(dock.widget().widget(), BacktesterWidget), timeout=60_000)
    assert window.widgets["app:Backtester"] is dock.widget().widget()


def test_an_on_demand_panel_that_fails_to_build_says_why_in_its_dock_and_the_log(window, engine, monkeypatch, qtbot):
    from apps.optimizer import ui

    def broken(*_args):
        raise RuntimeError("no chart library")
    monkeypatch.setattr(ui, "OptimizerWidget", broken)
    logs = []
    engine.event_engine.register(EVENT_LOG, lambda event: logs.append(event.data.msg))
    window.docks["app:Optimizer"].show()
    window.docks["app:Optimizer"].raise_()
    qtbot.waitUntil(lambda: any("no chart library" in text for text in logs), timeout=60_000)
    assert "no chart library" in window.docks["app:Optimizer"].widget().widget().text()


def test_every_dock_can_be_reopened_from_the_view_menu(window):
    menu_texts = {action.text() for action in window.view_menu.actions()}
    assert {dock.windowTitle() for dock in window.docks.values()} <= menu_texts


def test_a_closed_dock_stays_closed_after_restart(window, engine, data_dir, qtbot):
    window.docks["trades"].close()
    window.save_layout()
    again = MainWindow(engine, data_dir.layout_file, confirm_exit=False)
    qtbot.addWidget(again)
    again.show()
    assert not again.docks["trades"].isVisible()
    assert again.docks["positions"].isVisible() or again.docks["positions"].isVisibleTo(again)


def test_reset_layout_brings_back_closed_and_floating_docks(window, qtbot):
    window.docks["log"].close()
    window.docks["ticks"].setFloating(True)
    window.reset_action.trigger()
    qtbot.waitUntil(lambda: not window.docks["ticks"].isFloating(), timeout=60_000)
    assert not window.docks["log"].isHidden()


def test_a_corrupt_layout_file_falls_back_to_the_default(engine, data_dir, qtbot):
    data_dir.layout_file.write_text("{not json", encoding="utf-8")
    fallback = MainWindow(engine, data_dir.layout_file, confirm_exit=False)
    qtbot.addWidget(fallback)
    assert not fallback.restore_layout()


def test_status_bar_shows_sim_connected(window):
    assert window.status_labels["SIM"].text() == "● SIM 已连接"


def test_a_refused_order_shows_its_reason_in_the_order_monitor(window, engine, sim, qtbot):
    sim.push_tick(make_tick("000001.SZSE", 10.0, limit_up=11.0, limit_down=9.0))
    drain(engine)
    engine.send_order(order("000001.SZSE", Direction.LONG, 150, 10.0), "SIM")
    monitor = window.widgets["orders"]
    reason_column = list(monitor.headers).index("extra")
    qtbot.waitUntil(lambda: monitor.rowCount() == 1, timeout=60_000)
    assert monitor.item(0, reason_column).text() == "买入数量须为100股整数倍"


def test_history_dock_lists_past_trades(window, engine, sim, qtbot):

    sim.push_tick(make_tick("000001.SZSE", 10.0, limit_up=11.0, limit_down=9.0))
    drain(engine)
    engine.send_order(order("000001.SZSE", Direction.LONG, 100, 10.0), "SIM")
    drain(engine)
    history = window.widgets["app:History"]
    history.set_range(beijing_today(), beijing_today(), "000001")
    history.query()
    assert history.trades.rowCount() == 1
    assert history.orders.cell_text(0, 9) == "全部成交"


def test_new_strategy_classes_reach_the_cta_dock(window, engine, qtbot):
    from vnpy.event import Event
    from vnpy_ctastrategy.strategies.double_ma_strategy import DoubleMaStrategy

    from lianghua_app.events import EVENT_STRATEGY_FILES

    class ZzNewStrategy(DoubleMaStrategy):
        pass

    engine.strategy_registry.classes["ZzNewStrategy"] = ZzNewStrategy
    engine.event_engine.put(Event(EVENT_STRATEGY_FILES, ["已加载策略文件zz.py：ZzNewStrategy"]))
    manager = window.widgets["app:CtaStrategy"]
    qtbot.waitUntil(lambda: manager.class_combo.findText("ZzNewStrategy") >= 0, timeout=60_000)
    assert "ZzNewStrategy" in engine.get_engine("CtaStrategy").classes


def test_data_dock_imports_off_the_gui_thread_and_reports(window, tmp_path, qtbot):
    path = tmp_path / "bars.csv"
    path.write_text("datetime,open,high,low,close,volume\n2024-06-03,10,10.5,9.8,10.2,1000\n"
                    "2024-06-04,10,9,9.8,10.2,1000\n", encoding="utf-8")
    dock = window.widgets["app:DataManager"]
    dock.file_edit.setText(str(path))
    dock.symbol_edit.setText("000001")
    dock.exchange_combo.setCurrentText("SZSE")
    dock.import_button.click()
    qtbot.waitUntil(lambda: dock.import_button.isEnabled(), timeout=60_000)
    assert "第3行" in dock.report.toPlainText()
    assert dock.overview.rowCount() == 0


def test_data_dock_replays_a_stored_series_on_sim(window, sim, tmp_path, qtbot):
    path = tmp_path / "bars.csv"
    path.write_text("datetime,open,high,low,close,volume\n2024-06-03,10,10.5,9.8,10.2,1000\n", encoding="utf-8")
    dock = window.widgets["app:DataManager"]
    report = dock.engine.import_csv(path, "000001", Exchange.SZSE, Interval.DAILY)
    assert report.committed
    dock.refresh()
    dock.overview.selectRow(0)
    dock.replay_button.click()
    qtbot.waitUntil(lambda: "开始回放1根K线" in dock.report.toPlainText(), timeout=60_000)
    assert sim.replay is not None


def test_a_symbol_double_clicked_in_the_monitor_opens_in_the_trading_panel(window, qtbot):
    from vnpy.event import Event

    from lianghua_app.events import EVENT_OPEN_SYMBOL

    window.engine.event_engine.put(Event(EVENT_OPEN_SYMBOL, "000001.SZSE"))
    trading = window.widgets["trading"]
    qtbot.waitUntil(lambda: trading.vt_symbol == "000001.SZSE", timeout=60_000)
    assert trading.symbol_line.text() == "000001" and trading.exchange_combo.currentText() == "SZSE"


def test_stopped_orders_are_shown_in_the_status_bar_and_a_popup_until_they_resume(qtbot, engine):
    window = MainWindow(engine, engine.data_dir.layout_file, confirm_exit=False)
    qtbot.addWidget(window)
    assert not window.halt_label.isVisibleTo(window)
    engine.halt("journal", "交易日志写入失败（磁盘已满）")
    qtbot.waitUntil(lambda: window.halt_label.isVisibleTo(window), timeout=60_000)
    assert "磁盘已满" in window.halt_label.toolTip() and "磁盘已满" in window.halt_box.text()
    engine.clear_halt("journal")
    qtbot.waitUntil(lambda: not window.halt_label.isVisibleTo(window), timeout=60_000)
    assert window.halt_box is None


@pytest.fixture
def full_window(qtbot, engine, sim, data_dir):
    main_window = MainWindow(engine, data_dir.layout_file, confirm_exit=False)
    qtbot.addWidget(main_window)
    main_window.resize(1600, 1000)
    main_window.show()
    qtbot.waitExposed(main_window)
    qtbot.waitUntil(lambda: main_window.docks["orders"].height() > 150, timeout=60_000)
    return main_window


def rows_that_fit(table) -> float:
    return table.viewport().height() / table.verticalHeader().defaultSectionSize()


def test_the_window_opens_on_the_traders_quotes_with_room_for_rows_in_every_trading_panel(full_window):
    widgets, docks = full_window.widgets, full_window.docks
    def shown(key: str) -> bool:
        return not docks[key].visibleRegion().isEmpty()

    assert shown("ticks") and not shown("app:Monitor") and not shown("app:Backtester")
    assert shown("orders") and shown("positions") and shown("accounts") and shown("trading") and shown("log")
    assert rows_that_fit(widgets["ticks"]) >= 6
    for key in ("orders", "positions", "accounts"):
        assert rows_that_fit(widgets[key]) >= 4, key
    assert widgets["log"].columnWidth(1) >= 600


def test_every_account_shows_in_full(full_window, qtbot):
    funds = full_window.widgets["accounts"]
    qtbot.waitUntil(lambda: funds.rowCount() == 2, timeout=60_000)
    for row in range(2):
        for column in range(funds.columnCount()):
            item = funds.item(row, column)
            width = funds.fontMetrics().horizontalAdvance(item.text())
            assert funds.columnWidth(column) >= width, item.text()
    assert {funds.item(row, 1).text() for row in range(2)} == {"100,000.00", "1,000,000.00"}


def test_a_coin_balance_shows_its_own_precision_and_money_shows_to_the_fen(window, engine, qtbot):
    coin = AccountData(gateway_name="BINANCE", accountid="SPOT.BTC", balance=0.051998, frozen=0.00001)
    coin.extra = {"asset": "BTC"}
    quote = AccountData(gateway_name="BINANCE", accountid="SPOT.USDT", balance=9877.9990, frozen=600.0)
    quote.extra = {"asset": "USDT"}
    for account in (coin, quote):
        engine.event_engine.put(Event(EVENT_ACCOUNT, account))
    funds = window.widgets["accounts"]
    qtbot.waitUntil(lambda: funds.rowCount() == 4, timeout=60_000)
    rows = {funds.item(row, 0).text(): [funds.item(row, c).text() for c in range(1, 4)] for row in range(4)}
    assert rows["SPOT.BTC"] == ["0.051998", "0.00001", "0.051988"]
    assert rows["SPOT.USDT"] == ["9,878.00", "600.00", "9,278.00"]


def test_a_refused_order_pops_up_with_its_whole_reason(window, engine, sim, qtbot):
    sim.push_tick(make_tick("000001.SZSE", 10.0, limit_up=11.0, limit_down=9.0))
    drain(engine)
    engine.send_order(order("000001.SZSE", Direction.LONG, 150, 10.0), "SIM")
    qtbot.waitUntil(lambda: window.rejection_box is not None and window.rejection_box.isVisible(), timeout=60_000)
    text = window.rejection_box.text()
    assert "000001.SZSE 买入 150股 限价 10" in text and "买入数量须为100股整数倍" in text
    engine.send_order(order("000001.SZSE", Direction.LONG, 100, 12.0), "SIM")
    qtbot.waitUntil(lambda: "涨停价" in window.rejection_box.text(), timeout=60_000)
    assert "买入数量须为100股整数倍" in window.rejection_box.text()


def test_the_log_reads_in_sentences_and_names_the_check_that_refused(window, engine, sim, qtbot):
    sim.push_tick(make_tick("000001.SZSE", 10.0, limit_up=11.0, limit_down=9.0))
    drain(engine)
    engine.send_order(order("000001.SZSE", Direction.LONG, 150, 10.0), "SIM")
    log = window.widgets["log"]
    qtbot.waitUntil(lambda: any("委托被拒绝" in log.item(r, 1).text() for r in range(log.rowCount())), timeout=60_000)
    texts = [log.item(r, 1).text() for r in range(log.rowCount())]
    assert any(t.startswith("委托被拒绝（市场规则）：000001.SZSE 买入 150股") for t in texts)
    assert not any("Request(" in t or "<Exchange" in t or "[markets]" in t for t in texts)


def test_yes_and_no_buttons_speak_the_users_language(qtbot):
    from PySide6 import QtWidgets

    from lianghua_app.ui.app import install_translations

    app = QtWidgets.QApplication.instance()
    translator = install_translations(app, "zh_CN")
    try:
        buttons = QtWidgets.QMessageBox.StandardButton
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Question, "退出", "确认退出？", buttons.Yes | buttons.No)
        qtbot.addWidget(box)
        assert sorted(button.text() for button in box.buttons()) == ["否(&N)", "是(&Y)"]
    finally:
        app.removeTranslator(translator)


def test_the_app_and_every_dock_have_an_icon_from_resources(window):
    from lianghua_app.ui.icons import icon_path

    assert icon_path("app").is_file() and not window.windowIcon().isNull()
    keys = {window.windowIcon().cacheKey()}
    for key, dock in window.docks.items():
        assert icon_path(key.removeprefix("app:")).is_file(), key
        keys.add(dock.windowIcon().cacheKey())
    assert len(keys) == len(window.docks) + 1, "each dock its own icon, none falling back to the app's"
