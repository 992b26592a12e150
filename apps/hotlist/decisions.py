"""Every approval decision, append-only: who (the OS user), when, which symbol and gateways, the
expiry, the note and the score snapshot it was made on. The current approvals are the symbols
whose latest decision is an approval that has not expired."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime

from lianghua_app.storage.side_tables import connect

TABLE = ("CREATE TABLE IF NOT EXISTS hotlist_decision (id INTEGER PRIMARY KEY AUTOINCREMENT, vt_symbol TEXT NOT NULL,"
         " action TEXT NOT NULL, gateways TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL, expires TEXT,"
         " note TEXT NOT NULL, snapshot TEXT NOT NULL)")
ACTIONS = ("approve", "revoke", "expire")


@dataclass(frozen=True)
class Decision:
    vt_symbol: str
    action: str
    gateways: tuple[str, ...]
    who: str
    at: datetime
    expires: datetime | None = None
    note: str = ""
    snapshot: str = "{}"            # JSON: the candidate's score, terms and tags when decided


def _connect() -> sqlite3.Connection:
    return connect(TABLE) or sqlite3.connect(":memory:")


def record(decision: Decision) -> None:
    if decision.action not in ACTIONS:
        raise ValueError(decision.action)
    with closing(_connect()) as connection, connection:
        connection.execute(
            "INSERT INTO hotlist_decision (vt_symbol, action, gateways, who, at, expires, note, snapshot)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (decision.vt_symbol, decision.action, ",".join(decision.gateways), decision.who,
             decision.at.astimezone(UTC).isoformat(), decision.expires.astimezone(UTC).isoformat()
             if decision.expires else None, decision.note, decision.snapshot))


def all_decisions() -> list[Decision]:
    with closing(_connect()) as connection:
        rows = connection.execute("SELECT vt_symbol, action, gateways, who, at, expires, note, snapshot"
                                  " FROM hotlist_decision ORDER BY id").fetchall()
    return [Decision(symbol, action, tuple(g for g in gateways.split(",") if g), who, datetime.fromisoformat(at),
                     datetime.fromisoformat(expires) if expires else None, note, snapshot)
            for symbol, action, gateways, who, at, expires, note, snapshot in rows]


def current(decisions: list[Decision]) -> dict[str, Decision]:
    """Each symbol's latest decision, where it is an approval (expired or not)."""
    latest: dict[str, Decision] = {}
    for decision in decisions:
        latest[decision.vt_symbol] = decision
    return {s: d for s, d in latest.items() if d.action == "approve"}


def snapshot_text(candidate) -> str:
    if candidate is None:
        return "{}"
    return json.dumps({"score": candidate.score, "terms": candidate.terms, "tags": candidate.tags},
                      ensure_ascii=False, default=float, allow_nan=True)
