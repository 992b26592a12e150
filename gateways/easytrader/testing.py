"""A broker client as easytrader drives it, for tests and the demo: the 同花顺 family's grids
(easytrader's documented return shapes: Chinese column names, `{"entrust_no": ...}` answers), with
the failures its users report, on demand: a popup that breaks the order while easytrader still
answers success (easytrader#376), an exception after the order was placed (#241), a timeout before
or after the click, a popup that refuses the order, and a captcha when the grid is exported.

The broker's books live in a SQLite file, so an agent process that is killed and started again
sees what its predecessor placed, as it would with a real client."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from lianghua_app.markets import CHINA_TZ

TABLES = (
    "CREATE TABLE IF NOT EXISTS book_order (entrust_no INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT, side TEXT,"
    " price REAL, volume REAL, traded REAL, status TEXT, time TEXT, fill_price REAL)",
    "CREATE TABLE IF NOT EXISTS book_fault (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT)",
    "CREATE TABLE IF NOT EXISTS book_cash (id INTEGER PRIMARY KEY CHECK (id = 1), cash REAL)",
)
# What each fault does to the next order.
PLACES = {"exception_after_place", "timeout_after_place", "popup_after_place"}
FAULTS = PLACES | {"popup_no_order", "timeout_before_place", "popup_refused", "captcha"}
MARKET_PRICE = 10.0        # what a market order fills at when the code has no price yet
MARKETS = {"6": "沪A", "5": "沪A", "9": "沪A", "0": "深A", "3": "深A", "1": "深A", "8": "京A", "4": "京A"}


class PopupError(RuntimeError):
    """What easytrader raises when a dialog it does not know pops up."""


class FakeClientTrader:
    """The subset of easytrader's `ClientTrader` the agent uses."""

    def __init__(self, path: Path, cash: float = 1_000_000.0) -> None:
        self.path = Path(path)
        self.lock = threading.Lock()
        self.connected = False
        with self._db() as db:
            for table in TABLES:
                db.execute(table)
            db.execute("INSERT OR IGNORE INTO book_cash VALUES (1, ?)", (cash,))

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(str(self.path), timeout=10, isolation_level=None)

    # --- easytrader's surface --------------------------------------------------------------------
    def connect(self, exe_path: str | None = None, **kwargs) -> None:
        self.connected = True

    def prepare(self, config_path: str | None = None, user: str | None = None, password: str | None = None,
                **kwargs) -> None:
        self.connected = True

    def refresh(self) -> None:
        pass

    def exit(self) -> None:
        self.connected = False

    @property
    def balance(self) -> list[dict]:
        with self._db() as db:
            cash = db.execute("SELECT cash FROM book_cash").fetchone()[0]
        value = sum(p["参考市值"] for p in self.position)
        return [{"资金余额": cash, "可用资金": cash, "冻结资金": 0.0, "总资产": cash + value, "参考市值": value,
                 "资金帐号": "8888"}]

    @property
    def position(self) -> list[dict]:
        """Shares bought today are held but not yet sellable (T+1): 股份可用 leaves them out, and
        the shares of pending sells too."""
        self._fault_on_export()
        today = datetime.now(CHINA_TZ).strftime("%Y-%m-%d")
        held: dict[str, list[float]] = {}
        with self._db() as db:
            rows = db.execute("SELECT code, side, fill_price, volume, traded, status, time FROM book_order").fetchall()
        for code, side, price, volume, traded, status, moment in rows:
            row = held.setdefault(code, [0.0, 0.0, 0.0, price])
            if side == "买入":
                row[0] += traded
                row[1] += traded * price
                row[2] += traded if moment[:10] < today else 0.0
            else:
                row[0] -= traded
                row[2] -= traded + ((volume - traded) if status in ("已报", "部成") else 0.0)
            row[3] = price or row[3]
        return [{"证券代码": code, "证券名称": f"股票{code}", "交易市场": MARKETS[code[0]], "当前持仓": qty,
                 "股份可用": max(available, 0.0), "参考成本价": cost / qty if qty else 0.0, "参考市价": last,
                 "参考市值": qty * last} for code, (qty, cost, available, last) in held.items() if qty]

    @property
    def today_entrusts(self) -> list[dict]:
        self._fault_on_export()
        today = datetime.now(CHINA_TZ).strftime("%Y-%m-%d")
        with self._db() as db:
            rows = db.execute("SELECT entrust_no, code, side, price, volume, traded, status, time, fill_price"
                              " FROM book_order WHERE time >= ? ORDER BY entrust_no", (today,)).fetchall()
        return [{"委托序号": str(no), "证券代码": code, "证券名称": f"股票{code}", "交易市场": MARKETS[code[0]],
                 "买卖标志": side, "委托价格": price, "委托数量": volume, "成交数量": traded, "成交均价": fill,
                 "撤单数量": volume - traded if status in ("已撤", "部撤") else 0, "状态说明": status,
                 "委托日期": time[:10].replace("-", ""), "委托时间": time[11:19]}
                for no, code, side, price, volume, traded, status, time, fill in rows]

    @property
    def today_trades(self) -> list[dict]:
        copied = ("委托序号", "证券代码", "交易市场", "买卖标志", "成交数量")
        return [{**{name: o[name] for name in copied}, "成交价格": o["成交均价"], "成交日期": o["委托日期"],
                 "成交时间": o["委托时间"], "成交编号": f"T{o['委托序号']}"}
                for o in self.today_entrusts if o["成交数量"]]

    def buy(self, security: str, price: float, amount: float, **kwargs) -> dict:
        return self._order(security, "买入", price, amount)

    def sell(self, security: str, price: float, amount: float, **kwargs) -> dict:
        return self._order(security, "卖出", price, amount)

    def market_buy(self, security: str, amount: float, ttype: str | None = None, **kwargs) -> dict:
        return self._order(security, "买入", 0.0, amount)

    def market_sell(self, security: str, amount: float, ttype: str | None = None, **kwargs) -> dict:
        return self._order(security, "卖出", 0.0, amount)

    def cancel_entrust(self, entrust_no: str) -> dict:
        with self._db() as db:
            done = db.execute("UPDATE book_order SET status = CASE WHEN traded > 0 THEN '部撤' ELSE '已撤' END"
                              " WHERE entrust_no = ? AND status IN ('已报', '部成')", (int(entrust_no),)).rowcount
        return {"message": "success"} if done else {"message": "委托已成交或已撤单，不能撤单"}

    def cancel_all_entrusts(self) -> None:
        with self._db() as db:
            db.execute("UPDATE book_order SET status = CASE WHEN traded > 0 THEN '部撤' ELSE '已撤' END"
                       " WHERE status IN ('已报', '部成')")

    # --- the test's hand on the broker ---------------------------------------------------------------
    def inject(self, *kinds: str) -> None:
        """Faults for the next orders (or grid exports, for `captcha`), in order."""
        unknown = set(kinds) - FAULTS
        if unknown:
            raise ValueError(f"unknown faults: {unknown}")
        with self._db() as db:
            db.executemany("INSERT INTO book_fault (kind) VALUES (?)", [(k,) for k in kinds])

    def fill(self, entrust_no: str, volume: float | None = None) -> None:
        with self._db() as db:
            db.execute("UPDATE book_order SET traded = MIN(volume, traded + COALESCE(?, volume)),"
                       " status = CASE WHEN traded + COALESCE(?, volume) >= volume THEN '已成' ELSE '部成' END"
                       " WHERE entrust_no = ?", (volume, volume, int(entrust_no)))

    def hold(self, code: str, volume: float, price: float) -> None:
        """Shares bought on an earlier day (sellable today)."""
        with self._db() as db:
            db.execute("INSERT INTO book_order (code, side, price, volume, traded, status, time, fill_price)"
                       " VALUES (?, '买入', ?, ?, ?, '已成', '2000-01-03 10:00:00', ?)", (code, price, volume, volume,
                                                                                          price))

    def orders(self) -> list[tuple]:
        with self._db() as db:
            return db.execute("SELECT entrust_no, code, side, price, volume, status FROM book_order").fetchall()

    # --- inside ------------------------------------------------------------------------------------------
    def _next_fault(self, export: bool = False) -> str | None:
        with self._db() as db:
            row = db.execute("SELECT id, kind FROM book_fault ORDER BY id LIMIT 1").fetchone()
            if row is None or (row[1] == "captcha") != export:
                return None
            db.execute("DELETE FROM book_fault WHERE id = ?", (row[0],))
            return row[1]

    def _fault_on_export(self) -> None:
        if self._next_fault(export=True):
            raise PopupError("导出表格需要输入验证码")

    def _order(self, security: str, side: str, price: float, amount: float) -> dict:
        with self.lock:
            fault = self._next_fault()
            if fault == "timeout_before_place":
                raise TimeoutError("等待下单窗口超时")
            if fault == "popup_refused":
                raise PopupError("提示：委托价格超出涨跌停限制，委托失败")
            if fault == "popup_no_order":
                return {"message": "success"}            # the popup ate the click; easytrader says success
            status = "已成" if price == 0 else "已报"    # a market order fills at once, at the last price
            with self._db() as db:
                last = db.execute("SELECT price FROM book_order WHERE code = ? AND price > 0 ORDER BY entrust_no DESC"
                                  " LIMIT 1", (security,)).fetchone()
                cursor = db.execute("INSERT INTO book_order (code, side, price, volume, traded, status, time,"
                                    " fill_price) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                    (security, side, price, amount, amount if status == "已成" else 0.0, status,
                                     datetime.now(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S"),
                                     price or (last[0] if last else MARKET_PRICE)))
                entrust_no = str(cursor.lastrowid)
            if fault == "exception_after_place":
                raise RuntimeError("下单后读取回报失败")
            if fault == "timeout_after_place":
                raise TimeoutError("等待委托回报超时")
            if fault == "popup_after_place":
                return {"message": "success"}
            return {"entrust_no": entrust_no}
