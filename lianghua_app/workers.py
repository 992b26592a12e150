"""Spawned worker processes: bound to their profile before anything imports vnpy, and ending
with the app that started them."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
from pathlib import Path
from threading import Thread

from .paths import DataDir
from .vnpy_env import bind_vnpy


def start_worker(data_root: str, language: str) -> None:
    """A process pool's initializer: kept in this light module, so unpickling it imports nothing
    that imports vnpy before the profile is bound."""
    bind_vnpy(DataDir(Path(data_root)), language)
    parent = multiprocessing.parent_process()
    if parent is not None:
        Thread(target=_end_with, args=(parent.sentinel,), name="parent-watch", daemon=True).start()


def _end_with(parent_sentinel: int) -> None:
    """A worker whose app is gone (killed, crashed, ended without closing the pool) would wait
    for work forever, holding its memory and the app's output streams: it ends with the app."""
    multiprocessing.connection.wait([parent_sentinel])
    os._exit(0)
