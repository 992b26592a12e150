"""What the gateway talks to: an `xtdata`-like module and a factory of `XtQuantTrader`-like
objects. xtquant's own (client.py), the tests' fake (testing.py) and the demo (demo.py) all
provide one; this module imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Backend:
    name: str
    xtdata: Any
    make_trader: Callable[[str, int], Any]
    checks_path: bool = True     # a real terminal needs an existing userdata_mini folder


class BackendUnavailable(RuntimeError):
    pass
