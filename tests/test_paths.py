"""One data directory per profile; nothing written to the working directory or ~/.vntrader."""

import os
import subprocess
import sys
from pathlib import Path

from lianghua_app.paths import resolve_data_dir

PROJECT = Path(__file__).resolve().parent.parent


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
    env = {**os.environ, "HOME": str(home), "USERPROFILE": str(home), "LIANGHUA_HOME": str(data),
           "PYTHONPATH": str(PROJECT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "lianghua_app.cli", "data"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert list(cwd.iterdir()) == []
    assert list(home.iterdir()) == []
    assert (data / "default" / "lianghua.db").exists()
