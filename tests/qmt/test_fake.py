"""The fake terminal behaves like the xtquant SDK where the gateway depends on it, so the
gateway tests mean something."""

from __future__ import annotations

import threading

import pytest

from gateways.qmt.mapping import xtconstant as C
from gateways.qmt.mapping import xttype
from gateways.qmt.testing import DeadlockError
from tests.helpers import QMT_ACCOUNT, wait_until


class Recorder:
    """A callback that records what arrives, on which thread."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.threads: set[str] = set()
        self.trader = None
        self.error: Exception | None = None

    def __getattr__(self, name: str):
        if not name.startswith("on_"):
            raise AttributeError(name)

        def record(*args) -> None:
            self.threads.add(threading.current_thread().name)
            self.calls.append((name, args[0] if args else None))
        return record

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture
def session(terminal):
    recorder = Recorder()
    trader = terminal.backend().make_trader(terminal.userdata_path, 1)
    trader.register_callback(recorder)
    trader.start()
    assert trader.connect() == 0
    account = xttype.StockAccount(QMT_ACCOUNT)
    assert trader.subscribe(account) == 0
    recorder.trader, recorder.account = trader, account
    yield recorder
    trader.stop()


def test_an_order_error_waits_for_the_async_reply(session, terminal):
    session.trader.order_stock_async(session.account, "600519.SH", C.STOCK_BUY, 100_000, C.FIX_PRICE, 1500.0,
                                     "", "A1")
    wait_until(lambda: "on_order_error" in session.names())
    names = session.names()
    assert names.index("on_order_stock_async_response") < names.index("on_order_error")


def test_all_pushes_arrive_on_one_callback_thread(session, terminal):
    session.trader.order_stock_async(session.account, "600000.SH", C.STOCK_BUY, 100, C.FIX_PRICE, 10.0, "", "A1")
    wait_until(lambda: "on_stock_trade" in session.names())
    assert len(session.threads) == 1 and next(iter(session.threads)).startswith("xtquant-callback")


def test_a_sync_query_from_the_callback_thread_is_caught(session, terminal):
    caught: list[Exception] = []

    def query_inside(*args) -> None:
        try:
            session.trader.query_stock_asset(session.account)
        except DeadlockError as error:
            caught.append(error)
    session.on_stock_asset = query_inside
    session.trader.order_stock_async(session.account, "600000.SH", C.STOCK_BUY, 100, C.FIX_PRICE, 10.0, "", "A1")
    wait_until(lambda: caught)
    assert set(terminal.deadlocks) == {"query_stock_asset"}
    terminal.deadlocks.clear()


def test_empty_queries_return_none_like_the_sdk(session):
    assert session.trader.query_stock_orders(session.account) is None
    assert session.trader.query_stock_positions(session.account) is None


def test_a_closed_terminal_refuses_connections(terminal):
    terminal.running = False
    trader = terminal.backend().make_trader(terminal.userdata_path, 2)
    trader.start()
    assert trader.connect() != 0
    trader.stop()


def test_todays_buys_are_not_usable_until_the_next_day(session, terminal):
    session.trader.order_stock_async(session.account, "600000.SH", C.STOCK_BUY, 500, C.FIX_PRICE, 10.0, "", "A1")
    wait_until(lambda: "on_stock_position" in session.names())
    position = session.trader.query_stock_positions(session.account)[0]
    assert (position.volume, position.can_use_volume) == (500, 0)
    terminal.roll_day()
    position = session.trader.query_stock_positions(session.account)[0]
    assert (position.volume, position.can_use_volume, position.yesterday_volume) == (500, 500, 500)


def test_a_cancel_of_a_finished_order_gets_a_cancel_error_after_the_reply(session, terminal):
    session.trader.order_stock_async(session.account, "600000.SH", C.STOCK_BUY, 100, C.FIX_PRICE, 10.0, "", "A1")
    wait_until(lambda: "on_stock_trade" in session.names())
    order_id = next(iter(terminal.account(QMT_ACCOUNT).orders))
    session.trader.cancel_order_stock_async(session.account, order_id)
    wait_until(lambda: "on_cancel_error" in session.names())
    names = session.names()
    assert names.index("on_cancel_order_stock_async_response") < names.index("on_cancel_error")


def test_a_drop_pushes_disconnected_and_the_trader_stays_dead(session, terminal):
    terminal.drop_connections()
    wait_until(lambda: "on_disconnected" in session.names())
    assert session.trader.query_stock_asset(session.account) is None
