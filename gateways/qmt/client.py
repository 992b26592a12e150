"""The wire: the only module that calls the xtquant SDK (or a stand-in with the same surface,
see backend.py). The gateway sees two small objects: `DataClient` for xtdata and
`TradeClient` for one XtQuantTrader session on one account. The real SDK is imported lazily,
so this module imports on any platform."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from typing import Any

from lianghua_app.i18n import tr

from . import mapping as m
from .backend import Backend, BackendUnavailable, XtDataApi, XtTraderApi
from .sdk import load_pure_modules


def load_xtquant() -> Backend:
    try:
        load_pure_modules()
        from xtquant import xtdata
        from xtquant.xttrader import XtQuantTrader
    except ImportError as error:
        raise BackendUnavailable(tr("本机无法加载xtquant的QMT客户端（{error}）。QMT只能在Windows上运行；"
                                    "在其他系统上可选择“demo”演示后端。", error=error)) from error
    xtdata.enable_hello = False
    return Backend("xtquant", xtdata, XtQuantTrader)


def _demo() -> Backend:
    from .demo import demo_backend

    return demo_backend()


BACKENDS: dict[str, Callable[[], Backend]] = {"xtquant": load_xtquant, "demo": _demo}


def register_backend(name: str, factory: Callable[[], Backend]) -> None:
    BACKENDS[name] = factory


def resolve_backend(name: str) -> Backend:
    factory = BACKENDS.get(name)
    if factory is None:
        raise BackendUnavailable(tr("未知的QMT后端“{name}”；可用：{known}", name=name, known="、".join(BACKENDS)))
    return factory()


_sessions = itertools.count()


def new_session_id() -> int:
    """Unique per process and per connection: QMT refuses two live sessions with one id."""
    return (os.getpid() % 20_000) * 100_000 + (int(time.time()) + next(_sessions) * 7919) % 100_000


class DataClient:
    """xtdata: quotes, Level-2 transactions, instruments, sectors and K-lines. Subscriptions
    return xtdata's seq (0 or less when refused)."""

    def __init__(self, xtdata: XtDataApi) -> None:
        self.xtdata = xtdata

    def connect(self, host: str, port: int) -> None:
        """Raises whatever xtdata raises (a bare Exception) when nothing answers."""
        self.xtdata.connect(ip=host, port=port or None)

    def subscribe_quotes(self, codes: list[str], callback: Callable[[dict], None]) -> int:
        # subscribe_whole_quote even for one code: the docs cap subscribe_quote at about 50 codes.
        return self.xtdata.subscribe_whole_quote(codes, callback=callback)

    def subscribe_transactions(self, code: str, callback: Callable[[dict], None]) -> int:
        return self.xtdata.subscribe_quote(code, period=m.L2_PERIOD, count=0, callback=callback)

    def unsubscribe(self, seq: int) -> None:
        if seq > 0:
            self.xtdata.unsubscribe_quote(seq)

    def sector_codes(self, sector: str) -> list[str]:
        return list(self.xtdata.get_stock_list_in_sector(sector) or [])

    def sectors(self) -> list[str]:
        return list(self.xtdata.get_sector_list() or [])

    def download_sectors(self) -> None:
        self.xtdata.download_sector_data()

    def instrument(self, code: str) -> dict | None:
        return self.xtdata.get_instrument_detail(code)

    def kline_rows(self, code: str, period: str, first: str, last: str) -> list[dict]:
        """Download into QMT's cache, then read unadjusted rows (QMT reads only its cache)."""
        self.xtdata.download_history_data(code, period, first, last)
        frames = self.xtdata.get_market_data_ex([], [code], period=period, start_time=first, end_time=last,
                                                count=-1, dividend_type="none", fill_data=False)
        frame = frames.get(code)
        return frame.to_dict("records") if frame is not None else []


class TradeClient:
    """One XtQuantTrader session for one account. `open` returns 0 when connected and
    subscribed, otherwise the failing step's message; the session is stopped then."""

    def __init__(self, trader: XtTraderApi, session_id: int, account_id: str, account_type: str) -> None:
        self.trader = trader
        self.session_id = session_id
        self.account = m.xttype.StockAccount(account_id, account_type)

    @property
    def account_id(self) -> str:
        return self.account.account_id

    def open(self, callback: Any) -> str:
        self.trader.register_callback(callback)
        self.trader.start()
        rc = self.trader.connect()
        if rc != 0:
            self.trader.stop()
            return m.connect_failure(rc)
        if self.trader.subscribe(self.account) != 0:
            self.trader.stop()
            return m.subscribe_failure(self.account.account_id)
        return ""

    def stop(self) -> None:
        self.trader.stop()

    def place(self, code: str, order_type: int, volume: int, price_type: int, price: float, strategy: str,
              remark: str) -> int:
        """xttrader's async seq; -1 (or any non-positive) means the order was not sent."""
        return self.trader.order_stock_async(self.account, code, order_type, volume, price_type, price,
                                             strategy, remark)

    def cancel(self, xt_id: int) -> None:
        self.trader.cancel_order_stock_async(self.account, xt_id)

    def cancel_by_sysid(self, market: Any, sysid: str) -> None:
        self.trader.cancel_order_stock_sysid_async(self.account, market, sysid)

    def orders(self) -> list:
        return list(self.trader.query_stock_orders(self.account) or [])

    def trades(self) -> list:
        return list(self.trader.query_stock_trades(self.account) or [])

    def positions(self) -> list:
        return list(self.trader.query_stock_positions(self.account) or [])

    def asset(self) -> Any:
        return self.trader.query_stock_asset(self.account)
