"""The CTA dock does what it shows: parameters in words with their source, daily strategies warm
up on and receive daily bars, and a strategy without enough history says so."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database
from vnpy.trader.event import EVENT_LOG
from vnpy.trader.object import BarData
from vnpy.trader.utility import ArrayManager
from vnpy_ctastrategy import CtaTemplate

from apps.cta_strategy.bars import DailyBarBuilder
from apps.cta_strategy.ui import CtaManager
from lianghua_app.bootstrap import build_engine, connect_sim_gateway
from lianghua_app.markets import CHINA_TZ
from lianghua_app.setting_versions import save_version
from lianghua_app.settings import Settings
from tests.helpers import PINGAN, drain, make_tick, wait_until


class Recorder(CtaTemplate):
    """Counts the bars it warms up on and the bars it is handed live."""
    author = "tests"
    window = 5
    parameters = ["window"]

    def on_init(self) -> None:
        self.am = ArrayManager(20)
        self.warm, self.live = [], []
        self.load_bar(10)

    def on_bar(self, bar: BarData) -> None:
        (self.live if self.trading else self.warm).append(bar)
        self.am.update_bar(bar)

    def on_tick(self, tick) -> None:
        pass


@pytest.fixture
def cta(data_dir):
    engine = build_engine(data_dir, Settings(), connect_sim=False)
    connect_sim_gateway(engine, autostart=False, whole_market=False)
    drain(engine)
    cta = engine.get_engine("CtaStrategy")
    cta.init_engine()
    cta.classes["Recorder"] = Recorder
    cta.lines = []
    engine.event_engine.register(EVENT_LOG, lambda event: cta.lines.append(event.data.msg))
    yield cta
    engine.close()


def store_daily_bars(days: int) -> None:
    today = datetime.now(CHINA_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    get_database().save_bar_data([
        BarData(gateway_name="DB", symbol="000001", exchange=Exchange.SZSE, interval=Interval.DAILY,
                datetime=today - timedelta(days=n), open_price=10, high_price=10.5, low_price=9.5, close_price=10.2,
                volume=1e6) for n in range(days, 0, -1)])


def test_the_add_dialog_names_types_in_words_and_says_where_the_defaults_come_from(cta, qtbot):
    save_version("Recorder", {"window": 9}, run_id=3)
    manager = CtaManager(cta.main_engine, cta.event_engine)
    qtbot.addWidget(manager)
    editor = manager.editor("Recorder")
    qtbot.addWidget(editor)
    form = editor.layout()
    labels = [form.itemAt(i, form.ItemRole.LabelRole).widget().text() for i in range(form.rowCount())
              if form.itemAt(i, form.ItemRole.LabelRole)]
    assert "window（整数）" in labels and not any("class" in text for text in labels)
    assert editor.edits["window"][0].text() == "9" and "保存的版本v1" in editor.source_note.text()
    editor.source_combo.setCurrentIndex(0)
    assert editor.edits["window"][0].text() == "5" and "策略类默认值" in editor.source_note.text()
    editor.edits["window"][0].setText("five")
    editor.name_edit.setText("r1")
    editor.symbol_edit.setText(PINGAN)
    editor.accept()
    assert "window应为整数" in editor.problem_label.text() and editor.result() == 0


def test_a_strategy_run_on_daily_bars_warms_up_on_daily_bars(cta):
    store_daily_bars(30)
    cta.add_strategy("Recorder", "daily", PINGAN, {"bar_interval": "d"})
    cta.init_strategy("daily").result(timeout=60)
    strategy = cta.strategies["daily"]
    assert 5 <= len(strategy.warm) <= 10 and {bar.interval for bar in strategy.warm} == {Interval.DAILY}


def test_a_daily_strategy_gets_one_bar_per_day_after_the_close_not_every_tick(cta):
    cta.add_strategy("Recorder", "daily", PINGAN, {"bar_interval": "d"})
    cta.init_strategy("daily").result(timeout=60)
    cta.start_strategy("daily")
    sim = cta.main_engine.gateways["SIM"]
    day = datetime(2024, 6, 3, 9, 30, tzinfo=CHINA_TZ)
    for minute, price in enumerate((10.0, 10.4, 9.8, 10.1)):
        sim.push_tick(make_tick(PINGAN, price, when=day + timedelta(minutes=minute)))
    drain(cta.main_engine)
    strategy = cta.strategies["daily"]
    assert strategy.live == []
    cta.close_daily_bars(None)          # the timer, well after 2024-06-03 15:00
    wait_until(lambda: len(strategy.live) == 1)
    bar = strategy.live[0]
    assert (bar.interval, bar.datetime.date().isoformat()) == (Interval.DAILY, "2024-06-03")
    assert (bar.open_price, bar.high_price, bar.low_price, bar.close_price) == (10.0, 10.4, 9.8, 10.1)


def test_a_strategy_without_history_says_so_at_init_and_at_start(cta):
    cta.add_strategy("Recorder", "empty", PINGAN, {"bar_interval": "d"})
    cta.init_strategy("empty").result(timeout=60)
    wait_until(lambda: any("预热没有取到" in line for line in cta.lines))
    cta.start_strategy("empty")
    wait_until(lambda: any("历史K线不足" in line and "需要20根日线K线，现有0根" in line for line in cta.lines))


def test_a_daily_bar_closes_at_three_for_a_shares_and_at_utc_midnight_for_crypto():
    builder = DailyBarBuilder()
    builder.update(make_tick(PINGAN, 10.0, when=datetime(2024, 6, 3, 14, 59, tzinfo=CHINA_TZ)))
    assert builder.close(datetime(2024, 6, 3, 14, 59, 59, tzinfo=CHINA_TZ)) is None
    assert builder.close(datetime(2024, 6, 3, 15, 0, tzinfo=CHINA_TZ)).close_price == 10.0
    assert builder.update(make_tick(PINGAN, 10.1, when=datetime(2024, 6, 3, 15, 1, tzinfo=CHINA_TZ))) is None
    assert builder.bar is None, "a quote after the close opens no second bar for the day"
    crypto = DailyBarBuilder()
    crypto.update(make_tick("BTCUSDT.GLOBAL", 60_000.0, when=datetime(2024, 6, 3, 7, 0, tzinfo=CHINA_TZ)))
    assert crypto.bar.datetime.date().isoformat() == "2024-06-02"        # 23:00 UTC on the 2nd
    assert crypto.close(datetime(2024, 6, 3, 7, 59, tzinfo=CHINA_TZ)) is None
    assert crypto.close(datetime(2024, 6, 3, 8, 0, tzinfo=CHINA_TZ)) is not None
