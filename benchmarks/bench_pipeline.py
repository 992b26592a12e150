"""Orders through the whole pipeline to SIM, filling: market rules, the risk manager with its
recommended rules, the journal (durable before shown), the SIM venue and its saved book.

`python benchmarks/bench_pipeline.py [FLAT_OUT] [PACED] [RATE]` sends FLAT_OUT orders (default
100,000) as fast as one thread can, then PACED orders (default 10,000) at RATE per second (default
200). Latency is from `send_order` to the trade being shown, which happens only after the
journal has committed it. Orders rotate over four A-share symbols, prices and sizes, so the
duplicate-order rule passes them; the rate and active-order limits are opened for the test.

Last line: {"orders", "sustained_orders_per_s", "p50_ms", "p99_ms", "p99_ms_first_10k",
"p99_ms_last_10k", "lost", "duplicated"}. p50/p99 are the paced run; first/last 10k are the
flat-out run. Targets: sustained >= 1,000 orders/s, p99 <= 20 ms, last-10k p99 within 1.5x of
the first 10k, 0 lost, 0 duplicated.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
FLAT_OUT = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
PACED = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
RATE = float(sys.argv[3]) if len(sys.argv) > 3 else 200.0
SYMBOLS = ("000001.SZSE", "600519.SSE", "300750.SZSE", "688981.SSE")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)] if ordered else float("nan")


def main(folder: Path) -> dict:
    from lianghua_app.paths import DataDir
    from lianghua_app.vnpy_env import bind_vnpy

    data_dir = DataDir(folder)
    bind_vnpy(data_dir)
    from vnpy.trader.constant import Direction, Exchange, Offset, OrderType
    from vnpy.trader.event import EVENT_TRADE
    from vnpy.trader.object import OrderRequest, TickData

    from apps.risk_manager.config import RECOMMENDED
    from apps.risk_manager.rules import RULES
    from lianghua_app.bootstrap import build_engine, connect_sim_gateway
    from lianghua_app.events import EVENT_ORDER_REJECTED
    from lianghua_app.markets import CHINA_TZ
    from lianghua_app.settings import validate
    from lianghua_app.storage.models import TradeRecord

    engine = build_engine(data_dir, validate({"sim.capital_cny": 1e10}), connect_sim=False)
    risk = engine.get_engine("RiskManager")
    problems = risk.apply({"enabled": {name: name in RECOMMENDED for name in RULES},
                           "params": {"order_rate": {"per_second": 1e9, "per_minute": 1e9},
                                      "max_active_orders": {"total": 1e9, "per_symbol": 1e9}}})
    assert problems == [], problems
    connect_sim_gateway(engine, autostart=False, whole_market=False)
    sim = engine.gateways["SIM"]
    while any(engine.get_contract(s) is None for s in SYMBOLS):
        time.sleep(0.01)
    from datetime import datetime

    for vt_symbol in SYMBOLS:
        symbol, exchange = vt_symbol.split(".")
        tick = TickData("SIM", symbol, Exchange(exchange), datetime.now(CHINA_TZ), last_price=10.0, pre_close=10.0,
                        limit_up=11.0, limit_down=9.0, bid_price_1=9.99, ask_price_1=10.0, bid_volume_1=1e12,
                        ask_volume_1=1e12)
        sim.push_tick(tick)
    while any(engine.get_tick(s) is None for s in SYMBOLS):
        time.sleep(0.01)

    sent: dict[str, int] = {}
    shown: dict[str, list[int]] = {}
    done = threading.Condition()

    waiting: set[str] = set()

    def on_trade(event) -> None:
        now = time.perf_counter_ns()
        with done:
            shown.setdefault(event.data.vt_orderid, []).append(now)
            waiting.discard(event.data.vt_orderid)
            if not waiting:
                done.notify_all()

    engine.event_engine.register(EVENT_TRADE, on_trade)
    reasons: list[str] = []
    engine.event_engine.register(EVENT_ORDER_REJECTED, lambda event: reasons.append(event.data.reason))

    def request(i: int) -> OrderRequest:
        vt_symbol = SYMBOLS[i % 4]
        symbol, exchange = vt_symbol.split(".")
        volume = 200 + 100 * ((i // 4) % 99)
        price = round(10.0 + 0.01 * ((i // 396) % 45), 2)
        return OrderRequest(symbol, Exchange(exchange), Direction.LONG, OrderType.LIMIT, volume, price, Offset.OPEN)

    def run(count: int, offset: int, rate: float | None) -> tuple[list[str], float, float]:
        ids, refused = [], 0
        started = time.perf_counter()
        for n in range(count):
            if rate:
                due = started + n / rate
                while (wait := due - time.perf_counter()) > 0:
                    time.sleep(wait)
            req = request(offset + n)
            moment = time.perf_counter_ns()
            vt_orderid = engine.send_order(req, "SIM")
            order = engine.get_order(vt_orderid)
            if vt_orderid.split(".", 1)[1].startswith("REJ") or (order and order.extra and order.extra.get("reason")):
                refused += 1
                continue
            sent[vt_orderid] = moment
            ids.append(vt_orderid)
        with done:
            waiting.update(i for i in ids if i not in shown)
            done.wait_for(lambda: not waiting, timeout=600)
        finished = time.perf_counter()
        if refused:
            time.sleep(1)
            print(f"refused {refused} of {count}: {sorted(set(reasons))[:5]}", file=sys.stderr)
        return ids, started, finished

    def latencies(ids: list[str]) -> list[float]:
        return [(shown[i][0] - sent[i]) / 1e6 for i in ids if i in shown]

    flat_ids, flat_start, flat_end = run(FLAT_OUT, 0, None)
    paced_ids, _, _ = run(PACED, FLAT_OUT, RATE)
    flat = latencies(flat_ids)
    paced = latencies(paced_ids)
    all_ids = flat_ids + paced_ids
    lost = sum(1 for i in all_ids if i not in shown)
    journaled = {r.vt_orderid for r in TradeRecord.select(TradeRecord.vt_orderid)}
    lost += sum(1 for i in all_ids if i in shown and i not in journaled)
    duplicated = sum(1 for i in all_ids if len(shown.get(i, ())) > 1)
    engine.close()
    return {"orders": len(all_ids), "sustained_orders_per_s": round(len(flat_ids) / (flat_end - flat_start), 1),
            "p50_ms": round(percentile(paced, 0.5), 2), "p99_ms": round(percentile(paced, 0.99), 2),
            "p99_ms_first_10k": round(percentile(flat[:10_000], 0.99), 2),
            "p99_ms_last_10k": round(percentile(flat[-10_000:], 0.99), 2), "lost": lost, "duplicated": duplicated}


if __name__ == "__main__":
    folder = Path(tempfile.mkdtemp(prefix="lianghua-bench-pipeline-"))
    try:
        print(json.dumps(main(folder / "profile")))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
