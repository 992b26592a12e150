"""Backtests: exact parity with vnpy when the rules are off, A-share rules when they are on,
statistics and the command line."""

from __future__ import annotations

import csv
import gc
import json
from datetime import datetime, timedelta
from threading import Event

import pytest
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database
from vnpy.trader.object import BarData
from vnpy.trader.utility import ArrayManager
from vnpy_ctastrategy import CtaTemplate
from vnpy_ctastrategy.backtesting import BacktestingEngine
from vnpy_ctastrategy.strategies.atr_rsi_strategy import AtrRsiStrategy
from vnpy_ctastrategy.strategies.double_ma_strategy import DoubleMaStrategy

from apps.backtester import bars
from apps.backtester.engine import BacktestConfig, BacktestError, parse_setting, run_backtest
from apps.backtester.labels import no_trade_reason
from apps.data_manager.sample import SampleDataError, write_sample_data
from lianghua_app.cli import main
from lianghua_app.markets import CHINA_TZ
from tests.backtester.helpers import START, minute_bars
from tests.helpers import trending_closes


def daily_bars(symbol: str, closes: list[float], flat: set[int] = frozenset()) -> list[BarData]:
    """One bar a weekday; indexes in `flat` are one-price bars (open = high = low = close)."""
    bars, day, previous = [], START, closes[0]
    for i, close in enumerate(closes):
        while day.weekday() >= 5:
            day += timedelta(days=1)
        high, low = (close, close) if i in flat else (max(previous, close) * 1.01, min(previous, close) * 0.99)
        bars.append(BarData(gateway_name="DB", symbol=symbol, exchange=Exchange.SZSE, datetime=day,
                            interval=Interval.DAILY, open_price=close if i in flat else previous, close_price=close,
                            high_price=round(high, 2), low_price=round(low, 2), volume=1e6))
        previous = close
        day += timedelta(days=1)
    return bars


@pytest.fixture
def stored_minutes(data_dir):
    get_database().save_bar_data(minute_bars("000001", Exchange.SZSE, days=15))
    return "000001.SZSE"


@pytest.mark.parametrize("epoch", ["unixepoch(datetime)", "CAST(strftime('%s', datetime) AS INTEGER)"])
def test_bars_load_as_vnpy_reads_them_whatever_the_sqlite_version(stored_minutes, monkeypatch, epoch):
    monkeypatch.setattr(bars, "_EPOCH", epoch)        # the second form is for SQLite before 3.38
    end = START + timedelta(days=30)
    theirs = get_database().load_bar_data("000001", Exchange.SZSE, Interval.MINUTE, START, end)
    ours = list(bars.load_bars("000001", Exchange.SZSE, Interval.MINUTE, START, end))
    fields = ("datetime", "open_price", "high_price", "low_price", "close_price", "volume", "turnover")
    assert len(ours) == 15 * 240
    assert [[getattr(b, f) for f in fields] for b in ours] == [[getattr(b, f) for f in fields] for b in theirs]


def vnpy_run(strategy_class: type, end: datetime) -> BacktestingEngine:
    engine = BacktestingEngine()
    engine.set_parameters(vt_symbol="000001.SZSE", interval=Interval.MINUTE, start=START, end=end, rate=0.0003,
                          slippage=0.01, size=100, pricetick=0.01, capital=1_000_000)
    engine.add_strategy(strategy_class, {})
    engine.load_data()
    engine.run_backtesting()
    engine.calculate_result()
    return engine


@pytest.mark.usefixtures("machine_zone")
@pytest.mark.parametrize("strategy_class", [DoubleMaStrategy, AtrRsiStrategy])
def test_with_rules_off_trades_and_daily_pnl_equal_vnpys(stored_minutes, strategy_class):
    end = START + timedelta(days=30)
    reference = vnpy_run(strategy_class, end)
    config = BacktestConfig(strategy_class.__name__, stored_minutes, Interval.MINUTE, START, end, rules="none",
                            rate=0.0003, slippage=0.01, size=100, pricetick=0.01)
    ours = run_backtest(config, {strategy_class.__name__: strategy_class})
    expected = [(t.datetime, t.direction, t.offset, t.price, t.volume) for t in reference.trades.values()]
    assert expected, "the scenario must trade"
    assert [(t.datetime, t.direction, t.offset, t.price, t.volume) for t in ours.trades] == expected
    assert list(ours.daily["net_pnl"]) == list(reference.daily_df["net_pnl"])


class KeepsTheCloses(CtaTemplate):
    """Reads prices through a reference to its ArrayManager's array, taken in on_init."""

    def on_init(self) -> None:
        self.am = ArrayManager()
        self.closes = self.am.close_array

    def on_bar(self, bar: BarData) -> None:
        self.cancel_all()
        self.am.update_bar(bar)
        if not self.am.inited:
            return
        fast, slow = self.closes[-5:].mean(), self.closes[-20:].mean()
        if fast > slow and self.pos == 0:
            self.buy(bar.close_price + 0.05, 1)
        elif fast < slow and self.pos > 0:
            self.sell(bar.close_price - 0.05, 1)


def test_a_strategy_that_keeps_a_reference_to_its_price_array_sees_every_new_price(stored_minutes):
    end = START + timedelta(days=30)
    expected = [(t.datetime, t.direction, t.price) for t in vnpy_run(KeepsTheCloses, end).trades.values()]
    config = BacktestConfig("KeepsTheCloses", stored_minutes, Interval.MINUTE, START, end, rules="none",
                            rate=0.0003, slippage=0.01, size=100, pricetick=0.01)
    ours = run_backtest(config, {"KeepsTheCloses": KeepsTheCloses})
    assert len(expected) > 10
    assert [(t.datetime, t.direction, t.price) for t in ours.trades] == expected


class BuyThenSell(CtaTemplate):
    """Buys `buy_volume` on bar 1, sells `sell_volume` after `sell_bar` bars (marketable limits)."""
    buy_volume = 150
    sell_volume = 100
    sell_bar = 1
    parameters = ["buy_volume", "sell_volume", "sell_bar"]

    def on_init(self) -> None:
        self.count = 0

    def on_bar(self, bar: BarData) -> None:
        self.count += 1
        if self.count == 1:
            self.buy(bar.close_price * 1.05, self.buy_volume)
        if self.count == self.sell_bar + 1:
            self.sell(bar.close_price * 0.95, self.sell_volume)


def ashare_run(closes: list[float], flat: set[int] = frozenset(), capital: float = 1_000_000, **setting):
    get_database().save_bar_data(daily_bars("000001", closes, flat))
    config = BacktestConfig("BuyThenSell", "000001.SZSE", Interval.DAILY, START, START + timedelta(days=60),
                            setting=setting, capital=capital)
    return run_backtest(config, {"BuyThenSell": BuyThenSell})


def test_buys_fill_in_whole_lots_and_say_so(data_dir):
    result = ashare_run([10.0] * 5, sell_volume=0, buy_volume=150)
    assert result.trades[0].volume == 100
    assert "整手" in result.notes[0].reason


def test_todays_buy_cannot_be_sold_today_and_nothing_goes_short(data_dir):
    result = ashare_run([10.0] * 5, buy_volume=200, sell_volume=300, sell_bar=1)
    sells = [t for t in result.trades if t.direction.name == "SHORT"]
    assert sells and sells[0].volume == 200
    assert sells[0].datetime.date() > result.trades[0].datetime.date()
    assert "T+1" in result.notes[-1].reason


def test_no_buy_fills_on_a_bar_locked_at_limit_up(data_dir):
    closes = [10.0, 11.0, 10.2, 10.2, 10.2]        # bar 1 is one-price at +10%: sealed at limit-up
    result = ashare_run(closes, flat={1}, sell_volume=0, buy_volume=100)
    days = [b.datetime.date() for b in daily_bars("000001", closes)]
    assert result.trades[0].datetime.date() == days[2]


def test_a_buy_larger_than_cash_is_cut_to_what_cash_allows(data_dir):
    result = ashare_run([10.0] * 5, capital=5_000, buy_volume=1000, sell_volume=0)
    assert result.trades[0].volume == 400
    assert "资金不足" in result.notes[0].reason


def test_minimum_commission_and_stamp_duty_are_charged(data_dir):
    result = ashare_run([10.0] * 5, buy_volume=100, sell_volume=100, sell_bar=2)
    fees = sorted(result.fees.values())
    assert fees[0] == pytest.approx(5.0 + 0.01)          # min commission + transfer fee on 1,000 yuan
    assert fees[1] == pytest.approx(5.0 + 0.5 + 0.01)    # plus stamp duty 0.05% (after 2023-08-28)


def test_statistics_include_risk_tail_and_buy_and_hold(stored_minutes):
    config = BacktestConfig("DoubleMaStrategy", stored_minutes, Interval.MINUTE, START, START + timedelta(days=30),
                            rules="none", size=100)
    stats = run_backtest(config, {"DoubleMaStrategy": DoubleMaStrategy}).statistics
    for key in ("total_return", "annual_return", "volatility", "sharpe_ratio", "sortino_ratio", "calmar_ratio",
                "max_drawdown", "max_ddpercent", "max_drawdown_duration", "win_rate", "profit_factor",
                "average_win", "average_loss", "turnover_ratio", "exposure", "var_95", "cvar_95",
                "buy_and_hold_return", "round_trip_count"):
        assert key in stats
    assert stats["round_trip_count"] > 0 and 0 <= stats["win_rate"] <= 100


def test_unknown_parameters_are_named_with_the_valid_ones():
    with pytest.raises(BacktestError, match="fast_window"):
        parse_setting(DoubleMaStrategy, ["fast=3"])


def test_no_data_in_the_range_is_a_clear_error(data_dir):
    config = BacktestConfig("DoubleMaStrategy", "600000.SSE", Interval.DAILY, START, START + timedelta(days=5))
    with pytest.raises(BacktestError, match="import-csv"):
        run_backtest(config, {"DoubleMaStrategy": DoubleMaStrategy})


def test_a_cancelled_replay_hands_every_object_back_to_the_garbage_collector(data_dir):
    get_database().save_bar_data(minute_bars("000001", Exchange.SZSE, days=20))    # past one progress report
    config = BacktestConfig("AtrRsiStrategy", "000001.SZSE", Interval.MINUTE, START, START + timedelta(days=40),
                            rules="none")
    cancel = Event()
    cancel.set()
    with pytest.raises(BacktestError):
        run_backtest(config, {"AtrRsiStrategy": AtrRsiStrategy}, cancel=cancel)
    assert gc.get_freeze_count() == 0


def test_the_garbage_collector_runs_again_after_a_load_and_after_a_failed_one(data_dir, monkeypatch):
    monkeypatch.setattr(bars, "_batch_process", True)
    get_database().save_bar_data(minute_bars("000001", Exchange.SZSE, days=2))
    loaded = bars.load_bars("000001", Exchange.SZSE, Interval.MINUTE, START, START + timedelta(days=5))
    assert len(loaded) and gc.isenabled()
    with pytest.raises(ZeroDivisionError), bars.collector_paused():
        assert not gc.isenabled()
        _ = 1 / 0
    assert gc.isenabled()


def test_the_command_line_prints_json_and_writes_csvs(tmp_path, capsys):
    home = str(tmp_path / "home")
    rows = "".join(f"{b.datetime:%Y-%m-%d %H:%M:%S},{b.open_price},{b.high_price},{b.low_price},{b.close_price},"
                   f"{b.volume}\n" for b in minute_bars("000001", Exchange.SZSE, days=10))
    source = tmp_path / "bars.csv"
    source.write_text("datetime,open,high,low,close,volume\n" + rows, encoding="utf-8")
    assert main(["import-csv", str(source), "--symbol", "000001", "--exchange", "SZSE", "--interval", "1m",
                 "--data-dir", home]) == 0
    capsys.readouterr()
    code = main(["backtest", "--data-dir", home, "--strategy", "DoubleMaStrategy", "--symbol", "000001.SZSE",
                 "--interval", "1m", "--start", "2024-01-01", "--end", "2024-02-01", "--param", "fast_window=5",
                 "--rules", "none", "--size", "100", "--json", "--trades", str(tmp_path / "t.csv"),
                 "--daily", str(tmp_path / "d.csv")])
    captured = capsys.readouterr()
    out = captured.out
    assert code == 0
    assert "回放" in captured.err and "#" * 30 in captured.err      # the progress bar reached its end
    stats = json.loads(out.strip().splitlines()[-1])
    assert {"total_return", "sharpe_ratio", "max_ddpercent", "trade_count"} <= set(stats)
    trades = list(csv.reader((tmp_path / "t.csv").open(encoding="utf-8")))
    assert trades[0] == ["datetime", "direction", "offset", "price", "volume", "commission"]
    assert len(trades) - 1 == stats["trade_count"]
    daily = list(csv.reader((tmp_path / "d.csv").open(encoding="utf-8")))
    assert daily[0] == ["date", "close_price", "net_pnl", "balance"] and len(daily) == 11
    assert not bars.owns_the_collector(), "a command run in-process hands the collector back"


def test_the_command_line_refuses_an_unknown_strategy(tmp_path, capsys):
    code = main(["backtest", "--data-dir", str(tmp_path), "--strategy", "Nope", "--symbol", "000001.SZSE",
                 "--start", "2024-01-01"])
    assert code == 1
    assert "未知策略" in capsys.readouterr().err


def test_statistics_read_in_order_with_chinese_names_and_units():
    from apps.backtester.labels import statistic_rows

    rows = statistic_rows({"sharpe_ratio": 1.23456, "total_return": 12.5, "total_net_pnl": 125000.0,
                           "max_drawdown_duration": 12, "start_date": "2024-01-02", "total_trade_count": 8,
                           "trade_count": 8}, "000001.SZSE", 1_000_000)
    assert rows == [("开始日期", "2024-01-02"), ("起始资金", "1,000,000.00 元"), ("总盈亏", "125,000.00 元"),
                    ("总收益率", "12.50%"), ("最长回撤天数", "12 天"), ("夏普比率", "1.23"), ("成交笔数", "8")]
    assert statistic_rows({"funding_paid": 3.5}, "BTCUSDT.GLOBAL")[0] == ("资金费支出", "3.50 USDT")


def test_a_run_without_trades_says_which_rule_refused_its_orders(data_dir):
    result = ashare_run(trending_closes(30), buy_volume=50, sell_volume=50)
    assert result.trades == []
    explanation = no_trade_reason(result)
    assert "没有成交" in explanation and "不足一手（最少100股）" in explanation


def test_sample_data_lets_a_new_user_backtest_a_lot_sized_strategy(data_dir):
    from lianghua_app.strategies import StrategyRegistry

    written = write_sample_data()
    assert [symbol for symbol, _, _ in written] == ["000001.SZSE", "600519.SSE", "BTCUSDT.GLOBAL"]
    registry = StrategyRegistry()
    config = BacktestConfig("AshareTrendLotsStrategy", "000001.SZSE", Interval.DAILY,
                            datetime(2021, 1, 4, tzinfo=CHINA_TZ), datetime(2023, 12, 31, tzinfo=CHINA_TZ))
    result = run_backtest(config, registry.classes)
    assert len(result.trades) >= 10 and all(t.volume % 100 == 0 for t in result.trades)
    with pytest.raises(SampleDataError, match="--profile sample"):
        write_sample_data()


def test_bars_are_read_with_one_query_not_through_a_row_object_each(stored_minutes, monkeypatch):
    def row_by_row(*args):
        raise AssertionError("the slow path of one peewee row per bar")

    monkeypatch.setattr(type(get_database()), "load_bar_data", row_by_row)
    assert len(bars.load_bars("000001", Exchange.SZSE, Interval.MINUTE, START, START + timedelta(days=30))) == 15 * 240


class WatchesTheCollector(CtaTemplate):
    """Notes, at every bar, whether the collector is frozen or paused; raises where told to."""
    seen: list = []
    fail_at = 0
    parameters = ["fail_at"]

    def on_init(self) -> None:
        self.count = 0
        self.write_log("Traceback (most recent call last): a strategy may log this text")

    def on_bar(self, bar: BarData) -> None:
        self.count += 1
        if self.count % 500 == 1:       # get_freeze_count walks every frozen object: sample it
            WatchesTheCollector.seen.append((gc.get_freeze_count() > 0, gc.isenabled()))
        if self.count == self.fail_at:
            raise ValueError("bad bar")


def collector_run(fail_at: int = 0):
    get_database().save_bar_data(minute_bars("000001", Exchange.SZSE, days=20))     # past a progress report
    WatchesTheCollector.seen = []
    config = BacktestConfig("WatchesTheCollector", "000001.SZSE", Interval.MINUTE, START, START + timedelta(days=40),
                            setting={"fail_at": fail_at}, rules="none")
    return run_backtest(config, {"WatchesTheCollector": WatchesTheCollector})


def test_a_backtest_beside_the_workstation_leaves_the_collector_alone(data_dir):
    collector_run()
    assert WatchesTheCollector.seen and not any(frozen for frozen, _ in WatchesTheCollector.seen)
    assert all(enabled for _, enabled in WatchesTheCollector.seen)


def test_a_batch_process_freezes_what_lives_through_the_replay(data_dir, monkeypatch):
    monkeypatch.setattr(bars, "_batch_process", True)
    collector_run()
    assert any(frozen for frozen, _ in WatchesTheCollector.seen) and gc.get_freeze_count() == 0


def test_a_strategy_that_raises_fails_the_run_and_one_that_logs_the_word_does_not(data_dir):
    assert collector_run().bar_count == 20 * 240
    with pytest.raises(BacktestError, match="ValueError: bad bar"):
        collector_run(fail_at=100)
