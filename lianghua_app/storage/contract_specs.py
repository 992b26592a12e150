"""The filters a venue listed for its perpetuals (tick, step, minimums, fees, leverage), kept
beside the bars in the same SQLite file: a backtest or an optimisation worker in another
process, or a later session without a connection, applies the venue's real rules."""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import asdict, fields
from datetime import UTC, datetime

from ..markets.crypto import PerpSpec
from .side_tables import connect

TABLE = ("CREATE TABLE IF NOT EXISTS contract_spec (symbol TEXT PRIMARY KEY, venue TEXT NOT NULL, "
         "spec TEXT NOT NULL, saved TEXT NOT NULL)")
FIELDS = {f.name for f in fields(PerpSpec)}


def save_specs(venue: str, specs: list[PerpSpec]) -> None:
    connection = connect(TABLE)
    if connection is None:
        return
    saved = datetime.now(UTC).isoformat()
    with closing(connection), connection:
        connection.executemany("INSERT OR REPLACE INTO contract_spec VALUES (?, ?, ?, ?)",
                               [(s.symbol, venue, json.dumps(asdict(s)), saved) for s in specs])


def load_spec(symbol: str) -> PerpSpec | None:
    """The stored filters of a venue symbol, or None."""
    connection = connect(TABLE)
    if connection is None:
        return None
    with closing(connection):
        row = connection.execute("SELECT spec FROM contract_spec WHERE symbol=?", (symbol,)).fetchone()
    if row is None:
        return None
    values = json.loads(row[0])
    return PerpSpec(**{k: v for k, v in values.items() if k in FIELDS})
