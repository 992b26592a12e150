"""The agent beside the broker client: it owns the one easytrader trader, runs one GUI operation
at a time, and never doubles or loses an order.

An order arrives with an idempotency key. The key is journaled (`sending`) before the GUI is
touched; a resend of the key waits for the first and returns its result. When the GUI step ends
ambiguously (a popup, a timeout, an exception after the click, an answer without an entrust
number) the order is resolved by reading today's orders back: found, it is placed with its entrust
number; not found, it is rejected with the words of what happened. After a crash, every key left
`sending` or `unknown` is resolved the same way before anything else runs. Nothing is resubmitted
blindly."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from lianghua_app.i18n import tr

from .journal import FINAL, Entry, OrderJournal
from .mapping import MappingError, entrust_no_of, order_of

SIDES = ("buy", "sell")
KINDS = ("limit", "market")
MATCH_SLACK = timedelta(seconds=5)       # a grid's time has whole seconds; two clocks on one machine


class AgentError(RuntimeError):
    """A request the agent could not carry out; the message says why in the user's words."""


def check_order(request: dict) -> str | None:
    key, side, kind = request.get("key"), request.get("side"), request.get("kind", "limit")
    code, price, amount = str(request.get("code", "")), request.get("price", 0), request.get("amount")
    if not isinstance(key, str) or not 8 <= len(key) <= 64:
        return tr("缺少幂等键（8到64个字符）")
    if side not in SIDES or kind not in KINDS:
        return tr("买卖方向或委托类型无效：{side} {kind}", side=side, kind=kind)
    if len(code) != 6 or not code.isdigit():
        return tr("证券代码应为6位数字，收到“{code}”", code=code)
    if not isinstance(amount, int | float) or amount <= 0 or amount != int(amount):
        return tr("委托数量应为正整数，收到{amount!r}", amount=amount)
    if kind == "limit" and (not isinstance(price, int | float) or not price > 0):
        return tr("限价委托须有大于0的价格，收到{price!r}", price=price)
    return None


class Agent:
    def __init__(self, trader: Any, journal: OrderJournal, family: str, broker: str = "") -> None:
        self.trader, self.journal, self.family, self.broker = trader, journal, family, broker
        self.gui = threading.RLock()            # one GUI operation at a time
        self.keys: dict[str, list] = {}         # key -> [lock, requests holding or waiting]
        self.keys_lock = threading.Lock()

    # --- orders ----------------------------------------------------------------------------------------
    def place(self, request: dict) -> dict:
        problem = check_order(request)
        if problem:
            raise AgentError(problem)
        with self._one_at_a_time(request["key"]):
            entry, fresh = self.journal.begin(request["key"], request)
            if not fresh:
                if entry.request != request:
                    raise AgentError(tr("幂等键{key}已用于另一笔委托", key=entry.key))
                return (entry if entry.state in FINAL else self._resolve(entry, entry.reason)).answer()
            return self._send(entry).answer()

    def recover(self) -> list[Entry]:
        """After a (re)start: every key the last run left unresolved, resolved by reading back."""
        return [self._resolve(entry, entry.reason or tr("代理在下单过程中中断")) for entry in self.journal.unresolved()]

    @contextmanager
    def _one_at_a_time(self, key: str) -> Iterator[None]:
        """Requests for one key wait for each other; the key's lock goes when nobody needs it."""
        with self.keys_lock:
            slot = self.keys.setdefault(key, [threading.Lock(), 0])
            slot[1] += 1
        try:
            with slot[0]:
                yield
        finally:
            with self.keys_lock:
                slot[1] -= 1
                if not slot[1]:
                    self.keys.pop(key, None)

    def _send(self, entry: Entry) -> Entry:
        request = entry.request
        with self.gui:
            try:
                answer = self._click(request)
            except Exception as error:          # popup, timeout, exception after the click: ambiguous
                reason = _words(error)
                self.journal.settle(entry.key, "unknown", reason=reason)
                return self._resolve(entry, reason)
            entrust_no = entrust_no_of(answer)
            if entrust_no is None:
                reason = tr("客户端未返回委托编号（{answer}）", answer=answer)
                self.journal.settle(entry.key, "unknown", reason=reason)
                return self._resolve(entry, reason)
            return self.journal.settle(entry.key, "placed", entrust_no)

    def _click(self, request: dict) -> Any:
        side, code, amount = request["side"], request["code"], int(request["amount"])
        if request.get("kind", "limit") == "market":
            call = self.trader.market_buy if side == "buy" else self.trader.market_sell
            return call(code, amount=amount)
        call = self.trader.buy if side == "buy" else self.trader.sell
        return call(code, price=float(request["price"]), amount=amount)

    def _resolve(self, entry: Entry, why: str) -> Entry:
        """Read today's orders back and match the key to an order no other key has claimed."""
        with self.gui:
            try:
                self._refresh()
                rows = self.trader.today_entrusts
            except Exception as error:          # a captcha on export: stay unknown, say so, try again later
                return self.journal.settle(entry.key, "unknown",
                                           reason=tr("{why}；回查当日委托失败：{error}", why=why, error=_words(error)))
            found = self._match(entry, rows)
            if found is not None:
                return self.journal.settle(entry.key, "placed", found)
            return self.journal.settle(entry.key, "rejected",
                                       reason=tr("{why}；回查当日委托未找到该委托，未成交也未重发", why=why))

    def _match(self, entry: Entry, rows: list[dict]) -> str | None:
        request, claimed = entry.request, self.journal.claimed()
        side = "买" if request["side"] == "buy" else "卖"
        market = request.get("kind", "limit") == "market"
        for row in rows:
            try:
                order = order_of(row, self.family)
            except MappingError:
                continue
            if order.entrust_no in claimed or not order.vt_symbol.startswith(request["code"] + "."):
                continue
            if (side == "买") != (order.direction.name == "LONG") or order.volume != float(request["amount"]):
                continue
            if not market and abs(order.price - float(request["price"])) > 1e-6:
                continue
            if order.time is not None and order.time < entry.created - MATCH_SLACK:
                continue
            return order.entrust_no
        return None

    # --- the rest ------------------------------------------------------------------------------------------
    def cancel(self, entrust_no: str) -> dict:
        number = int(entrust_no) if self.family == "miniqmt" and str(entrust_no).isdigit() else str(entrust_no)
        return self._gui(lambda: self.trader.cancel_entrust(number))

    def cancel_all(self) -> dict:
        """The client's own cancel-all where it has one (miniqmt has none: each open order, one by one)."""
        cancel_all = getattr(self.trader, "cancel_all_entrusts", None)
        if callable(cancel_all):
            self._gui(cancel_all)
            return {"message": "success"}
        rows = self._gui(lambda: self.trader.today_entrusts)
        open_orders = []
        for row in rows:
            try:
                order = order_of(row, self.family)
            except MappingError:
                continue
            if order.status.name in ("SUBMITTING", "NOTTRADED", "PARTTRADED"):
                open_orders.append(order.entrust_no)
        answers = {entrust_no: self.cancel(entrust_no) for entrust_no in open_orders}
        return {"message": "success", "cancelled": answers}

    def grid(self, name: str) -> dict:
        """balance, position, today_entrusts or today_trades as the client shows them."""
        return {"family": self.family, "rows": self._gui(lambda: getattr(self.trader, name))}

    def refresh(self) -> dict:
        self._gui(self._refresh)
        return {"message": "success"}

    def _refresh(self) -> None:
        refresh = getattr(self.trader, "refresh", None)     # miniqmt reads live and has none
        if callable(refresh):
            refresh()

    def _gui(self, operation: Callable[[], Any]) -> Any:
        with self.gui:
            try:
                return operation()
            except Exception as error:
                raise AgentError(tr("券商客户端操作失败：{error}", error=_words(error))) from error


def _words(error: BaseException) -> str:
    detail = str(error) or type(error).__name__
    if "验证码" in detail:
        return tr("券商客户端弹出验证码（{detail}）：请在客户端上处理后重试", detail=detail)
    if isinstance(error, TimeoutError):
        return tr("券商客户端响应超时（{detail}）", detail=detail)
    return detail
