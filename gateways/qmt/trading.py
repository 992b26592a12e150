"""QMT trading (xttrader): orders, cancels, and the trader's pushes of orders, trades,
positions and cash, mapped through the OrderBook. One part of QmtGateway: it uses the
gateway's trade client, lock and worker; market data is in market_data.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vnpy.trader.constant import Offset, OrderType, Status
from vnpy.trader.object import CancelRequest, OrderData, OrderRequest, TradeData

from lianghua_app.i18n import tr
from lianghua_app.markets import CHINA_TZ

from . import mapping as m


class QmtTrading:
    def send_order(self, req: OrderRequest) -> str:
        orderid = f"{self.order_prefix}{next(self.order_count):05d}"   # 17 characters fit order_remark
        order = req.create_order_data(orderid, self.gateway_name)
        order.datetime = datetime.now(CHINA_TZ)
        price_type = m.price_type_for(req.type, req.exchange)
        reason = ""
        if price_type is None:
            reason = m.unsupported_type_reason(req.type, req.exchange)
        elif not self.connected or self.trader is None:
            reason = tr("QMT交易未连接，委托未发出")
        if reason:
            order.status = Status.REJECTED
            order.extra = {"reason": reason}
            self.write_log(tr("委托{orderid}未发出：{reason}", orderid=orderid, reason=reason))
            self.on_order(order)
            return order.vt_orderid
        with self.lock:
            self.book.orders[orderid] = order
        self.on_order(order)
        price = req.price if req.type is OrderType.LIMIT else 0.0
        seq = self.trader.place(m.to_xt_code(req.symbol, req.exchange), m.xt_order_type(req.direction),
                                int(req.volume), price_type, price, req.reference[:24], orderid)
        if not isinstance(seq, int) or seq <= 0:     # xttrader documents -1 as "the order was not sent"
            reason = tr("QMT未受理该委托（下单返回{seq}），请检查终端连接与账户状态后重试", seq=seq)
            self.write_log(tr("委托{orderid}未发出：{reason}", orderid=orderid, reason=reason))
            rejected = _copy_order(order, status=Status.REJECTED, reason=reason)
            with self.lock:
                self.book.orders[orderid] = rejected
            self.on_order(rejected)
            return order.vt_orderid
        with self.lock:
            self.book.sent(seq, orderid)
        return order.vt_orderid

    def cancel_order(self, req: CancelRequest) -> None:
        orderid = req.orderid
        with self.lock:
            order = self.book.orders.get(orderid)
            known = self.book.has_venue_id(orderid)
            if order is not None and order.is_active() and not known:
                self.book.hold_cancel(orderid)      # sent as soon as QMT tells us its order id
        if order is None:
            return self.write_log(tr("撤单失败：找不到委托{orderid}", orderid=orderid))
        if not order.is_active():
            return self.write_log(tr("委托{orderid}已是{status}，无需撤单", orderid=orderid, status=order.status.value))
        if known:
            self._send_cancel(orderid)
        else:
            self.write_log(tr("委托{orderid}尚未得到QMT编号，收到后立即撤单", orderid=orderid))

    def _send_cancel(self, orderid: str) -> None:
        trader = self.trader
        if trader is None or not self.connected:
            return self.write_log(tr("QMT交易未连接，撤单{orderid}未发出", orderid=orderid))
        with self.lock:
            self.book.drop_cancel(orderid)
            (sysid, xt_id), order = self.book.venue_ids(orderid), self.book.orders[orderid]
        if sysid:
            trader.cancel_by_sysid(m.cancel_market(order.exchange), sysid)
        else:
            trader.cancel(xt_id)

    def query_account(self) -> None:
        self._queue_refresh()

    def query_position(self) -> None:
        self._queue_refresh()

    def query_orders(self) -> list[OrderData]:
        """The orders QMT has reported since the last (re)connect, for the journal to reconcile."""
        with self.lock:
            return self.book.reported_orders()

    def query_trades(self) -> list[TradeData]:
        with self.lock:
            return list(self.book.trades.values())

    def _queue_refresh(self) -> None:
        if self.connected and not self.refresh_queued:
            self.refresh_queued = True
            self.worker.submit(self._guarded, self._query_books)

    # --- trader pushes (callback thread: convert and emit, never block) ----------------------------
    def orderid_for(self, remark: str, xt_id: int | None) -> str:
        with self.lock:
            return self.book.orderid_for(remark, xt_id)

    def handle_order_response(self, reply: Any) -> None:
        with self.lock:
            orderid = self.book.answered(reply.seq, reply.order_remark, reply.order_id)
        if reply.error_msg:
            self.write_log(tr("QMT下单回报{orderid}：{message}", orderid=orderid, message=reply.error_msg))
        self._release_pending_cancel(orderid)

    def handle_order(self, xt: Any) -> None:
        orderid = self.orderid_for(xt.order_remark, xt.order_id)
        with self.lock:
            known = self.book.orders.get(orderid)
            order, warning = m.order_from_xt(xt, orderid, known, self.gateway_name)
            self.book.reported_order(orderid, order, xt.order_id, xt.order_sysid)
        if warning:
            self.write_log(warning)
        if order.status is Status.REJECTED and (known is None or known.status is not Status.REJECTED):
            self.write_log(tr("QMT废单{orderid}：{message}", orderid=orderid,
                              message=order.extra.get("reason") or tr("未给出原因")))
        self.on_order(order)
        self._release_pending_cancel(orderid)

    def handle_order_error(self, error: Any) -> None:
        with self.lock:
            orderid = self.book.refused(error.order_remark, getattr(error, "seq", -1), error.order_id)
            known = self.book.orders.get(orderid)
        message = tr("QMT拒绝委托{orderid}：{message}（错误码{code}）", orderid=orderid or error.order_id,
                     message=error.error_msg, code=error.error_id)
        self.write_log(message)
        if known is None or not known.is_active():
            return
        order = _copy_order(known, status=Status.REJECTED, reason=str(error.error_msg))
        with self.lock:
            self.book.orders[orderid] = order
            self.book.drop_cancel(orderid)
        self.on_order(order)

    def handle_trade(self, xt: Any, refresh: bool = True) -> None:
        tradeid = m.trade_id(xt, self.book.legacy_trade_ids)
        orderid = self.orderid_for(xt.order_remark, xt.order_id)
        with self.lock:
            if not self.book.first_sight(tradeid):
                return
            known = self.book.orders.get(orderid)
            direction = known.direction if known else m.direction_of(xt)
            offset = known.offset if known else Offset.NONE
            trade = m.trade_from_xt(xt, orderid, direction, offset, self.gateway_name, tradeid)
            self.book.trades[tradeid] = trade
        self.on_trade(trade)
        if refresh:
            self._queue_refresh()

    def handle_cancel_response(self, reply: Any) -> None:
        if reply.cancel_result != 0 and reply.error_msg:
            self.write_log(tr("QMT撤单回报：{message}", message=reply.error_msg))

    def handle_cancel_error(self, error: Any) -> None:
        with self.lock:
            orderid = self.book.cancel_failed(error.order_id, error.order_sysid)
            known = self.book.orders.get(orderid)
        self.write_log(tr("撤单失败{orderid}：{message}（错误码{code}）", orderid=orderid or error.order_id,
                          message=error.error_msg, code=error.error_id))
        if known is not None and known.is_active():
            order = _copy_order(known, reason=tr("撤单失败：{message}", message=error.error_msg))
            with self.lock:
                self.book.orders[orderid] = order
            self.on_order(order)

    def handle_position(self, xt: Any) -> None:
        position = m.position_from_xt(xt, self.gateway_name)
        if position:
            self.on_position(position)

    def handle_asset(self, xt: Any) -> None:
        self.on_account(m.account_from_xt(xt, self.gateway_name))

    def handle_account_status(self, status: Any) -> None:
        self.write_log(tr("QMT账号{account}状态：{state}", account=status.account_id,
                          state=m.account_status_text(status.status)))

    def _release_pending_cancel(self, orderid: str) -> None:
        with self.lock:
            ready = self.book.cancel_ready(orderid)
        if ready:
            self.worker.submit(self._guarded, self._send_cancel, orderid)



def _copy_order(order: OrderData, status: Status | None = None, reason: str = "") -> OrderData:
    """Pushed objects are never mutated: a changed order is a new OrderData."""
    clone = OrderData(gateway_name=order.gateway_name, symbol=order.symbol, exchange=order.exchange,
                      orderid=order.orderid, type=order.type, direction=order.direction, offset=order.offset,
                      price=order.price, volume=order.volume, traded=order.traded, status=status or order.status,
                      datetime=order.datetime, reference=order.reference)
    clone.extra = {**(order.extra or {}), "reason": reason} if reason else dict(order.extra or {})
    return clone
