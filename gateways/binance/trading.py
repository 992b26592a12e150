"""Binance trading: orders, cancels, the user stream and the gap-fill after any reconnect. One
part of BinanceGateway; coroutines run on the gateway's asyncio thread.

Never lose a fill, never send twice: fills are keyed by Binance's trade id; a send whose answer
never came is looked up by its client id (the order id), never resent; after the user stream
drops, nothing is called connected until open orders, fills since the last one seen, positions
and the account have been read back."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from vnpy.trader.constant import OrderType, Status
from vnpy.trader.object import CancelRequest, OrderData, OrderRequest, TradeData

from lianghua_app.events import EVENT_CASH_FLOW
from lianghua_app.i18n import tr
from lianghua_app.journal import journaled_active_orders, last_flow_time

from . import mapping as m
from . import spot_mapping as sm
from .client import is_network, is_order_missing

ALREADY_SO = (-4046, -4059)        # "No need to change margin type" / "... position side"


class BinanceTrading:
    def send_order(self, req: OrderRequest) -> str:
        orderid = f"lh{self.order_prefix}{next(self.order_count):05d}"
        order = req.create_order_data(orderid, self.gateway_name)
        order.datetime = datetime.now(timezone.utc)
        with self.lock:
            mark = m.number(self.marks.get(req.symbol, {}).get("p"))
        spot = sm.is_spot(req.symbol)
        plan = sm.plan_spot_order(req, orderid) if spot else m.plan_order(req, orderid, self.hedge_mode, mark)
        reason = plan if isinstance(plan, str) else ""
        if not reason and spot and not self.spot_ready:
            reason = tr("币安现货交易未连接，委托未发出")
        elif not reason and not spot and not self.trading_ready:
            reason = tr("币安交易未连接（{state}），委托未发出", state=self.state_text)
        if reason:
            order.status = Status.REJECTED
            order.extra = {"reason": reason}
            self.write_log(tr("委托{orderid}未发出：{reason}", orderid=orderid, reason=reason))
            self.on_order(order)
            return order.vt_orderid
        with self.lock:
            self.book.sent(order, algo=plan.type in m.ALGO_TYPES)
        self.on_order(order)
        self.submit(self._send_spot(req.symbol, orderid, plan) if spot else self._send(req.symbol, orderid, plan))
        return order.vt_orderid

    async def _send(self, symbol: str, orderid: str, plan: m.OrderPlan) -> None:
        try:
            info = await self.client.create_order(symbol, plan)
        except Exception as error:
            await self._unanswered(orderid, error)
            return
        self._apply_state(m.order_from_algo(info) if plan.type in m.ALGO_TYPES else m.order_from_rest(info))

    async def _unanswered(self, orderid: str, error: Exception) -> None:
        """A refused send is rejected with Binance's reason; one without an answer is looked up."""
        if not is_network(error):
            self._reject(orderid, m.error_reason(str(error)))
            return
        with self.lock:
            self.book.unsure.add(orderid)
        self.write_log(tr("委托{orderid}发送后未收到答复（{error}），正在向币安查询，不会重发", orderid=orderid,
                          error=type(error).__name__))
        await self._look_up(orderid)

    async def _look_up(self, orderid: str) -> None:
        """Find an order whose send went unanswered: its status if Binance has it, rejected if
        not. Retried with backoff while the network is down; the gap-fill retries too."""
        with self.lock:
            order = self.book.orders.get(orderid)
            algo = orderid in self.book.algo
        if order is None:
            return
        for attempt in range(8):
            try:
                state = await self._fetch_order(order.symbol, orderid, algo)
            except Exception as error:
                if is_network(error):
                    await asyncio.sleep(min(0.5 * 2 ** attempt, 30))
                    continue
                if is_order_missing(error):
                    self._reject(orderid, tr("币安没有收到该委托（发送超时），未重发"))
                else:
                    self.write_log(tr("查询委托{orderid}失败：{error}", orderid=orderid,
                                      error=m.error_reason(str(error))))
                return
            self._apply_state(state)
            return

    async def _fetch_order(self, symbol: str, orderid: str, algo: bool) -> m.OrderState:
        if sm.is_spot(symbol):
            return sm.order_from_spot_rest(await self.spot_client.order(sm.binance_id(symbol), orderid))
        info = await self.client.order(symbol, orderid, algo)
        return m.order_from_algo(info) if algo else m.order_from_rest(info)

    def cancel_order(self, req: CancelRequest) -> None:
        with self.lock:
            order = self.book.orders.get(req.orderid)
            algo = req.orderid in self.book.algo
        if order is None:
            return self.write_log(tr("撤单失败：找不到委托{orderid}", orderid=req.orderid))
        if not order.is_active():
            return self.write_log(tr("委托{orderid}已是{status}，无需撤单", orderid=req.orderid,
                                     status=order.status.value))
        if sm.is_spot(order.symbol):
            return self.submit(self._cancel_spot(order.symbol, req.orderid))
        self.submit(self._cancel(order.symbol, req.orderid, algo))

    async def _cancel(self, symbol: str, orderid: str, algo: bool) -> None:
        try:
            info = await self.client.cancel_order(symbol, orderid, algo)
        except Exception as error:
            self.write_log(tr("撤单{orderid}失败：{error}", orderid=orderid, error=m.error_reason(str(error))))
            await self._look_up(orderid)      # it may have filled meanwhile: show what it is
            return
        if not algo and "status" in info:
            self._apply_state(m.order_from_rest(info))

    def cancel_all(self, symbol: str) -> None:
        """Every open order of one symbol, in one request (the algo orders too, one by one)."""
        if sm.is_spot(symbol):
            return self.submit(self._cancel_all_spot(symbol))
        with self.lock:
            algos = [o.orderid for o in self.book.active() if o.symbol == symbol and o.orderid in self.book.algo]
        self.submit(self._cancel_all(symbol, algos))

    async def _cancel_all(self, symbol: str, algos: list[str]) -> None:
        try:
            await self.client.cancel_all(symbol)
        except Exception as error:
            self.write_log(tr("全部撤单{symbol}失败：{error}", symbol=symbol, error=m.error_reason(str(error))))
        for orderid in algos:
            await self._cancel(symbol, orderid, True)

    def query_account(self) -> None:
        self.refresh_account()

    def query_position(self) -> None:
        self.refresh_account()

    def query_orders(self) -> list[OrderData]:
        with self.lock:
            return list(self.book.orders.values())

    def query_trades(self) -> list[TradeData]:
        with self.lock:
            return list(self.book.trades.values())

    # --- settings a trader changes ---------------------------------------------------------------
    def set_leverage(self, symbol: str, leverage: int) -> None:
        self.submit(self._account_call(tr("{symbol}杠杆设为{leverage}倍", symbol=symbol, leverage=leverage),
                                       self.client.set_leverage(symbol, int(leverage))))

    def set_margin_type(self, symbol: str, isolated: bool) -> None:
        self.submit(self._account_call(tr("{symbol}保证金模式设为{mode}", symbol=symbol,
                                          mode=tr("逐仓") if isolated else tr("全仓")),
                                       self.client.set_margin_type(symbol, isolated)))

    def set_position_mode(self, hedge: bool) -> None:
        async def change() -> None:
            await self.client.set_hedge_mode(hedge)
            self.hedge_mode = hedge
        self.submit(self._account_call(tr("持仓模式设为{mode}", mode=tr("双向") if hedge else tr("单向")), change()))

    async def _account_call(self, what: str, call: Any) -> None:
        try:
            await call
        except Exception as error:
            if m.error_code(str(error)) in ALREADY_SO:
                self.write_log(tr("{what}：原本如此，无需更改", what=what))
                return
            self.write_log(tr("{what}失败：{error}", what=what, error=m.error_reason(str(error))))
            return
        self.write_log(tr("{what}：成功", what=what))
        self.refresh_account()

    # --- the user stream -------------------------------------------------------------------------
    async def _watch_user(self, spot: bool = False) -> None:
        """Order updates and fills until the gateway closes (futures, or spot). A failure of any
        watch, or a stream the watchdog finds dead, leads to one recovery: new stream, then gap-fill."""
        client = self.spot_client if spot else self.client
        handlers = ((self._on_spot_order_updates, self._on_spot_trade_updates, self._on_spot_account_update) if spot
                    else (self._on_order_updates, self._on_trade_updates, self._on_account_update))
        drops, seen = 0, None
        while not self.closing:
            # A fill the dropped socket never delivered can be older than one the next socket
            # delivers before the gap-fill reads: read from the newest fill seen when the stream
            # was lost, kept until a recovery succeeds.
            if seen is None:
                with self.lock:
                    seen = dict(self.book.last_trade_ms)
            orders = asyncio.ensure_future(self._stream(client.watch_orders, handlers[0]))
            trades = asyncio.ensure_future(self._stream(client.watch_trades, handlers[1]))
            account = asyncio.ensure_future(self._stream(client.watch_account, handlers[2]))
            watchdog = asyncio.ensure_future(self._watchdog(client))
            opened = asyncio.ensure_future(client.user_stream_connected())
            streams = {orders, trades, account, watchdog}
            try:
                done, _ = await asyncio.wait({opened, *streams}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
                opened_ok = opened in done and opened.exception() is None
                if opened_ok and not done & streams:
                    await (self._spot_gap_fill(seen) if spot else self._gap_fill(seen))
                if opened_ok and not any(task.done() for task in streams):   # still open after the gap-fill
                    if spot:
                        self._set_spot_state(True)
                    else:
                        self._set_state("已连接")
                    drops, seen = 0, None
                    await asyncio.wait(streams, return_when=asyncio.FIRST_COMPLETED)
                failures = [task.exception() for task in (*streams, opened) if task.done() and not task.cancelled()]
                problem = next((e for e in failures if e), None) or tr("用户数据流未能建立")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                problem = error
            finally:
                for task in (opened, *streams):
                    task.cancel()
                await asyncio.gather(opened, *streams, return_exceptions=True)
            if self.closing:
                return
            drops += 1
            words = tr("币安{market}用户数据流中断（{error}），正在重连并补齐委托与成交（第{n}次）",
                       market=tr("现货") if spot else "", error=_words(problem), n=drops)
            quiet = drops % 10 != 1         # an outage is logged once per ten tries
            if spot:
                self._set_spot_state(False, words, quiet)
            else:
                self._set_state("补齐中", words, quiet=quiet)
            await client.drop_user_stream()
            await asyncio.sleep(min(0.2 * 2 ** min(drops, 5), 5.0) if drops > 3 else 0.05)

    async def _stream(self, watch, handle) -> None:
        while True:
            handle(await watch())

    async def _watchdog(self, client) -> None:
        """Binance's user stream is silent when nothing happens, also after its listenKey
        expired: keep the key alive and end the stream as soon as Binance no longer knows it."""
        while True:
            await asyncio.sleep(float(self.setting.get("watchdog_interval", 60)))
            await client.keep_alive()

    def _on_order_updates(self, updates: list[dict]) -> None:
        for o in updates:
            self._apply_state(m.order_from_algo(o) if "aid" in o else m.order_from_update(o))

    def _on_trade_updates(self, updates: list[dict]) -> None:
        for o in updates:
            self._apply_trade(m.trade_from_update(o, o.get("c", ""), self.gateway_name), int(o.get("T") or 0))

    def _on_account_update(self, update: dict) -> None:
        """Fills refresh the account themselves; funding, transfers and the rest do it here."""
        reason = (update.get("a") or {}).get("m")
        if reason == "FUNDING_FEE":
            self._start(self._read_funding())
        if reason and reason != "ORDER":
            self.refresh_account()

    async def _read_funding(self) -> None:
        """Funding payments since the newest one stored (at most Binance's 7 days back): the user
        stream only says that one happened; the income history has each, with its own id."""
        floor = datetime.now(timezone.utc) - timedelta(days=7)
        cursor = int(max(last_flow_time(self.gateway_name, "funding") or floor, floor).timestamp() * 1000)
        fresh = []
        while True:
            rows = await self.client.income("FUNDING_FEE", cursor)
            new = [f for f in m.funding_flows(rows, self.gateway_name) if f.flow_id not in self.funding_seen]
            fresh += new
            self.funding_seen.update(f.flow_id for f in new)
            if len(rows) < 1000 or not new:
                break
            cursor = int(rows[-1]["time"])            # same-millisecond rows may straddle the page
        for flow in fresh:
            self.on_event(EVENT_CASH_FLOW, flow)
        if len(fresh) == 1:
            flow = fresh[0]
            self.write_log(tr("币安资金费 {symbol}：{verb}{amount:.4f} {asset}", symbol=flow.vt_symbol,
                              verb=tr("收取") if flow.amount > 0 else tr("支付"), amount=abs(flow.amount),
                              asset=flow.asset))
        elif fresh:
            self.write_log(tr("币安资金费：{count}笔，合计{total:+.4f} USDT", count=len(fresh),
                              total=sum(f.amount for f in fresh)))

    def _apply_state(self, state: m.OrderState) -> None:
        if not state.orderid:
            return
        with self.lock:
            order = self.book.advance(state, self.gateway_name)
        if order is None:
            return
        if order.status is Status.REJECTED:
            self.write_log(tr("币安拒绝委托{orderid}：{reason}", orderid=order.orderid,
                              reason=(order.extra or {}).get("reason") or tr("未给出原因")))
        self.on_order(order)

    def _apply_trade(self, trade, time_ms: int) -> None:
        if trade is None:
            return
        with self.lock:
            fresh = self.book.first_sight(trade, time_ms)
        if fresh:
            self.on_trade(trade)
            if not sm.is_spot(trade.symbol):     # spot balances arrive with the fill (outboundAccountPosition)
                self.refresh_account()

    def _reject(self, orderid: str, reason: str) -> None:
        with self.lock:
            order = self.book.reject(orderid, reason)
        if order is not None:
            self.write_log(tr("委托{orderid}被拒：{reason}", orderid=orderid, reason=reason))
            self.on_order(order)

    async def _gap_fill(self, seen: dict[str, int]) -> None:
        """What happened while nobody listened: open orders, the final state of orders that are
        no longer open, fills since the newest one seen, positions and the account."""
        if not self.client.has_key:
            return
        positions = await self.client.positions()
        # The first time, every symbol's open orders (weight 40), and the orders the journal last
        # saw live: an earlier session's orders may have filled while the app was closed.
        if not self.filled_once:
            with self.lock:
                for order in journaled_active_orders(self.gateway_name):
                    self.book.sent(order, algo=order.type is OrderType.STOP)
        open_rows = await self.client.open_orders(None) if not self.filled_once else []
        with self.lock:
            symbols = {s for s in self.book.symbols() if not sm.is_spot(s)} | {row["symbol"] for row in positions} \
                | {r["symbol"] for r in open_rows}
        if self.filled_once:
            for symbol in sorted(symbols):
                open_rows += await self.client.open_orders(symbol)
        self.filled_once = True
        open_ids = set()
        for row in open_rows:
            open_ids.add(row.get("clientOrderId"))
            self._apply_state(m.order_from_rest(row))
        with self.lock:
            closed = [o.orderid for o in self.book.active() if o.orderid not in open_ids and not sm.is_spot(o.symbol)]
        for orderid in closed:          # filled or cancelled while nobody listened (algo orders: looked up too)
            await self._look_up(orderid)
        with self.lock:
            since = {s: seen.get(s, self.started_ms) for s in symbols}
            venue = dict(self.book.venue_ids)
        for symbol, start in since.items():
            for row in await self.client.trades_since(symbol, start):
                orderid = venue.get(str(row.get("orderId"))) or f"binance{row.get('orderId')}"
                self._apply_trade(m.trade_from_rest(row, orderid, self.gateway_name), int(row.get("time") or 0))
        await self._read_funding()
        await self._read_account(positions)

    def refresh_account(self) -> None:
        if self.trading_ready and not self.account_queued:
            self.account_queued = True
            self.submit(self._read_account())

    async def _read_account(self, positions: list[dict] | None = None) -> None:
        self.account_queued = False
        try:
            rows = positions if positions is not None else await self.client.positions()
            account = await self.client.account()
        except Exception as error:
            self.write_log(tr("读取币安账户失败：{error}", error=m.error_reason(str(error))))
            return
        current = {p.vt_positionid: p for p in m.positions_from_rest(rows, self.gateway_name)}
        for vt_positionid, position in self.positions.items():
            if vt_positionid not in current:        # closed since the last read: Binance lists it no more
                self.on_position(replace(position, volume=0, pnl=0.0))
        for position in current.values():
            self.on_position(position)
        self.positions = current
        self.on_account(m.account_from_rest(account, self.gateway_name))


def _words(error: Any) -> str:
    return m.error_reason(str(error)) if str(error) else type(error).__name__
