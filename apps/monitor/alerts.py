"""From signals to alerts: de-duplicated (same symbol and rule within the cooldown), stored
before anything shows them, and handed to the push channels with their delivery results kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lianghua_app.formatting import beijing
from lianghua_app.notify import Notifier
from lianghua_app.storage import database_proxy, read_time, stored_time
from lianghua_app.storage.models import AlertDelivery, AlertRecord

from .config import RULES
from .detector import Signal


@dataclass(frozen=True)
class Alert(Signal):
    """A signal that passed the cooldown and was stored under `id`."""
    id: int = 0

    @property
    def label(self) -> str:
        return RULES[self.rule].label if self.rule in RULES else self.rule

    def line(self) -> str:
        return f"{beijing(self.time):%H:%M:%S} {self.name}({self.vt_symbol}) {self.label}：{self.text}"


class AlertCenter:
    def __init__(self, cooldown_seconds: float, notifier: Notifier | None = None) -> None:
        self.cooldown = timedelta(seconds=cooldown_seconds)
        self.notifier = notifier
        self.last_seen: dict[tuple[str, str], datetime] = {}

    def accept(self, signals: list[Signal], push: dict[str, bool]) -> list[Alert]:
        fresh = []
        for signal in signals:
            key = (signal.vt_symbol, signal.rule)
            previous = self.last_seen.get(key)
            if previous is not None and signal.time - previous < self.cooldown:
                continue
            self.last_seen[key] = signal.time
            fresh.append(signal)
        if not fresh:
            return []
        if len(self.last_seen) > 200_000:
            horizon = fresh[-1].time - self.cooldown
            self.last_seen = {k: t for k, t in self.last_seen.items() if t >= horizon}
        alerts = self._store(fresh)
        pushed = [a for a in alerts if push.get(a.rule)]
        if pushed and self.notifier and self.notifier.channels:
            self._queue(pushed)
        return alerts

    def _store(self, signals: list[Signal]) -> list[Alert]:
        rows = [{"created": stored_time(s.time), "vt_symbol": s.vt_symbol, "name": s.name, "rule": s.rule,
                 "value": s.value, "message": s.text} for s in signals]
        with database_proxy.atomic():
            last_id = AlertRecord.insert_many(rows).execute()
        first = last_id - len(rows) + 1     # one writer, one transaction: the ids are consecutive
        return [Alert(**vars(s), id=first + i) for i, s in enumerate(signals)]

    def _queue(self, alerts: list[Alert]) -> None:
        now = stored_time(None)
        rows = [{"alert": a.id, "channel": c, "status": "queued", "updated": now}
                for a in alerts for c in self.notifier.channels]
        with database_proxy.atomic():
            AlertDelivery.insert_many(rows).execute()
        for alert in alerts:
            self.notifier.submit(alert.id, alert.line())

    @staticmethod
    def record_delivery(channel: str, ids: list[int], status: str, attempts: int, error: str) -> None:
        (AlertDelivery.update(status=status, attempts=attempts, error=error, updated=stored_time(None))
         .where(AlertDelivery.channel == channel, AlertDelivery.alert.in_(ids)).execute())


def recent_alerts(limit: int = 500) -> list[Alert]:
    query = AlertRecord.select().order_by(AlertRecord.id.desc()).limit(limit)
    return [Alert(read_time(r.created), r.vt_symbol, r.name, r.rule, r.value, r.message, id=r.id)
            for r in reversed(list(query))]
