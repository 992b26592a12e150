"""The journal keeps every order and trade time in UTC, whichever clock the gateway reported in,
so a day can be cut in Beijing time for A-shares and in UTC for crypto; a database from before
is upgraded once."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import date, datetime, timezone

from vnpy.event import Event
from vnpy.trader.constant import Direction, Exchange, Offset
from vnpy.trader.event import EVENT_TRADE
from vnpy.trader.object import TradeData

from lianghua_app.journal import trades_since
from lianghua_app.markets import CHINA_TZ
from lianghua_app.storage import database_proxy, open_database
from lianghua_app.storage.models import OrderRecord, TradeRecord
from tests.helpers import settle


@contextmanager
def database_at(path):
    """The app's database at `path` for the test, and the session's back afterwards."""
    previous = database_proxy.obj
    try:
        yield
    finally:
        database_proxy.obj.close()
        database_proxy.initialize(previous)
        if previous is not None:
            previous.connect(reuse_if_open=True)


def trade(tradeid: str, gateway: str, vt_symbol: str, moment: datetime) -> TradeData:
    symbol, exchange = vt_symbol.rsplit(".", 1)
    return TradeData(gateway_name=gateway, symbol=symbol, exchange=Exchange(exchange), orderid=f"o{tradeid}",
                     tradeid=tradeid, direction=Direction.LONG, offset=Offset.OPEN, price=10.0, volume=100,
                     datetime=moment)


def test_trades_reported_in_beijing_and_in_utc_read_back_as_the_same_instants(engine):
    beijing = datetime(2026, 12, 1, 9, 31, tzinfo=CHINA_TZ)
    utc = datetime(2026, 12, 1, 1, 32, tzinfo=timezone.utc)
    engine.event_engine.put(Event(EVENT_TRADE, trade("1", "SIM", "000001.SZSE", beijing)))
    engine.event_engine.put(Event(EVENT_TRADE, trade("2", "BINANCE", "BTCUSDT.GLOBAL", utc)))
    settle(engine, lambda: TradeRecord.select().count() == 2)
    [sim] = trades_since("SIM", datetime(2026, 12, 1, tzinfo=CHINA_TZ))
    [binance] = trades_since("BINANCE", datetime(2026, 12, 1, tzinfo=CHINA_TZ))
    assert sim.datetime == beijing and sim.datetime.tzinfo is not None
    assert binance.datetime == utc
    assert trades_since("SIM", datetime(2026, 12, 1, 1, 31, 1, tzinfo=timezone.utc)) == []


def test_the_history_dock_finds_a_night_crypto_fill_on_its_beijing_day(engine):
    late = datetime(2026, 12, 1, 17, 0, tzinfo=timezone.utc)              # 01:00 on 12-02 in Beijing
    engine.event_engine.put(Event(EVENT_TRADE, trade("3", "BINANCE", "BTCUSDT.GLOBAL", late)))
    settle(engine, lambda: TradeRecord.select().count() == 1)
    assert engine.journal.trades(date(2026, 12, 1), date(2026, 12, 1)) == []
    [row] = engine.journal.trades(date(2026, 12, 2), date(2026, 12, 2))
    assert row.vt_tradeid == "BINANCE.3"


def test_an_older_database_is_upgraded_to_utc_once(tmp_path, machine_zone):
    path = tmp_path / "old.db"
    with database_at(path):
        open_database(path).close()
        with sqlite3.connect(path) as old:
            old.execute("PRAGMA user_version = 0")
            for tradeid, gateway in (("SIM.1", "SIM"), ("BINANCE.2", "BINANCE")):
                old.execute("INSERT INTO traderecord VALUES (?, ?, ?, ?, 'LONG', 'OPEN', 10, 1, ?)",
                            (tradeid, f"{gateway}.o", gateway, "X.SZSE", "2026-12-01 09:31:00"))
            old.execute("INSERT INTO orderrecord VALUES ('SIM.o', 'SIM', '000001.SZSE', 'LONG', 'OPEN', 'LIMIT', 10, 1,"
                        " 0, 'NOTTRADED', '', '2026-12-01 09:30:00', '2026-12-01 09:30:00')")
        open_database(path)
        times = {r.vt_tradeid: r.datetime for r in TradeRecord.select()}
        assert times == {"SIM.1": datetime(2026, 12, 1, 1, 31), "BINANCE.2": datetime(2026, 12, 1, 9, 31)}
        [order] = OrderRecord.select()
        assert order.created == datetime(2026, 12, 1, 1, 30)
        local = datetime(2026, 12, 1, 9, 30).astimezone().astimezone(timezone.utc).replace(tzinfo=None)
        assert order.updated == local                                   # the machine's clock wrote it
        open_database(path)                                             # a second open changes nothing
        assert {r.vt_tradeid: r.datetime for r in TradeRecord.select()} == times


def test_alerts_runs_and_saved_settings_of_an_older_database_keep_their_beijing_times(tmp_path, machine_zone):
    from apps.monitor.alerts import recent_alerts
    from lianghua_app.formatting import minute
    from lianghua_app.setting_versions import save_version, versions
    from lianghua_app.storage.models import AlertRecord, StrategySettingVersion

    path = tmp_path / "old.db"
    with database_at(path):
        open_database(path)
        AlertRecord.create(created=datetime(2026, 12, 1, 9, 31), vt_symbol="000001.SZSE", name="平安银行",
                           rule="surge", value=3.0, message="急涨")          # the quote's Beijing wall clock
        save_version("DoubleMaStrategy", {"fast_window": 5})
        local_now = datetime.now()                                      # the machine's clock wrote the version
        StrategySettingVersion.update(created=local_now).execute()
        database_proxy.obj.execute_sql("PRAGMA user_version = 1")
        database_proxy.obj.close()
        open_database(path)
        [alert] = recent_alerts()
        assert alert.time == datetime(2026, 12, 1, 9, 31, tzinfo=CHINA_TZ)
        assert alert.line().startswith("09:31:00 ")
        [version] = versions("DoubleMaStrategy")
        assert minute(version.created) == minute(local_now.astimezone(CHINA_TZ))


def test_new_alerts_and_saved_settings_read_in_beijing_time_whatever_the_machines_zone(engine, machine_zone):
    from apps.monitor.alerts import recent_alerts
    from apps.monitor.detector import Signal
    from lianghua_app.setting_versions import save_version, versions

    engine.get_engine("Monitor").center._store([Signal(datetime(2026, 12, 1, 1, 31, tzinfo=timezone.utc),
                                                      "000001.SZSE", "平安银行", "surge", 3.0, "急涨")])
    [alert] = recent_alerts()
    assert alert.line().startswith("09:31:00 ")
    before = datetime.now(CHINA_TZ).replace(second=0, microsecond=0)
    save_version("DoubleMaStrategy", {"fast_window": 5})
    [version] = versions("DoubleMaStrategy")
    assert before <= version.created.astimezone(CHINA_TZ) <= datetime.now(CHINA_TZ)
