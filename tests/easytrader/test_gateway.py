"""The broker-client gateway in the running app, against a real agent on 127.0.0.1 over the fake
broker client: account and T+1 positions from the broker's grids, orders through the pipeline's
A-share rules and the journal, ambiguous clicks neither doubled nor lost, cancels, hand-placed
orders, and an agent that drops and comes back."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from vnpy.trader.constant import Direction, Exchange, OrderType, Status
from vnpy.trader.event import EVENT_LOG

from gateways.easytrader.agent import Agent
from gateways.easytrader.journal import OrderJournal
from gateways.easytrader.server import AgentServer
from gateways.easytrader.signing import Verifier
from gateways.easytrader.testing import FakeClientTrader
from lianghua_app.storage.models import TradeRecord
from tests.helpers import order, settle

KEY = "gateway-test-key-0123456789"
CMB = "600036.SSE"


def start_agent(desk, port: int = 0) -> AgentServer:
    return AgentServer(Agent(desk.broker, desk.journal, "ths", "universal_client"), Verifier(KEY), port=port).start()


@pytest.fixture
def desk(tmp_path):
    broker = FakeClientTrader(tmp_path / "broker.db")
    broker.hold("600036", 1000, 33.2)
    desk = SimpleNamespace(broker=broker, journal=OrderJournal(tmp_path / "agent.db"))
    desk.server = start_agent(desk)
    yield desk
    desk.server.stop()


@pytest.fixture
def gateway(engine, desk):
    engine.connect({"agent_url": desk.server.url, "agent_key": KEY, "broker": "universal_client",
                    "poll_seconds": 0.5}, "EASYTRADER")
    connected = engine.gateways["EASYTRADER"]
    settle(engine, lambda: connected.connected and engine.get_account("EASYTRADER.8888") is not None)
    yield connected
    connected.close()


def status(engine, vt_orderid: str) -> Status | None:
    found = engine.get_order(vt_orderid)
    return found.status if found else None


def send(engine, direction: Direction, volume: float, price: float = 35.5, order_type=OrderType.LIMIT) -> str:
    return engine.send_order(order(CMB, direction, volume, price, order_type=order_type), "EASYTRADER")


def test_the_account_and_t_plus_1_positions_come_from_the_brokers_grids(engine, gateway):
    account = engine.get_account("EASYTRADER.8888")
    assert account.balance == pytest.approx(1_000_000 + 1000 * 33.2) and account.available == 1_000_000
    settle(engine, lambda: engine.get_position(f"EASYTRADER.{CMB}.多") is not None)
    held = engine.get_position(f"EASYTRADER.{CMB}.多")
    assert (held.volume, engine.sellable_volume(CMB, "EASYTRADER")) == (1000, 1000)
    bought = send(engine, Direction.LONG, 100, order_type=OrderType.MARKET)        # fills at once in the fake
    settle(engine, lambda: status(engine, bought) is Status.ALLTRADED)
    settle(engine, lambda: engine.get_position(f"EASYTRADER.{CMB}.多").volume == 1100)
    assert engine.sellable_volume(CMB, "EASYTRADER") == 1000                          # today's buy: T+1


def test_a_limit_order_goes_through_the_agent_fills_and_is_journaled(engine, gateway, desk):
    vt_orderid = send(engine, Direction.LONG, 200)
    settle(engine, lambda: status(engine, vt_orderid) is Status.NOTTRADED)
    [(entrust_no, code, side, price, volume, state)] = [o for o in desk.broker.orders() if o[5] == "已报"]
    assert (code, side, price, volume) == ("600036", "买入", 35.5, 200)
    desk.broker.fill(str(entrust_no))
    settle(engine, lambda: status(engine, vt_orderid) is Status.ALLTRADED)
    settle(engine, lambda: TradeRecord.select().where(TradeRecord.vt_orderid == vt_orderid).count() == 1)
    [trade] = [t for t in engine.get_all_trades() if t.vt_orderid == vt_orderid]
    assert (trade.volume, trade.price) == (200, 35.5)


def test_an_exception_after_the_click_neither_loses_nor_doubles_the_order(engine, gateway, desk):
    desk.broker.inject("exception_after_place")
    vt_orderid = send(engine, Direction.LONG, 100)
    settle(engine, lambda: status(engine, vt_orderid) is Status.NOTTRADED)
    assert len([o for o in desk.broker.orders() if o[5] == "已报"]) == 1


def test_a_popup_that_refuses_the_order_rejects_it_with_the_brokers_words(engine, gateway, desk):
    desk.broker.inject("popup_refused")
    vt_orderid = send(engine, Direction.LONG, 100)
    settle(engine, lambda: status(engine, vt_orderid) is Status.REJECTED)
    assert "涨跌停" in engine.get_order(vt_orderid).extra["reason"]


def test_market_rules_refuse_an_odd_lot_and_an_unsellable_sell_before_the_agent(engine, gateway, desk):
    before = len(desk.broker.orders())
    odd = send(engine, Direction.LONG, 150)
    too_many = send(engine, Direction.SHORT, 1100)
    settle(engine, lambda: status(engine, odd) is Status.REJECTED and status(engine, too_many) is Status.REJECTED)
    assert "100股整数倍" in engine.get_order(odd).extra["reason"]
    assert "可卖数量不足" in engine.get_order(too_many).extra["reason"]
    assert len(desk.broker.orders()) == before


def test_a_cancel_reaches_the_broker(engine, gateway, desk):
    vt_orderid = send(engine, Direction.SHORT, 300, price=36.0)
    settle(engine, lambda: status(engine, vt_orderid) is Status.NOTTRADED)
    engine.cancel_order(engine.get_order(vt_orderid).create_cancel_request(), "EASYTRADER")
    settle(engine, lambda: status(engine, vt_orderid) is Status.CANCELLED)


def test_an_order_placed_by_hand_in_the_client_is_shown(engine, gateway, desk):
    answer = desk.broker.buy("600036", price=35.0, amount=100)
    vt_orderid = f"EASYTRADER.B{answer['entrust_no']}"
    settle(engine, lambda: status(engine, vt_orderid) is Status.NOTTRADED)


def test_a_dropped_agent_is_retried_and_an_order_sent_meanwhile_is_placed_once(engine, gateway, desk):
    logs: list[str] = []
    engine.event_engine.register(EVENT_LOG, lambda event: logs.append(event.data.msg))
    port = desk.server.port
    desk.server.stop()
    settle(engine, lambda: not gateway.connected, 60)       # a poll caught in the shutdown waits out its timeout
    assert any("无法连接交易代理" in line and "秒后重试" in line for line in logs)
    vt_orderid = send(engine, Direction.LONG, 100)
    settle(engine, lambda: "等待交易代理" in (getattr(engine.get_order(vt_orderid), "extra", None) or {})
           .get("reason", ""), 60)
    assert status(engine, vt_orderid) is Status.SUBMITTING
    desk.server = start_agent(desk, port)
    settle(engine, lambda: gateway.connected and status(engine, vt_orderid) is Status.NOTTRADED, 60)
    assert len([o for o in desk.broker.orders() if o[5] == "已报"]) == 1


def test_the_connect_dialog_keeps_the_agent_key_in_the_keyring_and_connects(qtbot, engine, data_dir, desk,
                                                                             file_keyring):
    from lianghua_app.secrets import get_secret
    from lianghua_app.ui.connect_dialog import EasytraderConnectDialog
    from tests.helpers import open_dialog

    dialog = open_dialog(qtbot, EasytraderConnectDialog, engine, data_dir)
    assert not dialog.start() and "代理密钥" in dialog.failure_box.text()      # no key yet
    dialog.editors["easytrader.agent_url"].setText(desk.server.url)
    dialog.agent_key.setText(KEY)
    with qtbot.waitSignal(dialog.accepted, timeout=60_000):
        assert dialog.start()
    assert engine.gateways["EASYTRADER"].connected
    assert get_secret(data_dir.root.name, "easytrader.agent_key") == KEY
    assert KEY not in data_dir.settings_file.read_text(encoding="utf-8")


def test_check_reports_whether_the_agent_answers(data_dir, desk, file_keyring):
    from gateways.easytrader.checks import CHECKS
    from lianghua_app.secrets import set_secret
    from lianghua_app.settings import SettingsStore

    probe = dict((name, check) for name, _, check in CHECKS)["easytrader agent"]
    with pytest.raises(RuntimeError, match="未设置交易代理密钥"):
        probe(data_dir)
    set_secret(data_dir.root.name, "easytrader.agent_key", KEY)
    SettingsStore(data_dir.settings_file).update({"easytrader.agent_url": desk.server.url})
    assert "可达" in probe(data_dir)


def test_a_partial_fill_shows_before_the_rest(engine, gateway, desk):
    vt_orderid = send(engine, Direction.LONG, 500)
    settle(engine, lambda: status(engine, vt_orderid) is Status.NOTTRADED)
    [entrust_no] = [str(o[0]) for o in desk.broker.orders() if o[5] == "已报"]
    desk.broker.fill(entrust_no, 200)
    settle(engine, lambda: status(engine, vt_orderid) is Status.PARTTRADED)
    assert engine.get_order(vt_orderid).traded == 200
    desk.broker.fill(entrust_no, 300)
    settle(engine, lambda: status(engine, vt_orderid) is Status.ALLTRADED)


def test_the_agent_can_run_inside_the_workstation_over_the_simulated_client(engine, data_dir):
    from lianghua_app.bootstrap import connect_easytrader_gateway
    from lianghua_app.settings import validate

    engine.settings = validate({"easytrader.in_process": True, "easytrader.demo": True})
    connect_easytrader_gateway(engine)
    gateway = engine.gateways["EASYTRADER"]
    settle(engine, lambda: gateway.connected and engine.get_account("EASYTRADER.8888") is not None, 60)
    engine.gateways["EASYTRADER"].subscribe(SimpleNamespace(symbol="600036", exchange=Exchange.SSE))
    settle(engine, lambda: engine.get_contract(CMB) is not None)
    vt_orderid = send(engine, Direction.LONG, 100, order_type=OrderType.MARKET)
    settle(engine, lambda: status(engine, vt_orderid) is Status.ALLTRADED)
    assert (data_dir.root / "agent_journal.db").exists()
    gateway.close()


def test_in_process_without_easytrader_says_what_to_install(engine, data_dir, monkeypatch):
    import sys

    from lianghua_app.events import EVENT_GATEWAY_STATUS

    monkeypatch.setitem(sys.modules, "easytrader", None)                   # as on a machine without it
    seen = []
    engine.event_engine.register(EVENT_GATEWAY_STATUS, lambda event: seen.append(event.data))
    engine.connect({"in_process": True, "broker": "ths", "journal_path": str(data_dir.root / "agent_journal.db")},
                   "EASYTRADER")
    settle(engine, lambda: any(not s.busy and "easytrader" in s.message for s in seen), 60)
    assert "pip install easytrader" in [s for s in seen if not s.busy][-1].message
