"""Wake-ups after a commit that wrote event log rows: plain callbacks, no asyncio here.

The store calls `EventSignals.notify()` after such a commit (never before: a listener woken early
would read nothing new and go back to sleep). Listeners run on the committing thread, so they must
be quick and must not touch async objects themselves; the server registers one that hands the
wake-up to its event loop with `loop.call_soon_threadsafe` (DESIGN.md "Threads, pools,
transactions"). Across processes, PostgreSQL's NOTIFY on `EVENTS_CHANNEL` carries the same news.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

EVENTS_CHANNEL = "callsheet_events"
log = logging.getLogger("callsheet.store")

Listener = Callable[[], None]


class EventSignals:
    """A thread-safe set of callbacks called after each commit that wrote event log rows."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def add(self, listener: Listener) -> None:
        """Call `listener()` after every later commit that writes event rows."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

    def remove(self, listener: Listener) -> None:
        """Stop calling `listener` (no error if it was not registered)."""
        with self._lock:
            self._listeners = [known for known in self._listeners if known is not listener]

    def notify(self) -> None:
        """Call every listener; one that raises is logged and does not stop the others."""
        for listener in self._listeners:
            try:
                listener()
            except Exception:
                log.exception("event listener %r failed", listener)
