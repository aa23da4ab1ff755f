"""`callsheet import --follow`: keep a copy in step by reading the source's event log.

Every event names an entity; the follower reads that entity as the source has it now and puts it
here in place of the copy (creates, changes, retirements and revivals alike: the source's present
state is the truth, so replaying an event twice changes nothing). Connection rows follow their
entities. A schema change on the source copies the schema again. The cursor (the last event id
applied) commits with each change, so a restart goes on from there; the import recorded the
source's newest event before it read anything, so nothing that happened during the copy is lost.

Ids: while following, this site's own creates take ids from FOLLOW_ID_FLOOR up (store/bulk.py),
far above the source's, so a record created here never takes an id the source gives later.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from callsheet.schema.links import ConnectionLink
from callsheet.site.bulk_inserts import bulk_writing
from callsheet.site.site import Site
from callsheet.store import bulk, rows, transfer_progress
from callsheet.transfer.importer import Importer
from callsheet.transfer.schema_copy import copied_fields, copy_schema
from callsheet.transfer.source import Source

POLL_S = 1.0
EVENTS_PER_READ = 200
CURSOR = ("follow", "cursor")


class Follower:
    """Applies the source's events to this site until stopped."""

    def __init__(
        self, site: Site, source: Source, report_line: Callable[[str], None] | None = None
    ) -> None:
        self.site = site
        self.source = source
        self.report_line = report_line or (lambda text: None)
        self.applied = 0
        self._stop = threading.Event()
        self._importer = Importer(site, source)  # its file fetching
        self._entity_read, self._schema_read = source.schema()
        self._importer._schema_read = self._schema_read

    @property
    def cursor(self) -> int:
        note = transfer_progress.marked(self.site.store, *CURSOR)
        return int(note or 0)

    def stop(self) -> None:
        """Ask `run` to return after the event it is applying."""
        self._stop.set()

    def run(self, *, once: bool = False) -> None:
        """Apply events until `stop()` (or, with `once`, until none are left)."""
        with self.site.store.write() as conn:
            bulk.set_id_floor(conn, self.site.store, bulk.FOLLOW_ID_FLOOR)
        while not self._stop.is_set():
            events = self.source.events_after(self.cursor, EVENTS_PER_READ)
            for event in events:
                if self._stop.is_set():
                    return
                self.apply(event)
            if not events:
                if once:
                    return
                self._stop.wait(POLL_S)

    def stop_following(self) -> None:
        """Lift the id floor: this site goes on alone (the cut-over)."""
        with self.site.store.write() as conn:
            bulk.set_id_floor(conn, self.site.store, None)

    def apply(self, event: dict[str, Any]) -> None:
        """Bring the entity an event names to the source's present state; move the cursor."""
        entity = event.get("entity") or {}
        meta = event.get("meta") or {}
        entity_type = entity.get("type") or meta.get("entity_type")
        entity_id = entity.get("id") or meta.get("entity_id")
        event_type = str(event.get("event_type") or "")
        if "DisplayColumn" in event_type or "_Field_" in event_type:
            self._entity_read, self._schema_read = self.source.schema()
            self._importer._schema_read = self._schema_read
            copy_schema(self.site, self._entity_read, self._schema_read, {})
        targets: list[tuple[str, int]] = []
        if (
            isinstance(entity_type, str)
            and entity_type in self.site.schema
            and entity_type != "EventLogEntry"
            and isinstance(entity_id, int)
        ):
            targets.append((entity_type, entity_id))
            targets.extend(self._connections(entity_type, entity_id, event))
        fetched = []
        for target_type, target_id in targets:
            if target_id == -1:
                continue
            fields = copied_fields(self.site, target_type, self._schema_read)
            record, retired = self.source.record(target_type, target_id, fields)
            if record is not None:
                self._importer._fetch_files(target_type, [record])
            fetched.append((target_type, target_id, record, retired))
        kind = str(meta.get("type") or "")
        with bulk_writing(self.site) as write:
            conn, store = write.ctx.conn, write.ctx.store
            retired_before = None
            if targets and kind == "entity_revival":
                retired_before = rows.retired_at(conn, store, *targets[0])
            for target_type, target_id, record, retired in fetched:
                bulk.remove_rows(conn, store, target_type, [target_id])
                if record is not None:
                    write.insert(target_type, [record], retired=retired, derived_links=False)
            # Connection rows go and come with their entity, here as at the source
            # (site/retirement.py): the source's retired rows cannot be told apart by filter.
            if targets and kind == "entity_retirement":
                rows.retire_connections(conn, store, *targets[0], write.ctx.now)
            if targets and kind == "entity_revival" and retired_before is not None:
                rows.revive_connections(conn, store, *targets[0], retired_before)
            for connection_type, ids in self._stale_connections(conn, targets, fetched):
                bulk.remove_rows(conn, store, connection_type, ids)
            transfer_progress.set_note(conn, *CURSOR, str(event["id"]))
        self.applied += 1
        self.report_line(f"event {event['id']} {event_type}: {entity_type} {entity_id}")

    def _connections(
        self, entity_type: str, entity_id: int, event: dict[str, Any]
    ) -> list[tuple[str, int]]:
        """Connection rows of the entity at the source, when the event may have changed them
        (a multi-entity field kept in a connection entity, a retirement, a revival)."""
        attribute = event.get("attribute_name")
        kind = str((event.get("meta") or {}).get("type") or "")
        store = self.site.store
        wanted: list[tuple[str, int]] = []
        for connection_type, column, _ in store.links.connections_of(entity_type):
            relevant = kind == "new_entity"
            f = self.site.schema.entity(entity_type).fields.get(str(attribute))
            if f is not None and f.traits.is_multi_link:
                storage = store.links.storage(entity_type, f.name)
                relevant = relevant or (
                    isinstance(storage, ConnectionLink)
                    and storage.connection_type == connection_type
                )
            if not relevant or connection_type not in self.site.schema:
                continue
            for retired in (False, True):
                for page in self._connection_pages(
                    connection_type, column, entity_type, entity_id, retired
                ):
                    wanted.extend((connection_type, int(r["id"])) for r in page)
            wanted.append((connection_type, -1))  # marker: this type's rows were read
        return wanted

    def _connection_pages(
        self, connection_type: str, column: str, entity_type: str, entity_id: int, retired: bool
    ) -> list[list[dict[str, Any]]]:
        source = self.source
        call = getattr(source, "call", None)
        if call is None:
            return []
        found = call(
            lambda sg: sg.find(
                connection_type,
                [[column, "is", {"type": entity_type, "id": entity_id}]],
                ["id"],
                retired_only=retired,
            )
        )
        return [found] if found else []

    def _stale_connections(
        self, conn: Any, targets: list[tuple[str, int]], fetched: list[Any]
    ) -> list[tuple[str, list[int]]]:
        """Connection rows here naming the entity that the source no longer has."""
        if not targets:
            return []
        entity_type, entity_id = targets[0]
        read = {(t, i) for t, i in targets if i != -1}
        stale = []
        checked = {t for t, i in targets if i == -1}
        for connection_type, column, _ in self.site.store.links.connections_of(entity_type):
            if connection_type not in checked:
                continue
            here = bulk.connection_row_ids(
                conn, self.site.store, connection_type, column, entity_type, entity_id
            )
            gone = [i for i in here if (connection_type, i) not in read]
            if gone:
                stale.append((connection_type, gone))
        return stale
