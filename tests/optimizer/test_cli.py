"""`lianghua optimize`: JSON on the last line, progress on stderr, bad input in words."""

from __future__ import annotations

import json

import pytest

from lianghua_app.cli import main
from lianghua_app.storage.models import OptimizationRun

RANGE = ["--strategy", "DoubleMaStrategy", "--symbol", "000001.SZSE", "--interval", "d", "--start", "2020-01-01",
         "--end", "2023-12-31", "--rules", "none", "--size", "100", "--capital", "100000"]


def optimize(data_dir, *extra: str) -> int:
    return main(["optimize", "--data-dir", str(data_dir.root.parent), "--profile", data_dir.root.name, *RANGE,
                 "--workers", "1", *extra])


def test_json_reports_the_best_point_its_target_and_the_diagnostics(optimizer_bars, data_dir, capsys):
    code = optimize(data_dir, "--param", "fast_window=5:20:5", "--param", "slow_window=30:60:10", "--json")
    captured = capsys.readouterr()
    assert code == 0
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result["trials"] == 16
    assert set(result["best_params"]) == {"fast_window", "slow_window"}
    assert result["best_params"]["fast_window"] in (5, 10, 15, 20)
    assert isinstance(result["best_target"], float)
    assert 0 <= result["deflated_sharpe"] <= 1 and 0 <= result["pbo"] <= 1
    assert "16/" in captured.err                  # the progress bar
    run = OptimizationRun.get_by_id(result["run_id"])
    assert json.loads(run.best_params)["fast_window"] == result["best_params"]["fast_window"]


def test_walk_forward_json_has_the_out_of_sample_return_and_efficiency(optimizer_bars, data_dir, capsys):
    code = optimize(data_dir, "--param", "fast_window=5:15:5", "--param", "slow_window=30:50:10",
                    "--walk-forward", "360:120", "--constraint", "trade_count>=2", "--json")
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0
    assert isinstance(result["oos_total_return"], float)
    assert "wf_efficiency" in result and result["windows"] >= 4


def test_a_stop_on_the_grid_is_included(optimizer_bars, data_dir, capsys):
    optimize(data_dir, "--param", "fast_window=5:20:5", "--param", "slow_window=60", "--json",
             "--target", "total_trade_count")
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["trials"] == 4


@pytest.mark.parametrize(("param", "extra", "words"), [
    ("fast_window=5:20:0", [], "步长不能为0"),
    ("speed=1:3:1", [], "没有参数“speed”"),
    ("fast_window=20:5:5", [], "没有任何取值"),
    ("fast_window=5:20:5", ["--target", "luck"], "未知统计指标"),
    ("fast_window=5:20:5", ["--dask", "tcp://127.0.0.1:1"], "无应答"),
    ("fast_window=5:20:5", ["--walk-forward", "30"], "样本内天数"),
])
def test_bad_input_is_a_message_and_nothing_is_stored(optimizer_bars, data_dir, capsys, param, extra, words):
    code = optimize(data_dir, "--param", param, *extra)
    captured = capsys.readouterr()
    assert code == 1
    assert words in captured.err and "Traceback" not in captured.err
    assert OptimizationRun.select().count() == 0
