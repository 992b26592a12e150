"""Replaying an allocation method over return series: the curve compounds the weighted returns,
turnover counts the rebalances, and the comparison with equal weight tells a risk-aware method
from a naive one."""

from __future__ import annotations

import numpy as np
import pytest

from apps.portfolio_manager.allocation import AllocationError, Constraints
from apps.portfolio_manager.evaluation import compare, evaluate

NAMES, MARKETS = ["calm", "wild"], ["ashare", "crypto"]


def series(periods: int = 400) -> np.ndarray:
    rng = np.random.default_rng(11)
    return np.c_[rng.normal(0.0004, 0.004, periods), rng.normal(0.0004, 0.04, periods)]


def test_equal_weight_compounds_the_average_return_between_rebalances():
    returns = np.full((100, 2), 0.01)
    result = evaluate("equal", returns, NAMES, MARKETS, window=20, every=10)
    assert result.curve[-1] == pytest.approx(1.01 ** 80)
    assert result.max_drawdown == 0.0 and result.weights.shape == (8, 2)
    assert result.turnover == pytest.approx(1.0 / (80 / 252))              # only the first purchase trades


def test_target_volatility_has_lower_volatility_and_drawdown_than_equal_weight():
    both = compare("target_vol", series(), NAMES, MARKETS, window=60, every=20, target=0.10,
                   constraints=Constraints(w_max=1.0))
    assert both["method"].annual_volatility < both["equal"].annual_volatility / 2
    assert both["method"].max_drawdown > both["equal"].max_drawdown
    assert both["method"].weights[:, 0].mean() > both["method"].weights[:, 1].mean()


def test_a_turnover_cap_limits_every_rebalance():
    result = evaluate("kelly", series(), NAMES, MARKETS, window=60, every=5,
                      constraints=Constraints(w_max=1.0, turnover_cap=0.05), fraction=0.5)
    assert result.traded.max() == pytest.approx(0.05) and (result.traded <= 0.05 + 1e-9).all()


def test_too_short_a_history_is_refused():
    with pytest.raises(AllocationError, match="more than 60 periods"):
        evaluate("equal", series(50), NAMES, MARKETS)


def write_daily_file(path, returns, start=1_000_000.0) -> None:
    """The columns `lianghua backtest --daily` writes."""
    from datetime import date, timedelta

    balance, lines = start, ["date,close_price,net_pnl,balance"]
    for i, r in enumerate(returns):
        pnl = balance * r
        balance += pnl
        lines.append(f"{date(2026, 1, 1) + timedelta(days=i)},10.0,{pnl:.4f},{balance:.4f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_command_line_replays_a_method_over_backtests_daily_files(data_dir, tmp_path, capsys):
    from lianghua_app.cli import main

    rng = np.random.default_rng(4)
    write_daily_file(tmp_path / "steady.csv", rng.normal(0.002, 0.005, 200))
    write_daily_file(tmp_path / "noisy.csv", rng.normal(0.0, 0.02, 200))
    profile = ["--data-dir", str(data_dir.root.parent), "--profile", data_dir.root.name]
    assert main(["portfolio", *profile, "--evaluate", "kelly", "--daily-files", str(tmp_path / "steady.csv"),
                 str(tmp_path / "noisy.csv"), "--window", "60", "--every", "20"]) == 0
    out = capsys.readouterr().out
    assert "回放评估：2个策略，200天" in out and "kelly" in out and "equal" in out
    weights = dict(part.split() for part in out.split("最后权重：")[1].split("  ") if part.strip())
    assert float(weights["steady"].rstrip("%")) > float(weights["noisy"].rstrip("%"))
    (tmp_path / "broken.csv").write_text("date,close\n2026-01-01,1\n", encoding="utf-8")
    assert main(["portfolio", *profile, "--evaluate", "kelly", "--daily-files", str(tmp_path / "steady.csv"),
                 str(tmp_path / "broken.csv")]) == 2
    assert "不是回测逐日结果" in capsys.readouterr().err
