"""One data directory per profile; nothing written to the working directory or ~/.vntrader."""

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from lianghua_app.paths import resolve_data_dir
from tests.helpers import PROJECT, trending_closes


def test_data_dir_option_wins_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LIANGHUA_HOME", str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "opt", "paper").root == (tmp_path / "opt" / "paper").resolve()


def test_lianghua_home_sets_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("LIANGHUA_HOME", str(tmp_path / "env"))
    assert resolve_data_dir().root == (tmp_path / "env" / "default").resolve()


def test_default_is_in_the_users_home(monkeypatch):
    monkeypatch.delenv("LIANGHUA_HOME", raising=False)
    assert resolve_data_dir().root == (Path.home() / "LiangHua" / "default").resolve()


def test_a_fresh_process_writes_only_into_its_profile(tmp_path):
    home, cwd, data = tmp_path / "home", tmp_path / "cwd", tmp_path / "data"
    home.mkdir()
    cwd.mkdir()
    csv = tmp_path / "bars.csv"
    closes = trending_closes(300)
    csv.write_text("datetime,open,high,low,close,volume\n" + "".join(
        f"{date(2020, 1, 1) + timedelta(days=i)},{c},{c * 1.01:.2f},{c * 0.99:.2f},{c},100000\n"
        for i, c in enumerate(closes)), encoding="utf-8")
    env = {**os.environ, "HOME": str(home), "USERPROFILE": str(home), "LIANGHUA_HOME": str(data),
           "PYTHONPATH": str(PROJECT), "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(tmp_path)}
    for command in (["data"], ["import-csv", str(csv), "--symbol", "000001", "--exchange", "SZSE", "--interval", "d"],
                    ["check"],
                    ["optimize", "--strategy", "DoubleMaStrategy", "--symbol", "000001.SZSE", "--interval", "d",
                     "--start", "2020-01-01", "--param", "fast_window=5:10:5", "--param", "slow_window=20:30:10",
                     "--workers", "2", "--json"]):
        done = subprocess.run([sys.executable, "-m", "lianghua_app.cli", *command], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (command, done.stderr)
        assert list(cwd.iterdir()) == [], command
        assert list(home.iterdir()) == [], command
    assert (data / "default" / "lianghua.db").exists()
