"""What the event stream needs from the site: a wake-up after every commit of event rows, from
this process (the store's EventSignals) or another (the store's EventWatcher: PostgreSQL LISTEN,
or one shared poll of a SQLite file while someone waits). The server never touches the store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from callsheet.site.site import Site


@contextmanager
def commit_wakeups(site: Site, listener: Callable[[], None]) -> Iterator[None]:
    """While the block runs, call `listener()` (on some thread) after each commit of events."""
    site.store.event_watcher()  # start watching other processes (a server's job)
    site.store.event_signals.add(listener)
    try:
        yield
    finally:
        site.store.event_signals.remove(listener)


@contextmanager
def waiting_for_events(site: Site) -> Iterator[None]:
    """Mark a request as waiting: only then does a SQLite file need polling."""
    watcher = site.store.event_watcher()
    if watcher is None:
        yield
        return
    with watcher.waiting():
        yield
