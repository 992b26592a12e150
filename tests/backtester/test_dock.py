"""The backtester dock, offscreen: typed parameter editors, the symbol picker, a run off the
GUI thread with progress and cancel, results, charts and exports."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtWidgets
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database
from vnpy.trader.object import BarData

from apps.backtester.bars import BarSeries
from apps.backtester.charts import CandleChart
from apps.backtester.engine import BacktestResult
from apps.backtester.ui import BacktesterWidget
from tests.backtester.helpers import START, minute_bars


@pytest.fixture
def dock(qtbot, engine):
    widget = BacktesterWidget(engine, engine.event_engine)
    qtbot.addWidget(widget)
    widget.resize(1400, 800)
    widget.show()
    return widget


@pytest.fixture
def stored(engine):
    get_database().save_bar_data(minute_bars("000001", Exchange.SZSE, days=30))


def choose(dock, strategy: str) -> None:
    dock.strategy_combo.setCurrentText(strategy)
    dock.refresh_symbols()
    dock.symbol_combo.setCurrentIndex(0)
    dock._symbol_chosen(0)
    dock.rules_combo.setCurrentIndex(dock.rules_combo.findData("none"))


def test_parameters_get_editors_of_their_type(dock):
    dock.strategy_combo.setCurrentText("DoubleMaStrategy")
    editor = dock.params.editors["fast_window"]
    assert isinstance(editor, QtWidgets.QSpinBox)
    editor.setValue(7)
    assert dock.params.values()["fast_window"] == 7


def test_a_decimal_parameter_reads_without_trailing_zeros_and_keeps_six_places(qtbot):
    from apps.backtester.params import ParameterForm

    class Sized:
        parameters = ["atr_multiplier", "capital", "fee"]
        atr_multiplier, capital, fee = 3.0, 100000.0, 0.000125

    form = ParameterForm()
    qtbot.addWidget(form)
    form.show_strategy(Sized)
    texts = [form.editors[name].text() for name in Sized.parameters]
    assert texts == ["3.0", "100000.0", "0.000125"]
    assert form.values() == {"atr_multiplier": 3.0, "capital": 100000.0, "fee": 0.000125}


def test_the_symbol_picker_offers_stored_data_and_fills_interval_and_dates(dock, stored):
    dock.refresh_symbols()
    assert dock.symbol_combo.count() == 1
    dock.symbol_combo.setCurrentIndex(0)
    dock._symbol_chosen(0)
    config = dock.current_config()
    assert config.vt_symbol == "000001.SZSE" and config.interval == Interval.MINUTE
    assert config.start.date() == START.date()


def test_a_run_happens_off_the_gui_thread_and_fills_every_result_view(dock, stored, qtbot):
    choose(dock, "DoubleMaStrategy")
    with qtbot.waitSignal(dock.finished, timeout=60_000):
        dock.run_button.click()
        assert not dock.run_button.isEnabled() and dock.cancel_button.isEnabled()
    result = dock.result
    assert result is not None and result.trades
    assert dock.progress_bar.value() == dock.progress_bar.maximum() == result.bar_count
    assert dock.trades_table.rowCount() == len(result.trades)
    assert dock.orders_table.rowCount() == len(result.orders) > 0
    assert dock.trips_table.rowCount() == len(result.trips) > 0
    shown = {dock.stats_table.cell_text(row, 0): dock.stats_table.cell_text(row, 1)
             for row in range(dock.stats_table.rowCount())}
    assert {"总收益率", "夏普比率", "最大回撤率", "95%日风险价值(VaR)"} <= set(shown)
    assert shown["总收益率"].endswith("%") and shown["总盈亏"].endswith(" 元")
    assert shown["起始资金"] == "1,000,000.00 元"
    assert not any("e+" in value or "_" in name for name, value in shown.items())
    names = list(shown)
    assert names[0] == "开始日期" and names.index("总收益率") < names.index("夏普比率") < names.index("成交笔数")
    assert dock.charts.balance_plot.listDataItems()
    dock.tabs.setCurrentWidget(dock.candles)
    dock.candles.plot_widget.grab()
    assert dock.candles.candles.drawn > 0
    assert len(dock.candles.buys.data) + len(dock.candles.sells.data) == len(result.trades)


def test_cancel_stops_the_run_without_an_error_dialog(dock, stored, qtbot):
    choose(dock, "AtrRsiStrategy")
    with qtbot.waitSignal(dock.finished, timeout=60_000):
        dock.run_button.click()
        dock.cancel_button.click()
    assert dock.result is None and dock.error_box is None
    assert "取消" in dock.status_label.text()
    assert dock.run_button.isEnabled()


def test_a_range_without_data_is_a_dialog_not_a_traceback(dock, qtbot):
    dock.strategy_combo.setCurrentText("DoubleMaStrategy")
    dock.symbol_combo.setEditText("600000.SSE")
    with qtbot.waitSignal(dock.finished, timeout=60_000):
        dock.run_button.click()
    assert dock.error_box is not None and "import-csv" in dock.error_box.text()
    assert "Traceback" not in dock.error_box.text()


def test_a_missing_symbol_is_refused_before_running(dock):
    dock.strategy_combo.setCurrentText("DoubleMaStrategy")
    dock.symbol_combo.setEditText("")
    dock.run_button.click()
    assert "代码" in dock.error_box.text() and dock.run_button.isEnabled()


def test_exports_write_a_report_with_charts_and_both_csv_files(dock, stored, qtbot, tmp_path):
    choose(dock, "DoubleMaStrategy")
    with qtbot.waitSignal(dock.finished, timeout=60_000):
        dock.run_button.click()
    report = tmp_path / "report.html"
    dock.export_html(report)
    text = report.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 2 and "夏普比率" in text
    assert not any(word in text for word in ("{'", "sharpe_ratio", "auto", "LONG", "SHORT", ">long<", ">short<"))
    trades, daily = dock.export_csv(tmp_path)
    assert trades.read_text(encoding="utf-8").startswith("datetime,direction,offset,price,volume,commission")
    assert len(daily.read_text(encoding="utf-8").splitlines()) == len(dock.result.daily) + 1


def test_half_a_million_candles_draw_no_more_than_one_per_pixel(qtbot):
    count = 500_000
    rng = np.random.default_rng(1)
    close = 10 + np.cumsum(rng.normal(0, 0.01, count))
    data = np.column_stack([START.timestamp() + 60 * np.arange(count), close, close + 0.02, close - 0.02, close,
                            np.ones(count), np.zeros(count), np.zeros(count)])
    template = BarData("DB", "000001", Exchange.SZSE, START, Interval.MINUTE)
    result = BacktestResult({}, [], None, [], count, {}, bars=BarSeries(template, data, START.tzinfo))
    chart = CandleChart()
    qtbot.addWidget(chart)
    chart.resize(1000, 500)
    chart.show()
    chart.show_result(result)
    chart.plot.setXRange(0, count, padding=0)
    chart.plot_widget.grab()
    width = chart.plot.getViewBox().width()
    assert 0 < chart.candles.drawn <= width + 1
    chart.plot.setXRange(1000, 1099, padding=0)
    chart.plot_widget.grab()
    assert chart.candles.drawn == pytest.approx(100, abs=2)      # zoomed in: every bar its own candle
    assert chart.plot.getViewBox().viewRange()[1][1] < close.max()  # prices refit to the visible bars


def test_a_run_without_trades_points_at_the_rule_that_refused_them(dock, qtbot):
    get_database().save_bar_data(minute_bars("000001", Exchange.SZSE, days=30))
    choose(dock, "DoubleMaStrategy")
    dock.rules_combo.setCurrentIndex(dock.rules_combo.findData("ashare"))       # DoubleMa trades one share
    with qtbot.waitSignal(dock.finished, timeout=60_000):
        dock.run_button.click()
    assert dock.result.trades == [] and dock.result.notes
    assert "没有成交" in dock.status_label.text() and "不足一手" in dock.status_label.text()
    assert dock.tabs.currentWidget() is dock.notes_table
