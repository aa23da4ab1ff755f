"""The store calls its event listeners after a commit that wrote event rows, and only then."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from callsheet.faults import Fault
from callsheet.site.actor import SYSTEM
from callsheet.site.site import Site
from callsheet.store.event_signals import EventSignals


@pytest.fixture
def site() -> Iterator[Site]:
    opened = Site.open()
    yield opened
    opened.close()


def _newest_event_id(site: Site) -> int:
    rows = site.find(
        SYSTEM, "EventLogEntry", [], ["id"], order=[{"field_name": "id", "direction": "desc"}]
    )
    return int(rows[0]["id"])


def test_event_signals_write_with_events_notifies_after_commit(site: Site) -> None:
    seen: list[int] = []
    site.store.event_signals.add(lambda: seen.append(_newest_event_id(site)))
    before = _newest_event_id(site)
    site.create(SYSTEM, "Project", {"name": "Signalled"})
    assert len(seen) == 1
    assert seen[0] > before  # the listener already sees the committed rows


def test_event_signals_rolled_back_write_does_not_notify(site: Site) -> None:
    calls: list[None] = []
    site.store.event_signals.add(lambda: calls.append(None))
    with pytest.raises(Fault):
        site.create(SYSTEM, "Project", {"name": "Broken", "no_such_field": 1})
    with site.store.write():
        pass  # a write without event rows
    assert calls == []


def test_event_signals_failing_listener_does_not_stop_others() -> None:
    signals = EventSignals()
    calls: list[str] = []

    def broken() -> None:
        raise RuntimeError("listener bug")

    signals.add(broken)
    signals.add(lambda: calls.append("second"))
    signals.notify()
    signals.remove(broken)
    signals.notify()
    assert calls == ["second", "second"]
