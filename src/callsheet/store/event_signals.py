"""Wake-ups after a commit that wrote event log rows: plain callbacks, no asyncio here.

The store calls `EventSignals.notify()` after such a commit (never before: a listener woken early
would read nothing new and go back to sleep). Listeners run on the committing thread, so they must
be quick and must not touch async objects themselves; the server registers one that hands the
wake-up to its event loop with `loop.call_soon_threadsafe` (DESIGN.md "Threads, pools,
transactions").

Other processes' commits: one `EventWatcher` per store (started by a server, never by a plain
in-process connection) notifies the same signals. On PostgreSQL it LISTENs on `EVENTS_CHANNEL`
(the committing transaction's NOTIFY); on a SQLite file, and while LISTEN is down, it reads the
newest event id every POLL_INTERVAL_S, but only while someone waits (`waiting()`). So however
many requests wait, a process makes one query per interval, not one per waiter.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

EVENTS_CHANNEL = "callsheet_events"
POLL_INTERVAL_S = 0.2
LISTEN_RETRY_S = (0.5, 5.0)  # first and longest wait before reconnecting LISTEN
LISTEN_CHECK_S = 1.0  # how often the LISTEN thread looks up from its socket to see if it must stop
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


class EventWatcher:
    """Notices other processes' commits of event rows and calls `signals.notify()` (see above).

    `latest_id()` reads the newest event id; `listen_url` is a libpq URL for LISTEN (None: poll
    only). Threads are daemons, started by `start()` and stopped by `close()`.
    """

    def __init__(
        self,
        signals: EventSignals,
        latest_id: Callable[[], int | None],
        *,
        listen_url: str | None = None,
    ) -> None:
        self.signals = signals
        self.latest_id = latest_id
        self.listen_url = listen_url
        self.listening = False  # PostgreSQL LISTEN is connected: no need to poll
        self._waiters = 0
        self._changed = threading.Condition()
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the poller (and the LISTEN thread); idempotent."""
        if self._threads:
            return
        self._threads.append(threading.Thread(target=self._poll, name="event-poll", daemon=True))
        if self.listen_url is not None:
            self._threads.append(
                threading.Thread(target=self._listen, name="event-listen", daemon=True)
            )
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        """Stop the threads and wait for them."""
        self._stopped.set()
        with self._changed:
            self._changed.notify_all()
        for thread in self._threads:
            thread.join(timeout=LISTEN_CHECK_S * 5)
        self._threads.clear()

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """While someone waits for events: polling (where needed) runs."""
        with self._changed:
            self._waiters += 1
            self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self._waiters -= 1

    def _must_poll(self) -> bool:
        return self._waiters > 0 and not self.listening

    def _poll(self) -> None:
        # `seen` is kept while idle: a waiter's first poll reports only what changed since, so a
        # commit between its first read and that poll still wakes it, and nothing else does.
        seen = self._latest(None)
        while not self._stopped.is_set():
            with self._changed:
                if not self._must_poll():
                    self._changed.wait_for(
                        lambda: self._stopped.is_set() or self._must_poll(), timeout=60
                    )
                    continue
            latest = self._latest(seen)
            if latest != seen:
                self.signals.notify()
            seen = latest
            self._stopped.wait(POLL_INTERVAL_S)

    def _latest(self, otherwise: int | None) -> int | None:
        try:
            return self.latest_id()
        except Exception as error:  # the database is unreachable: try again later
            log.warning("event poll failed (%s)", error)
            return otherwise

    def _listen(self) -> None:
        import psycopg

        retry_s = LISTEN_RETRY_S[0]
        while not self._stopped.is_set():
            try:
                with psycopg.connect(self.listen_url or "", autocommit=True) as conn:
                    conn.execute(f"LISTEN {EVENTS_CHANNEL}")  # a constant identifier
                    self._set_listening(True)
                    retry_s = LISTEN_RETRY_S[0]
                    self.signals.notify()  # commits made while we were not listening
                    while not self._stopped.is_set():
                        for _ in conn.notifies(timeout=LISTEN_CHECK_S):
                            self.signals.notify()
            except Exception as error:
                if not self._stopped.is_set():
                    log.warning(
                        "event LISTEN connection lost (%s); polling until it is back", error
                    )
            finally:
                self._set_listening(False)
            self._stopped.wait(retry_s)
            retry_s = min(retry_s * 2, LISTEN_RETRY_S[1])

    def _set_listening(self, listening: bool) -> None:
        with self._changed:
            self.listening = listening
            self._changed.notify_all()
