"""One reader of the server's events for all plugin workers, and a window of the newest events.

With one reader per plugin, every commit woke one long-poll per plugin: with eight plugins the
server answered eight requests for one event and the last plugin waited for all of them (7
plugins: 11 ms median commit to callback against 1.7 ms for one, bench_daemon_latency.py). The
feed reads each event once and keeps the newest ones in memory; a worker whose cursor is inside
that window takes its events from it, and a worker that fell behind (a slow plugin, a new
callback starting from an old cursor) reads from the server with its own source until it is
back inside. Cursors, gaps and deliveries stay per worker: the feed only saves requests.
"""

from __future__ import annotations

import copy
import logging
import threading
import traceback
from collections import deque
from typing import Any

from callsheet.daemon.config import DaemonConfig
from callsheet.daemon.source import EventSource
from callsheet.daemon.state import StateFile

# Events kept in memory: enough for every worker but a lagging one to read from the window
# (a burst of a few thousand events, then the slow ones read from the server).
WINDOW_EVENTS = 5_000

log = logging.getLogger("engine")


class EventFeed(threading.Thread):
    """Reads the server's events from the newest one on and keeps the last `size` in order."""

    def __init__(
        self,
        config: DaemonConfig,
        state: StateFile | None = None,
        size: int = WINDOW_EVENTS,
        source: EventSource | None = None,
    ) -> None:
        super().__init__(name="event-feed", daemon=True)
        self.state = state  # notes the newest event seen, for `callsheet daemon status`
        self.stop_event = threading.Event()
        self.source = source or EventSource(config, self.stop_event)
        self.size = size
        self._events: deque[dict[str, Any]] = deque()
        self._changed = threading.Condition()
        # The window holds every event the reader got with floor < id <= newest; None until the
        # reader knows where the log ends.
        self._floor: int | None = None
        self._newest = 0

    def stop(self) -> None:
        """Stop reading; workers waiting on the feed go back to their own sources."""
        self.stop_event.set()
        with self._changed:
            self._changed.notify_all()

    def run(self) -> None:
        try:
            start = self.source.latest_id()
            with self._changed:
                self._floor = self._newest = start
                self._changed.notify_all()
            while not self.stop_event.is_set():
                events = self.source.fetch(self._newest)
                if events:
                    self._add(events)
                    if self.state is not None:
                        self.state.note_newest(int(events[-1]["id"]))
        except Exception:
            log.critical("The event reader crashed:\n%s", traceback.format_exc())
        finally:
            with self._changed:
                self._floor = None  # workers read for themselves from now on
                self._changed.notify_all()
            self.source.sg.close()
            if self.state is not None:
                self.state.close()

    def _add(self, events: list[dict[str, Any]]) -> None:
        with self._changed:
            for event in events:
                event_id = int(event["id"])
                if event_id <= self._newest:
                    continue  # the stream never repeats one, but a poll fallback might
                self._events.append(event)
                self._newest = event_id
            while len(self._events) > self.size:
                self._floor = int(self._events.popleft()["id"])
            self._changed.notify_all()

    def read(self, after: int, limit: int, timeout_s: float) -> list[dict[str, Any]] | None:
        """Events with ids above `after`, oldest first, waiting up to `timeout_s` for one.

        None when `after` is outside the window (older than its oldest event, or the feed is not
        reading): the caller then reads from the server itself.
        """
        with self._changed:
            if not self._inside(after):
                return None
            if self._newest <= after:
                self._changed.wait_for(
                    lambda: not self._inside(after) or self._newest > after, timeout_s
                )
                if not self._inside(after):
                    return None
            picked: list[dict[str, Any]] = []
            for event in reversed(self._events):  # the wanted ones are at the new end
                if int(event["id"]) <= after:
                    break
                # A copy each: a plugin that changes its event must not change another's.
                picked.append(copy.deepcopy(event))
            picked.reverse()
            return picked[:limit]

    def _inside(self, after: int) -> bool:
        return self._floor is not None and not self.stop_event.is_set() and after >= self._floor
