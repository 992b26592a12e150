"""Bars for replay, kept as numpy columns and turned into `BarData` only as they are read.

vnpy's loader builds one peewee model and one `BarData` per row up front (about 0.5 KB a bar);
here half a million 1-minute bars take 32 MB, load in one SQL query, and the arrays feed the
charts directly."""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database
from vnpy.trader.object import BarData

from lianghua_app.storage import STORE_TZ

COLUMNS = ("time", "open", "high", "low", "close", "volume", "turnover", "open_interest")
_CHUNK = 65_536
# The stored time is a naive wall clock in STORE_TZ; both forms read it as if it were UTC (whole
# seconds: bars never carry fractions). unixepoch() (SQLite 3.38+) costs a third of the load less.
_EPOCH = ("unixepoch(datetime)" if sqlite3.sqlite_version_info >= (3, 38, 0)
          else "CAST(strftime('%s', datetime) AS INTEGER)")


class BarSeries(Sequence):
    """A read-only sequence of bars over an (n, 8) array: epoch seconds, then OHLC, volume,
    turnover and open interest. Slices share the array."""

    def __init__(self, template: BarData, data: np.ndarray, tz: ZoneInfo) -> None:
        self.template = template
        self.data = data
        self.tz = tz

    @classmethod
    def from_bars(cls, bars: list[BarData], tz: ZoneInfo = STORE_TZ) -> BarSeries:
        data = np.array([(b.datetime.timestamp(), b.open_price, b.high_price, b.low_price, b.close_price, b.volume,
                          b.turnover, b.open_interest) for b in bars], dtype=np.float64).reshape(-1, len(COLUMNS))
        template = bars[0] if bars else BarData("DB", "", Exchange.LOCAL, datetime.now(tz))
        return cls(template, data, tz)

    def span(self, start: datetime, end: datetime) -> tuple[int, int]:
        """Row indexes [first, last) of the bars from `start` to `end` inclusive, as `load_bars`
        selects them."""
        times = self.data[:, 0]
        return (int(np.searchsorted(times, _epoch(start), side="left")),
                int(np.searchsorted(times, _epoch(end), side="right")))

    def between(self, start: datetime, end: datetime, tz: ZoneInfo | None = None) -> BarSeries:
        """Those bars, read in `tz`."""
        first, last = self.span(start, end)
        return BarSeries(self.template, self.data[first:last], tz or self.tz)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return BarSeries(self.template, self.data[index], self.tz)
        index = range(len(self.data))[index]
        return next(iter(BarSeries(self.template, self.data[index:index + 1], self.tz)))

    def __iter__(self) -> Iterator[BarData]:
        shared = {name: getattr(self.template, name) for name in
                  ("gateway_name", "extra", "symbol", "exchange", "interval", "vt_symbol")}
        new, stamp, tz = object.__new__, datetime.fromtimestamp, self.tz
        for start in range(0, len(self.data), _CHUNK):
            for moment, open_, high, low, close, volume, turnover, oi in self.data[start:start + _CHUNK].tolist():
                bar = new(BarData)
                fields = bar.__dict__           # item by item: a third cheaper than update() with keywords
                fields.update(shared)
                fields["datetime"] = stamp(moment, tz)
                fields["volume"] = volume
                fields["turnover"] = turnover
                fields["open_interest"] = oi
                fields["open_price"] = open_
                fields["high_price"] = high
                fields["low_price"] = low
                fields["close_price"] = close
                yield bar


def load_bars(symbol: str, exchange: Exchange, interval: Interval, start: datetime, end: datetime,
              tz: ZoneInfo = STORE_TZ) -> BarSeries:
    """The bars vnpy's database interface returns for the range, with times in `tz`. SQLite is
    read with one query straight into an array; other databases go through the interface."""
    from vnpy_sqlite.sqlite_database import SqliteDatabase

    database = get_database()
    path = getattr(getattr(database, "db", None), "database", None)
    if not isinstance(database, SqliteDatabase) or not path:
        bars = database.load_bar_data(symbol, exchange, interval, start, end)
        return BarSeries.from_bars([_in_zone(bar, tz) for bar in bars], tz)
    template = BarData(gateway_name="DB", symbol=symbol, exchange=exchange, datetime=start, interval=interval)
    where = ("FROM dbbardata WHERE symbol=? AND exchange=? AND interval=? AND datetime>=? AND datetime<=?",
             (symbol, exchange.value, interval.value, _db_time(start), _db_time(end)))
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with closing(connection), collector_paused():
        count = connection.execute("SELECT COUNT(*) " + where[0], where[1]).fetchone()[0]
        data = np.empty((count, len(COLUMNS)), dtype=np.float64)
        cursor = connection.execute(
            f"SELECT {_EPOCH}, open_price, high_price, low_price, close_price, volume, turnover, open_interest "
            + where[0] + " ORDER BY datetime", where[1])
        filled = 0
        while filled < count:
            rows = cursor.fetchmany(_CHUNK)
            if not rows:
                break
            data[filled:filled + len(rows)] = rows
            filled += len(rows)
    data = data[:filled]
    data[:, 0] -= _utc_offsets(data[:, 0])
    return BarSeries(template, data, tz)


_batch_process = False


def own_the_collector() -> None:
    """Say this process does batch work only (the command line, an optimiser worker): loads and
    replays may then pause and freeze the garbage collector, which is process-wide. In the
    workstation a backtest runs beside the GUI and leaves the collector alone."""
    global _batch_process
    _batch_process = True


def owns_the_collector() -> bool:
    return _batch_process


@contextmanager
def batch_work() -> Iterator[None]:
    """`own_the_collector` for the length of one command run in this process."""
    global _batch_process
    before, _batch_process = _batch_process, True
    try:
        yield
    finally:
        _batch_process = before


@contextmanager
def collector_paused() -> Iterator[None]:
    """For making many objects that form no cycles (rows, bars): the collector would otherwise
    walk the growing heap again and again while they pile up (a sixth of a load, most of the time
    it takes to build half a million `BarData`). Only in a batch process (`own_the_collector`)."""
    if not _batch_process:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _utc_offsets(wall: np.ndarray) -> np.ndarray:
    """STORE_TZ's offset in seconds for each wall-clock time, looked up once per distinct hour."""
    if not len(wall):
        return wall
    hours, inverse = np.unique(np.floor_divide(wall, 3600), return_inverse=True)
    offsets = np.array([datetime.fromtimestamp(hour * 3600, UTC).replace(tzinfo=STORE_TZ).utcoffset().total_seconds()
                        for hour in hours.tolist()])
    return offsets[inverse]


def _in_zone(bar: BarData, tz: ZoneInfo) -> BarData:
    bar.datetime = bar.datetime.astimezone(tz)
    return bar


def _epoch(moment: datetime) -> float:
    """A naive time is a STORE_TZ wall clock, as the database reads it."""
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=STORE_TZ)).timestamp()


def _db_time(moment: datetime) -> str:
    """vnpy stores naive wall-clock times in STORE_TZ."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(STORE_TZ).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S")
