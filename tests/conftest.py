"""Shared fixtures. vnpy is bound to a temporary profile before anything imports it, so no
test writes to the home folder or the working directory."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from lianghua_app.paths import DataDir  # noqa: E402
from lianghua_app.vnpy_env import bind_vnpy  # noqa: E402

SESSION_DIR = DataDir(Path(tempfile.mkdtemp(prefix="lianghua-tests-")) / "session")
bind_vnpy(SESSION_DIR)

import keyring  # noqa: E402
import pytest  # noqa: E402
from keyrings.alt.file import PlaintextKeyring  # noqa: E402

from lianghua_app.settings import Settings  # noqa: E402
from tests.helpers import QMT_ACCOUNT, drain, wait_until  # noqa: E402

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


@pytest.fixture
def monitor(engine):
    return engine.get_engine("Monitor")


@pytest.fixture
def risk(engine, sim):
    """The risk manager of a running engine, SIM connected."""
    return engine.get_engine("RiskManager")


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
