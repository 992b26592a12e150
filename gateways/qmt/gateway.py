"""QmtGateway: orchestration only: connect, reconnect, status and the worker thread. Market data
is in market_data.py, trading in trading.py, id bookkeeping in orders.py, mapping in mapping.py,
the SDK in client.py.

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
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.gateway import BaseGateway
from vnpy.trader.object import (
    ContractData,
)

from lianghua_app.events import (
    EVENT_GATEWAY_STATUS,
    GatewayStatus,
)
from lianghua_app.i18n import tr
from lianghua_app.journal import trades_since
from lianghua_app.markets import CHINA_TZ

from . import mapping as m
from .backend import Backend, BackendUnavailable
from .callback import TraderCallback
from .client import DataClient, TradeClient, new_session_id, resolve_backend
from .market_data import QmtMarketData
from .orders import OrderBook
from .trading import QmtTrading

RECONNECT_DELAYS = (1, 2, 5, 10, 30, 60)


class QmtGateway(QmtMarketData, QmtTrading, BaseGateway):
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
    download_intervals = (Interval.DAILY, Interval.MINUTE, Interval.HOUR, Interval.WEEKLY)

    def __init__(self, event_engine: EventEngine, gateway_name: str = "QMT") -> None:
        super().__init__(event_engine, gateway_name)
        self.lock = threading.RLock()
        self.worker = ThreadPoolExecutor(1, thread_name_prefix=f"{gateway_name}-work")
        self.stop_event = threading.Event()
        self.backend: Backend | None = None
        self.setting: dict[str, Any] = {}
        self.data: DataClient | None = None
        self.trader: TradeClient | None = None
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
        if self.backend.checks_path and not str(self.setting.get("userdata_path", "")).strip():
            return self._status(False, tr("请填写QMT的userdata_mini路径，例如 C:\\国金QMT交易端\\userdata_mini"))
        if self.backend.checks_path and not Path(self.setting["userdata_path"]).is_dir():
            return self._status(False, tr("找不到QMT的userdata_mini文件夹：{path}。请在QMT安装目录下找到它。",
                                          path=self.setting["userdata_path"]))
        self.data = DataClient(self.backend.xtdata)
        if not self._connect_data():
            return
        if not self.contracts:
            self._load_contracts()
        if self.setting.get("data_only"):
            return self._status(True, tr("QMT行情已连接（仅行情）"))
        self._connect_trader()

    def _check_setting(self) -> str:
        if self.setting.get("data_only"):
            return ""
        if not str(self.setting.get("account_id", "")).strip():
            return tr("请填写QMT资金账号")
        if str(self.setting.get("account_type", "")).upper() not in ("STOCK", "CREDIT"):
            return tr("账户类型只能是STOCK或CREDIT，当前为“{value}”", value=self.setting.get("account_type"))
        return ""

    def _connect_data(self) -> bool:
        host, port = str(self.setting.get("data_host") or ""), int(self.setting.get("data_port") or 0)
        try:
            self.data.connect(host, port)
        except Exception as error:  # xtdata raises a bare Exception when nothing answers
            self._status(False, tr("QMT行情服务连接失败：{error}。请确认QMT已启动并以极简模式登录。", error=error))
            return False
        self.data_ready = True
        for table, subscribe in ((self.subscribed, self._subscribe_code), (self.level2, self._subscribe_level2)):
            with self.lock:
                previous = dict(table)
            for code, seq in previous.items():   # after a reconnect: drop the old link's subscriptions
                self.data.unsubscribe(seq)
                subscribe(code)
        if self.whole_market_seq:
            self.whole_market_seq = 0
            self._subscribe_whole_market()
        return True

    def _load_contracts(self) -> None:
        self.write_log(tr("正在读取QMT合约列表……"))
        self.data.download_sectors()
        industries = self._industries()
        count = 0
        for sector, product in m.SECTORS.items():
            for code in self.data.sector_codes(sector):
                contract = m.contract_from_detail(code, self.data.instrument(code), product, self.gateway_name)
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
        prefix = str(self.setting.get("industry_prefix") or "")
        industries: dict[str, str] = {}
        for sector in self.data.sectors():
            industry = m.industry_of(sector, prefix)
            if industry:
                for code in self.data.sector_codes(sector):
                    industries.setdefault(code, industry)
        if not industries:
            self.write_log(tr("QMT没有提供以“{prefix}”开头的行业板块，行业统计需导入行业CSV", prefix=prefix))
        return industries

    def _connect_trader(self) -> bool:
        session = new_session_id()
        with self.lock:
            self.generation += 1
            generation = self.generation
        trader = TradeClient(self.backend.make_trader(str(self.setting["userdata_path"]), session), session,
                             str(self.setting["account_id"]), str(self.setting["account_type"]))
        failure = trader.open(TraderCallback(self, generation))
        if failure:
            self._status(False, failure)
            return False
        self.trader = trader
        self.book.legacy_trade_ids = legacy_trade_ids(self.gateway_name)
        self._load_trading_state()
        self.connected = True
        self._status(True, tr("QMT已连接：账号{account}（{kind}），会话{session}", account=trader.account_id,
                              kind=self.setting["account_type"], session=session))
        return True

    def _load_trading_state(self) -> None:
        """Orders, trades, positions and cash as QMT has them now (at connect and after a
        reconnect). Orders map to the same ids as before, so nothing is duplicated."""
        trader = self.trader
        with self.lock:
            self.book.reported.clear()
        for xt in trader.orders():
            self.handle_order(xt)
        for xt in trader.trades():
            self.handle_trade(xt, refresh=False)
        self._query_books()

    def _query_books(self) -> None:
        self.refresh_queued = False
        trader = self.trader
        if trader is None:
            return
        for xt in trader.positions():
            position = m.position_from_xt(xt, self.gateway_name)
            if position:
                self.on_position(position)
        asset = trader.asset()
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
        if self.data is not None and self.data_ready:
            for seq in [*self.subscribed.values(), *self.level2.values(), self.whole_market_seq]:
                self.data.unsubscribe(seq)
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
    since = datetime.combine(datetime.now(CHINA_TZ).date(), datetime.min.time(), CHINA_TZ)
    pairs = [(m.EXCHANGE_TO_SUFFIX.get(t.exchange, ""), t.tradeid) for t in trades_since(gateway_name, since)
             if t.exchange is not Exchange.SSE]
    return {f"{suffix}:{tradeid}" for suffix, tradeid in pairs if suffix and not tradeid.startswith(suffix)}
