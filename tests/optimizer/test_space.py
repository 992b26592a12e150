"""Parameter ranges, targets and constraints as a user types them."""

from __future__ import annotations

import pytest
from vnpy_ctastrategy.strategies.atr_rsi_strategy import AtrRsiStrategy
from vnpy_ctastrategy.strategies.double_ma_strategy import DoubleMaStrategy

from apps.optimizer.space import OptimizeError, Space, Target, parse_constraint, parse_param


def test_a_range_includes_its_stop_when_the_stop_lies_on_the_grid():
    assert parse_param("fast_window=5:20:5", DoubleMaStrategy).values == (5, 10, 15, 20)
    assert parse_param("fast_window=5:22:5", DoubleMaStrategy).values == (5, 10, 15, 20)


def test_decimal_steps_do_not_drift():
    assert parse_param("atr_ma_length=10:10:1", AtrRsiStrategy).values == (10,)
    assert parse_param("trailing_percent=0.1:0.3:0.1", AtrRsiStrategy).values == (0.1, 0.2, 0.3)


def test_a_list_keeps_its_order_and_the_parameters_type():
    param = parse_param("slow_window=40,20,30", DoubleMaStrategy)
    assert param.values == (40, 20, 30)
    assert all(isinstance(v, int) for v in param.values)


@pytest.mark.parametrize(("text", "words"), [
    ("fast_window=5:20:0", "步长不能为0"),
    ("fast_window=5:20:-5", "步长应为正数"),
    ("fast_window=20:5:5", "没有任何取值"),
    ("fast_window=5.5:20:5", "不是整数"),
    ("fast_window=5:20", "起点:终点:步长"),
    ("fast_window=a,b", "应为int"),
    ("speed=1:3:1", "可用参数：fast_window, slow_window"),
])
def test_a_bad_range_is_refused_in_words(text, words):
    with pytest.raises(OptimizeError, match=words):
        parse_param(text, DoubleMaStrategy)


def test_the_grid_is_every_combination_and_neighbours_are_one_step_away():
    space = Space([parse_param("fast_window=5:15:5", DoubleMaStrategy),
                   parse_param("slow_window=20:40:10", DoubleMaStrategy)])
    assert space.size == 9
    assert len(list(space.grid())) == 9
    around = space.neighbours({"fast_window": 10, "slow_window": 20})
    assert sorted((p["fast_window"], p["slow_window"]) for p in around) == [(5, 20), (10, 30), (15, 20)]


def test_an_unknown_target_lists_the_statistics_that_exist():
    with pytest.raises(OptimizeError, match="sharpe_ratio"):
        parse_constraint("sharpness>=1")


def test_a_constraint_holds_only_when_its_statistic_meets_the_limit():
    rule = parse_constraint("trade_count >= 10")
    assert rule.holds({"trade_count": 10}) and not rule.holds({"trade_count": 9})
    with pytest.raises(OptimizeError, match="指标>=数值"):
        parse_constraint("trade_count is big")


def test_minimising_ranks_the_smaller_value_higher():
    assert Target("max_drawdown_duration", minimize=True).score({"max_drawdown_duration": 3}) > \
        Target("max_drawdown_duration", minimize=True).score({"max_drawdown_duration": 9})
