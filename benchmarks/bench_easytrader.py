"""Broker-client path under load: orders through the gateway and the agent over loopback against
the fake broker client, with ambiguous GUI failures and duplicate sends.

`python benchmarks/bench_easytrader.py [ORDERS]` (default 10,000) starts the agent on 127.0.0.1 over
the fake client (a fault on 5% of the orders: exception or timeout after the click, a popup that
ate it, a refusal), sends the orders through the gateway with 2% of them sent a second time under
the same key, fills every placed order, waits until every order is final, then counts broker
orders per key. Poll-to-event:
from a poll's orders grid arriving to the gateway emitting the order events it implies (the GUI's
own time is the fake's, so it is left out). Last line: {"orders", "duplicates", "unresolved",
"poll_to_event_ms_p99", "elapsed_s"}. Targets: duplicates 0, unresolved 0, p99 <= 100 ms.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
KEY = "bench-agent-key-0123456789"


def main(folder: Path, count: int) -> None:
    from vnpy.event import EventEngine
    from vnpy.trader.constant import Direction, Exchange, OrderType, Status
    from vnpy.trader.object import OrderRequest

    from gateways.easytrader.agent import Agent
    from gateways.easytrader.gateway import EasytraderGateway
    from gateways.easytrader.journal import OrderJournal
    from gateways.easytrader.server import AgentServer
    from gateways.easytrader.signing import Verifier
    from gateways.easytrader.testing import FakeClientTrader

    broker = FakeClientTrader(folder / "broker.db", cash=1e12)
    journal = OrderJournal(folder / "agent.db")
    server = AgentServer(Agent(broker, journal, "ths", "universal_client"),
                         Verifier(KEY, remember=journal.remember_nonce)).start()       # as `lianghua agent` runs
    latencies: list[float] = []
    arrived: list[float] = [0.0]

    gateway = EasytraderGateway(EventEngine(), "EASYTRADER")
    grid_order = gateway.book.grid_order

    def timed_grid_order(row):
        order = grid_order(row)
        if order is not None and arrived[0]:                 # an event this poll's grid implies
            latencies.append((time.perf_counter() - arrived[0]) * 1000)
        return order

    gateway.book.grid_order = timed_grid_order
    gateway.connect({"agent_url": server.url, "agent_key": KEY, "broker": "universal_client", "poll_seconds": 0.5})
    client_get = None
    while gateway.client is None:
        time.sleep(0.05)
    client_get = gateway.client.get

    def timed_get(path: str) -> dict:
        answer = client_get(path)
        if path == "/v1/orders":
            arrived[0] = time.perf_counter()
        return answer

    gateway.client.get = timed_get
    rng = random.Random(7)
    faults = ["exception_after_place", "timeout_after_place", "popup_after_place", "popup_no_order", "popup_refused"]
    began = time.perf_counter()
    orderids = []
    for index in range(count):
        if rng.random() < 0.05:
            broker.inject(rng.choice(faults))
        request = OrderRequest(rng.choice(["600036", "000001", "601318"]),
                               Exchange.SSE if index % 3 != 1 else Exchange.SZSE, Direction.LONG, OrderType.LIMIT,
                               100, rng.choice([10.0, 10.01, 10.02]))
        if request.symbol == "000001":
            request.exchange = Exchange.SZSE
        orderids.append(gateway.send_order(request).split(".", 1)[1])
        if rng.random() < 0.02:
            gateway.sender.submit(gateway._ask, orderids[-1])          # the same key sent again
    def wait_while(status: Status) -> None:
        while True:
            with gateway.lock:
                if all(gateway.book.orders[o].status is not status for o in orderids):
                    return
            time.sleep(0.5)

    wait_while(Status.SUBMITTING)
    placed_orders = [str(row[0]) for row in broker.orders() if row[5] == "已报"]
    for start in range(0, len(placed_orders), 200):          # the market fills them, a batch at a time
        for entrust_no in placed_orders[start:start + 200]:
            broker.fill(entrust_no)
        time.sleep(0.2)
    wait_while(Status.NOTTRADED)
    elapsed = time.perf_counter() - began
    placed: dict[str, int] = {}
    for entry in server.agent.journal.entries():
        if entry.state == "placed":
            placed[entry.entrust_no] = placed.get(entry.entrust_no, 0) + 1
    broker_orders = {str(row[0]) for row in broker.orders()}
    duplicates = (len(broker_orders) - len(placed)) + sum(n - 1 for n in placed.values())
    unresolved = len(server.agent.journal.unresolved()) + len(gateway.book.unresolved)
    gateway.close()
    server.stop()
    print(json.dumps({"orders": count, "duplicates": duplicates, "unresolved": unresolved,
                      "poll_to_event_ms_p99": round(float(np.percentile(latencies, 99)), 2) if latencies else None,
                      "elapsed_s": round(elapsed, 1)}))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        main(Path(scratch), int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
