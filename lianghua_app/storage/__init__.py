"""The app's own records (journal, SIM venue state) in SQLite, WAL mode, same file as bars."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from peewee import DatabaseProxy, SqliteDatabase

from ..i18n import tr

database_proxy = DatabaseProxy()

# Bars and ticks are stored as naive wall clocks in this zone on every machine (see bar_store).
STORE_TZ = ZoneInfo("Asia/Shanghai")

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
    from .migrations import migrate

    migrate(database)
    return database


def stored_time(moment: datetime | None) -> datetime:
    """How the journal keeps a moment: UTC, naive (SQLite has no zones). A naive input is taken as
    UTC; None is now."""
    if moment is None:
        return datetime.now(timezone.utc).replace(tzinfo=None)
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def read_time(value: datetime | str | None) -> datetime | None:
    """A stored moment back as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc)


def database_hint(error: BaseException) -> str:
    """What to do about a database that failed, in the user's words."""
    text = str(error).lower()
    if "readonly" in text or "read-only" in text or "permission" in text or isinstance(error, PermissionError):
        return tr("数据库只读：请检查数据目录的写权限或磁盘是否只读")
    if "full" in text or "no space" in text:
        return tr("磁盘已满：请清理磁盘空间")
    if "malformed" in text or "corrupt" in text or "not a database" in text:
        return tr("数据库文件已损坏：请关闭程序，备份该文件后从最近的备份恢复，或运行“lianghua check”查看详情")
    return tr("请检查数据目录、磁盘空间与权限")
