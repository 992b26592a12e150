"""vnpy's EventEngine with two changes that money depends on.

1. No handler can stop the engine: vnpy calls handlers unguarded, so one exception kills its
   thread and every view, the journal and the risk manager go dark while orders still fill.
   Here every failure is caught and handed to one listener (the trading engine logs it, shows
   it and, for a critical handler, stops new orders).
2. Group commit: the thread takes every event that is waiting (up to `BATCH`), lets the batch
   hooks (the journal) make them durable in one transaction, and only then dispatches them,
   so a row is on disk before any view shows it, at one fsync per batch instead of per row.
   A gateway that must have several events land in one batch (a fill and the account it
   changed) puts them as one group with `put_group`.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from queue import Empty

from vnpy.event import Event, EventEngine

BATCH = 2000
EVENT_GROUP = "eLhGroup"   # data: list[Event], unpacked before the batch hooks see them

BatchHook = Callable[[list[Event]], None]


@dataclass(frozen=True)
class HandlerFailure:
    handler: str            # a readable name: module.Class.method
    event_type: str
    error: BaseException
    traceback: str
    critical: str           # the component a failure stops ("" when trading may go on)


FailureListener = Callable[[HandlerFailure], None]


def handler_name(handler: Callable) -> str:
    owner = getattr(handler, "__self__", None)
    name = getattr(handler, "__qualname__", None) or repr(handler)
    if owner is not None and "." not in name:
        name = f"{type(owner).__qualname__}.{name}"
    return f"{getattr(handler, '__module__', '') or ''}.{name}".lstrip(".")


class GuardedEventEngine(EventEngine):
    def __init__(self, interval: int = 1) -> None:
        super().__init__(interval)
        self._batch_hooks: list[tuple[BatchHook, str]] = []
        self._critical: dict[Callable, str] = {}
        self._failure_listener: FailureListener | None = None

    # --- registration -------------------------------------------------------------------
    def mark_critical(self, handler: Callable, component: str) -> None:
        """A failure of `handler` means `component` cannot do its job: new orders must stop."""
        self._critical[handler] = component

    def add_batch_hook(self, hook: BatchHook, component: str) -> None:
        """`hook` sees every batch before any handler does; a failure is critical for `component`."""
        self._batch_hooks.append((hook, component))

    def remove_batch_hook(self, hook: BatchHook) -> None:
        self._batch_hooks = [(h, c) for h, c in self._batch_hooks if h != hook]

    def set_failure_listener(self, listener: FailureListener | None) -> None:
        self._failure_listener = listener

    def put_group(self, events: list[Event]) -> None:
        """Events that are made durable together and dispatched one after another, in order."""
        if events:
            self._queue.put(Event(EVENT_GROUP, events))

    # --- the loop -----------------------------------------------------------------------
    def _run(self) -> None:
        while self._active:
            try:
                first = self._queue.get(block=True, timeout=1)
            except Empty:
                continue
            self._handle_batch(self._take_batch(first))
        self._drain()

    def _drain(self) -> None:
        """On stop: what was already queued is still written and dispatched."""
        while True:
            try:
                first = self._queue.get_nowait()
            except Empty:
                return
            self._handle_batch(self._take_batch(first))

    def _take_batch(self, first: Event) -> list[Event]:
        batch: list[Event] = []
        self._append(batch, first)
        while len(batch) < BATCH:
            try:
                self._append(batch, self._queue.get_nowait())
            except Empty:
                break
        return batch

    @staticmethod
    def _append(batch: list[Event], event: Event) -> None:
        if event.type == EVENT_GROUP:
            batch.extend(event.data)
        else:
            batch.append(event)

    def _handle_batch(self, batch: list[Event]) -> None:
        for hook, component in self._batch_hooks:
            try:
                hook(batch)
            except Exception as error:
                self._report(hook, "batch", error, component)
        for event in batch:
            self._process(event)

    def _process(self, event: Event) -> None:
        handlers = self._handlers.get(event.type)
        if handlers:
            for handler in list(handlers):
                try:
                    handler(event)
                except Exception as error:
                    self._report(handler, event.type, error, self._critical.get(handler, ""))
        for handler in list(self._general_handlers):
            try:
                handler(event)
            except Exception as error:
                self._report(handler, event.type, error, self._critical.get(handler, ""))

    def _report(self, handler: Callable, event_type: str, error: BaseException, critical: str) -> None:
        failure = HandlerFailure(handler_name(handler), event_type, error, traceback.format_exc(), critical)
        listener = self._failure_listener
        if listener is None:
            traceback.print_exc()
            return
        try:
            listener(failure)
        except Exception:  # the listener itself failed: the traceback still reaches stderr
            traceback.print_exc()
