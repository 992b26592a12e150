"""vnpy's SQLite bar and tick store, read and written in one fixed clock.

vnpy stores naive wall-clock times in `DB_TZ`, which defaults to the computer's zone, and its
SQLite reader turns them into aware times through the computer's zone again: the same file
replays 8 hours apart on a UTC server and a Beijing desktop, and an aware bound is compared
as text with the naive column ("2019-01-04 00:00:00" sorts before "...+08:00"). Here the stored
clock is always `STORE_TZ`, whatever the machine says: aware times are converted into it,
naive ones are taken as its wall clock, and rows come back aware in it.

Imported only after `vnpy_env.bind_vnpy` has pinned vnpy's `database.timezone` to the same zone
(vnpy's own `convert_tz`, used by the writers, reads that setting)."""

from __future__ import annotations

from datetime import datetime

from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.object import BarData, TickData
from vnpy_sqlite.sqlite_database import DbBarData, DbTickData, SqliteDatabase

from . import STORE_TZ


def stored_clock(moment: datetime) -> datetime:
    """The naive wall clock the column holds for `moment`."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(STORE_TZ).replace(tzinfo=None)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=STORE_TZ) if moment.tzinfo is None else moment


class BarStore(SqliteDatabase):
    def save_bar_data(self, bars: list[BarData], stream: bool = False) -> bool:
        for bar in bars:
            bar.datetime = _aware(bar.datetime)
        return super().save_bar_data(bars, stream)

    def save_tick_data(self, ticks: list[TickData], stream: bool = False) -> bool:
        for tick in ticks:
            tick.datetime = _aware(tick.datetime)
        return super().save_tick_data(ticks, stream)

    def load_bar_data(self, symbol: str, exchange: Exchange, interval: Interval, start: datetime,
                      end: datetime) -> list[BarData]:
        rows = DbBarData.select().where(
            (DbBarData.symbol == symbol) & (DbBarData.exchange == exchange.value)
            & (DbBarData.interval == interval.value)
            & (DbBarData.datetime >= stored_clock(start)) & (DbBarData.datetime <= stored_clock(end))
        ).order_by(DbBarData.datetime)
        return [BarData(gateway_name="DB", symbol=symbol, exchange=exchange, interval=interval,
                        datetime=row.datetime.replace(tzinfo=STORE_TZ), volume=row.volume, turnover=row.turnover,
                        open_interest=row.open_interest, open_price=row.open_price, high_price=row.high_price,
                        low_price=row.low_price, close_price=row.close_price) for row in rows]

    def load_tick_data(self, symbol: str, exchange: Exchange, start: datetime, end: datetime) -> list[TickData]:
        rows = DbTickData.select().where(
            (DbTickData.symbol == symbol) & (DbTickData.exchange == exchange.value)
            & (DbTickData.datetime >= stored_clock(start)) & (DbTickData.datetime <= stored_clock(end))
        ).order_by(DbTickData.datetime)
        ticks = []
        for row in rows:
            fields = {name: value for name, value in row.__data__.items() if name not in ("id", "exchange")}
            fields["datetime"] = row.datetime.replace(tzinfo=STORE_TZ)
            ticks.append(TickData(gateway_name="DB", exchange=exchange, **fields))
        return ticks
