"""Perpetual funding rates, stored beside the bars in the same SQLite file.

A CSV has a `datetime` column (UTC) and the rate in `rate`, `funding_rate` or, as in
freqtrade's exports, `open`."""

from __future__ import annotations

import csv
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from vnpy.trader.constant import Exchange

from lianghua_app.i18n import tr
from lianghua_app.storage.side_tables import connect
from lianghua_app.textfiles import FileProblem, open_csv

RATE_COLUMNS = ("rate", "funding_rate", "open")
TABLE = ("CREATE TABLE IF NOT EXISTS funding_rate (symbol TEXT NOT NULL, exchange TEXT NOT NULL, "
         "datetime TEXT NOT NULL, rate REAL NOT NULL, PRIMARY KEY (symbol, exchange, datetime))")


class FundingFileError(ValueError):
    pass


def _connect() -> sqlite3.Connection:
    connection = connect(TABLE)
    if connection is None:
        raise FundingFileError(tr("资金费率只能存放在SQLite数据库中"))
    return connection


def read_funding_csv(path: Path) -> list[tuple[datetime, float]]:
    """Every row or nothing: a bad row is named by its line number."""
    try:
        handle = open_csv(Path(path))
    except FileProblem as error:
        raise FundingFileError(str(error)) from error
    with handle:
        reader = csv.DictReader(handle)
        fields = [name.strip().lower() for name in reader.fieldnames or []]
        column = next((reader.fieldnames[fields.index(name)] for name in RATE_COLUMNS if name in fields), None)
        if "datetime" not in fields or column is None:
            raise FundingFileError(tr("资金费率文件须有 datetime 列和 rate（或 funding_rate、open）列；"
                                      "实际列：{columns}", columns=", ".join(fields)))
        time_column = reader.fieldnames[fields.index("datetime")]
        rates = []
        for line, row in enumerate(reader, start=2):
            try:
                moment = datetime.fromisoformat(row[time_column].strip())
                rates.append((moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC),
                              float(row[column])))
            except (TypeError, ValueError) as error:
                raise FundingFileError(tr("第{line}行无法读取：{error}", line=line, error=error)) from error
    return rates


def save_funding(symbol: str, exchange: Exchange, rates: list[tuple[datetime, float]]) -> int:
    with closing(_connect()) as connection, connection:
        connection.executemany(
            "INSERT OR REPLACE INTO funding_rate VALUES (?, ?, ?, ?)",
            [(symbol, exchange.value, moment.astimezone(UTC).isoformat(), rate) for moment, rate in rates])
    return len(rates)


def load_funding(symbol: str, exchange: Exchange, start: datetime, end: datetime) -> list[tuple[datetime, float]]:
    """Rates in time order (UTC); empty when none are stored."""
    bounds = [(m if m.tzinfo else m.replace(tzinfo=UTC)).astimezone(UTC).isoformat() for m in (start, end)]
    with closing(_connect()) as connection:
        rows = connection.execute(
            "SELECT datetime, rate FROM funding_rate WHERE symbol=? AND exchange=? AND datetime>=? AND datetime<=? "
            "ORDER BY datetime", (symbol, exchange.value, *bounds)).fetchall()
    return [(datetime.fromisoformat(moment), rate) for moment, rate in rows]
