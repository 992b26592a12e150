"""The agent beside the broker client, for real on 127.0.0.1 over a fake client that follows
easytrader's documented answers and fails the way its users report: signed requests only, one
result per idempotency key, ambiguous failures resolved by reading today's orders back, and no
doubled or lost order, also when the agent process is killed mid-order."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gateways.easytrader.agent import Agent
from gateways.easytrader.client import AgentClient, AgentRefused, AgentUnavailable
from gateways.easytrader.journal import OrderJournal
from gateways.easytrader.server import AgentServer
from gateways.easytrader.signing import HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, Verifier, signature
from gateways.easytrader.testing import FakeClientTrader
from tests.helpers import wait_until

KEY = "test-agent-key-0123456789"
CHILD = Path(__file__).with_name("agent_child.py")


@pytest.fixture
def broker(tmp_path):
    return FakeClientTrader(tmp_path / "broker.db")


@pytest.fixture
def agent(tmp_path, broker):
    return Agent(broker, OrderJournal(tmp_path / "agent.db"), "ths", "ths")


@pytest.fixture
def server(agent):
    running = AgentServer(agent, Verifier(KEY)).start()
    yield running
    running.stop()


@pytest.fixture
def client(server):
    return AgentClient(server.url, KEY)


def buy(key: str, code: str = "600036", price: float = 35.5, amount: int = 100) -> dict:
    return {"key": key, "side": "buy", "kind": "limit", "code": code, "price": price, "amount": amount}


def raw(server, headers: dict, body: bytes = b"{}", path: str = "/v1/balance", method: str = "GET"):
    request = urllib.request.Request(server.url + path, data=body if method == "POST" else None, method=method,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def signed(key: str, method: str, path: str, body: bytes, when: float, nonce: str = "n1") -> dict:
    stamp = f"{when:.3f}"
    return {HEADER_TIME: stamp, HEADER_NONCE: nonce, HEADER_SIGNATURE: signature(key, method, path, body, stamp, nonce)}


def test_the_agent_listens_on_the_loopback_address_unless_told_otherwise(server):
    assert server.host == "127.0.0.1" and server.url.startswith("http://127.0.0.1:")


def test_unsigned_wrongly_signed_stale_and_replayed_requests_are_refused(server, client):
    assert raw(server, {}) == (401, {"error": "请求未签名"})
    assert raw(server, signed("another-key-0123456789", "GET", "/v1/balance", b"", time.time()))[1]["error"] == \
        "签名不符：两端的代理密钥不一致"
    status, answer = raw(server, signed(KEY, "GET", "/v1/balance", b"", time.time() - 120))
    assert status == 401 and answer["error"].startswith("请求已过期")
    headers = signed(KEY, "GET", "/v1/balance", b"", time.time(), nonce="once")
    assert raw(server, headers)[0] == 200
    assert raw(server, headers) == (401, {"error": "重复的请求（重放）已拒绝"})
    assert client.get("/v1/balance")["rows"][0]["资金帐号"] == "8888"             # a good one passes


def test_a_signed_order_cannot_be_altered_on_the_way(server):
    body = json.dumps(buy("k-altered-01")).encode()
    headers = signed(KEY, "POST", "/v1/order", body, time.time(), nonce="alter")
    tampered = body.replace(b"100", b"900")
    assert raw(server, headers, tampered, "/v1/order", "POST")[0] == 401


def test_an_order_placed_once_answers_a_resend_with_its_first_result(client, broker):
    first = client.post("/v1/order", buy("k-resend-001"))
    assert first["state"] == "placed" and first["entrust_no"]
    assert client.post("/v1/order", buy("k-resend-001")) == first
    assert len(broker.orders()) == 1
    with pytest.raises(AgentRefused, match="已用于另一笔委托"):
        client.post("/v1/order", buy("k-resend-001", amount=200))


@pytest.mark.parametrize(("fault", "state", "words", "placed"), [
    ("exception_after_place", "placed", "", 1),          # easytrader#241: raised, yet placed
    ("timeout_after_place", "placed", "", 1),
    ("popup_after_place", "placed", "", 1),
    ("popup_no_order", "rejected", "客户端未返回委托编号", 0),   # easytrader#376: "success", nothing placed
    ("timeout_before_place", "rejected", "响应超时", 0),
    ("popup_refused", "rejected", "涨跌停", 0),
])
def test_an_ambiguous_gui_step_is_resolved_by_reading_todays_orders_back(client, broker, fault, state, words, placed):
    broker.inject(fault)
    answer = client.post("/v1/order", buy("k-fault-0001"))
    assert answer["state"] == state and words in answer["reason"]
    assert len(broker.orders()) == placed
    if placed:
        assert answer["entrust_no"] == str(broker.orders()[0][0])
    else:
        assert "未找到该委托" in answer["reason"] and answer["entrust_no"] is None


def test_a_captcha_on_the_read_back_is_said_and_a_resend_resolves_the_order(client, broker):
    broker.inject("exception_after_place", "captcha")
    answer = client.post("/v1/order", buy("k-captcha-01"))
    assert answer["state"] == "unknown" and "验证码" in answer["reason"]
    again = client.post("/v1/order", buy("k-captcha-01"))
    assert again["state"] == "placed" and len(broker.orders()) == 1


def test_bad_orders_are_refused_in_words_before_the_gui(client, broker):
    for request, words in ((buy("short"), "幂等键"), (buy("k-bad-code-1", code="60003"), "6位数字"),
                           (buy("k-bad-size-1", amount=0), "正整数"), (buy("k-bad-price", price=0), "价格")):
        with pytest.raises(AgentRefused, match=words):
            client.post("/v1/order", request)
    assert broker.orders() == []


def test_a_thousand_orders_with_ambiguous_failures_and_random_resends_are_never_doubled(client, broker):
    rng = random.Random(20261202)
    requests = [buy(f"k-bulk-{i:05d}", code=rng.choice(["600036", "000001"]), price=rng.choice([10.0, 10.01]),
                    amount=100) for i in range(1000)]               # many alike: matching must not confuse them
    faults = ["exception_after_place", "timeout_after_place", "popup_after_place", "popup_no_order",
              "timeout_before_place", "popup_refused"]
    answers: dict[str, list[dict]] = {}

    def send(request: dict) -> None:
        answers.setdefault(request["key"], []).append(client.post("/v1/order", request))

    with ThreadPoolExecutor(4) as pool:
        for index, request in enumerate(requests):
            if rng.random() < 0.05:
                broker.inject(rng.choice(faults))
            pool.submit(send, request)
            if rng.random() < 0.2:                                  # a resend, maybe while the first is out
                pool.submit(send, requests[rng.randrange(index + 1)])
    finals = {key: results[-1] for key, results in answers.items()}
    assert len(finals) == 1000
    differing = {k: r for k, r in answers.items() if len({json.dumps(x, sort_keys=True) for x in r}) != 1}
    assert differing == {}
    placed = [a["entrust_no"] for a in finals.values() if a["state"] == "placed"]
    assert len(placed) == len(set(placed))                           # 0 duplicates
    assert {str(row[0]) for row in broker.orders()} == set(placed)   # no ghost, nothing lost
    assert all(a["state"] in ("placed", "rejected") for a in finals.values())


def start_child(folder: Path, moment: str = "") -> subprocess.Popen:
    (folder / "url").unlink(missing_ok=True)
    child = subprocess.Popen([sys.executable, str(CHILD), str(folder), KEY, *([moment] if moment else [])])
    wait_until(lambda: (folder / "url").exists() or child.poll() is not None, 60)
    return child


@pytest.mark.parametrize(("moment", "state", "orders"), [("die_before_click", "rejected", 0),
                                                         ("die_after_click", "placed", 1)])
def test_an_agent_killed_mid_order_loses_no_acknowledged_order_and_doubles_none(tmp_path, moment, state, orders):
    FakeClientTrader(tmp_path / "broker.db")
    child = start_child(tmp_path)
    before = AgentClient((tmp_path / "url").read_text(), KEY).post("/v1/order", buy("k-acked-0001"))
    child.kill()
    child.wait(30)
    child = start_child(tmp_path, moment)
    try:
        dying = AgentClient((tmp_path / "url").read_text(), KEY, timeout=30)
        with pytest.raises(AgentUnavailable):                       # the process dies: no answer
            dying.post("/v1/order", buy("k-killed-001", price=36))
        assert child.wait(30) == 9
        child = start_child(tmp_path)
        restarted = AgentClient((tmp_path / "url").read_text(), KEY)
        answer = restarted.post("/v1/order", buy("k-killed-001", price=36))
        assert answer["state"] == state
        broker = FakeClientTrader(tmp_path / "broker.db")
        assert len([o for o in broker.orders() if o[3] == 36]) == orders
        if state == "rejected":
            assert "中断" in answer["reason"]
        assert restarted.post("/v1/order", buy("k-acked-0001")) == before   # acknowledged before: still so
    finally:
        child.kill()
        child.wait(30)


def test_lianghua_agent_makes_a_key_listens_on_loopback_and_takes_signed_orders(data_dir, tmp_path):
    import os
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
           "XDG_DATA_HOME": str(tmp_path / "xdg"), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "lianghua_app.cli", "agent", "--demo", "--new-key", "--port", str(port),
               "--data-dir", str(data_dir.root.parent), "--profile", data_dir.root.name]
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        lines = []
        while not lines or "交易代理已启动" not in lines[-1]:
            line = child.stdout.readline()
            assert line, f"the agent ended: {lines}"
            lines.append(line.strip())
        key = lines[lines.index(next(x for x in lines if x.startswith("新的代理密钥"))) + 1]
        assert f"http://127.0.0.1:{port}" in lines[-1]
        agent_client = AgentClient(f"http://127.0.0.1:{port}", key)
        assert agent_client.get("/v1/health")["family"] == "ths"
        assert agent_client.post("/v1/order", buy("k-cli-000001"))["state"] == "placed"
        with pytest.raises(AgentRefused, match="签名不符"):
            AgentClient(f"http://127.0.0.1:{port}", "not-the-key-0123456789").get("/v1/health")
    finally:
        child.terminate()
        child.wait(30)


class WithoutExtras(FakeClientTrader):
    """Like miniqmt's trader: no refresh and no cancel-all."""
    refresh = None
    cancel_all_entrusts = None


def test_a_client_without_refresh_or_cancel_all_still_resolves_and_cancels_everything(tmp_path):
    broker = WithoutExtras(tmp_path / "broker.db")
    agent = Agent(broker, OrderJournal(tmp_path / "agent.db"), "ths", "miniqmt")
    broker.inject("exception_after_place")
    assert agent.place(buy("k-extra-0001"))["state"] == "placed"
    assert agent.place(buy("k-extra-0002", price=35.6))["state"] == "placed"
    assert agent.refresh() == {"message": "success"}
    assert len(agent.cancel_all()["cancelled"]) == 2
    assert {row[5] for row in broker.orders()} == {"已撤"}


def test_a_request_replayed_after_the_agent_restarts_is_refused(tmp_path, broker):
    journal_path = tmp_path / "agent.db"
    first = AgentServer(Agent(broker, OrderJournal(journal_path), "ths", "ths"),
                        Verifier(KEY, remember=OrderJournal(journal_path).remember_nonce)).start()
    headers = signed(KEY, "GET", "/v1/balance", b"", time.time(), nonce="captured")
    try:
        assert raw(first, headers)[0] == 200
    finally:
        first.stop()
    again = AgentServer(Agent(broker, OrderJournal(journal_path), "ths", "ths"),
                        Verifier(KEY, remember=OrderJournal(journal_path).remember_nonce)).start()
    try:
        assert raw(again, headers) == (401, {"error": "重复的请求（重放）已拒绝"})
    finally:
        again.stop()


def test_the_agent_keeps_nothing_per_key_once_its_requests_are_answered(agent):
    for index in range(10):
        assert agent.place(buy(f"k-locks-{index:04d}"))["state"] == "placed"
    assert agent.keys == {}
