"""A faithful fake of a MiniQMT terminal for tests and demos, built from xtquant's own
`xttype` classes and `xtconstant` codes.

What it reproduces from the xtquant 250807 SDK (see the QMT gateway reference):
- trader pushes run one at a time on one worker thread per trader, created by `start()`;
- a sync call made from that thread would deadlock in the real SDK; here it raises;
- `on_order_error` / `on_cancel_error` are held back until the async reply of the same
  request has been delivered, while `on_stock_order` / `on_stock_trade` are not;
- `connect()` returns non-zero when the terminal is down; a drop pushes `on_disconnected`
  and the trader stays dead (no auto-reconnect);
- T+1: buys raise `volume` but not `can_use_volume`; sells freeze `can_use_volume`;
  buys freeze cash; partial fills; counter rejects (status 57 with `status_msg`);
  pre-counter rejects (`on_order_error`); cancel pending (51/52) and cancel errors;
- `price_type` echoed as 50 (limit) / 88 (market); times in epoch seconds;
- xtdata: both tick payload shapes, pushes on a separate thread, instrument details,
  board, Shenwan industry (`SW1…`, `1000SW1…`) and concept (`GN…`) sector lists, a calendar
  and K-lines that must be downloaded before they can be read;
- Level-2 `l2transaction` pushes (`{code: [record]}`) with the documented fields and
  `tradeFlag` values: 1/2 (外盘/内盘) on SSE, 0 with order numbers or 3 for a cancel on
  SZSE; without the Level-2 permission a subscription is accepted and nothing arrives.
"""

from __future__ import annotations

import itertools
import math
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from lianghua_app.markets import CHINA_TZ

from .backend import Backend
from .sdk import load_pure_modules

xtconstant, xttype = load_pure_modules()
C = xtconstant

CALLBACK_THREAD_PREFIX = "xtquant-callback"


class DeadlockError(RuntimeError):
    """Raised where the real SDK would hang forever."""


def _on_callback_thread() -> bool:
    return threading.current_thread().name.startswith(CALLBACK_THREAD_PREFIX)


# --- the market ---------------------------------------------------------------------------------
@dataclass
class Instrument:
    code: str
    name: str
    pre_close: float
    tick: float = 0.01
    sector: str = "沪深A股"
    limit: float = 0.10
    industry: str = ""      # Shenwan level 1, listed by QMT as "SW1<industry>"


DEFAULT_INSTRUMENTS = (
    Instrument("600000.SH", "浦发银行", 10.00, industry="银行"),
    Instrument("600519.SH", "贵州茅台", 1500.00, industry="食品饮料"),
    Instrument("688981.SH", "中芯国际", 50.00, limit=0.20, industry="电子"),
    Instrument("000001.SZ", "平安银行", 12.00, industry="银行"),
    Instrument("300750.SZ", "宁德时代", 200.00, limit=0.20, industry="电力设备"),
    Instrument("430047.BJ", "诺思兰德", 15.00, sector="京市A股", limit=0.30, industry="医药生物"),
    Instrument("510300.SH", "沪深300ETF", 3.900, tick=0.001, sector="沪深ETF"),
    Instrument("159915.SZ", "创业板ETF", 2.100, tick=0.001, sector="沪深ETF"),
)


def _round(price: float, tick: float) -> float:
    return round(math.floor(price / tick + 0.5) * tick, 6)


@dataclass
class Position:
    volume: int = 0
    can_use: int = 0
    frozen: int = 0
    yesterday: int = 0
    cost: float = 0.0


@dataclass
class Account:
    account_id: str
    cash: float
    frozen_cash: float = 0.0
    positions: dict[str, Position] = field(default_factory=dict)
    orders: dict[int, Any] = field(default_factory=dict)          # order_id -> xttype.XtOrder
    trades: list[Any] = field(default_factory=list)
    order_freeze: dict[int, float] = field(default_factory=dict)  # order_id -> cash still frozen


class FakeTerminal:
    """One MiniQMT terminal: the market, the broker's counter and the accounts. Every trader
    and xtdata client connecting to it shares this state, so a reconnect finds today's orders."""

    def __init__(self, userdata_path: str = r"C:\国金QMT\userdata_mini", account_id: str = "55001234",
                 cash: float = 1_000_000.0, instruments: tuple[Instrument, ...] = DEFAULT_INSTRUMENTS,
                 data_port: int = 58610, today: date | None = None) -> None:
        self.userdata_path = userdata_path
        self.data_port = data_port
        self.running = True
        self.lock = threading.RLock()
        self.today = today or datetime.now(CHINA_TZ).date()
        self.instruments = {i.code: replace(i) for i in instruments}   # roll_day edits them: own copies
        self.accounts = {account_id: Account(account_id, cash)}
        self.quotes: dict[str, dict] = {}
        self.traders: list[FakeXtQuantTrader] = []
        self.data_clients: list[FakeXtData] = []
        self.order_ids = itertools.count(1001)
        self.trade_ids: dict[str, itertools.count] = {}    # each exchange numbers its own trades
        self.level2_permission = False
        self.level2_numbers = itertools.count(1)     # exchange order and trade numbers for Level-2 prints
        self.auto_match = True
        self.refuse_sends = False         # order_stock_async answers -1, as xttrader documents for a failed send
        self.trade_before_order = True
        self.hold_cancels = False
        self.counter_rejects: dict[str, str] = {}        # code -> status_msg for the next order
        self.push_before_response = True                  # order pushes may overtake the async reply
        self.commission_rate = 0.00025
        self.deadlocks: list[str] = []    # sync calls made on a callback thread (would hang for real)
        self.data_pushes = ThreadPoolExecutor(1, thread_name_prefix="xtdata-push")
        for instrument in instruments:
            self.set_quote(instrument.code, instrument.pre_close, push=False)

    def backend(self, checks_path: bool = False) -> Backend:
        return Backend("fake", FakeXtData(self), lambda path, session: FakeXtQuantTrader(self, path, session),
                       checks_path)

    # --- market data ------------------------------------------------------------------------
    def limits(self, code: str) -> tuple[float, float]:
        i = self.instruments[code]
        return _round(i.pre_close * (1 + i.limit), i.tick), _round(i.pre_close * (1 - i.limit), i.tick)

    def set_quote(self, code: str, last: float, bid: float | None = None, ask: float | None = None,
                  bid_lots: int = 100, ask_lots: int = 100, push: bool = True, shape: str = "dict") -> dict:
        """Move the market. Levels step by one tick away from the best bid/ask; volumes are in
        lots of 100 like QMT's. Resting orders that now cross are matched."""
        instrument = self.instruments[code]
        t = instrument.tick
        bid = last if bid is None else bid
        ask = last if ask is None else ask
        with self.lock:
            previous = self.quotes.get(code, {})
            volume = previous.get("volume", 0) + (10 if previous else 0)
            quote = {
                "time": int(time.time() * 1000), "lastPrice": last, "open": previous.get("open", last),
                "high": max(previous.get("high", last), last), "low": min(previous.get("low", last), last),
                "lastClose": instrument.pre_close, "amount": previous.get("amount", 0.0) + 1000 * last,
                "volume": volume, "pvolume": volume * 100, "stockStatus": 3, "openInt": 13,
                "lastSettlementPrice": 0.0, "transactionNum": 0,
                "bidPrice": [_round(bid - k * t, t) if bid else 0.0 for k in range(5)],
                "askPrice": [_round(ask + k * t, t) if ask else 0.0 for k in range(5)],
                "bidVol": [bid_lots if bid else 0] * 5, "askVol": [ask_lots if ask else 0] * 5,
            }
            self.quotes[code] = quote
            if self.auto_match:
                self._match(code)
        if push:
            self.push_quotes([code], shape)
        return quote

    def push_quotes(self, codes: list[str] | None = None, shape: str = "dict") -> None:
        """Deliver quotes to xtdata subscribers: `dict` = {code: tick} as subscribe_whole_quote
        sends, `list` = {code: [tick]} as subscribe_quote sends."""
        with self.lock:
            chosen = {c: dict(self.quotes[c]) for c in (codes or list(self.quotes))}
        for client in list(self.data_clients):
            client.deliver(chosen, shape)

    def trade_print(self, code: str, price: float, volume: int, side: str = "B", cancel: bool = False) -> dict:
        """One Level-2 transaction of `volume` shares, pushed to l2transaction subscribers when
        the account has the Level-2 permission. `side` is who took liquidity ("B" or "S");
        SSE says so in `tradeFlag`, SZSE only through which order number is later."""
        market = code.rsplit(".", 1)[1]
        resting, taking = next(self.level2_numbers), next(self.level2_numbers)
        buy_no, sell_no = (taking, resting) if side == "B" else (resting, taking)
        flag = (1 if side == "B" else 2) if market != "SZ" else 0
        if cancel:      # SZSE only: a cancelled order, reported among the transactions
            price, flag, buy_no, sell_no = 0.0, 3, (resting if side == "B" else 0), (resting if side == "S" else 0)
        record = {"time": int(time.time() * 1000), "price": price, "volume": volume, "amount": price * volume,
                  "tradeIndex": next(self.level2_numbers), "buyNo": buy_no, "sellNo": sell_no, "tradeType": 1,
                  "tradeFlag": flag}
        if self.level2_permission:
            for client in list(self.data_clients):
                client.deliver_transactions(code, record)
        return record

    # --- accounts and the counter ---------------------------------------------------------------
    def account(self, account_id: str) -> Account:
        return self.accounts[account_id]

    def give_position(self, account_id: str, code: str, volume: int, cost: float) -> None:
        """Shares held since before today (sellable)."""
        with self.lock:
            self.accounts[account_id].positions[code] = Position(volume, volume, 0, volume, cost)

    def roll_day(self) -> None:
        """A new trading day: yesterday's buys become sellable and today's orders drop out."""
        with self.lock:
            self.today += timedelta(days=1)
            for account in self.accounts.values():
                for p in account.positions.values():
                    p.can_use = p.yesterday = p.volume
                account.orders.clear()
                account.trades.clear()
                account.order_freeze.clear()
                account.frozen_cash = 0.0
            for code, instrument in self.instruments.items():
                instrument.pre_close = self.quotes[code]["lastPrice"]

    def place(self, trader: FakeXtQuantTrader, account_id: str, code: str, order_type: int, volume: int,
              price_type: int, price: float, strategy_name: str, remark: str, seq: int) -> None:
        with self.lock:
            account = self.accounts.get(account_id)
            error = self._pre_counter_check(account, code, order_type, volume, price_type, price)
            order_id = next(self.order_ids)
            reply = xttype.XtOrderResponse(account_id, order_id if not error else -1, strategy_name, remark,
                                           error or "", seq)
            if error:
                failure = xttype.XtOrderError(account_id, -1, 10001, error, strategy_name, remark)
                failure.seq = seq
                # The native client can report the error before the reply: xttrader holds it back.
                trader.native("order_error", failure)
                trader.native("order_response", seq, reply)
                return
            instrument = self.instruments[code]
            xt = xttype.XtOrder(account_id, code, order_id, "", int(time.time()), order_type, volume,
                                50 if price_type == C.FIX_PRICE else 88, price, 0, 0.0, C.ORDER_UNREPORTED, "",
                                strategy_name, remark, 0, 48 if order_type == C.STOCK_BUY else 49,
                                "A123456", instrument.name)
            xt.sent_price_type = price_type
            account.orders[order_id] = xt
            self._freeze(account, xt)
            self._push_books(account)
            if not self.push_before_response:
                trader.native("order_response", seq, reply)
            self._broadcast(account_id, "stock_order", xt)
            if self.push_before_response:
                trader.native("order_response", seq, reply)
            rejection = self.counter_rejects.pop(code, None) or self._counter_check(xt)
            if rejection:
                self._finish(account, xt, C.ORDER_JUNK, rejection)
                return
            xt.order_sysid = f"S{order_id}"
            xt.order_status = C.ORDER_REPORTED
            self._broadcast(account_id, "stock_order", xt)
            if self.auto_match:
                self._match(code)

    def _pre_counter_check(self, account: Account | None, code: str, order_type: int, volume: int,
                           price_type: int, price: float) -> str:
        if account is None:
            return "资金账号不存在"
        instrument = self.instruments.get(code)
        if instrument is None:
            return f"证券代码{code}不存在"
        market = code.rsplit(".", 1)[1]
        allowed = {"SH": {11, 5, 42, 43, 44, 45}, "BJ": {11, 5, 42, 43, 44, 45}, "SZ": {11, 5, 44, 45, 46, 47, 48}}
        if price_type not in allowed[market]:
            return f"报价类型{price_type}不适用于该市场"
        if volume <= 0:
            return "委托数量必须大于0"
        if order_type == C.STOCK_BUY:
            minimum = 200 if code.startswith(("688", "689")) else 100
            if volume < minimum or (minimum == 100 and not code.endswith(".BJ") and volume % 100):
                return f"买入数量{volume}不是整手"
            need = self._buy_price(code, price_type, price) * volume * (1 + self.commission_rate)
            if need > account.cash:
                return f"可用资金不足，需要{need:.2f}，可用{account.cash:.2f}"
        else:
            position = account.positions.get(code)
            if position is None or position.can_use < volume:
                return f"可用股份不足，可卖{position.can_use if position else 0}"
        return ""

    def _counter_check(self, xt: Any) -> str:
        if xt.sent_price_type != C.FIX_PRICE:
            return ""
        up, down = self.limits(xt.stock_code)
        if not down <= xt.price <= up:
            return f"委托价格{xt.price}超出涨跌停价格范围[{down}, {up}]"
        return ""

    def _buy_price(self, code: str, price_type: int, price: float) -> float:
        return price if price_type == C.FIX_PRICE else self.limits(code)[0]

    def _freeze(self, account: Account, xt: Any) -> None:
        if xt.order_type == C.STOCK_BUY:
            amount = self._buy_price(xt.stock_code, xt.sent_price_type, xt.price) * xt.order_volume
            amount *= 1 + self.commission_rate
            account.cash -= amount
            account.frozen_cash += amount
            account.order_freeze[xt.order_id] = amount
        else:
            p = account.positions[xt.stock_code]
            p.can_use -= xt.order_volume
            p.frozen += xt.order_volume

    def _release(self, account: Account, xt: Any) -> None:
        left = xt.order_volume - xt.traded_volume
        if xt.order_type == C.STOCK_BUY:
            amount = account.order_freeze.pop(xt.order_id, 0.0)
            account.cash += amount
            account.frozen_cash -= amount
        elif left:
            p = account.positions[xt.stock_code]
            p.can_use += left
            p.frozen -= left

    def _finish(self, account: Account, xt: Any, status: int, message: str = "") -> None:
        xt.order_status = status
        xt.status_msg = message
        self._release(account, xt)
        self._broadcast(account.account_id, "stock_order", xt)
        self._push_books(account)

    def _match(self, code: str) -> None:
        quote = self.quotes[code]
        for account in self.accounts.values():
            for xt in list(account.orders.values()):
                if xt.stock_code != code or xt.order_status not in (C.ORDER_REPORTED, C.ORDER_PART_SUCC,
                                                                     C.ORDER_REPORTED_CANCEL,
                                                                     C.ORDER_PARTSUCC_CANCEL):
                    continue
                buy = xt.order_type == C.STOCK_BUY
                best = quote["askPrice"][0] if buy else quote["bidPrice"][0]
                lots = quote["askVol"][0] if buy else quote["bidVol"][0]
                market = xt.sent_price_type != C.FIX_PRICE
                crosses = best and (market or (best <= xt.price if buy else best >= xt.price))
                if crosses and lots:
                    self.fill(account.account_id, xt.order_id, min(lots * 100, xt.order_volume - xt.traded_volume),
                              best)
                if market and xt.order_status in (C.ORDER_REPORTED, C.ORDER_PART_SUCC):
                    # Best-five-then-cancel: whatever did not fill is cancelled at once.
                    self._finish(account, xt, C.ORDER_PART_CANCEL if xt.traded_volume else C.ORDER_CANCELED)

    def fill(self, account_id: str, order_id: int, volume: int, price: float) -> None:
        """One fill of a live order: the trade, the order snapshot, position and asset."""
        with self.lock:
            account = self.accounts[account_id]
            xt = account.orders[order_id]
            volume = min(volume, xt.order_volume - xt.traded_volume)
            amount = volume * price
            fee = max(amount * self.commission_rate, 5.0)
            position = account.positions.setdefault(xt.stock_code, Position())
            if xt.order_type == C.STOCK_BUY:
                frozen = account.order_freeze.get(order_id, 0.0)
                used = min(frozen, amount + fee)
                account.order_freeze[order_id] = frozen - used
                account.frozen_cash -= used
                account.cash -= amount + fee - used
                position.cost = (position.cost * position.volume + amount + fee) / (position.volume + volume)
                position.volume += volume          # T+1: can_use does not grow today
            else:
                fee += amount * 0.0005
                account.cash += amount - fee
                position.volume -= volume
                position.frozen -= volume
            xt.traded_price = (xt.traded_price * xt.traded_volume + amount) / (xt.traded_volume + volume)
            xt.traded_volume += volume
            cancel_pending = xt.order_status in (C.ORDER_REPORTED_CANCEL, C.ORDER_PARTSUCC_CANCEL)
            if xt.traded_volume >= xt.order_volume:
                xt.order_status = C.ORDER_SUCCEEDED
            else:
                xt.order_status = C.ORDER_PARTSUCC_CANCEL if cancel_pending else C.ORDER_PART_SUCC
            numbers = self.trade_ids.setdefault(xt.stock_code.rsplit(".", 1)[-1], itertools.count(1))
            trade = xttype.XtTrade(account_id, xt.stock_code, xt.order_type, f"T{next(numbers):08d}",
                                   int(time.time()), price, volume, amount, order_id, xt.order_sysid,
                                   xt.strategy_name, xt.order_remark, 0, xt.offset_flag, fee, "A123456",
                                   xt.instrument_name)
            account.trades.append(trade)
            if xt.order_status == C.ORDER_SUCCEEDED:
                self._release(account, xt)
            first, second = (("stock_trade", trade), ("stock_order", xt)) if self.trade_before_order \
                else (("stock_order", xt), ("stock_trade", trade))
            self._broadcast(account_id, *first)
            self._broadcast(account_id, *second)
            self._push_books(account)

    def cancel(self, trader: FakeXtQuantTrader, account_id: str, seq: int, order_id: int | None = None,
               market: Any = None, sysid: str = "") -> None:
        with self.lock:
            account = self.accounts[account_id]
            xt = account.orders.get(order_id) if order_id is not None else \
                next((o for o in account.orders.values() if o.order_sysid == sysid), None)
            error = ""
            if xt is None:
                error = "委托不存在"
            elif sysid and C.MARKET_STR_TO_ENUM_MAPPING.get(market, market) != \
                    C.MARKET_STR_TO_ENUM_MAPPING[xt.stock_code.rsplit(".", 1)[1]]:
                error = f"市场{market}中找不到委托{sysid}"
            elif xt.order_status not in (C.ORDER_REPORTED, C.ORDER_PART_SUCC):
                error = "委托已成交或已撤销，不能撤单"
            reply_id = xt.order_id if xt else (order_id or -1)
            reply = xttype.XtCancelOrderResponse(account_id, -1 if error else 0, reply_id, sysid, seq, error)
            if error:
                failure = xttype.XtCancelError(account_id, reply_id, market if sysid else -1, sysid, 20001, error)
                trader.native("cancel_error", failure, seq)
                trader.native("cancel_response", seq, reply)
                return
            trader.native("cancel_response", seq, reply)
            xt.order_status = C.ORDER_PARTSUCC_CANCEL if xt.traded_volume else C.ORDER_REPORTED_CANCEL
            self._broadcast(account_id, "stock_order", xt)
            if not self.hold_cancels:
                self.confirm_cancel(account_id, xt.order_id)

    def confirm_cancel(self, account_id: str, order_id: int) -> None:
        """The exchange confirms a pending cancel (status 53 or 54)."""
        with self.lock:
            account = self.accounts[account_id]
            xt = account.orders[order_id]
            if xt.order_status in (C.ORDER_REPORTED_CANCEL, C.ORDER_PARTSUCC_CANCEL):
                self._finish(account, xt, C.ORDER_PART_CANCEL if xt.traded_volume else C.ORDER_CANCELED)

    # --- snapshots as the SDK returns them -----------------------------------------------------
    def xt_position(self, account_id: str, code: str) -> Any:
        p = self.accounts[account_id].positions[code]
        last = self.quotes[code]["lastPrice"]
        return xttype.XtPosition(account_id, code, p.volume, p.can_use, p.cost, p.volume * last, p.frozen, 0,
                                 p.yesterday, p.cost, 0, last, 0.0, "A123456", self.instruments[code].name)

    def xt_asset(self, account_id: str) -> Any:
        account = self.accounts[account_id]
        value = sum(p.volume * self.quotes[c]["lastPrice"] for c, p in account.positions.items())
        return xttype.XtAsset(account_id, round(account.cash, 2), round(account.frozen_cash, 2), value,
                              round(account.cash + account.frozen_cash + value, 2), round(account.cash, 2))

    def _push_books(self, account: Account) -> None:
        for code in account.positions:
            self._broadcast(account.account_id, "stock_position", self.xt_position(account.account_id, code))
        self._broadcast(account.account_id, "stock_asset", self.xt_asset(account.account_id))

    def _broadcast(self, account_id: str, kind: str, record: Any) -> None:
        """Pushes carry a copy: the real SDK hands each callback its own native object."""
        for trader in list(self.traders):
            if account_id in trader.subscribed:
                trader.native(kind, _copy(record))

    # --- connections ----------------------------------------------------------------------------
    def drop_connections(self) -> None:
        """The link to every client breaks (terminal restarted or network lost)."""
        with self.lock:
            traders, self.traders = self.traders, []
        for trader in traders:
            trader.lose_connection()

    def shutdown(self) -> None:
        self.running = False
        self.drop_connections()


def _copy(record: Any) -> Any:
    clone = object.__new__(type(record))
    clone.__dict__.update(record.__dict__)
    return clone


# --- XtQuantTrader ------------------------------------------------------------------------------
class FakeXtQuantTrader:
    """Same constructor, methods and callback contract as `xtquant.xttrader.XtQuantTrader`."""

    def __init__(self, terminal: FakeTerminal, path: str, session_id: int) -> None:
        self.terminal = terminal
        self.path = path
        self.session_id = session_id
        self.callback: Any = None
        self.executor: ThreadPoolExecutor | None = None
        self.connected = False
        self.alive = True
        self.subscribed: set[str] = set()
        self.seqs = itertools.count(1)
        self.cbs: dict[int, str] = {}
        self.queuing_order_seq: set[int] = set()
        self.held_order_errors: dict[int, Any] = {}
        self.held_cancel_errors: dict[int, Any] = {}

    def register_callback(self, callback: Any) -> None:
        self.callback = callback

    def start(self) -> None:
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"{CALLBACK_THREAD_PREFIX}-{self.session_id}")

    def stop(self) -> None:
        self._refuse_on_callback_thread("stop")
        self.alive = False
        with self.terminal.lock:
            if self in self.terminal.traders:
                self.terminal.traders.remove(self)
        if self.executor:
            self.executor.shutdown(wait=True)

    def connect(self) -> int:
        self._refuse_on_callback_thread("connect")
        if not self.terminal.running or self.path != self.terminal.userdata_path:
            return -1
        self.connected = True
        with self.terminal.lock:
            self.terminal.traders.append(self)
        return 0

    def subscribe(self, account: Any) -> int:
        self._sync(lambda: None, "subscribe")
        if not self._usable() or account.account_id not in self.terminal.accounts:
            return -1
        self.subscribed.add(account.account_id)
        self.native("account_status", xttype.XtAccountStatus(account.account_id, account.account_type, 0))
        return 0

    # --- trading ------------------------------------------------------------------------------
    def order_stock_async(self, account: Any, stock_code: str, order_type: int, order_volume: int,
                          price_type: int, price: float, strategy_name: str = "", order_remark: str = "") -> int:
        if self.terminal.refuse_sends:
            return -1           # xttrader documents -1 as "the order was not sent"
        seq = next(self.seqs)
        if self._usable():
            self.cbs[seq] = "order"
            self.queuing_order_seq.add(seq)
            self.terminal.place(self, account.account_id, stock_code, order_type, int(order_volume), price_type,
                                price, strategy_name, order_remark, seq)
        return seq

    def cancel_order_stock_async(self, account: Any, order_id: int) -> int:
        seq = next(self.seqs)
        if self._usable():
            self.cbs[seq] = "cancel"
            self.terminal.cancel(self, account.account_id, seq, order_id=order_id)
        return seq

    def cancel_order_stock_sysid_async(self, account: Any, market: Any, sysid: str) -> int:
        seq = next(self.seqs)
        if self._usable():
            self.cbs[seq] = "cancel"
            self.terminal.cancel(self, account.account_id, seq, market=market, sysid=sysid)
        return seq

    # --- sync queries: answered on the callback thread, behind earlier pushes ------------------------
    def query_stock_asset(self, account: Any) -> Any:
        return self._sync(lambda: self.terminal.xt_asset(account.account_id), "query_stock_asset")

    def query_stock_orders(self, account: Any, cancelable_only: bool = False) -> list | None:
        def answer() -> list | None:
            orders = [_copy(o) for o in self.terminal.account(account.account_id).orders.values()]
            return orders or None     # the SDK returns None for an empty list
        return self._sync(answer, "query_stock_orders")

    def query_stock_trades(self, account: Any) -> list | None:
        return self._sync(lambda: [_copy(t) for t in self.terminal.account(account.account_id).trades] or None,
                          "query_stock_trades")

    def query_stock_positions(self, account: Any) -> list | None:
        def answer() -> list | None:
            codes = self.terminal.account(account.account_id).positions
            return [self.terminal.xt_position(account.account_id, c) for c in codes] or None
        return self._sync(answer, "query_stock_positions")

    def _sync(self, answer: Any, name: str) -> Any:
        self._refuse_on_callback_thread(name)
        if not self._usable():
            return None

        def locked() -> Any:
            with self.terminal.lock:
                return answer()
        return self.executor.submit(locked).result()

    def _refuse_on_callback_thread(self, name: str) -> None:
        if _on_callback_thread():
            self.terminal.deadlocks.append(name)
            raise DeadlockError(f"{name}() called on an xtquant callback thread: the real SDK deadlocks here")

    def _usable(self) -> bool:
        return self.alive and self.connected and self.executor is not None

    # --- the native side: every push is queued onto the one callback thread ---------------------
    def native(self, kind: str, *args: Any) -> None:
        if self.executor is None or not self.alive:
            return
        try:
            self.executor.submit(self._dispatch, kind, *args)
        except RuntimeError:     # executor already shut down
            pass

    def _dispatch(self, kind: str, *args: Any) -> None:
        cb = self.callback
        if cb is None:
            return
        try:
            if kind == "order_response":
                seq, reply = args
                if self.cbs.pop(seq, None):
                    cb.on_order_stock_async_response(reply)
                    self.queuing_order_seq.discard(seq)
                    held = self.held_order_errors.pop(seq, None)
                    if held is not None:
                        cb.on_order_error(held)
            elif kind == "order_error":
                error = args[0]
                if error.seq in self.queuing_order_seq:
                    self.held_order_errors[error.seq] = error
                else:
                    cb.on_order_error(error)
            elif kind == "cancel_response":
                seq, reply = args
                if self.cbs.pop(seq, None):
                    cb.on_cancel_order_stock_async_response(reply)
                    held = self.held_cancel_errors.pop(seq, None)
                    if held is not None:
                        cb.on_cancel_error(held)
            elif kind == "cancel_error":
                error, seq = args
                if seq in self.cbs:      # its reply has not been delivered yet: hold the error
                    self.held_cancel_errors[seq] = error
                else:
                    cb.on_cancel_error(error)
            else:
                getattr(cb, f"on_{kind}")(*args)
        except Exception as error:   # xttrader's executor swallows callback errors too
            print(f"xtquant callback {kind} raised: {error!r}")

    def lose_connection(self) -> None:
        self.native("disconnected")
        self.alive = False


# --- xtdata --------------------------------------------------------------------------------------
class FakeXtData:
    """The functions of `xtquant.xtdata` the gateway uses, with their documented shapes."""

    enable_hello = True

    def __init__(self, terminal: FakeTerminal) -> None:
        self.terminal = terminal
        self.connected = False
        self.seqs = itertools.count(1)
        self.subscriptions: dict[int, tuple[list[str], Any, str, str]] = {}    # seq -> codes, callback, shape, period
        self.downloaded: set[tuple[str, str]] = set()
        self.sectors_downloaded = False

    def connect(self, ip: str = "", port: int | None = None, remember_if_success: bool = True) -> FakeXtData:
        if not self.terminal.running or (port and port != self.terminal.data_port):
            raise Exception("无法连接xtquant服务，请检查QMT-投研版或QMT-极简版是否开启")
        self.connected = True
        with self.terminal.lock:
            if self not in self.terminal.data_clients:
                self.terminal.data_clients.append(self)
        return self

    def _client(self) -> None:
        if not self.connected or not self.terminal.running:
            raise Exception("无法连接xtquant服务，请检查QMT-投研版或QMT-极简版是否开启")

    def subscribe_whole_quote(self, code_list: list[str], callback: Any = None) -> int:
        return self._subscribe(list(code_list), callback, "dict", "tick")

    def subscribe_quote(self, stock_code: str, period: str = "1d", start_time: str = "", end_time: str = "",
                        count: int = 0, callback: Any = None) -> int:
        return self._subscribe([stock_code], callback, "list", period)

    def _subscribe(self, codes: list[str], callback: Any, shape: str, period: str) -> int:
        self._client()
        seq = next(self.seqs)
        self.subscriptions[seq] = (codes, callback, shape, period)
        if any(c in ("SH", "SZ", "BJ") for c in codes):   # whole-quote: first push is the snapshot
            with self.terminal.lock:
                snapshot = {c: dict(q) for c, q in self.terminal.quotes.items()}
            self._push(callback, snapshot, shape)
        return seq

    def unsubscribe_quote(self, seq: int) -> None:
        self.subscriptions.pop(seq, None)

    def deliver(self, quotes: dict[str, dict], shape: str) -> None:
        if not self.connected:
            return
        for codes, callback, own_shape, period in list(self.subscriptions.values()):
            chosen = {c: q for c, q in quotes.items() if c in codes or c.rsplit(".", 1)[1] in codes}
            if chosen and period != "l2transaction":
                self._push(callback, chosen, shape if own_shape == "dict" else "list")

    def deliver_transactions(self, code: str, record: dict) -> None:
        if not self.connected:
            return
        for codes, callback, _, period in list(self.subscriptions.values()):
            if period == "l2transaction" and code in codes:
                self._push(callback, {code: dict(record)}, "list")

    def _push(self, callback: Any, quotes: dict[str, dict], shape: str) -> None:
        payload = {c: ([q] if shape == "list" else q) for c, q in quotes.items()}

        def call() -> None:
            try:
                callback(payload)
            except Exception as error:  # subscribe_callback_wrapper prints and swallows
                print(f"xtdata callback raised: {error!r}")
        self.terminal.data_pushes.submit(call)

    def get_instrument_detail(self, stock_code: str, iscomplete: bool = False) -> dict | None:
        self._client()
        instrument = self.terminal.instruments.get(stock_code)
        if instrument is None:
            return None
        up, down = self.terminal.limits(stock_code)
        symbol, market = stock_code.rsplit(".", 1)
        return {"ExchangeID": market, "InstrumentID": symbol, "InstrumentName": instrument.name,
                "PreClose": instrument.pre_close, "UpStopPrice": up, "DownStopPrice": down,
                "PriceTick": instrument.tick, "VolumeMultiple": 1, "InstrumentStatus": 0, "IsTrading": True,
                "TradingDay": self.terminal.today.strftime("%Y%m%d"), "OpenDate": "19991110"}

    def download_sector_data(self) -> None:
        self._client()
        self.sectors_downloaded = True

    def get_sector_list(self) -> list[str]:
        return sorted(self._sectors()) if self.sectors_downloaded else []

    def get_stock_list_in_sector(self, sector_name: str, real_timetag: int = -1) -> list[str]:
        return self._sectors().get(sector_name, []) if self.sectors_downloaded else []

    def _sectors(self) -> dict[str, list[str]]:
        """Boards, Shenwan level-1 industries ("SW1银行"), their CSI 1000 slices ("1000SW1银行",
        here the Shenzhen members) and one concept list, as QMT names them."""
        sectors: dict[str, list[str]] = {"GN上海": []}
        for i in self.terminal.instruments.values():
            sectors.setdefault(i.sector, []).append(i.code)
            if i.industry:
                sectors.setdefault(f"SW1{i.industry}", []).append(i.code)
                if i.code.endswith(".SZ"):
                    sectors.setdefault(f"1000SW1{i.industry}", []).append(i.code)
            if i.code.endswith(".SH"):
                sectors["GN上海"].append(i.code)
        return sectors

    def download_history_data(self, stock_code: str, period: str, start_time: str = "", end_time: str = "",
                              incrementally: bool | None = None) -> None:
        self._client()
        self.downloaded.add((stock_code, period))

    def get_market_data_ex(self, field_list: list | None = None, stock_list: list | None = None,
                           period: str = "1d", start_time: str = "", end_time: str = "", count: int = -1,
                           dividend_type: str = "none", fill_data: bool = True) -> dict:
        """Reads the local cache only: codes not downloaded for the period come back empty."""
        import pandas as pd

        self._client()
        result = {}
        for code in stock_list or []:
            rows = kline_rows(code, period, start_time, end_time, self.terminal.instruments[code].pre_close) \
                if (code, period) in self.downloaded and code in self.terminal.instruments else []
            frame = pd.DataFrame(rows, columns=["time", "open", "high", "low", "close", "volume", "amount",
                                                "settelementPrice", "openInterest", "preClose", "suspendFlag"])
            frame.index = [datetime.fromtimestamp(r["time"] / 1000, CHINA_TZ).strftime("%Y%m%d%H%M%S")
                           for r in rows]
            result[code] = frame
        return result


def _weekdays(start: date, end: date) -> list[date]:
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _bar_ends(day: date, period: str) -> list[datetime]:
    """QMT stamps the *end* of a bar; the 1m series starts with a 09:30 auction bar."""
    if period == "1d":
        return [datetime.combine(day, datetime.min.time(), CHINA_TZ)]
    step = {"1m": 1, "5m": 5}[period]
    ends = [datetime(day.year, day.month, day.day, 9, 30, tzinfo=CHINA_TZ)] if step == 1 else []
    for start_hour, start_minute, count in ((9, 30, 120), (13, 0, 120)):
        first = datetime(day.year, day.month, day.day, start_hour, start_minute, tzinfo=CHINA_TZ)
        ends += [first + timedelta(minutes=m) for m in range(step, count + 1, step)]
    return ends


def kline_rows(code: str, period: str, start_time: str, end_time: str, base: float) -> list[dict]:
    """Deterministic synthetic K-lines (seeded by the code) in QMT's column layout."""
    start = datetime.strptime(start_time[:8], "%Y%m%d").date() if start_time else date(2024, 1, 1)
    end = datetime.strptime(end_time[:8], "%Y%m%d").date() if end_time else datetime.now(CHINA_TZ).date()
    rng = random.Random(code + period)
    price = base
    rows = []
    for day in _weekdays(start, end):
        for moment in _bar_ends(day, period):
            open_ = price
            price = max(round(price * (1 + rng.gauss(0, 0.01)), 2), 0.01)
            high, low = max(open_, price) * 1.003, min(open_, price) * 0.997
            lots = rng.randint(100, 5000)
            rows.append({"time": int(moment.timestamp() * 1000), "open": open_, "high": round(high, 2),
                         "low": round(low, 2), "close": price, "volume": lots, "amount": lots * 100 * price,
                         "settelementPrice": 0.0, "openInterest": 13, "preClose": open_, "suspendFlag": 0})
    return rows
