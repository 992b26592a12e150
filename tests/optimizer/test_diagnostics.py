"""Overfitting diagnostics on constructed return series."""

from __future__ import annotations

import numpy as np

from apps.optimizer.diagnostics import deflated_sharpe, diagnose, pbo, robustness, sharpe


def noise(days: int, trials: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.01, size=(days, trials))


def test_the_deflated_sharpe_falls_as_more_trials_were_tried():
    matrix = noise(750, 200)
    best = matrix[:, int(np.argmax([sharpe(matrix[:, i]) for i in range(200)]))]
    sharpes = [sharpe(matrix[:, i]) for i in range(200)]
    assert deflated_sharpe(best, sharpes[:3]) > deflated_sharpe(best, sharpes)


def test_the_best_of_many_noise_trials_is_called_luck():
    matrix = noise(750, 200)
    sharpes = [sharpe(matrix[:, i]) for i in range(200)]
    assert deflated_sharpe(matrix[:, int(np.argmax(sharpes))], sharpes) < 0.5


def test_a_real_edge_keeps_a_high_deflated_sharpe():
    matrix = noise(750, 50)
    matrix[:, 7] += 0.003
    sharpes = [sharpe(matrix[:, i]) for i in range(50)]
    assert deflated_sharpe(matrix[:, 7], sharpes) > 0.95


def test_pbo_is_near_a_coin_flip_when_every_trial_is_noise():
    assert 0.3 <= pbo(noise(1000, 30)) <= 0.7


def test_pbo_is_low_when_one_trial_truly_dominates():
    matrix = noise(1000, 30)
    matrix[:, 4] += 0.004
    assert pbo(matrix) < 0.05


def test_pbo_is_high_when_the_in_sample_winner_reverses_out_of_sample():
    days = 960
    matrix = noise(days, 20, seed=3) * 0.1
    blocks = np.array_split(np.arange(days), 16)
    for column in range(20):         # each trial shines in its own blocks and pays it back in the rest
        good = [b for i, b in enumerate(blocks) if (i + column) % 2 == 0]
        for block in blocks:
            matrix[block, column] += 0.002 if any(block is g for g in good) else -0.0021
    assert pbo(matrix) > 0.5


def test_robustness_is_full_on_a_plateau_and_low_on_a_spike():
    assert robustness(1.0, [1.0, 0.98, 1.02]) > 0.95
    assert robustness(1.0, [0.1, -0.2, 0.0]) < 0.2
    assert robustness(1.0, [float("-inf")]) == 0.0
    assert robustness(1.0, []) is None


def test_every_diagnostic_comes_with_a_plain_reading():
    matrix = noise(500, 10)
    result = diagnose(matrix, 0, 1.0, [0.9])
    assert len(result.readings) == 3
    assert "紧缩夏普" in result.readings[0] and "过拟合概率" in result.readings[1] and "稳健" in result.readings[2]
