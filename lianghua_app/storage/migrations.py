"""One-way upgrades of an existing database, numbered by SQLite's `user_version`.

Version 1: the journal's times become UTC. Before, a trade or order kept the wall clock of the
zone its gateway reported in (Beijing for SIM and QMT, UTC for Binance) and a request or update
kept the machine's local clock, so one table mixed clocks and a day's PnL could not be cut."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from peewee import SqliteDatabase

from lianghua_app.markets import CHINA_TZ

# The zone each gateway's wall clock was in before version 1; any other gateway reported Beijing time.
LEGACY_GATEWAY_ZONES = {"BINANCE": timezone.utc}
VERSION = 2
# Version 2: the other stored moments become UTC too. Alerts kept the quote's Beijing wall clock;
# the rest kept the machine's local clock.
LOCAL_CLOCK_COLUMNS = (("alertdelivery", "updated"), ("optimizationrun", "created"),
                       ("strategysettingversion", "created"), ("watchlist", "created"), ("riskeventrecord", "created"))


def migrate(database: SqliteDatabase) -> None:
    version = database.execute_sql("PRAGMA user_version").fetchone()[0]
    if version >= VERSION:
        return
    with database.atomic():
        if version < 1:
            _journal_to_utc(database)
        _records_to_utc(database)
        database.execute_sql(f"PRAGMA user_version = {VERSION}")


def _records_to_utc(database: SqliteDatabase) -> None:
    local = datetime.now().astimezone().tzinfo
    for table, column, zone in (("alertrecord", "created", CHINA_TZ),
                                *((table, column, local) for table, column in LOCAL_CLOCK_COLUMNS)):
        rows = database.execute_sql(f'SELECT rowid, "{column}" FROM "{table}"').fetchall()
        database.cursor().executemany(f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?',
                                      [(_to_utc(value, zone), rowid) for rowid, value in rows])


def _journal_to_utc(database: SqliteDatabase) -> None:
    local = datetime.now().astimezone().tzinfo       # the machine's clock wrote these
    cursor = database.cursor()
    for table, key, column in (("traderecord", "vt_tradeid", "datetime"), ("orderrecord", "vt_orderid", "created")):
        rows = database.execute_sql(f'SELECT "{key}", gateway, "{column}" FROM "{table}"').fetchall()
        cursor.executemany(f'UPDATE "{table}" SET "{column}" = ? WHERE "{key}" = ?',
                           [(_to_utc(value, LEGACY_GATEWAY_ZONES.get(gateway, CHINA_TZ)), identity)
                            for identity, gateway, value in rows])
    for table, key, column in (("orderrecord", "vt_orderid", "updated"), ("orderrequestrecord", "id", "created"),
                               ("orderupdaterecord", "id", "received")):
        rows = database.execute_sql(f'SELECT "{key}", "{column}" FROM "{table}"').fetchall()
        cursor.executemany(f'UPDATE "{table}" SET "{column}" = ? WHERE "{key}" = ?',
                           [(_to_utc(value, local), identity) for identity, value in rows])


def _to_utc(value: str | None, zone: ZoneInfo | timezone) -> str | None:
    if not value:
        return value
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return str(moment.astimezone(timezone.utc).replace(tzinfo=None))
