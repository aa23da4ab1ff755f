"""Event log rows, written in the same transaction as the change they record.

Rows are collected while a write runs and inserted by `flush()`, the last thing before commit, with
ids reserved from the counter row then (Store.allocate_event_ids): ids are dense and increase in
commit order, so a reader asking for ids above its cursor never misses one.
Shapes follow reference/event-log-and-daemons.md §5.3-5.4.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.store.kinds import LinkRef
from callsheet.store.prepared import run_prepared_write
from callsheet.store.store import Store


def meta_value(value: Any) -> Any:
    """A value as it goes into `meta`: JSON-ready, datetimes in the wire's UTC form."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, LinkRef):
        return {"type": value.type, "id": value.id}
    if isinstance(value, dict):
        return {k: meta_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [meta_value(v) for v in value]
    return value


@dataclass
class EventRow:
    event_type: str
    entity: LinkRef | None
    project: LinkRef | None
    meta: dict[str, Any]
    attribute_name: str | None = None
    description: str | None = None


@dataclass
class EventLogWriter:
    """Collects the event rows of one write transaction and inserts them at the end."""

    store: Store
    user: LinkRef | None
    session_uuid: str | None
    now: dt.datetime
    sudo_actual_user: dict[str, Any] | None = None
    rows: list[EventRow] = field(default_factory=list)
    enabled: bool = True

    def add(self, row: EventRow) -> None:
        if self.enabled:
            if self.sudo_actual_user is not None:
                row.meta["sudo_actual_user"] = self.sudo_actual_user
            self.rows.append(row)

    def flush(self, conn: Connection) -> list[int]:
        """Insert the collected rows with freshly reserved ids; returns the ids."""
        if not self.rows:
            return []
        first = self.store.allocate_event_ids(conn, len(self.rows))
        table = self.store.table("EventLogEntry")
        values = []
        for offset, row in enumerate(self.rows):
            values.append(
                {
                    "id": first + offset,
                    "event_type": row.event_type,
                    "attribute_name": row.attribute_name,
                    "description": row.description,
                    "entity__type": row.entity.type if row.entity else None,
                    "entity__id": row.entity.id if row.entity else None,
                    "project__type": row.project.type if row.project else None,
                    "project__id": row.project.id if row.project else None,
                    "user__type": self.user.type if self.user else None,
                    "user__id": self.user.id if self.user else None,
                    "meta": meta_value(row.meta),
                    "session_uuid": self.session_uuid,
                    "created_at": self.now,
                }
            )
        columns = tuple(values[0])
        run_prepared_write(  # every write makes this statement: compiled once
            conn,
            self.store,
            ("events", columns),
            lambda: sa.insert(table).values({name: sa.bindparam(name) for name in columns}),
            values,
        )
        ids = [first + offset for offset in range(len(self.rows))]
        self.rows = []
        return ids

    def insert_now(self, conn: Connection, values: dict[str, Any]) -> int:
        """Insert one EventLogEntry a caller creates directly; it takes the next id at once.

        Rows collected earlier in the transaction go in first, so ids follow the order of events.
        """
        self.flush(conn)
        entry_id = self.store.allocate_event_ids(conn, 1)
        conn.execute(sa.insert(self.store.table("EventLogEntry")).values(id=entry_id, **values))
        return entry_id
