"""Our Binance gateway against vnpy_binance's linear gateway, both pointed at the same loopback
exchange (gateways/binance/testing.py), in one run.

`pip install vnpy_binance` first (it is only needed here). `python benchmarks/bench_binance.py`
prints one JSON line per gateway:
- book_updates_per_s: 200 symbols' books moved 20 times each, pushed by the exchange as fast as
  its sockets take them; book updates per second until every symbol's EVENT_TICK shows its last
  bid (each gateway gets the streams it subscribes: ours diff depth, tickers and mark prices,
  vnpy_binance depth10, ticker and markPrice);
- round_trip_p50_ms / p99_ms: send_order -> the first order update from the exchange (100 limit
  orders, 100 ms apart: Binance allows 20 orders per second);
- consistent_after_drop_s: an order fills while the user stream is down; seconds from the stream
  coming back until the gateway shows it filled (null: not within 30 s);
- lost_fills / duplicated_fills: 20 orders filling in 600 pieces while every socket is killed
  100 times.
Our line adds the ratios of this run: throughput_vs_vnpy (target >= 1) and p99_vs_vnpy (target <= 1);
the other targets are 0 lost and 0 duplicated.
vnpy_binance's hosts are module constants; the benchmark sets them to the loopback exchange.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
SYMBOLS, ROUNDS, ORDERS = 200, 20, 100


def symbols():
    from gateways.binance.fake_venue import Symbol

    return tuple(Symbol(f"S{n:03d}USDT", tick="0.01", step="0.001", min_qty="0.001", min_notional="5",
                        bid=100.0 + n, ask=100.01 + n, depth_qty=0.002) for n in range(SYMBOLS))


class Recorder:
    """Counts what a gateway puts on its event engine."""

    def __init__(self, event_engine) -> None:
        from vnpy.trader.event import EVENT_ORDER, EVENT_TICK, EVENT_TRADE

        self.lock = threading.Lock()
        self.bids: dict[str, float] = {}
        self.order_times: dict[str, float] = {}
        self.statuses: dict[str, object] = {}
        self.trade_ids: list[str] = []
        event_engine.register(EVENT_TICK, self.on_tick)
        event_engine.register(EVENT_ORDER, self.on_order)
        event_engine.register(EVENT_TRADE, self.on_trade)

    def on_tick(self, event) -> None:
        tick = event.data
        with self.lock:
            self.bids[tick.symbol] = tick.bid_price_1

    def on_order(self, event) -> None:
        from vnpy.trader.constant import Status

        order = event.data
        with self.lock:
            self.statuses[order.orderid] = order.status
            if order.status is not Status.SUBMITTING and order.orderid not in self.order_times:
                self.order_times[order.orderid] = time.perf_counter()

    def on_trade(self, event) -> None:
        with self.lock:
            self.trade_ids.append(event.data.tradeid)


def wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


class Ours:
    name = "lianghua"

    def __init__(self, fake, event_engine) -> None:
        from gateways.binance import BinanceGateway
        from gateways.binance.client import Server, register_server

        register_server(Server("BENCH", rest=fake.rest_url, ws=fake.ws_url))
        self.gateway = BinanceGateway(event_engine, "BINANCE")
        self.gateway.connect({"api_key": fake.api_key, "secret": fake.secret, "server": "BENCH",
                              "watchdog_interval": 1, "oi_interval": 3600})
        assert wait(lambda: self.gateway.trading_ready, 120), "our gateway did not connect"

    def tick_symbol(self, symbol: str) -> str:
        return symbol

    def order_symbol(self, symbol: str) -> str:
        return symbol

    def ready(self) -> bool:
        return self.gateway.trading_ready


class Theirs:
    name = "vnpy_binance"

    def __init__(self, fake, event_engine) -> None:
        from vnpy_binance import linear_gateway

        linear_gateway.REAL_REST_HOST = fake.rest_url
        linear_gateway.REAL_TRADE_HOST = fake.ws_url + "/ws-fapi/v1"
        linear_gateway.REAL_USER_HOST = fake.ws_url + "/private/ws"
        linear_gateway.REAL_PUBLIC_HOST = fake.ws_url + "/public/stream"
        linear_gateway.REAL_MARKET_HOST = fake.ws_url + "/market/stream"
        self.gateway = linear_gateway.BinanceLinearGateway(event_engine, "BINANCE_LINEAR")
        self.gateway.connect({"API Key": fake.api_key, "API Secret": fake.secret, "Server": "REAL",
                              "Kline Stream": "False", "Proxy Host": "", "Proxy Port": 0})
        assert wait(lambda: len(self.gateway.symbol_contract_map) >= SYMBOLS, 120), "vnpy_binance has no contracts"
        time.sleep(2)       # its user and trade sockets open in the background; it says nothing when done

    def tick_symbol(self, symbol: str) -> str:
        return f"{symbol}_SWAP_BINANCE"

    order_symbol = tick_symbol

    def ready(self) -> bool:
        return True


def run(kind) -> dict:
    from vnpy.event import EventEngine
    from vnpy.trader.constant import Direction, Exchange, Offset, OrderType
    from vnpy.trader.object import OrderRequest, SubscribeRequest

    from gateways.binance.testing import FakeBinance

    fake = FakeBinance(symbols()).start()
    event_engine = EventEngine(interval=1)
    recorder = Recorder(event_engine)
    event_engine.start()
    side = kind(fake, event_engine)
    gateway = side.gateway
    names = [f"S{n:03d}USDT" for n in range(SYMBOLS)]
    for name in names:
        gateway.subscribe(SubscribeRequest(side.tick_symbol(name), Exchange.GLOBAL))
    deadline = time.monotonic() + 300
    while True:                                         # a first tick for every symbol, once subscribed
        missing = [n for n in names if recorder.bids.get(side.tick_symbol(n)) != 90.0]
        if not missing:
            break
        assert time.monotonic() < deadline, f"no first ticks for {len(missing)} symbols"
        for name in missing:
            fake.set_book(name, 90.0, 110.0)
        time.sleep(0.5)

    last = ROUNDS - 1
    started = time.perf_counter()
    fake.set_books([(name, 50.0 + round_ + n / 1000, 150.0) for round_ in range(ROUNDS)
                    for n, name in enumerate(names)])
    done = wait(lambda: all(recorder.bids.get(side.tick_symbol(name)) == 50.0 + last + n / 1000
                            for n, name in enumerate(names)), 300)
    elapsed = time.perf_counter() - started
    throughput = SYMBOLS * ROUNDS / elapsed if done else None

    def order(direction, price, symbol="S000USDT", volume=0.1):     # 0.1 x 90 clears the 5 USDT minimum
        return OrderRequest(side.order_symbol(symbol), Exchange.GLOBAL, direction, OrderType.LIMIT, volume, price,
                            Offset.NONE)

    fake.set_book("S000USDT", 100.0, 100.01)
    trips = []
    for _ in range(ORDERS):
        sent = time.perf_counter()
        vt_orderid = gateway.send_order(order(Direction.LONG, 90.0))
        orderid = vt_orderid.split(".", 1)[1]
        if wait(lambda orderid=orderid: orderid in recorder.order_times, 10):
            trips.append((recorder.order_times[orderid] - sent) * 1000)
        time.sleep(0.1)
    trips.sort()

    vt_orderid = gateway.send_order(order(Direction.LONG, 99.0, "S001USDT"))
    orderid = vt_orderid.split(".", 1)[1]
    wait(lambda: orderid in recorder.order_times, 10)
    fake.block_user_stream()
    time.sleep(1.0)
    fake.fill(orderid, 0.1, 99.0)
    back = time.perf_counter()
    fake.block_user_stream(False)
    from vnpy.trader.constant import Status

    consistent = wait(lambda: recorder.statuses.get(orderid) is Status.ALLTRADED, 30)
    after_drop = round(time.perf_counter() - back, 3) if consistent else None

    wait(side.ready, 60)
    recorder.trade_ids.clear()
    resting = [gateway.send_order(order(Direction.LONG, 95.0 - n / 100, "S002USDT", 0.06)).split(".", 1)[1]
               for n in range(20)]
    wait(lambda: all(o in recorder.order_times for o in resting), 30)
    before = {t["id"] for t in fake.trades()}
    for _ in range(100):
        fake.set_book("S002USDT", 94.0, 94.01)
        fake.drop_sockets()
        fake.set_book("S002USDT", 96.0, 96.01)
    venue = sorted(str(t["id"]) for t in fake.trades() if t["id"] not in before)
    wait(lambda: set(recorder.trade_ids) >= set(venue), 60)
    time.sleep(2)
    seen = recorder.trade_ids
    lost = len(set(venue) - set(seen))
    duplicated = len(seen) - len(set(seen))

    gateway.close()
    event_engine.stop()
    fake.stop()
    return {"gateway": kind.name, "symbols": SYMBOLS, "book_updates": SYMBOLS * ROUNDS,
            "book_updates_per_s": round(throughput) if throughput else None,
            "round_trip_p50_ms": round(statistics.median(trips), 2) if trips else None,
            "round_trip_p99_ms": round(trips[int(len(trips) * 0.99) - 1], 2) if trips else None,
            "orders_acknowledged": len(trips), "consistent_after_drop_s": after_drop,
            "venue_fills": len(venue), "lost_fills": lost, "duplicated_fills": duplicated}


def main() -> None:
    from lianghua_app.paths import DataDir
    from lianghua_app.storage import open_database
    from lianghua_app.vnpy_env import bind_vnpy

    with tempfile.TemporaryDirectory() as folder:
        data_dir = DataDir(Path(folder))
        bind_vnpy(data_dir)
        open_database(data_dir.database_file)      # the journal the gateway reads at its gap-fills, as in the app
        ours, theirs = run(Ours), run(Theirs)
    ours["throughput_vs_vnpy"] = round(ours["book_updates_per_s"] / theirs["book_updates_per_s"], 2)
    ours["p99_vs_vnpy"] = round(ours["round_trip_p99_ms"] / theirs["round_trip_p99_ms"], 2)
    for line in (ours, theirs):
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
