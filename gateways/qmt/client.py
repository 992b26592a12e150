"""The wire: where the xtquant SDK (or a stand-in for it) comes from, and session ids.

A backend is the pair the gateway talks to: an `xtdata`-like module and a factory for
`XtQuantTrader`-like objects. The real one imports xtquant lazily, so this module imports on
any platform."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable

from lianghua_app.i18n import tr

from .backend import Backend, BackendUnavailable
from .sdk import load_pure_modules


def load_xtquant() -> Backend:
    try:
        load_pure_modules()
        from xtquant import xtdata
        from xtquant.xttrader import XtQuantTrader
    except ImportError as error:
        raise BackendUnavailable(tr("本机无法加载xtquant的QMT客户端（{error}）。QMT只能在Windows上运行；"
                                    "在其他系统上可选择“demo”演示后端。", error=error)) from error
    xtdata.enable_hello = False
    return Backend("xtquant", xtdata, XtQuantTrader)


def _demo() -> Backend:
    from .demo import demo_backend

    return demo_backend()


BACKENDS: dict[str, Callable[[], Backend]] = {"xtquant": load_xtquant, "demo": _demo}


def register_backend(name: str, factory: Callable[[], Backend]) -> None:
    BACKENDS[name] = factory


def resolve_backend(name: str) -> Backend:
    factory = BACKENDS.get(name)
    if factory is None:
        raise BackendUnavailable(tr("未知的QMT后端“{name}”；可用：{known}", name=name, known="、".join(BACKENDS)))
    return factory()


_sessions = itertools.count()


def new_session_id() -> int:
    """Unique per process and per connection: QMT refuses two live sessions with one id."""
    return (os.getpid() % 20_000) * 100_000 + (int(time.time()) + next(_sessions) * 7919) % 100_000
