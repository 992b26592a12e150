"""Backtests under crypto perpetual rules: quantity step, minimum notional, maker and taker
fees, funding from stored rates, isolated margin and liquidation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from vnpy.trader.constant import Direction, Exchange, Interval
from vnpy.trader.database import get_database
from vnpy.trader.object import BarData
from vnpy_ctastrategy import CtaTemplate

from apps.backtester.engine import BacktestConfig, run_backtest
from lianghua_app.cli import main
from lianghua_app.markets import crypto
from lianghua_app.storage.contract_specs import save_specs

START = datetime(2024, 3, 1, tzinfo=UTC)


class OpenThenClose(CtaTemplate):
    """Buys `volume` on the first bar at close x `factor`; sells it all after `hold` bars."""
    volume = 1.0
    factor = 1.01
    hold = 0
    parameters = ["volume", "factor", "hold"]

    def on_init(self) -> None:
        self.count = 0

    def on_bar(self, bar: BarData) -> None:
        self.count += 1
        if self.count == 1:
            self.buy(round(bar.close_price * self.factor, 1), self.volume)
        elif self.hold and self.count == self.hold + 1 and self.pos > 0:
            self.sell(round(bar.close_price * 0.99, 1), self.pos)


def hourly_bars(closes: list[float], lows: dict[int, float] | None = None) -> list[BarData]:
    bars, previous = [], closes[0]
    for i, close in enumerate(closes):
        low = (lows or {}).get(i, min(previous, close) - 10)
        bars.append(BarData(gateway_name="DB", symbol="BTCUSDT", exchange=Exchange.GLOBAL,
                            datetime=START + timedelta(hours=i), interval=Interval.HOUR, open_price=previous,
                            high_price=max(previous, close) + 10, low_price=low, close_price=close, volume=100))
        previous = close
    return bars


def crypto_run(closes: list[float], lows: dict[int, float] | None = None, capital: float = 100_000,
               leverage: int = 1, funding: list | None = None, **setting):
    get_database().save_bar_data(hourly_bars(closes, lows))
    config = BacktestConfig("OpenThenClose", "BTCUSDT.GLOBAL", Interval.HOUR, START, START + timedelta(days=5),
                            setting=setting, rules="crypto", capital=capital, leverage=leverage,
                            funding=funding if funding is not None else [])
    return run_backtest(config, {"OpenThenClose": OpenThenClose})


def test_quantity_is_cut_to_the_contract_step_and_the_note_says_so(data_dir):
    result = crypto_run([30_000.0] * 4, volume=0.0125)
    assert result.trades[0].volume == pytest.approx(0.012)
    assert "0.001" in result.notes[0].reason


def test_an_order_below_the_minimum_notional_is_refused(data_dir):
    result = crypto_run([30_000.0] * 4, volume=0.003)          # 90 USDT < 100 USDT for BTCUSDT
    assert result.trades == []
    assert "最小名义价值" in result.notes[0].reason


def test_a_marketable_order_pays_taker_and_a_resting_one_pays_maker(data_dir):
    taker = crypto_run([30_000.0] * 4, volume=1.0, factor=1.01)
    assert taker.fees[taker.trades[0].vt_tradeid] == pytest.approx(30_000 * 0.0005)
    maker = crypto_run([30_000.0, 29_700.0, 29_500.0, 29_500.0], volume=1.0, factor=0.995)   # rests at 29,850
    trade = maker.trades[0]
    assert trade.price == pytest.approx(29_850.0)
    assert maker.fees[trade.vt_tradeid] == pytest.approx(29_850 * 0.0002)


def test_funding_is_paid_at_each_funding_time_the_position_is_held(data_dir):
    closes = [30_000.0] * 30                                  # 00:00 .. 05:00 next day
    rates = [(START + timedelta(hours=h), 0.0001) for h in (0, 8, 16, 24)]
    result = crypto_run(closes, funding=rates, volume=1.0)
    # Bought on the first bar (00:00): the 08:00, 16:00 and 00:00 settlements apply, not the one at 00:00.
    assert result.statistics["funding_paid"] == pytest.approx(3 * 30_000 * 0.0001)
    fees = sum(result.fees.values())
    total = result.daily["net_pnl"].sum()
    assert total == pytest.approx(-fees - 3 * 30_000 * 0.0001)


def test_a_buy_larger_than_margin_allows_is_cut_to_what_leverage_permits(data_dir):
    result = crypto_run([30_000.0] * 4, capital=1_000, leverage=2, volume=1.0)
    assert result.trades[0].volume == pytest.approx(0.066)    # 1,000 / (30,000 x (1/2 + 0.0005))
    assert "保证金不足" in result.notes[0].reason


def test_a_leveraged_long_is_liquidated_when_its_margin_runs_out(data_dir):
    closes = [30_000.0, 30_000.0, 27_500.0, 27_000.0, 27_000.0]
    result = crypto_run(closes, lows={2: 27_000.0}, leverage=10, volume=1.0)
    buy, sell = result.trades
    assert sell.direction == Direction.SHORT and sell.volume == pytest.approx(1.0)
    assert 27_000 < sell.price < 27_200                      # about 10% under entry, less maintenance margin
    assert "强制平仓" in result.notes[-1].reason
    assert result.statistics["liquidations"] == 1
    lost = -result.daily["net_pnl"].sum()
    assert lost == pytest.approx(30_300 * 0.1, rel=0.05)      # the isolated margin, give or take fees


def test_stored_funding_rates_are_imported_and_used(data_dir, tmp_path):
    source = tmp_path / "funding.csv"
    source.write_text("datetime,open,high,low,close,volume\n"
                      "2024-03-01 08:00:00,0.0002,0,0,0,0\n2024-03-01 16:00:00,-0.0001,0,0,0,0\n", encoding="utf-8")
    assert main(["import-csv", str(source), "--symbol", "BTCUSDT", "--exchange", "GLOBAL", "--funding",
                 "--data-dir", str(data_dir.root)]) == 0
    get_database().save_bar_data(hourly_bars([30_000.0] * 20))
    config = BacktestConfig("OpenThenClose", "BTCUSDT.GLOBAL", Interval.HOUR, START, START + timedelta(days=1),
                            rules="crypto", setting={"volume": 1.0})
    result = run_backtest(config, {"OpenThenClose": OpenThenClose})
    assert result.statistics["funding_paid"] == pytest.approx(30_000 * 0.0002 - 30_000 * 0.0001)


def test_a_funding_file_without_a_rate_column_is_refused_with_the_columns_named(data_dir, tmp_path, capsys):
    source = tmp_path / "funding.csv"
    source.write_text("datetime,price\n2024-03-01 08:00:00,1\n", encoding="utf-8")
    code = main(["import-csv", str(source), "--symbol", "BTCUSDT", "--exchange", "GLOBAL", "--funding",
                 "--data-dir", str(data_dir.root)])
    assert code == 1
    assert "rate" in capsys.readouterr().err


def test_a_venues_stored_filters_and_fees_replace_the_built_in_defaults(data_dir):
    save_specs("BINANCE", [replace(crypto.PERPETUALS["BTCUSDT"], step=0.01, min_qty=0.01, taker_fee=0.0004)])
    result = crypto_run([30_000.0] * 4, volume=0.0125)
    trade = result.trades[0]
    assert trade.volume == pytest.approx(0.01)
    assert result.fees[trade.vt_tradeid] == pytest.approx(0.01 * trade.price * 0.0004)


def test_an_optimisation_ships_the_stored_filters_to_its_workers(data_dir):
    from apps.optimizer.engine import with_venue_data
    from apps.optimizer.run import OptimizeRequest
    from apps.optimizer.space import Target

    spec = replace(crypto.PERPETUALS["BTCUSDT"], step=0.01)
    save_specs("BINANCE", [spec])
    config = BacktestConfig("OpenThenClose", "BTCUSDT.GLOBAL", Interval.HOUR, START, START + timedelta(days=5),
                            rules="crypto")
    request = with_venue_data(OptimizeRequest(config, [], Target("sharpe_ratio")))
    assert request.config.spec == spec and request.config.funding == []
