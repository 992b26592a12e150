"""Each live strategy's callbacks run on a thread of its own, in the order they were queued.

vnpy calls on_tick, on_bar, on_order and on_trade on the event engine's thread, so one strategy
that blocks stops the journal, the risk manager and every view. Here a blocked strategy blocks
only itself: the engine's watchdog sees how long the current callback has been running and
stops the strategy when it is too long.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from queue import Empty, SimpleQueue

from lianghua_app.strategies import interrupt_thread


class StrategyRunner:
    def __init__(self, name: str, on_error: Callable[[str], None]) -> None:
        self.name = name
        self.on_error = on_error
        self.queue: SimpleQueue = SimpleQueue()
        self.busy_since: float | None = None      # monotonic start of the running callback
        self.current = ""
        self.reported = False                      # the overrun of the running callback was reported
        self.thread = threading.Thread(target=self._run, name=f"strategy-{name}", daemon=True)
        self.thread.start()

    def submit(self, label: str, call: Callable[[], None]) -> None:
        self.queue.put((label, call))

    def run_and_wait(self, label: str, call: Callable[[], None]) -> None:
        """Run on the strategy's thread and wait for it (used by init, which has a thread of its own)."""
        done = threading.Event()

        def wrapped() -> None:
            try:
                call()
            finally:
                done.set()

        self.submit(label, wrapped)
        done.wait()

    def overrun(self, limit: float) -> float:
        """Seconds the running callback has gone past `limit`, or 0."""
        started = self.busy_since
        if started is None:
            return 0.0
        return max(time.monotonic() - started - limit, 0.0)

    def discard_queued(self) -> int:
        dropped = 0
        while True:
            try:
                self.queue.get_nowait()
            except Empty:
                return dropped
            dropped += 1

    def interrupt(self) -> None:
        interrupt_thread(self.thread)

    def stop(self) -> None:
        self.discard_queued()
        self.queue.put(None)

    def _run(self) -> None:
        while True:
            try:
                if self._run_next() is False:
                    return
            except BaseException:  # noqa: B036 - an interrupt that landed between callbacks
                self.busy_since = None

    def _run_next(self) -> bool:
        item = self.queue.get()
        if item is None:
            return False
        label, call = item
        self.current, self.reported, self.busy_since = label, False, time.monotonic()
        try:
            call()
        except BaseException:  # noqa: B036 - SystemExit is how a runaway callback is stopped
            self.on_error(traceback.format_exc())
        finally:
            self.busy_since = None
        return True
