"""Risk events are written to the database on a thread of their own, so a refusal costs the
order pipeline a queue put instead of a disk write. The refused request itself is journaled
by the engine before anything is shown; this table adds the rule that refused it."""

from __future__ import annotations

import json
import queue
import threading
import time

from lianghua_app.storage import database_proxy
from lianghua_app.storage.models import RiskEventRecord

_STOP = object()
BATCH_SECONDS = 0.2
COLUMNS = ("created", "rule", "gateway", "vt_symbol", "reference", "reason")
# `created` arrives as epoch seconds and becomes peewee's UTC text inside SQLite (as the journal
# keeps times), so neither the pipeline nor this thread formats a datetime per row.
INSERT = (f"INSERT INTO {RiskEventRecord._meta.table_name} ({', '.join(COLUMNS)}) SELECT "
          "strftime('%Y-%m-%d %H:%M:%f', json_extract(value, '$[0]'), 'unixepoch'), "
          + ", ".join(f"json_extract(value, '$[{i}]')" for i in range(1, len(COLUMNS))) + " FROM json_each(?)")


class EventWriter:
    def __init__(self) -> None:
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.error: Exception | None = None          # the last write that failed, for the engine to report
        self.thread = threading.Thread(target=self._run, name="RiskEventWriter", daemon=True)
        self.thread.start()

    def put(self, row: tuple[float, str, str, str, str, str]) -> None:
        """(created as epoch seconds, rule, gateway, vt_symbol, reference, reason)."""
        self.queue.put(row)

    def flush(self) -> None:
        """Return once everything put before has been written."""
        done = threading.Event()
        self.queue.put(done)
        done.wait(10)

    def close(self) -> None:
        self.queue.put(_STOP)
        self.thread.join(10)

    @staticmethod
    def _write(rows: list[tuple]) -> None:
        """The whole batch as one JSON parameter of one statement: SQLite unpacks it with the GIL
        released, where a row-by-row insert would trade the GIL with the order pipeline per row."""
        with database_proxy.atomic():
            database_proxy.execute_sql(INSERT, (json.dumps(rows, ensure_ascii=False),))

    def _run(self) -> None:
        """Each turn takes everything queued: rows are written in one statement, then the flushes
        waiting on them are released; a stop ends the thread after its batch."""
        try:
            stopping = False
            while not stopping:
                batch = [self.queue.get()]
                time.sleep(BATCH_SECONDS)          # gather a burst of refusals into one write
                while not self.queue.empty():
                    batch.append(self.queue.get())
                rows = [item for item in batch if isinstance(item, tuple)]
                if rows:
                    try:
                        self._write(rows)
                    except Exception as error:      # a locked or closed database must not stop the pipeline
                        self.error = error
                for item in batch:
                    if isinstance(item, threading.Event):
                        item.set()
                stopping = any(item is _STOP for item in batch)
        finally:
            if database_proxy.obj is not None:
                database_proxy.obj.close()        # this thread's own connection
