"""The demo terminal the app ships (backend "demo"): one simulated MiniQMT per process with a
random-walk market, for trying the QMT panels without a broker account. It is the tests' fake
terminal with a market that moves on its own."""

from __future__ import annotations

import random
import threading
import time

from .backend import Backend
from .testing import FakeTerminal, FakeXtQuantTrader, _round

_demo: FakeTerminal | None = None


def demo_terminal() -> FakeTerminal:
    global _demo
    if _demo is None:
        _demo = FakeTerminal(userdata_path="demo")
        _demo.level2_permission = True
        threading.Thread(target=_walk, args=(_demo,), name="qmt-demo-market", daemon=True).start()
    return _demo


def demo_backend() -> Backend:
    """The demo has no folder of its own on disk: whatever folder is set, its one terminal answers."""
    terminal = demo_terminal()
    backend = terminal.backend(checks_path=False)
    return Backend("demo", backend.xtdata, lambda _path, session: FakeXtQuantTrader(terminal, terminal.userdata_path,
                                                                                   session), checks_path=False)


def _walk(terminal: FakeTerminal) -> None:
    rng = random.Random(7)
    while terminal.running:
        for code, instrument in terminal.instruments.items():
            last = terminal.quotes[code]["lastPrice"]
            up, down = terminal.limits(code)
            price = min(max(_round(last * (1 + rng.gauss(0, 0.001)), instrument.tick), down), up)
            terminal.set_quote(code, price, bid=_round(price - instrument.tick, instrument.tick),
                               ask=_round(price + instrument.tick, instrument.tick))
            if code.endswith((".SH", ".SZ")) and rng.random() < 0.2:
                terminal.trade_print(code, price, 100 * int(rng.paretovariate(1.2) * 20), rng.choice("BS"))
        time.sleep(1.0)
