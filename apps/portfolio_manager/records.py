"""What the portfolio manager keeps beside the journal, in the profile's database: each day's
close or last mark per symbol and each account's equity (so a day's attribution can be redone
after a restart and checked against the account), every plan with its confirmation and result,
and the capital budget each strategy was given."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime

from lianghua_app.storage.side_tables import connect

TABLES = (
    "CREATE TABLE IF NOT EXISTS portfolio_close (vt_symbol TEXT NOT NULL, day TEXT NOT NULL, price REAL NOT NULL,"
    " source TEXT NOT NULL, PRIMARY KEY (vt_symbol, day))",
    "CREATE TABLE IF NOT EXISTS portfolio_equity (day TEXT NOT NULL, account TEXT NOT NULL, currency TEXT NOT NULL,"
    " balance REAL NOT NULL, at TEXT NOT NULL, PRIMARY KEY (day, account))",
    "CREATE TABLE IF NOT EXISTS portfolio_plan (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL,"
    " method TEXT NOT NULL, params TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,"
    " decided TEXT, who TEXT NOT NULL DEFAULT '', result TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS portfolio_budget (strategy TEXT PRIMARY KEY, capital REAL NOT NULL,"
    " currency TEXT NOT NULL, plan_id INTEGER, at TEXT NOT NULL)",
)
PLAN_STATES = ("proposed", "applied", "discarded")


@dataclass(frozen=True)
class Budget:
    strategy: str
    capital: float              # in `currency`, the strategy's symbol's
    currency: str
    plan_id: int | None
    at: datetime


@dataclass(frozen=True)
class StoredPlan:
    id: int
    created: datetime
    method: str
    params: dict
    payload: dict
    status: str
    decided: datetime | None
    who: str
    result: str


def _connect() -> sqlite3.Connection:
    connection = connect(*TABLES)
    if connection is None:                  # no profile bound: nothing to keep
        connection = sqlite3.connect(":memory:")
        for table in TABLES:
            connection.execute(table)
    return connection


def _now() -> str:
    return datetime.now(UTC).isoformat()


# --- closes and equity ------------------------------------------------------------------------
def save_closes(rows: list[tuple[str, date, float, str]]) -> None:
    """(vt_symbol, day, price, source); a later price of the same day replaces the earlier."""
    with closing(_connect()) as connection, connection:
        connection.executemany("INSERT OR REPLACE INTO portfolio_close VALUES (?, ?, ?, ?)",
                               [(s, d.isoformat(), p, src) for s, d, p, src in rows])


def closes(vt_symbols: set[str]) -> dict[tuple[str, date], tuple[float, str]]:
    if not vt_symbols:
        return {}
    marks = ",".join("?" * len(vt_symbols))
    with closing(_connect()) as connection:
        rows = connection.execute("SELECT vt_symbol, day, price, source FROM portfolio_close"
                                  f" WHERE vt_symbol IN ({marks})", sorted(vt_symbols)).fetchall()
    return {(s, date.fromisoformat(d)): (p, src) for s, d, p, src in rows}


def save_equity(rows: list[tuple[date, str, str, float]]) -> None:
    """(day, account, currency, balance): the day's latest balance of each account."""
    with closing(_connect()) as connection, connection:
        connection.executemany("INSERT OR REPLACE INTO portfolio_equity VALUES (?, ?, ?, ?, ?)",
                               [(d.isoformat(), a, c, b, _now()) for d, a, c, b in rows])


def equity() -> list[tuple[date, str, str, float]]:
    with closing(_connect()) as connection:
        rows = connection.execute("SELECT day, account, currency, balance FROM portfolio_equity"
                                  " ORDER BY day").fetchall()
    return [(date.fromisoformat(d), a, c, b) for d, a, c, b in rows]


# --- plans and budgets ------------------------------------------------------------------------
def save_plan(method: str, params: dict, payload: dict) -> int:
    with closing(_connect()) as connection, connection:
        cursor = connection.execute(
            "INSERT INTO portfolio_plan (created, method, params, payload, status) VALUES (?, ?, ?, ?, 'proposed')",
            (_now(), method, json.dumps(params, ensure_ascii=False), json.dumps(payload, ensure_ascii=False)))
        return int(cursor.lastrowid)


def decide_plan(plan_id: int, status: str, who: str, result: str) -> None:
    if status not in PLAN_STATES:
        raise ValueError(status)
    with closing(_connect()) as connection, connection:
        connection.execute("UPDATE portfolio_plan SET status = ?, decided = ?, who = ?, result = ? WHERE id = ?",
                           (status, _now(), who, result, plan_id))


def plans(limit: int = 50) -> list[StoredPlan]:
    with closing(_connect()) as connection:
        rows = connection.execute("SELECT id, created, method, params, payload, status, decided, who, result"
                                  " FROM portfolio_plan ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [StoredPlan(i, datetime.fromisoformat(c), m, json.loads(p), json.loads(pl), s,
                       datetime.fromisoformat(d) if d else None, w, r) for i, c, m, p, pl, s, d, w, r in rows]


def plan(plan_id: int) -> StoredPlan | None:
    return next((p for p in plans(10_000) if p.id == plan_id), None)


def save_budgets(budgets: list[tuple[str, float, str]], plan_id: int) -> None:
    """(strategy, capital, currency) for every strategy of the plan, in one transaction."""
    with closing(_connect()) as connection, connection:
        connection.executemany("INSERT OR REPLACE INTO portfolio_budget VALUES (?, ?, ?, ?, ?)",
                               [(s, c, cur, plan_id, _now()) for s, c, cur in budgets])


def budgets() -> dict[str, Budget]:
    with closing(_connect()) as connection:
        rows = connection.execute("SELECT strategy, capital, currency, plan_id, at FROM portfolio_budget").fetchall()
    return {s: Budget(s, c, cur, p, datetime.fromisoformat(at)) for s, c, cur, p, at in rows}
