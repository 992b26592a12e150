"""The app's own records (journal, SIM venue state) in SQLite, WAL mode, same file as bars."""

from __future__ import annotations

from pathlib import Path

from peewee import DatabaseProxy, SqliteDatabase

database_proxy = DatabaseProxy()

# FULL: a committed journal row survives a power cut, not only a killed process.
PRAGMAS = {"journal_mode": "wal", "synchronous": "full", "foreign_keys": 1, "busy_timeout": 5000}


def open_database(path: Path) -> SqliteDatabase:
    from .models import ALL_MODELS

    if database_proxy.obj is not None:
        database_proxy.obj.close()
    database = SqliteDatabase(str(path), pragmas=PRAGMAS, check_same_thread=False)
    database_proxy.initialize(database)
    database.connect(reuse_if_open=True)
    database.create_tables(ALL_MODELS, safe=True)
    return database
