"""Run long work off the GUI thread; results come back through Qt signals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6 import QtCore


class _Signals(QtCore.QObject):
    finished = QtCore.Signal(object)
    failed = QtCore.Signal(str)


class Task(QtCore.QRunnable):
    def __init__(self, func: Callable[[], Any]) -> None:
        super().__init__()
        self.func = func
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.func()
        except Exception as error:  # reported to the user by the caller's handler
            self.signals.failed.emit(str(error))
        else:
            self.signals.finished.emit(result)


def run_in_background(func: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[str], None]) -> Task:
    task = Task(func)
    task.signals.finished.connect(on_done)
    task.signals.failed.connect(on_error)
    QtCore.QThreadPool.globalInstance().start(task)
    return task


class ProgressRelay(QtCore.QObject):
    """Carries (done, total, text) from a worker thread to the GUI thread."""
    changed = QtCore.Signal(int, int, str)

    def report(self, done: int, total: int, text: str) -> None:
        self.changed.emit(done, total, text)
