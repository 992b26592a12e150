"""Shared fixtures. vnpy is bound to a temporary profile before anything imports it, so no
test writes to the home folder or the working directory."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from lianghua_app.paths import DataDir  # noqa: E402
from lianghua_app.vnpy_env import bind_vnpy  # noqa: E402

SESSION_DIR = DataDir(Path(tempfile.mkdtemp(prefix="lianghua-tests-")) / "session")
bind_vnpy(SESSION_DIR)

import keyring  # noqa: E402
import pytest  # noqa: E402
from keyrings.alt.file import PlaintextKeyring  # noqa: E402
from vnpy.event import Event  # noqa: E402
from vnpy.trader.constant import Direction, Exchange, Offset, OrderType, Status  # noqa: E402
from vnpy.trader.object import OrderRequest, TickData  # noqa: E402

from lianghua_app.markets import CHINA_TZ  # noqa: E402
from lianghua_app.settings import Settings  # noqa: E402

# Chosen explicitly: no test reads or writes the machine's keyring, whatever backend is installed.
_SESSION_KEYRING = PlaintextKeyring()
_SESSION_KEYRING.file_path = str(SESSION_DIR.root / "keyring.cfg")
keyring.set_keyring(_SESSION_KEYRING)


@pytest.fixture
def data_dir(tmp_path: Path) -> DataDir:
    directory = DataDir(tmp_path / "profile")
    bind_vnpy(directory)
    return directory


@pytest.fixture(autouse=True)
def qt_garbage_on_the_gui_thread(request):
    """Widgets a test dropped are collected here, on the GUI thread, as the app keeps its widgets
    alive: a collection that a worker thread happened to run would free Qt objects off it."""
    yield
    if "qtbot" in request.fixturenames:
        import gc

        gc.collect()


def pytest_sessionfinish(session, exitstatus) -> None:
    """The session's profile goes with the session."""
    from lianghua_app.vnpy_env import release_vnpy_database

    release_vnpy_database()
    shutil.rmtree(SESSION_DIR.root.parent, ignore_errors=True)


@pytest.fixture(params=["UTC", "Asia/Shanghai"])
def machine_zone(request):
    """The computer's time zone, as a UTC server and a desktop in China have it."""
    if not hasattr(time, "tzset"):
        pytest.skip("the process time zone can only be switched where time.tzset exists (not on Windows)")
    previous = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    time.tzset()


@pytest.fixture
def file_keyring(tmp_path: Path):
    """A real keyring backend (keyrings.alt, file based) in place of the OS one."""
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def engine(data_dir: DataDir):
    from lianghua_app.bootstrap import build_engine

    trading_engine = build_engine(data_dir, Settings(), connect_sim=False)
    yield trading_engine
    trading_engine.close()


@pytest.fixture
def sim(engine):
    """SIM connected, its feed not running: tests push the quotes they need."""
    from lianghua_app.bootstrap import connect_sim_gateway

    connect_sim_gateway(engine, autostart=False, whole_market=False)
    drain(engine)
    return engine.gateways["SIM"]


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


@pytest.fixture
def monitor(engine):
    return engine.get_engine("Monitor")


@pytest.fixture
def risk(engine, sim):
    """The risk manager of a running engine, SIM connected."""
    return engine.get_engine("RiskManager")


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


@pytest.fixture
def terminal():
    """A fake MiniQMT terminal (gateways/qmt/testing.py)."""
    from gateways.qmt.testing import FakeTerminal

    fake = FakeTerminal(account_id=QMT_ACCOUNT)
    yield fake
    fake.shutdown()
    fake.data_pushes.shutdown(wait=True)


@pytest.fixture
def qmt_setting() -> dict:
    """Extra QMT connect settings; a test overrides it with `@pytest.mark.parametrize`."""
    return {}


@pytest.fixture
def qmt(engine, terminal, monkeypatch, qmt_setting):
    """The QMT gateway of a running engine, connected to the fake terminal. Fails the test if
    the gateway ever made a blocking xtquant call on a callback thread."""
    from gateways.qmt import gateway as qmt_gateway
    from gateways.qmt.client import register_backend

    monkeypatch.setattr(qmt_gateway, "RECONNECT_DELAYS", (0.05, 0.1, 0.2))
    register_backend("fake", terminal.backend)
    engine.connect({"userdata_path": terminal.userdata_path, "account_id": QMT_ACCOUNT, "backend": "fake",
                    **qmt_setting}, "QMT")
    gateway = engine.gateways["QMT"]
    wait_until(lambda: gateway.connected)
    drain(engine)
    yield gateway
    assert terminal.deadlocks == [], "blocking xtquant calls on its callback thread"


OPT_SYMBOL = "000001.SZSE"
OPT_START = datetime(2020, 1, 2, 15, tzinfo=CHINA_TZ)


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


@pytest.fixture
def optimizer_bars(data_dir):
    """About three years of daily bars of 000001.SZSE in the profile's database."""
    from datetime import timedelta

    from vnpy.trader.constant import Interval
    from vnpy.trader.database import get_database
    from vnpy.trader.object import BarData

    bars, day, previous = [], OPT_START, None
    for close in trending_closes(750):
        while day.weekday() >= 5:
            day += timedelta(days=1)
        open_ = previous or close
        bars.append(BarData(gateway_name="DB", symbol="000001", exchange=Exchange.SZSE, datetime=day,
                            interval=Interval.DAILY, open_price=open_, close_price=close,
                            high_price=round(max(open_, close) * 1.005, 2),
                            low_price=round(min(open_, close) * 0.995, 2), volume=1e6))
        previous = close
        day += timedelta(days=1)
    get_database().save_bar_data(bars)
    return OPT_SYMBOL


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


@pytest.fixture
def exchange():
    """The loopback Binance (gateways/binance/testing.py), registered as the LOOPBACK server."""
    from gateways.binance.client import Server, register_server
    from gateways.binance.testing import FakeBinance

    fake = FakeBinance().start()
    register_server(Server("LOOPBACK", rest=fake.rest_url, ws=fake.ws_url))
    yield fake
    fake.stop()


@pytest.fixture
def binance_extra() -> dict:
    """Connect settings a test changes, with `@pytest.mark.parametrize("binance_extra", [...])`."""
    return {}


@pytest.fixture
def binance_setting(exchange, binance_extra) -> dict:
    """Connect settings for the loopback exchange."""
    return {"api_key": exchange.api_key, "secret": exchange.secret, "server": "LOOPBACK",
            "watchdog_interval": 0.5, "timeout": 2, "oi_interval": 0.2, **binance_extra}


@pytest.fixture
def binance(engine, exchange, binance_setting):
    """The Binance gateway of a running engine, trading on the loopback exchange through ccxt."""
    engine.connect(binance_setting, "BINANCE")
    gateway = engine.gateways["BINANCE"]
    wait_until(lambda: gateway.trading_ready, 60)
    drain(engine)
    return gateway
