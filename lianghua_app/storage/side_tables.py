"""Plain SQLite tables beside the bars, in the profile's one database file, for records that the
command line and worker processes read without the app's peewee models (stored contract specs,
funding rates, the hotlist's inputs and decisions)."""

from __future__ import annotations

import sqlite3

from vnpy.trader.database import get_database


def database_path() -> str | None:
    """The bound profile's database file (vnpy's bar store), or None when none is bound."""
    return getattr(getattr(get_database(), "db", None), "database", None)


def connect(*tables: str) -> sqlite3.Connection | None:
    """A connection with `tables` (CREATE TABLE IF NOT EXISTS statements) in place; None when no
    profile is bound."""
    path = database_path()
    if not path:
        return None
    connection = sqlite3.connect(path, timeout=10)
    for table in tables:
        connection.execute(table)
    return connection
