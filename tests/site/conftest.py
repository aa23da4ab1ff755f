"""Fixtures for the write tests: snapshots of the whole database and of the event log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from callsheet.client import Shotgun
from callsheet.store import internal_tables

EVENT_FIELDS = [
    "event_type",
    "attribute_name",
    "entity",
    "project",
    "user",
    "meta",
    "session_uuid",
    "description",
]


def database_snapshot(sg: Shotgun) -> dict[str, Any]:
    """Row counts of every table plus the event counter: what a refused write must not change."""
    store = sg.site.store
    snapshot: dict[str, Any] = {}
    with store.read() as conn:
        tables = [*internal_tables.metadata.sorted_tables, *map(store.table, store.schema.names())]
        for table in tables:
            snapshot[table.name] = conn.execute(
                sa.select(sa.func.count()).select_from(table)
            ).scalar_one()
        events = store.table("EventLogEntry")
        snapshot["max event id"] = conn.execute(sa.select(sa.func.max(events.c.id))).scalar()
        snapshot["event counter"] = conn.execute(
            sa.select(store.counter_table.c.value).where(store.counter_table.c.name == "event_log")
        ).scalar_one()
    return snapshot


def last_event_id(sg: Shotgun) -> int:
    found = sg.find_one(
        "EventLogEntry", [], ["id"], order=[{"field_name": "id", "direction": "desc"}]
    )
    return found["id"] if found else 0


def events_after(sg: Shotgun, after: int) -> list[dict[str, Any]]:
    """Event rows with ids above `after`, oldest first."""
    return sg.find(
        "EventLogEntry",
        [["id", "greater_than", after]],
        EVENT_FIELDS,
        order=[{"field_name": "id", "direction": "asc"}],
    )


@pytest.fixture(scope="session")
def snapshot_of() -> Callable[[Shotgun], dict[str, Any]]:
    """`database_snapshot` for tests that hold their own connection."""
    return database_snapshot


@pytest.fixture
def snapshot(sg: Shotgun) -> Callable[[], dict[str, Any]]:
    return lambda: database_snapshot(sg)


class EventCursor:
    """Remembers where the event log ended, to fetch the rows written after that."""

    def __init__(self, sg: Shotgun) -> None:
        self.sg = sg
        self.position = last_event_id(sg)

    def mark(self) -> None:
        self.position = last_event_id(self.sg)

    def new(self) -> list[dict[str, Any]]:
        return events_after(self.sg, self.position)


@pytest.fixture
def events(sg: Shotgun) -> EventCursor:
    return EventCursor(sg)


@pytest.fixture
def dialect(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"
