"""Point vnpy at the active profile before (and after) it is imported.

vnpy picks its folder when `vnpy.trader.utility` is first imported: `./.vntrader` if it
exists, otherwise it creates `~/.vntrader`. We never want the latter, so the first import
happens with the profile as working directory, or, in a process that imports our packages
before it knows its profile (a Dask worker, a spawned child unpickling a job), in a scratch
folder; binding a profile later rebinds vnpy's module globals.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .paths import DataDir
from .storage import STORE_TZ

_log_sink_id: int | None = None


def bind_vnpy(data_dir: DataDir, language: str = "zh_CN") -> None:
    """`language` only takes effect before vnpy's first import: vnpy translates its enums then."""
    data_dir.create()
    if "vnpy.trader.utility" not in sys.modules:
        os.environ["LANGUAGE"] = "en" if language.startswith("en") else "zh_CN"
        _first_import(data_dir.root)

    from vnpy.trader import utility
    from vnpy.trader.setting import SETTINGS

    utility.TRADER_DIR = data_dir.root
    utility.TEMP_DIR = data_dir.vnpy_dir
    for module_name in ("vnpy.trader.engine", "vnpy.trader.ui.mainwindow"):
        module = sys.modules.get(module_name)
        if module is not None:
            module.TRADER_DIR = data_dir.root

    # vnpy's own sinks would print every event to stdout and log outside the profile.
    SETTINGS.update({
        "log.console": False,
        "log.file": False,
        "database.name": "sqlite",
        "database.database": str(data_dir.database_file),
        "database.timezone": STORE_TZ.key,
    })
    _pin_store_zone()
    _install_store(data_dir.database_file)
    _no_datafeed()
    _bind_log_file(data_dir)


def prepare_vnpy() -> None:
    """Import vnpy's core, if nothing has yet, without letting it create `~/.vntrader`."""
    if "vnpy.trader.utility" in sys.modules:
        return
    scratch = Path(tempfile.gettempdir()) / "lianghua-vnpy"
    (scratch / ".vntrader").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("LANGUAGE", "zh_CN")
    _first_import(scratch)
    from vnpy.trader.setting import SETTINGS

    SETTINGS.update({"log.console": False, "log.file": False, "database.timezone": STORE_TZ.key})


def _first_import(folder: Path) -> None:
    previous = Path.cwd()
    os.chdir(folder)
    try:
        import vnpy.trader.utility  # noqa: F401
    finally:
        os.chdir(previous)


def _pin_store_zone() -> None:
    """vnpy reads its database zone once, at import: where that happened before the setting
    was made, its module globals follow (see storage.bar_store)."""
    for name in ("vnpy.trader.database", "vnpy_sqlite.sqlite_database"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "DB_TZ", STORE_TZ) != STORE_TZ:
            module.DB_TZ = STORE_TZ


def _install_store(path: Path) -> None:
    import vnpy.trader.database as vn_database
    import vnpy_sqlite.sqlite_database as module

    from .storage.bar_store import BarStore

    module.db.close()
    if module.db.database != str(path):
        module.db.init(str(path))
    vn_database.database = BarStore()


def _no_datafeed() -> None:
    """History comes from the gateways and the database; vnpy would print a complaint about an
    unconfigured data service to stdout in every command."""
    import vnpy.trader.datafeed as vn_datafeed

    if vn_datafeed.datafeed is None and not vn_datafeed.SETTINGS["datafeed.name"]:
        vn_datafeed.datafeed = vn_datafeed.BaseDatafeed()


def release_vnpy_database() -> None:
    """Close the bar store's connection (it reopens on its next use)."""
    module = sys.modules.get("vnpy_sqlite.sqlite_database")
    if module is not None:
        module.db.close()


def _bind_log_file(data_dir: DataDir) -> None:
    global _log_sink_id
    import vnpy.trader.logger  # noqa: F401  (configures loguru once)
    from loguru import logger

    if _log_sink_id is not None:
        logger.remove(_log_sink_id)
    _log_sink_id = logger.add(
        data_dir.logs_dir / "lianghua_{time:YYYYMMDD}.log",
        level="INFO",
        encoding="utf-8",
        format="{time:YYYY-MM-DD HH:mm:ss.SSS} | {level} | {extra[gateway_name]} | {message}",
    )
