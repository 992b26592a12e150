"""Helpers the tests share: waiting on engines, quotes, orders and sample prices. Nothing here
runs at import, so a child process may import it once it has bound vnpy to its profile."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path

from vnpy.event import Event
from vnpy.trader.constant import Direction, Exchange, Offset, OrderType, Status
from vnpy.trader.object import OrderRequest, TickData

from lianghua_app.markets import CHINA_TZ

PROJECT = Path(__file__).resolve().parent.parent


def wait_until(condition, timeout: float = 10.0) -> None:
    """Wait for something another thread delivers (a venue push, a reconnect)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the expected update never arrived"
        time.sleep(0.01)


def drain(engine) -> None:
    """Wait until the event engine of `engine` (an engine or a gateway) has handled everything put before."""
    done = threading.Event()
    kind = f"eDrain{id(done)}"

    def handler(event: Event) -> None:
        done.set()

    engine.event_engine.register(kind, handler)
    engine.event_engine.put(Event(kind))
    assert done.wait(10), "event engine stopped processing"
    engine.event_engine.unregister(kind, handler)


def shown(qtbot, widget_class, engine):
    """A dock's widget on `engine`, shown offscreen."""
    widget = widget_class(engine, engine.event_engine)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def settle(engine, condition, timeout: float = 30.0) -> None:
    """Wait until `condition` holds once everything put on the engine's events so far is handled;
    then handle what was put before it came true (a gateway flag such as `trading_ready` flips
    after the events that led to it were put)."""
    wait_until(lambda: (drain(engine), condition())[1], timeout)
    drain(engine)


def make_tick(vt_symbol: str, last: float, *, bid: float | None = None, ask: float | None = None,
              bid_volume: float = 10_000, ask_volume: float = 10_000, limit_up: float = 0.0,
              limit_down: float = 0.0, pre_close: float = 0.0, when: datetime | None = None,
              extra: dict | None = None) -> TickData:
    symbol, exchange = vt_symbol.rsplit(".", 1)
    tick = TickData(gateway_name="SIM", symbol=symbol, exchange=Exchange(exchange),
                    datetime=when or datetime(2024, 6, 3, 10, 0, tzinfo=CHINA_TZ), last_price=last,
                    limit_up=limit_up, limit_down=limit_down, pre_close=pre_close)
    tick.bid_price_1 = last if bid is None else bid
    tick.ask_price_1 = last if ask is None else ask
    tick.bid_volume_1 = bid_volume if tick.bid_price_1 else 0
    tick.ask_volume_1 = ask_volume if tick.ask_price_1 else 0
    tick.extra = extra
    return tick


def order(vt_symbol: str, direction: Direction, volume: float, price: float = 0.0,
          offset: Offset | None = None, order_type: OrderType = OrderType.LIMIT, reference: str = "") -> OrderRequest:
    symbol, exchange = vt_symbol.rsplit(".", 1)
    if offset is None:
        offset = Offset.OPEN if direction is Direction.LONG else Offset.CLOSE
    return OrderRequest(symbol, Exchange(exchange), direction, order_type, volume, price, offset, reference)


PINGAN = "000001.SZSE"


def quote(sim, last: float = 10.0, when: datetime | None = None, vt_symbol: str = PINGAN,
          depth: float = 10_000) -> None:
    """A SIM quote one tick wide around `last`, with the day's limits at ±10%."""
    sim.push_tick(make_tick(vt_symbol, last, bid=round(last - 0.01, 2), ask=last, limit_up=round(last * 1.1, 2),
                            limit_down=round(last * 0.9, 2), pre_close=last, when=when, bid_volume=depth,
                            ask_volume=depth))
    drain(sim)


def limits(risk, **params) -> None:
    """Turn every rule off except the ones given, with their parameters."""
    raw = {"enabled": {name: name in params for name in risk.config.enabled}, "params": params}
    assert risk.apply(raw) == []


def send(engine, req, gateway_name: str = "SIM") -> str | None:
    """The refusal reason, or None when the order went to the gateway."""
    vt_orderid = engine.send_order(req, gateway_name)
    drain(engine)
    sent = engine.get_order(vt_orderid)
    return sent.extra["reason"] if sent.status is Status.REJECTED else None


QMT_ACCOUNT = "55001234"


def trending_closes(days: int, seed: int = 5) -> list[float]:
    """Alternating up and down trends with noise, so moving-average strategies win in some
    settings and lose in others."""
    import math
    import random

    rng = random.Random(seed)
    price, closes = 10.0, []
    for i in range(days):
        drift = 0.004 * math.sin(i / 23)
        price = max(1.0, price * (1 + drift + rng.gauss(0, 0.012)))
        closes.append(round(price, 2))
    return closes


def quote_frame(moment: datetime, quotes: dict[str, dict]):
    """A whole-market frame from {vt_symbol: {last, volume, pre_close, limit_up, ...}}; missing
    fields default to a quiet main-board stock at 10.00 with depth on both sides."""
    import numpy as np

    from lianghua_app.quotes import QuoteFrame

    defaults = {"last": 10.0, "volume": 0.0, "turnover": 0.0, "pre_close": 10.0, "limit_up": 11.0,
                "limit_down": 9.0, "bid_volume": 5_000.0, "ask_volume": 5_000.0}
    rows = [{**defaults, **q} for q in quotes.values()]
    columns = {name: np.array([r[name] for r in rows], dtype=float) for name in defaults}
    return QuoteFrame(moment, list(quotes), **columns, names=[s.split(".")[0] for s in quotes])


def open_dialog(qtbot, dialog_class, engine, data_dir):
    """A settings or connect dialog on the profile's settings file, shown offscreen."""
    from lianghua_app.settings import SettingsStore

    store = SettingsStore(data_dir.settings_file)
    store.load()
    dialog = dialog_class(engine, store)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog
