"""Allocation methods on constructed return series give the weights their formulas say; caps,
minimum weight, smoothing, buffer and turnover cap hold; bad input says what is wrong."""

from __future__ import annotations

import math

import numpy as np
import pytest

from apps.portfolio_manager.allocation import METHODS, AllocationError, Constraints, allocate, constrain

NAMES = ["trend", "reversion", "carry"]


def alternating(sizes: list[float], mean: list[float] | None = None, periods: int = 200) -> np.ndarray:
    """Each column ±size around its mean, alternating: its standard deviation is known exactly."""
    signs = np.where(np.arange(periods) % 2 == 0, 1.0, -1.0)[:, None]
    return signs * np.array(sizes) + np.array(mean or [0.0] * len(sizes))


def test_every_method_has_a_one_line_explanation():
    assert set(METHODS) == {"equal", "target_vol", "risk_budget", "kelly", "ucb1", "thompson"}


def test_equal_weight_splits_evenly():
    assert allocate("equal", alternating([0.01, 0.02, 0.03]), NAMES).tolist() == pytest.approx([1 / 3] * 3)


def test_target_volatility_follows_its_formula_and_its_cap():
    returns = alternating([0.01, 0.02, 0.001])
    realised = returns.std(axis=0, ddof=1) * math.sqrt(252)
    weights = allocate("target_vol", returns, NAMES, target=0.10, w_max=0.6)
    expected = np.minimum(0.6, (1 / 3) * 0.10 / realised)
    assert weights == pytest.approx(expected) and weights[2] == 0.6          # the quiet one hits its cap


def test_risk_budgeting_equalises_risk_contributions():
    returns = np.random.default_rng(4).normal(0.0005, [0.01, 0.02, 0.04], size=(750, 3))
    weights = allocate("risk_budget", returns, NAMES, budgets=np.array([2.0, 1.0, 1.0]))
    covariance = np.cov(returns, rowvar=False)
    contributions = weights * (covariance @ weights)
    assert contributions / contributions.sum() == pytest.approx([0.5, 0.25, 0.25], abs=0.01)


def test_fractional_kelly_is_mean_over_variance_times_the_fraction():
    returns = alternating([0.02, 0.03, 0.01], mean=[0.001, 0.0005, -0.001])
    variance = returns.var(axis=0, ddof=1)
    weights = allocate("kelly", returns, NAMES, fraction=0.1)
    assert weights[:2] == pytest.approx(0.1 * returns.mean(axis=0)[:2] / variance[:2])
    assert weights[2] == 0.0                                                  # a losing strategy gets nothing


def test_bandits_favour_what_earns_now_and_discounting_lets_old_results_fade():
    early_star = np.r_[np.full(100, 0.004), np.full(100, -0.001)] + alternating([0.002], periods=200)[:, 0]
    late_star = np.r_[np.full(100, -0.001), np.full(100, 0.002)] + alternating([0.002], periods=200)[:, 0]
    returns = np.c_[early_star, late_star]
    for method in ("ucb1", "thompson"):
        recent = allocate(method, returns, NAMES[:2], discount=0.95)
        assert recent[1] > recent[0], method
        assert allocate(method, returns, NAMES[:2], discount=1.0)[0] > allocate(method, returns, NAMES[:2],
                                                                                 discount=1.0)[1] - 1e-9
    assert allocate("thompson", returns, NAMES[:2], discount=0.95).sum() == pytest.approx(1.0)


def test_caps_hold_and_what_they_cut_goes_to_the_others():
    weights = constrain(np.array([0.8, 0.1, 0.1]), np.zeros(3), ["crypto", "ashare", "ashare"],
                        Constraints(w_max=0.5))
    assert weights == pytest.approx([0.5, 0.25, 0.25])


def test_a_market_cap_holds():
    weights = constrain(np.array([0.4, 0.4, 0.2]), np.zeros(3), ["crypto", "crypto", "ashare"],
                        Constraints(w_max=0.6, market_caps={"crypto": 0.5}))
    assert weights[:2].sum() == pytest.approx(0.5) and weights[2] == pytest.approx(0.5)


def test_a_weight_below_the_minimum_is_dropped_and_spread_over_the_rest():
    weights = constrain(np.array([0.55, 0.43, 0.02]), np.zeros(3), ["crypto"] * 3, Constraints(w_max=1.0, w_min=0.05))
    assert weights[2] == 0.0 and weights.sum() == pytest.approx(1.0)


def test_smoothing_buffer_and_turnover_cap_limit_each_rebalance():
    current, target = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.31, 0.49])
    half = constrain(target, current, ["crypto"] * 3, Constraints(w_max=1.0, smoothing=0.5))
    assert half == pytest.approx([0.35, 0.305, 0.345])
    buffered = constrain(target, current, ["crypto"] * 3, Constraints(w_max=1.0, buffer=0.02))
    assert buffered[1] == 0.3                                                 # a 1% move is not worth a trade
    capped = constrain(target, current, ["crypto"] * 3, Constraints(w_max=1.0, turnover_cap=0.2))
    assert np.abs(capped - current).sum() == pytest.approx(0.2)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: allocate("risk_budget", alternating([0.01, 0.02, 0.03]), NAMES, budgets=np.array([1, -1, 1])), "风险预算"),
    (lambda: constrain(np.ones(3) / 3, np.zeros(3), ["crypto"] * 3, Constraints(w_max=0.2, w_min=0.3)), "最小权重"),
    (lambda: allocate("kelly", np.zeros((1, 3)), NAMES), "历史不足"),
    (lambda: allocate("momentum", alternating([0.01]), ["x"]), "未知分配方法"),
])
def test_bad_input_says_what_is_wrong(call, words):
    with pytest.raises(AllocationError, match=words):
        call()
