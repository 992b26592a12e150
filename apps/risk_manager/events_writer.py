"""Risk events are written to the database on a thread of their own, so a refusal costs the
order pipeline a queue put instead of a disk write. The refused request itself is journaled
by the engine before anything is shown; this table adds the rule that refused it."""

from __future__ import annotations

import queue
import threading

from lianghua_app.storage import database_proxy
from lianghua_app.storage.models import RiskEventRecord

_STOP = object()


class EventWriter:
    def __init__(self) -> None:
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="RiskEventWriter", daemon=True)
        self.thread.start()

    def put(self, row: dict) -> None:
        self.queue.put(row)

    def flush(self) -> None:
        """Return once everything put before has been written."""
        done = threading.Event()
        self.queue.put(done)
        done.wait(10)

    def close(self) -> None:
        self.queue.put(_STOP)
        self.thread.join(10)

    def _run(self) -> None:
        try:
            while (item := self.queue.get()) is not _STOP:
                if isinstance(item, threading.Event):
                    item.set()
                    continue
                rows = [item]
                while not self.queue.empty() and len(rows) < 500:
                    extra = self.queue.get()
                    if isinstance(extra, dict):
                        rows.append(extra)
                    else:
                        self.queue.put(extra)      # a flush or stop marker: handled on the next turn
                        break
                with database_proxy.atomic():
                    RiskEventRecord.insert_many(rows).execute()
        finally:
            if database_proxy.obj is not None:
                database_proxy.obj.close()        # this thread's own connection
