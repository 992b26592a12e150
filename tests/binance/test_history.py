"""Binance history into the database: klines and funding rates, resumed downloads, gaps said,
the command line, and a backtest on what was downloaded."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database
from vnpy.trader.event import EVENT_LOG

from apps.backtester.funding import load_funding
from tests.binance.helpers import collect
from tests.helpers import settle

UTC = timezone.utc
START, END = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 3, 23, 59, tzinfo=UTC)


def download(engine, start=START, end=END, interval=Interval.HOUR, symbols=("BTCUSDT.GLOBAL",)):
    progress = []
    report = engine.get_engine("DataManager").download("BINANCE", list(symbols), interval, start, end,
                                                       lambda done, total, symbol: progress.append((done, total)))
    return report, progress


def stored(interval=Interval.HOUR):
    return get_database().load_bar_data("BTCUSDT", Exchange.GLOBAL, interval, START, END + timedelta(days=30))


def test_klines_and_funding_rates_are_stored_with_progress(engine, binance):
    report, progress = download(engine)
    bars = stored()
    assert len(bars) == 72 and report.saved == {"BTCUSDT.GLOBAL": 72}
    assert bars[0].datetime.astimezone(UTC) == START
    assert bars[-1].datetime.astimezone(UTC) == END - timedelta(minutes=59)
    assert len(load_funding("BTCUSDT", Exchange.GLOBAL, START, END)) == 9 == report.funding["BTCUSDT.GLOBAL"]
    assert progress[0] == (0, 1) and progress[-1] == (1, 1)
    assert "资金费率9条" in report.summary()


def test_a_second_download_continues_after_the_stored_bars(engine, exchange, binance):
    download(engine, end=datetime(2026, 11, 2, 11, 59, tzinfo=UTC))
    asked = len(exchange.requests)
    report, _ = download(engine)
    assert report.saved == {"BTCUSDT.GLOBAL": 36}                       # only what was missing
    assert report.resumed["BTCUSDT.GLOBAL"].astimezone(UTC) == datetime(2026, 11, 2, 12, tzinfo=UTC)
    assert "续传" in report.summary() and len(stored()) == 72
    assert ("GET", "/fapi/v1/klines") in exchange.requests[asked:]


def test_missing_bars_are_reported_as_gaps(engine, exchange, binance):
    hole = (int(datetime(2026, 11, 2, 3, tzinfo=UTC).timestamp() * 1000),
            int(datetime(2026, 11, 2, 5, tzinfo=UTC).timestamp() * 1000))
    exchange.missing_klines.append(hole)
    report, _ = download(engine)
    first, last = report.gaps["BTCUSDT.GLOBAL"][0]
    assert (first.astimezone(UTC).hour, last.astimezone(UTC).hour) == (3, 5)
    assert "缺口：2026-11-02 03:00 至 2026-11-02 05:00" in report.summary()


def test_a_minute_download_pages_through_the_kline_limit(engine, binance):
    report, _ = download(engine, end=datetime(2026, 11, 2, 1, 59, tzinfo=UTC), interval=Interval.MINUTE)
    assert report.saved["BTCUSDT.GLOBAL"] == 26 * 60 == len(stored(Interval.MINUTE))       # more than one page of 1,500


def test_an_unknown_symbol_fails_alone_in_words(engine, binance):
    report, _ = download(engine, symbols=("NOPEUSDT.GLOBAL", "BTCUSDT.GLOBAL"))
    assert "BTCUSDT.GLOBAL" in report.saved and "NOPEUSDT.GLOBAL" in report.failed


def test_the_command_line_downloads_from_binance_in_utc_days(data_dir, exchange, monkeypatch, capsys):
    from gateways.binance.client import SERVERS, Server
    from lianghua_app.cli import main

    monkeypatch.setitem(SERVERS, "REAL", Server("REAL", rest=exchange.rest_url, ws=exchange.ws_url))
    code = main(["download", "--data-dir", str(data_dir.root), "--gateway", "BINANCE", "--symbols", "BTCUSDT.GLOBAL",
                 "--interval", "1h", "--start", "2026-11-01", "--end", "2026-11-03"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "72根K线" in out and "资金费率9条" in out


@pytest.mark.parametrize("interval", [Interval.DAILY])
def test_the_data_dock_offers_binance_with_its_intervals(qtbot, engine, binance, interval):
    from apps.data_manager.ui import DataManagerWidget

    widget = DataManagerWidget(engine, engine.event_engine)
    qtbot.addWidget(widget)
    panel = widget.download
    panel.gateway_combo.setCurrentText("BINANCE")
    assert [panel.interval_combo.itemData(i) for i in range(panel.interval_combo.count())] == [
        Interval.MINUTE, Interval.HOUR, Interval.DAILY]
    assert "BTCUSDT.GLOBAL" in panel.symbols_edit.placeholderText()
    panel.symbols_edit.setText("BTCUSDT.GLOBAL")
    panel.interval_combo.setCurrentIndex(panel.interval_combo.findData(interval))
    panel.start_edit.setDate(START.date())
    panel.end_edit.setDate(END.date())
    panel.button.click()
    qtbot.waitUntil(lambda: panel.button.isEnabled(), timeout=60_000)
    assert "下载完成：1个代码成功" in widget.report.toPlainText()
    assert [b.datetime.astimezone(UTC).date() for b in stored(interval)] == [START.date() + timedelta(days=n)
                                                                             for n in range(3)]


def test_a_backtest_runs_on_downloaded_klines_and_pays_the_downloaded_funding(engine, binance):
    from vnpy_ctastrategy import CtaTemplate

    from apps.backtester.engine import BacktestConfig, run_backtest

    class BuyAndHold(CtaTemplate):
        def on_init(self) -> None:
            self.bought = False

        def on_bar(self, bar) -> None:
            if not self.bought:
                self.buy(round(bar.close_price * 1.01, 1), 0.01)
                self.bought = True

    download(engine)
    config = BacktestConfig("BuyAndHold", "BTCUSDT.GLOBAL", Interval.HOUR, START, END, rules="crypto",
                            capital=10_000, leverage=1, funding=None)
    result = run_backtest(config, {"BuyAndHold": BuyAndHold})
    assert len(result.trades) == 1
    rates = load_funding("BTCUSDT", Exchange.GLOBAL, result.trades[0].datetime, END)
    assert result.statistics["funding_paid"] > 0 and len(rates) >= 8       # longs pay positive funding


def test_a_download_before_connecting_says_to_connect_first(engine):
    report, _ = download(engine)
    assert "请先连接币安" in report.failed["BTCUSDT.GLOBAL"]


def test_open_interest_history_pages_through_binances_30_days_and_says_what_is_missing(engine, binance):
    logs = collect(engine, EVENT_LOG)
    now = datetime.now(UTC)
    rows = binance.query_open_interest("BTCUSDT", now - timedelta(days=2), now)
    moments = [moment for moment, _, _ in rows]
    assert len(rows) >= 2 * 288 > 500                                  # more than one page of 5-minute rows
    assert moments == sorted(set(moments))
    assert {b - a for a, b in zip(moments, moments[1:], strict=False)} == {timedelta(minutes=5)}
    assert all(oi > 0 and value > 0 for _, oi, value in rows)
    older = binance.query_open_interest("BTCUSDT", now - timedelta(days=40), now - timedelta(days=29), "1h")
    assert older[0][0] >= now - timedelta(days=30, minutes=1)
    settle(engine, lambda: any("30天" in log.msg for log in logs))
