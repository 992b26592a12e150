"""Point-in-time inputs: every scan's look at the market, stored with its moment, so the ranking
at any past moment is rebuilt from what was known then and nothing later (and a backtest can
use the hotlist as it was). One compressed row per scan, beside the bars in the profile's
SQLite file; scores are kept too, for the dock's score history."""

from __future__ import annotations

import json
import sqlite3
import struct
import zlib
from contextlib import closing
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

import numpy as np

from lianghua_app.storage.side_tables import connect, database_path

from .scoring import Snapshot

TABLES = ("CREATE TABLE IF NOT EXISTS hotlist_input (market TEXT NOT NULL, taken INTEGER NOT NULL, "
          "payload BLOB NOT NULL, PRIMARY KEY (market, taken))",
          "CREATE TABLE IF NOT EXISTS hotlist_score (market TEXT NOT NULL, taken INTEGER NOT NULL, "
          "payload BLOB NOT NULL, PRIMARY KEY (market, taken))")


def profile_config_path() -> Path | None:
    """hotlist.json of the profile whose database is bound (in any process)."""
    path = database_path()
    return Path(path).parent / "hotlist.json" if path else None


def _connect() -> sqlite3.Connection:
    return connect(*TABLES) or sqlite3.connect(":memory:")


def _ms(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() * 1000)


def pack(vt_symbols: list[str], columns: dict[str, np.ndarray]) -> bytes:
    """A JSON header (symbols, column names) and the columns as float64, deflated: a tenth of the
    time numpy's own archive takes to read back, which a scan does for every stored hour."""
    header = json.dumps({"symbols": vt_symbols, "columns": list(columns)}).encode()
    body = b"".join(np.asarray(values, dtype=np.float64).tobytes() for values in columns.values())
    return zlib.compress(struct.pack("<I", len(header)) + header + body, 1)


def unpack(payload: bytes, moment: datetime) -> Snapshot:
    data = zlib.decompress(payload)
    size = struct.unpack_from("<I", data)[0]
    header = json.loads(data[4:4 + size])
    matrix = np.frombuffer(data, dtype=np.float64, offset=4 + size).reshape(len(header["columns"]), -1)
    return Snapshot(moment, header["symbols"], dict(zip(header["columns"], matrix, strict=True)))


def save_input(market: str, snapshot: Snapshot) -> None:
    with closing(_connect()) as connection, connection:
        connection.execute("INSERT OR REPLACE INTO hotlist_input VALUES (?, ?, ?)",
                           (market, _ms(snapshot.time), pack(snapshot.vt_symbols, snapshot.columns)))


def history(market: str, until: datetime, lookback: timedelta, day_zone: tzinfo | None = None) -> list[Snapshot]:
    """The stored inputs from `until - lookback` to `until` (inclusive), oldest first. With
    `day_zone`, only each earlier day's last snapshot (in that zone's days) and the newest one:
    all a daily comparison needs, without unpacking every intraday scan."""
    with closing(_connect()) as connection:
        query = "FROM hotlist_input WHERE market=? AND taken>=? AND taken<=? ORDER BY taken"
        bounds = (market, _ms(until - lookback), _ms(until))
        if day_zone is None:
            rows = connection.execute("SELECT taken, payload " + query, bounds).fetchall()
        else:
            times = [t for (t,) in connection.execute("SELECT taken " + query, bounds)]
            last_of_day = {datetime.fromtimestamp(t / 1000, day_zone).date(): t for t in times}
            chosen = sorted(set(last_of_day.values()) | set(times[-1:]))
            rows = [connection.execute("SELECT taken, payload FROM hotlist_input WHERE market=? AND taken=?",
                                       (market, t)).fetchone() for t in chosen]
    return [unpack(payload, datetime.fromtimestamp(taken / 1000, UTC)) for taken, payload in rows]


def scan_times(market: str) -> list[datetime]:
    """Every stored scan's moment (UTC), oldest first."""
    with closing(_connect()) as connection:
        rows = connection.execute("SELECT taken FROM hotlist_input WHERE market=? ORDER BY taken", (market,))
        return [datetime.fromtimestamp(taken / 1000, UTC) for (taken,) in rows]


def save_scores(market: str, moment: datetime, vt_symbols: list[str], scores: np.ndarray, top: list[str]) -> None:
    listed = np.isin(vt_symbols, top)
    with closing(_connect()) as connection, connection:
        connection.execute("INSERT OR REPLACE INTO hotlist_score VALUES (?, ?, ?)",
                           (market, _ms(moment), pack(vt_symbols, {"score": scores, "top": listed})))


def previous_top(market: str, before: datetime) -> list[str]:
    """The list the last scan before `before` published (hysteresis starts from it)."""
    with closing(_connect()) as connection:
        row = connection.execute("SELECT taken, payload FROM hotlist_score WHERE market=? AND taken<? "
                                 "ORDER BY taken DESC LIMIT 1", (market, _ms(before))).fetchone()
    if row is None:
        return []
    snapshot = unpack(row[1], datetime.fromtimestamp(row[0] / 1000, UTC))
    return [s for s, listed in zip(snapshot.vt_symbols, snapshot.columns["top"], strict=True) if listed]


def score_history(market: str, vt_symbol: str, count: int = 200) -> list[tuple[datetime, float]]:
    """The symbol's score at each of the last `count` scans it was in, oldest first."""
    with closing(_connect()) as connection:
        rows = connection.execute("SELECT taken, payload FROM hotlist_score WHERE market=? ORDER BY taken DESC "
                                  "LIMIT ?", (market, count)).fetchall()
    points = []
    for taken, payload in reversed(rows):
        snapshot = unpack(payload, datetime.fromtimestamp(taken / 1000, UTC))
        if vt_symbol in snapshot.vt_symbols:
            points.append((snapshot.time, float(snapshot.columns["score"][snapshot.vt_symbols.index(vt_symbol)])))
    return points


def forget_before(moment: datetime) -> int:
    """Drop inputs and scores older than `moment` (the retention setting)."""
    with closing(_connect()) as connection, connection:
        removed = sum(connection.execute(f"DELETE FROM {table} WHERE taken<?", (_ms(moment),)).rowcount
                      for table in ("hotlist_input", "hotlist_score"))
    return removed
