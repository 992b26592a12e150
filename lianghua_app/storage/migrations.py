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
VERSION = 1


def migrate(database: SqliteDatabase) -> None:
    version = database.execute_sql("PRAGMA user_version").fetchone()[0]
    if version >= VERSION:
        return
    with database.atomic():
        _journal_to_utc(database)
        database.execute_sql(f"PRAGMA user_version = {VERSION}")


def _journal_to_utc(database: SqliteDatabase) -> None:
    local = datetime.now().astimezone().tzinfo       # the machine's clock wrote these
    by_gateway = [("traderecord", "vt_tradeid", ("datetime",)), ("orderrecord", "vt_orderid", ("created",))]
    for table, key, columns in by_gateway:
        rows = database.execute_sql(f'SELECT "{key}", gateway, {", ".join(columns)} FROM "{table}"').fetchall()
        for row in rows:
            zone = LEGACY_GATEWAY_ZONES.get(row[1], CHINA_TZ)
            values = [_to_utc(value, zone) for value in row[2:]]
            sets = ", ".join(f'"{column}" = ?' for column in columns)
            database.execute_sql(f'UPDATE "{table}" SET {sets} WHERE "{key}" = ?', (*values, row[0]))
    for table, column in (("orderrecord", "updated"), ("orderrequestrecord", "created"),
                          ("orderupdaterecord", "received")):
        key = "vt_orderid" if table == "orderrecord" else "id"
        for identity, value in database.execute_sql(f'SELECT "{key}", "{column}" FROM "{table}"').fetchall():
            database.execute_sql(f'UPDATE "{table}" SET "{column}" = ? WHERE "{key}" = ?',
                                 (_to_utc(value, local), identity))


def _to_utc(value: str | None, zone: ZoneInfo | timezone) -> str | None:
    if not value:
        return value
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return str(moment.astimezone(timezone.utc).replace(tzinfo=None))
