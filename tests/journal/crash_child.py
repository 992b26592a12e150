"""What the crash tests run in a real child process: a workstation on a profile, then a script
that trades and kills the process at a chosen moment (SIGKILL: no cleanup, no flush).

Usage: python crash_child.py PROFILE_DIR SCRIPT_NAME [ARG...]
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lianghua_app.paths import DataDir  # noqa: E402
from lianghua_app.vnpy_env import bind_vnpy  # noqa: E402

DATA_DIR = DataDir(Path(sys.argv[1]))
bind_vnpy(DATA_DIR)

from vnpy.event import Event  # noqa: E402
from vnpy.trader.constant import Direction  # noqa: E402
from vnpy.trader.event import EVENT_LOG, EVENT_POSITION, EVENT_TRADE  # noqa: E402

from lianghua_app.bootstrap import build_engine, connect_sim_gateway  # noqa: E402
from lianghua_app.settings import validate  # noqa: E402
from tests.helpers import make_tick, order  # noqa: E402

bind_vnpy(DATA_DIR)   # conftest bound vnpy to its own session folder

PINGAN = "000001.SZSE"
BTC = "BTCUSDT.GLOBAL"


def die() -> None:
    sys.stdout.flush()
    if hasattr(signal, "SIGKILL"):
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(9)


def start(settings: dict | None = None):
    engine = build_engine(DATA_DIR, validate(settings or {}), connect_sim=False)
    connect_sim_gateway(engine, autostart=False, whole_market=False)
    while engine.get_contract(PINGAN) is None or engine.get_contract(BTC) is None:
        time.sleep(0.01)
    return engine


def show_first(engine, kind: str, handler) -> None:
    """A view that sees `kind` before every other handler (where a crash hurts most)."""
    engine.event_engine.register(kind, handler)
    engine.event_engine._handlers[kind].remove(handler)
    engine.event_engine._handlers[kind].insert(0, handler)


def hold_profile() -> None:
    start()
    print("READY", os.getpid(), flush=True)
    time.sleep(600)


def race_then_kill(kill_at: str) -> None:
    """Two threads buy at once while quotes arrive; die the moment trade number `kill_at` is shown."""
    engine = start()
    sim = engine.gateways["SIM"]
    shown = {"trades": 0}

    def on_position(event: Event) -> None:
        if event.data.vt_symbol == PINGAN:
            print("POSITION", event.data.volume, flush=True)

    def on_trade(event: Event) -> None:
        shown["trades"] += 1
        print("TRADE", event.data.vt_tradeid, flush=True)
        if shown["trades"] >= int(kill_at):
            die()

    show_first(engine, EVENT_POSITION, on_position)
    show_first(engine, EVENT_TRADE, on_trade)
    sim.push_tick(make_tick(PINGAN, 10.0, limit_up=11.0, limit_down=9.0, bid_volume=10_000_000,
                            ask_volume=10_000_000))

    def buyer() -> None:
        for _ in range(400):
            engine.send_order(order(PINGAN, Direction.LONG, 100, 10.0), "SIM")

    def quotes() -> None:
        for _ in range(400):
            sim.push_tick(make_tick(PINGAN, 10.0, limit_up=11.0, limit_down=9.0, bid_volume=10_000_000,
                                    ask_volume=10_000_000))

    threads = [threading.Thread(target=f) for f in (buyer, buyer, quotes)]
    for thread in threads:
        thread.start()
    time.sleep(120)


def liquidate_then_kill() -> None:
    """Open a leveraged BTC long, then a quote far below its liquidation price; die when the
    liquidation is shown."""
    engine = start()
    sim = engine.gateways["SIM"]
    moment = __import__("datetime").datetime(2024, 6, 3, 1, 0, tzinfo=__import__("datetime").timezone.utc)

    def on_log(event: Event) -> None:
        if "强制平仓" in event.data.msg:
            print("LIQUIDATED", flush=True)
            die()

    show_first(engine, EVENT_LOG, on_log)
    sim.push_tick(make_tick(BTC, 60000.0, when=moment))
    engine.send_order(order(BTC, Direction.LONG, 1, 60000.0), "SIM")
    time.sleep(1)
    sim.push_tick(make_tick(BTC, 40000.0, when=moment))
    time.sleep(120)


def strategy_fill_then_kill(folder: str) -> None:
    """A CTA strategy buys; the process dies the moment the fill is shown, before the strategy hears of it."""
    engine = start({"strategies.folder": folder})
    cta = engine.get_engine("CtaStrategy")
    cta.init_engine()
    sim = engine.gateways["SIM"]
    sim.push_tick(make_tick(PINGAN, 10.0, limit_up=11.0, limit_down=9.0))

    def on_trade(event: Event) -> None:
        print("TRADE", event.data.vt_tradeid, flush=True)
        die()

    cta.add_strategy("BuyOnce", "buyer", PINGAN, {})
    cta.init_strategy("buyer").result(timeout=60)
    show_first(engine, EVENT_TRADE, on_trade)
    cta.start_strategy("buyer")
    sim.push_tick(make_tick(PINGAN, 10.0, limit_up=11.0, limit_down=9.0))
    time.sleep(120)


if __name__ == "__main__":
    {"hold_profile": hold_profile, "race_then_kill": race_then_kill, "liquidate_then_kill": liquidate_then_kill,
     "strategy_fill_then_kill": strategy_fill_then_kill}[sys.argv[2]](*sys.argv[3:])
