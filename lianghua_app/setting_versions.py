"""Saved parameter sets per strategy class, numbered 1, 2, 3… The optimiser's "apply" writes
one (with its run id); the backtester and the CTA engine offer them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from peewee import fn

from .formatting import minute
from .storage import database_proxy, read_time, stored_time
from .storage.models import StrategySettingVersion


@dataclass(frozen=True)
class SettingVersion:
    class_name: str
    version: int
    setting: dict
    run_id: int | None
    vt_symbol: str
    note: str
    created: datetime           # aware

    @property
    def label(self) -> str:
        source = f" run #{self.run_id}" if self.run_id else ""
        return f"v{self.version}{source} {minute(self.created)}"


def save_version(class_name: str, setting: dict, run_id: int | None = None, vt_symbol: str = "",
                 note: str = "") -> SettingVersion:
    with database_proxy.atomic():
        last = StrategySettingVersion.select(fn.MAX(StrategySettingVersion.version)).where(
            StrategySettingVersion.class_name == class_name).scalar() or 0
        row = StrategySettingVersion.create(class_name=class_name, version=last + 1, setting=json.dumps(setting),
                                            run_id=run_id, vt_symbol=vt_symbol, note=note, created=stored_time(None))
    return _version(row)


def versions(class_name: str) -> list[SettingVersion]:
    """Newest first."""
    query = StrategySettingVersion.select().where(StrategySettingVersion.class_name == class_name).order_by(
        StrategySettingVersion.version.desc())
    return [_version(row) for row in query]


def latest(class_name: str) -> SettingVersion | None:
    found = versions(class_name)
    return found[0] if found else None


def _version(row: StrategySettingVersion) -> SettingVersion:
    return SettingVersion(row.class_name, row.version, json.loads(row.setting), row.run_id, row.vt_symbol, row.note,
                          read_time(row.created))
