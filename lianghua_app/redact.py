"""Secrets never reach a log line or a stored error. Every secret read from the keyring is
remembered here and masked wherever text leaves for a log, the screen or the database; tokens
in URL query strings are masked even when the secret was never read (a proxy or a captive portal
can echo a request URL back in its reply)."""

from __future__ import annotations

import re
import threading
import urllib.parse

MASK = "***"
_QUERY_SECRET = re.compile(r"(?i)\b(access_token|token|key|secret|sign|signature|password|passwd|apikey|api_key)"
                           r"=([^&\s\"'<>]+)")
_known: set[str] = set()
_lock = threading.Lock()


def remember(value: str | None) -> None:
    """Mask `value` (and the query values of a URL) from now on."""
    if not value or len(value) < 6:
        return
    found = {value}
    if "://" in value:
        found |= {v for _, v in urllib.parse.parse_qsl(urllib.parse.urlsplit(value).query) if len(v) >= 6}
    with _lock:
        _known.update(found)


def redact(text: str) -> str:
    if not text:
        return text
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return _QUERY_SECRET.sub(lambda m: f"{m.group(1)}={MASK}", text)


def redact_log_events(events: list) -> None:
    """A batch hook: log lines are masked before any handler (the log view, the log file) sees them."""
    from vnpy.trader.event import EVENT_LOG

    for event in events:
        if event.type == EVENT_LOG and event.data is not None:
            event.data.msg = redact(str(event.data.msg))
