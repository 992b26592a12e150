"""Seconds from process start to the main window shown (offscreen), median of 5 fresh processes.

Prints one JSON line: {"startup_s": ...}. Target: under 3 s.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CHILD = r"""
import os, sys, time
from lianghua_app.cli import main
from PySide6 import QtCore, QtWidgets

def shown():
    app = QtWidgets.QApplication.instance()
    for widget in app.topLevelWidgets():
        if widget.objectName() == "LiangHuaMainWindow" and widget.isVisible():
            print("SHOWN", time.time(), flush=True)
            os._exit(0)
    QtCore.QTimer.singleShot(5, shown)

original = QtWidgets.QMainWindow.showMaximized
def show_and_report(self):
    original(self)
    QtCore.QTimer.singleShot(0, shown)
QtWidgets.QMainWindow.showMaximized = show_and_report
sys.exit(main(["gui", "--data-dir", sys.argv[1]]))
"""


def one_run(data_dir: str) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(PROJECT)}
    start = time.time()
    done = subprocess.run([sys.executable, "-c", CHILD, data_dir], env=env, capture_output=True, text=True,
                          timeout=120)
    for line in done.stdout.splitlines():
        if line.startswith("SHOWN "):
            return float(line.split()[1]) - start
    raise RuntimeError(f"window never shown:\n{done.stderr[-2000:]}")


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        one_run(data_dir)  # first start creates the profile; not counted
        times = [one_run(data_dir) for _ in range(5)]
    print(json.dumps({"startup_s": round(statistics.median(times), 3)}))


if __name__ == "__main__":
    main()
