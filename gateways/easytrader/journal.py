"""The agent's own journal: each order's idempotency key, what was asked and how it ended, in
SQLite with a full sync, written *before* the broker client's GUI is touched.

States: `sending` (journaled, the GUI step may have begun), `placed` (the broker gave its entrust
number), `unknown` (the GUI step failed ambiguously: a popup, a timeout, an exception after the
click), `rejected` (the broker refused, or a read-back proved it never reached the broker). A key
that is not `placed` or `rejected` is resolved by reading today's orders back, never resent
blindly."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

TABLE = ("CREATE TABLE IF NOT EXISTS agent_order (key TEXT PRIMARY KEY, request TEXT NOT NULL, state TEXT NOT NULL,"
         " entrust_no TEXT, reason TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, updated TEXT NOT NULL)")
INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS agent_order_entrust ON agent_order (entrust_no) WHERE entrust_no IS NOT NULL"
NONCES = "CREATE TABLE IF NOT EXISTS agent_nonce (nonce TEXT PRIMARY KEY, at REAL NOT NULL)"
FINAL = ("placed", "rejected")


@dataclass(frozen=True)
class Entry:
    key: str
    request: dict
    state: str
    entrust_no: str | None
    reason: str
    created: datetime

    def answer(self) -> dict:
        return {"key": self.key, "state": self.state, "entrust_no": self.entrust_no, "reason": self.reason}


class OrderJournal:
    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.execute(TABLE)
        self.connection.execute(INDEX)
        self.connection.execute(NONCES)
        # One connection for all request threads: every use goes through this lock (sqlite3 shares
        # its prepared statements between threads, which is not safe).
        self.lock = threading.RLock()

    def close(self) -> None:
        self.connection.close()

    def begin(self, key: str, request: dict) -> tuple[Entry, bool]:
        """The entry of `key`, and whether it is new (then it is journaled as `sending`)."""
        now = datetime.now(UTC).isoformat()
        with self.lock:
            try:
                self.connection.execute("INSERT INTO agent_order VALUES (?, ?, 'sending', NULL, '', ?, ?)",
                                        (key, json.dumps(request, ensure_ascii=False), now, now))
                fresh = True
            except sqlite3.IntegrityError:
                fresh = False
        return self.get(key), fresh

    def remember_nonce(self, nonce: str, at: float, keep_after: float) -> bool:
        """False when the nonce was seen before (a replay, also across a restart of the agent);
        nonces older than `keep_after` are forgotten (their requests are stale anyway)."""
        with self.lock:
            self.connection.execute("DELETE FROM agent_nonce WHERE at < ?", (keep_after,))
            try:
                self.connection.execute("INSERT INTO agent_nonce VALUES (?, ?)", (nonce, at))
            except sqlite3.IntegrityError:
                return False
        return True

    def get(self, key: str) -> Entry | None:
        with self.lock:
            row = self.connection.execute("SELECT key, request, state, entrust_no, reason, created FROM agent_order"
                                          " WHERE key = ?", (key,)).fetchone()
        return _entry(row) if row else None

    def settle(self, key: str, state: str, entrust_no: str | None = None, reason: str = "") -> Entry:
        with self.lock:
            self.connection.execute("UPDATE agent_order SET state = ?, entrust_no = COALESCE(?, entrust_no),"
                                    " reason = ?, updated = ? WHERE key = ?",
                                    (state, entrust_no, reason, datetime.now(UTC).isoformat(), key))
        return self.get(key)

    def unresolved(self) -> list[Entry]:
        with self.lock:
            rows = self.connection.execute("SELECT key, request, state, entrust_no, reason, created FROM agent_order"
                                       " WHERE state NOT IN ('placed', 'rejected') ORDER BY created").fetchall()
        return [_entry(row) for row in rows]

    def claimed(self) -> set[str]:
        """Entrust numbers already matched to a key."""
        with self.lock:
            rows = self.connection.execute("SELECT entrust_no FROM agent_order WHERE entrust_no IS NOT NULL")
            return {row[0] for row in rows}

    def entries(self) -> list[Entry]:
        with self.lock:
            rows = self.connection.execute("SELECT key, request, state, entrust_no, reason, created FROM agent_order"
                                       " ORDER BY created").fetchall()
        return [_entry(row) for row in rows]


def _entry(row: tuple) -> Entry:
    key, request, state, entrust_no, reason, created = row
    return Entry(key, json.loads(request), state, entrust_no, reason, datetime.fromisoformat(created))
