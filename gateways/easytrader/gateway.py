"""EasytraderGateway: orchestration only. The wire is client.py, the grids' mapping mapping.py,
the id bookkeeping orders.py; the agent (agent.py, server.py) runs beside the broker client.

One poll thread asks the agent for the balance, positions, today's orders and trades (faster
while orders are open), turns them into vnpy events that only move forward, and asks again, with
the same idempotency key, about any order whose answer was not final. Sends run one at a time on
a worker thread, so a slow GUI never holds up the caller. A dropped agent is retried with backoff
and the status bar says so."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from vnpy.event import EventEngine
from vnpy.trader.constant import Exchange, OrderType, Product, Status
from vnpy.trader.gateway import BaseGateway
from vnpy.trader.object import CancelRequest, ContractData, OrderRequest, SubscribeRequest

from lianghua_app.events import EVENT_GATEWAY_STATUS, GatewayStatus
from lianghua_app.i18n import tr
from lianghua_app.markets import CHINA_TZ, ashare, is_ashare

from .client import AgentClient, AgentRefused, AgentUnavailable, LocalAgentClient
from .mapping import BROKERS, MappingError, balance_of, family_of, field, order_of, position_of, trade_of
from .orders import BrokerBook, account_from, key_of, position_from

RETRY_DELAYS = (1, 2, 5, 10, 30)
FAST_POLL_SECONDS = 1.0


class EasytraderGateway(BaseGateway):
    default_name = "EASYTRADER"
    default_setting: dict[str, Any] = {"agent_url": "http://127.0.0.1:1430", "agent_key": "",
                                       "broker": list(BROKERS), "poll_seconds": 3.0, "in_process": False,
                                       "demo": False}
    exchanges = [Exchange.SSE, Exchange.SZSE, Exchange.BSE]

    def __init__(self, event_engine: EventEngine, gateway_name: str = "EASYTRADER") -> None:
        super().__init__(event_engine, gateway_name)
        self.lock = threading.RLock()
        self.book = BrokerBook(gateway_name)
        self.sender = ThreadPoolExecutor(1, thread_name_prefix=f"{gateway_name}-send")
        self.stop_event = threading.Event()
        self.wake = threading.Event()
        self.client: AgentClient | None = None
        self.family = "ths"
        self.poll_seconds = 3.0
        self.connected = False
        self.poller: threading.Thread | None = None
        self.requests: dict[str, dict] = {}
        self.contracts: set[str] = set()
        self.pending_cancels: set[str] = set()
        self.order_prefix = datetime.now(CHINA_TZ).strftime("%y%m%d%H%M%S")
        self.order_count = itertools.count(1)
        self.quotes_explained = False
        self.seen_rows: set[tuple] = set()

    # --- connection -------------------------------------------------------------------------------
    def connect(self, setting: dict) -> None:
        """Returns at once; the status bar follows the poll thread."""
        setting = {**{k: (v[0] if isinstance(v, list) else v) for k, v in self.default_setting.items()}, **setting}
        try:
            self.family = family_of(str(setting["broker"]))
        except MappingError as error:
            return self._status(False, str(error))
        if setting.get("in_process"):               # opening the client takes a while: not on the caller's thread
            self._status(False, tr("正在打开券商客户端……"), busy=True)
            threading.Thread(target=self._start_in_process, args=(setting,), name=f"{self.gateway_name}-open",
                             daemon=True).start()
            return
        if not setting.get("agent_key"):
            return self._status(False, tr("缺少交易代理密钥：请运行 lianghua secret set easytrader.agent_key，"
                                          "并在代理所在电脑上设置同一密钥"))
        self._start(AgentClient(str(setting["agent_url"]), str(setting["agent_key"])), setting)

    def _start_in_process(self, setting: dict) -> None:
        """The agent in this process (Windows with easytrader here), or over the simulated client
        (`demo`); its journal beside the profile's database (`journal_path`)."""
        from pathlib import Path

        from .agent import Agent
        from .brokers import open_trader
        from .journal import OrderJournal

        folder = Path(setting["journal_path"]).parent
        try:
            if setting.get("demo"):
                from .testing import FakeClientTrader

                trader = FakeClientTrader(folder / "agent_demo_broker.db")
            else:
                trader = open_trader(str(setting["broker"]), str(setting.get("exe_path", "")),
                                     str(setting.get("user", "")), str(setting.get("password", "")),
                                     str(setting.get("comm_password", "")))
        except Exception as error:              # easytrader's failures are many; each said in words
            return self._status(False, tr("无法打开券商客户端：{error}", error=error))
        agent = Agent(trader, OrderJournal(Path(setting["journal_path"])), self.family, str(setting["broker"]))
        for entry in agent.recover():
            self.write_log(tr("上次未确认的委托{key}：{state} {reason}", key=entry.key, state=entry.state,
                              reason=entry.reason))
        self._start(LocalAgentClient(agent), setting)

    def _start(self, client, setting: dict) -> None:
        self.client = client
        self.poll_seconds = max(float(setting.get("poll_seconds") or 3.0), 0.2)
        if self.poller is None:
            self.poller = threading.Thread(target=self._poll_loop, name=f"{self.gateway_name}-poll", daemon=True)
            self.poller.start()
        self.wake.set()

    def close(self) -> None:
        self.stop_event.set()
        self.wake.set()
        self.sender.shutdown(wait=False, cancel_futures=True)
        if self.poller is not None:
            self.poller.join(10)

    def _poll_loop(self) -> None:
        self._status(False, tr("正在连接交易代理……"), busy=True)
        failures = 0
        while not self.stop_event.is_set():
            try:
                self.poll_once()
                if not self.connected:
                    self.connected = True
                    self._status(True, tr("交易代理已连接（{broker}）", broker=self.family))
                failures = 0
                delay = FAST_POLL_SECONDS if self.book.active() or self.book.unresolved else self.poll_seconds
                delay = min(delay, self.poll_seconds)
            except (AgentUnavailable, AgentRefused) as error:
                delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
                failures += 1
                self.connected = False
                self._status(False, tr("{error}；{delay}秒后重试", error=error, delay=delay))
            except Exception as error:          # a bug in a poll must not end polling silently
                delay = self.poll_seconds
                self.write_log(tr("交易代理数据处理出错：{error}", error=error))
            self.wake.wait(delay)
            self.wake.clear()

    def poll_once(self) -> None:
        client = self.client
        if client is None:
            return
        balance = client.get("/v1/balance")
        positions = client.get("/v1/positions")
        trades = client.get("/v1/trades")
        orders = client.get("/v1/orders")
        for row in self._changed(orders["rows"], ("entrust_no", "status", "traded")):
            broker_order = order_of(row, self.family)
            self._contract(broker_order.vt_symbol)
            with self.lock:
                order = self.book.grid_order(broker_order)
            if order is not None:
                self.on_order(order)
        for row in self._changed(trades["rows"], ("entrust_no", "trade_no", "trade_time", "traded")):
            with self.lock:
                trade = self.book.grid_trade(trade_of(row, self.family))
            if trade is not None:
                self.on_trade(trade)
        self.on_account(account_from(balance_of(balance["rows"], self.family), self.gateway_name))
        for row in positions["rows"]:
            position = position_from(position_of(row, self.family), self.gateway_name)
            self._contract(position.vt_symbol)
            self.on_position(position)
        with self.lock:
            unresolved = list(self.book.unresolved)
        for orderid in unresolved:              # answers not final yet: asked again under the same key
            self._ask(orderid)
        self._flush_cancels()

    def _changed(self, rows: list[dict], fields: tuple[str, ...]) -> list[dict]:
        """The rows that differ, in the fields that matter, from the last poll: a day's grid of
        thousands of orders is read in full each time, but only what changed is mapped."""
        changed = []
        for row in rows:
            signature = tuple(field(row, self.family, name) for name in fields)
            if signature not in self.seen_rows:
                self.seen_rows.add(signature)
                changed.append(row)
        return changed

    # --- orders -------------------------------------------------------------------------------------------
    def send_order(self, req: OrderRequest) -> str:
        orderid = f"{self.order_prefix}{next(self.order_count):05d}"
        order = req.create_order_data(orderid, self.gateway_name)
        order.datetime = datetime.now(CHINA_TZ)
        kind = {OrderType.LIMIT: "limit", OrderType.MARKET: "market"}.get(req.type)
        if kind is None or not is_ashare(req.exchange):
            order.status = Status.REJECTED
            order.extra = {"reason": tr("券商客户端只支持A股的限价和市价委托")}
            self.on_order(order)
            return order.vt_orderid
        request = {"key": key_of(orderid), "side": "buy" if req.direction.name == "LONG" else "sell", "kind": kind,
                   "code": req.symbol, "price": req.price if kind == "limit" else 0, "amount": int(req.volume)}
        order.extra = {}
        with self.lock:
            self.book.sent(order)
            self.requests[orderid] = request
        self.on_order(order)
        self.sender.submit(self._ask, orderid)
        return order.vt_orderid

    def _ask(self, orderid: str) -> None:
        """Send, or ask again about, one order under its key: the agent answers a resend with the
        first result, so this never places it twice."""
        client, request = self.client, self.requests.get(orderid)
        if client is None or request is None:
            return
        try:
            answer = client.post("/v1/order", request)
        except AgentUnavailable as error:
            with self.lock:
                order = self.book.failed(orderid, tr("等待交易代理：{error}", error=error))
        except AgentRefused as error:       # refused before the broker's GUI was touched
            with self.lock:
                order = self.book.answered(orderid, {"state": "rejected", "reason": str(error)})
        except Exception as error:
            self.write_log(tr("委托{orderid}发送出错：{error}", orderid=orderid, error=error))
            return
        else:
            with self.lock:
                order = self.book.answered(orderid, answer)
        if order is not None:
            self.on_order(order)
        self.wake.set()

    def cancel_order(self, req: CancelRequest) -> None:
        with self.lock:
            self.pending_cancels.add(req.orderid)
        self.sender.submit(self._flush_cancels)

    def _flush_cancels(self) -> None:
        with self.lock:
            ready = {orderid: self.book.entrust_of(orderid) for orderid in self.pending_cancels}
            ready = {orderid: entrust for orderid, entrust in ready.items() if entrust}
            self.pending_cancels -= set(ready)
        for orderid, entrust_no in ready.items():
            try:
                answer = self.client.post("/v1/cancel", {"entrust_no": entrust_no})
            except (AgentUnavailable, AgentRefused) as error:
                self.write_log(tr("撤单{orderid}失败：{error}", orderid=orderid, error=error))
                continue
            message = answer.get("message", "")
            if message and message != "success":
                self.write_log(tr("撤单{orderid}：{message}", orderid=orderid, message=message))
        self.wake.set()

    # --- what a broker client does not give -----------------------------------------------------------------
    def subscribe(self, req: SubscribeRequest) -> None:
        """No quotes come through a broker client; the symbol becomes tradable here."""
        self._contract(f"{req.symbol}.{req.exchange.value}")
        if not self.quotes_explained:
            self.quotes_explained = True
            self.write_log(tr("券商客户端接口不提供行情：行情请用QMT、模拟接口或其他行情源"))

    def query_account(self) -> None:
        pass                                    # the poll thread reads it

    def query_position(self) -> None:
        pass

    def _contract(self, vt_symbol: str) -> None:
        if vt_symbol in self.contracts:
            return
        self.contracts.add(vt_symbol)
        symbol, exchange = vt_symbol.rsplit(".", 1)
        lot = ashare.LOT_RULES[ashare.board_of(symbol)]
        self.on_contract(ContractData(gateway_name=self.gateway_name, symbol=symbol, exchange=Exchange(exchange),
                                      name=symbol, product=Product.EQUITY, size=1, pricetick=ashare.PRICE_TICK,
                                      min_volume=lot.step))

    def _status(self, connected: bool, message: str, busy: bool = False) -> None:
        self.write_log(message)
        self.on_event(EVENT_GATEWAY_STATUS, GatewayStatus(self.gateway_name, connected, message, busy))
