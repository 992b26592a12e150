"""QmtGateway: orchestration only. Mapping lives in mapping.py, the SDK in client.py.

Threads: xtquant pushes arrive on its one callback thread and xtdata pushes on another; both
only convert and emit vnpy events. Everything that can block (connect, queries, downloads,
reconnect) runs on the gateway's own worker thread, never on a callback thread."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any

from vnpy.event import EventEngine
from vnpy.trader.constant import Exchange, Offset, OrderType, Status
from vnpy.trader.gateway import BaseGateway
from vnpy.trader.object import (
    BarData,
    CancelRequest,
    ContractData,
    HistoryRequest,
    OrderData,
    OrderRequest,
    SubscribeRequest,
    TickData,
    TradeData,
)

from lianghua_app.events import (
    EVENT_GATEWAY_STATUS,
    EVENT_LEVEL2_TRADES,
    EVENT_MARKET_SNAPSHOT,
    GatewayStatus,
    Level2Trades,
    MarketSnapshot,
)
from lianghua_app.i18n import tr
from lianghua_app.journal import trades_since
from lianghua_app.markets import CHINA_TZ

from . import mapping as m
from .backend import Backend, BackendUnavailable
from .callback import TraderCallback
from .client import new_session_id, resolve_backend
from .orders import OrderBook

RECONNECT_DELAYS = (1, 2, 5, 10, 30, 60)


class QmtGateway(BaseGateway):
    default_name = "QMT"
    default_setting: dict[str, Any] = {
        "userdata_path": "",
        "account_id": "",
        "account_type": ["STOCK", "CREDIT"],
        "data_host": "",
        "data_port": 0,
        "backend": ["xtquant", "demo"],
        "industry_prefix": m.INDUSTRY_PREFIX,
        "level2": ["off", "on"],
    }
    exchanges = [Exchange.SSE, Exchange.SZSE, Exchange.BSE]

    def __init__(self, event_engine: EventEngine, gateway_name: str = "QMT") -> None:
        super().__init__(event_engine, gateway_name)
        self.lock = threading.RLock()
        self.worker = ThreadPoolExecutor(1, thread_name_prefix=f"{gateway_name}-work")
        self.stop_event = threading.Event()
        self.backend: Backend | None = None
        self.setting: dict[str, Any] = {}
        self.account: Any = None
        self.trader: Any = None
        self.generation = 0
        self.connected = False          # trading ready
        self.data_ready = False
        self.reconnecting = False
        self.contracts: dict[str, ContractData] = {}   # xt code -> contract
        self.limits_day: date | None = None
        self.subscribed: dict[str, int] = {}            # xt code -> xtdata seq (0 until subscribed)
        self.whole_market_seq = 0
        self.level2: dict[str, int] = {}                # xt code -> l2transaction seq (0 until subscribed)
        self.level2_asked: set[str] = set()             # the codes of the latest subscribe_level2
        self.last_volume: dict[str, float] = {}
        self.book = OrderBook()                         # ids, held cancels, trades seen (under self.lock)
        self.refresh_queued = False
        self.order_prefix = datetime.now().strftime("%y%m%d%H%M%S")
        self.order_count = itertools.count(1)

    # --- connection ----------------------------------------------------------------------------
    def connect(self, setting: dict) -> None:
        """Returns at once; progress and failures arrive as log lines and status events."""
        if self.stop_event.is_set():
            return self.write_log(tr("QMT接口已关闭，请重启程序后再连接"))
        self.setting = {**{k: (v[0] if isinstance(v, list) else v) for k, v in self.default_setting.items()},
                        **setting}
        self.worker.submit(self._guarded, self._connect_all)

    def _connect_all(self) -> None:
        self._status(False, tr("正在连接QMT……"), busy=True)
        problem = self._check_setting()
        if problem:
            return self._status(False, problem)
        try:
            self.backend = resolve_backend(str(self.setting["backend"]))
        except BackendUnavailable as error:
            return self._status(False, str(error))
        if self.backend.checks_path and not Path(self.setting["userdata_path"]).is_dir():
            return self._status(False, tr("找不到QMT的userdata_mini文件夹：{path}。请在QMT安装目录下找到它。",
                                          path=self.setting["userdata_path"]))
        if not self._connect_data():
            return
        if not self.contracts:
            self._load_contracts()
        if self.setting.get("data_only"):
            return self._status(True, tr("QMT行情已连接（仅行情）"))
        self.account = m.xttype.StockAccount(str(self.setting["account_id"]), str(self.setting["account_type"]))
        self._connect_trader()

    def _check_setting(self) -> str:
        if self.setting.get("data_only"):
            return ""
        if not str(self.setting.get("account_id", "")).strip():
            return tr("请填写QMT资金账号")
        if str(self.setting.get("account_type", "")).upper() not in ("STOCK", "CREDIT"):
            return tr("账户类型只能是STOCK或CREDIT，当前为“{value}”", value=self.setting.get("account_type"))
        if not str(self.setting.get("userdata_path", "")).strip():
            return tr("请填写QMT的userdata_mini路径，例如 C:\\国金QMT交易端\\userdata_mini")
        return ""

    def _connect_data(self) -> bool:
        xtdata = self.backend.xtdata
        host, port = str(self.setting.get("data_host") or ""), int(self.setting.get("data_port") or 0)
        try:
            xtdata.connect(ip=host, port=port or None)
        except Exception as error:  # xtdata raises a bare Exception when nothing answers
            self._status(False, tr("QMT行情服务连接失败：{error}。请确认QMT已启动并以极简模式登录。", error=error))
            return False
        self.data_ready = True
        for table, subscribe in ((self.subscribed, self._subscribe_code), (self.level2, self._subscribe_level2)):
            with self.lock:
                previous = dict(table)
            for code, seq in previous.items():   # after a reconnect: drop the old link's subscriptions
                if seq > 0:
                    xtdata.unsubscribe_quote(seq)
                subscribe(code)
        if self.whole_market_seq:
            self.whole_market_seq = 0
            self._subscribe_whole_market()
        return True

    def _load_contracts(self) -> None:
        xtdata = self.backend.xtdata
        self.write_log(tr("正在读取QMT合约列表……"))
        xtdata.download_sector_data()
        industries = self._industries()
        count = 0
        for sector, product in m.SECTORS.items():
            for code in xtdata.get_stock_list_in_sector(sector) or []:
                contract = m.contract_from_detail(code, xtdata.get_instrument_detail(code), product,
                                                  self.gateway_name)
                if contract is None:
                    continue
                if code in industries:
                    contract.extra["sector"] = industries[code]
                self.contracts[code] = contract
                self.on_contract(contract)
                count += 1
        self.limits_day = datetime.now(CHINA_TZ).date()
        self.write_log(tr("QMT合约读取完成：{count}个（股票、ETF），含今日涨跌停价", count=count))

    def _industries(self) -> dict[str, str]:
        """Code -> industry from QMT's industry sector lists (Shenwan level 1 unless the
        `industry_prefix` setting names another family, e.g. SW2 or CSRC1)."""
        xtdata, prefix = self.backend.xtdata, str(self.setting.get("industry_prefix") or "")
        industries: dict[str, str] = {}
        for sector in xtdata.get_sector_list() or []:
            industry = m.industry_of(sector, prefix)
            if industry:
                for code in xtdata.get_stock_list_in_sector(sector) or []:
                    industries.setdefault(code, industry)
        if not industries:
            self.write_log(tr("QMT没有提供以“{prefix}”开头的行业板块，行业统计需导入行业CSV", prefix=prefix))
        return industries

    def _connect_trader(self) -> bool:
        session = new_session_id()
        with self.lock:
            self.generation += 1
            generation = self.generation
        trader = self.backend.make_trader(str(self.setting["userdata_path"]), session)
        trader.register_callback(TraderCallback(self, generation))
        trader.start()
        rc = trader.connect()
        if rc != 0:
            trader.stop()
            self._status(False, m.connect_failure(rc))
            return False
        if trader.subscribe(self.account) != 0:
            trader.stop()
            self._status(False, m.subscribe_failure(self.account.account_id))
            return False
        self.trader = trader
        self.book.legacy_trade_ids = legacy_trade_ids(self.gateway_name)
        self._load_trading_state()
        self.connected = True
        self._status(True, tr("QMT已连接：账号{account}（{kind}），会话{session}", account=self.account.account_id,
                              kind=self.setting["account_type"], session=session))
        return True

    def _load_trading_state(self) -> None:
        """Orders, trades, positions and cash as QMT has them now (at connect and after a
        reconnect). Orders map to the same ids as before, so nothing is duplicated."""
        trader = self.trader
        with self.lock:
            self.book.reported.clear()
        for xt in trader.query_stock_orders(self.account) or []:
            self.handle_order(xt)
        for xt in trader.query_stock_trades(self.account) or []:
            self.handle_trade(xt, refresh=False)
        self._query_books()

    def _query_books(self) -> None:
        self.refresh_queued = False
        trader = self.trader
        if trader is None:
            return
        for xt in trader.query_stock_positions(self.account) or []:
            position = m.position_from_xt(xt, self.gateway_name)
            if position:
                self.on_position(position)
        asset = trader.query_stock_asset(self.account)
        if asset is not None:
            self.on_account(m.account_from_xt(asset, self.gateway_name))
        if self.limits_day and self.limits_day != datetime.now(CHINA_TZ).date():
            self._load_contracts()      # limit prices change every trading day

    def close(self) -> None:
        if self.stop_event.is_set():
            return
        self.stop_event.set()
        done = self.worker.submit(self._shutdown)
        try:
            done.result(timeout=10)
        except Exception as error:  # closing must not stop the application from exiting
            self.write_log(tr("关闭QMT接口时出错：{error}", error=error))
        self.worker.shutdown(wait=False)

    def _shutdown(self) -> None:
        if self.trader is not None:
            self.trader.stop()
            self.trader = None
        if self.backend is not None and self.data_ready:
            for seq in [*self.subscribed.values(), *self.level2.values(), self.whole_market_seq]:
                if seq > 0:
                    self.backend.xtdata.unsubscribe_quote(seq)
        if self.connected:
            self.connected = False
            self._status(False, tr("已断开"))

    # --- disconnects --------------------------------------------------------------------------
    def handle_disconnected(self) -> None:
        """On the callback thread: report, then rebuild everything on the worker."""
        self.connected = False
        self._status(False, tr("QMT交易连接断开，正在重连……"))
        if not self.stop_event.is_set():
            self.worker.submit(self._guarded, self._reconnect)

    def _reconnect(self) -> None:
        self.reconnecting = True
        try:
            for attempt, delay in enumerate(itertools.chain(RECONNECT_DELAYS, itertools.repeat(60)), 1):
                if self.stop_event.wait(delay):
                    return
                old, self.trader = self.trader, None
                if old is not None:
                    old.stop()
                self.write_log(tr("QMT第{n}次重连……", n=attempt))
                if self._connect_data() and self._connect_trader():
                    return
        finally:
            self.reconnecting = False

    # --- market data ---------------------------------------------------------------------------
    def subscribe(self, req: SubscribeRequest) -> None:
        code = m.to_xt_code(req.symbol, req.exchange)
        with self.lock:
            if code in self.subscribed:
                return
            self.subscribed[code] = 0
        if self.data_ready:
            self.worker.submit(self._guarded, self._subscribe_code, code)
        self._add_level2([code])

    def subscribe_level2(self, vt_symbols: list[str]) -> None:
        """Level-2 transactions (QMT's per-code `l2transaction`) for these symbols when the
        `level2` setting is on; they arrive as EVENT_LEVEL2_TRADES. Needs the broker's Level-2
        permission: without it QMT accepts the subscription and sends nothing. The list replaces
        the previous one: codes left out are unsubscribed, unless their quotes are subscribed."""
        codes = list(filter(None, map(m.xt_code_of, vt_symbols)))
        asked = set(codes)
        with self.lock:
            dropped = self.level2_asked - asked - self.subscribed.keys()
            self.level2_asked = asked
        if dropped:
            # On the worker, after any subscription of these codes still queued there.
            self.worker.submit(self._guarded, self._drop_level2, dropped)
        self._add_level2(codes)

    def _drop_level2(self, codes: set[str]) -> None:
        with self.lock:
            seqs = [self.level2.pop(code, 0) for code in codes if code not in self.level2_asked]
        for seq in seqs:
            if seq > 0 and self.data_ready:
                self.backend.xtdata.unsubscribe_quote(seq)

    def _add_level2(self, wanted: list[str]) -> None:
        if self.setting.get("level2") != "on":
            return
        codes = []
        with self.lock:
            for code in wanted:
                if code not in self.level2:
                    self.level2[code] = 0
                    codes.append(code)
        if codes and self.data_ready:
            self.worker.submit(self._guarded, self._subscribe_level2_codes, codes)

    def _subscribe_level2_codes(self, codes: list[str]) -> None:
        for code in codes:
            self._subscribe_level2(code)
        self.write_log(tr("已订阅{count}只股票的逐笔成交（需Level-2权限，无权限时收不到数据）", count=len(codes)))

    def _subscribe_level2(self, code: str) -> None:
        seq = self.backend.xtdata.subscribe_quote(code, period=m.L2_PERIOD, count=0,
                                                  callback=self.handle_transactions)
        self._keep_seq(self.level2, code, seq, tr("逐笔成交"))

    def handle_transactions(self, payload: dict) -> None:
        trades = m.level2_trades(payload)
        if trades:
            self.on_event(EVENT_LEVEL2_TRADES, Level2Trades(self.gateway_name, trades))

    def _subscribe_code(self, code: str) -> None:
        # One subscribe_whole_quote per code (not subscribe_quote): the docs cap single-code
        # quote subscriptions at about 50.
        seq = self.backend.xtdata.subscribe_whole_quote([code], callback=self.handle_quotes)
        self._keep_seq(self.subscribed, code, seq, tr("行情"))

    def _keep_seq(self, table: dict[str, int], code: str, seq: int | None, what: str) -> None:
        """Remember a subscription's seq for unsubscribing; 0 (and a log line) when it failed."""
        if seq is None or seq <= 0:
            self.write_log(tr("订阅{code}{what}失败（返回{seq}）", code=code, what=what, seq=seq))
            seq = 0
        with self.lock:
            table[code] = seq

    def subscribe_whole_market(self) -> None:
        """Every QMT snapshot of SH, SZ and BJ arrives as one EVENT_MARKET_SNAPSHOT."""
        self.whole_market_seq = -1
        if self.data_ready:
            self.worker.submit(self._guarded, self._subscribe_whole_market)

    def _subscribe_whole_market(self) -> None:
        seq = self.backend.xtdata.subscribe_whole_quote(list(m.WHOLE_MARKETS), callback=self.handle_snapshot)
        self.whole_market_seq = seq if seq and seq > 0 else -1

    def handle_quotes(self, payload: dict) -> None:
        for tick in self._ticks(payload):
            self.on_tick(tick)

    def handle_snapshot(self, payload: dict) -> None:
        with self.lock:
            frame = m.frame_from_quotes(payload, self.contracts)
        if frame is not None:
            self.on_event(EVENT_MARKET_SNAPSHOT, MarketSnapshot(self.gateway_name, frame))

    def _ticks(self, payload: dict) -> list[TickData]:
        ticks = []
        with self.lock:
            for code, data in m.iter_quotes(payload):
                contract = self.contracts.get(code)
                extra = contract.extra if contract else {}
                limits = (extra.get("limit_up", 0.0), extra.get("limit_down", 0.0))
                tick = m.tick_from_quote(code, data, self.gateway_name, contract.name if contract else "", limits,
                                         self.last_volume.get(code))
                if tick is not None:
                    self.last_volume[code] = tick.volume
                    ticks.append(tick)
        return ticks

    # --- history -------------------------------------------------------------------------------
    def query_history(self, req: HistoryRequest) -> list[BarData]:
        period = m.INTERVAL_PERIODS.get(req.interval)
        if period is None:
            self.write_log(tr("QMT不提供{interval}周期的K线", interval=req.interval.value))
            return []
        return self.fetch_bars(req.symbol, req.exchange, period, req.start, req.end or datetime.now(CHINA_TZ))

    def fetch_bars(self, symbol: str, exchange: Exchange, period: str, start: datetime,
                   end: datetime) -> list[BarData]:
        """Download into QMT's cache, then read: 1m, 5m, 1h, 1d or 1w bars, unadjusted, stamped
        with the bar's start like vnpy. Blocking: call it off the GUI and callback threads."""
        if not self.data_ready or self.backend is None:
            raise RuntimeError(tr("QMT行情未连接，无法下载历史数据"))
        code = m.to_xt_code(symbol, exchange)
        first, last = m.xt_time(start), m.xt_time(end)
        xtdata = self.backend.xtdata
        xtdata.download_history_data(code, period, first, last)
        frames = xtdata.get_market_data_ex([], [code], period=period, start_time=first, end_time=last,
                                           count=-1, dividend_type="none", fill_data=False)
        frame = frames.get(code)
        rows = frame.to_dict("records") if frame is not None else []
        return m.bars_from_rows(code, period, rows, self.gateway_name)

    # --- trading -------------------------------------------------------------------------------
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
        seq = self.trader.order_stock_async(self.account, m.to_xt_code(req.symbol, req.exchange),
                                            m.xt_order_type(req.direction), int(req.volume), price_type, price,
                                            req.reference[:24], orderid)
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
            trader.cancel_order_stock_sysid_async(self.account, m.cancel_market(order.exchange), sysid)
        else:
            trader.cancel_order_stock_async(self.account, xt_id)

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

    # --- helpers -------------------------------------------------------------------------------
    def _status(self, connected: bool, message: str, busy: bool = False) -> None:
        self.write_log(message)
        self.on_event(EVENT_GATEWAY_STATUS, GatewayStatus(self.gateway_name, connected, message, busy))

    def _guarded(self, func: Any, *args: Any) -> Any:
        """Worker jobs report failures in plain words instead of dying silently in a Future."""
        try:
            return func(*args)
        except Exception as error:
            self._status(self.connected, tr("QMT接口出错：{error}", error=error))
            return None


def legacy_trade_ids(gateway_name: str) -> set[str]:
    """Today's journaled Shenzhen and Beijing trades whose id is the bare number (older versions)."""
    since = datetime.combine(datetime.now(CHINA_TZ).date(), datetime.min.time())
    pairs = [(m.EXCHANGE_TO_SUFFIX.get(t.exchange, ""), t.tradeid) for t in trades_since(gateway_name, since)
             if t.exchange is not Exchange.SSE]
    return {f"{suffix}:{tradeid}" for suffix, tradeid in pairs if suffix and not tradeid.startswith(suffix)}


def _copy_order(order: OrderData, status: Status | None = None, reason: str = "") -> OrderData:
    """Pushed objects are never mutated: a changed order is a new OrderData."""
    clone = OrderData(gateway_name=order.gateway_name, symbol=order.symbol, exchange=order.exchange,
                      orderid=order.orderid, type=order.type, direction=order.direction, offset=order.offset,
                      price=order.price, volume=order.volume, traded=order.traded, status=status or order.status,
                      datetime=order.datetime, reference=order.reference)
    clone.extra = {**(order.extra or {}), "reason": reason} if reason else dict(order.extra or {})
    return clone
