"""One write transaction as the write rules see it: connection, actor, clock, event rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from callsheet.faults import NotFoundFault, ValueFault
from callsheet.schema.model import EntityType, Field
from callsheet.site.actor import Actor
from callsheet.store import rows
from callsheet.store.events import EventLogWriter
from callsheet.store.kinds import LinkRef, kind_of
from callsheet.store.query import display_name_of
from callsheet.store.scope import UNRESTRICTED
from callsheet.store.store import RETIRED_COLUMN, Store
from callsheet.store.types import Connection

if TYPE_CHECKING:
    from callsheet.site.permissions import ActorPermissions

# Event logs cannot be changed or deleted, not even by admins [PY event types].
READ_ONLY_TYPES = frozenset({"EventLogEntry"})


@dataclass
class WriteContext:
    """One write transaction: its connection, actor, clock, event rows and permissions."""

    store: Store
    conn: Connection
    actor: Actor
    events: EventLogWriter
    now: dt.datetime
    # What the actor may do; every write rule asks it before writing (site/permissions/).
    permissions: ActorPermissions
    # Called after the transaction commits (never when it rolls back).
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    # Called when the transaction rolls back: undo what it did outside the database (files put
    # in place for rows that will not exist).
    on_rollback: list[Callable[[], None]] = field(default_factory=list)
    # The scheduling rules' calendars for this transaction (site/scheduling/state.py).
    scheduling: Any = None
    _names: dict[LinkRef, dict[str, Any] | None] = field(default_factory=dict)
    _projects: dict[LinkRef, LinkRef | None] = field(default_factory=dict)

    @property
    def actor_ref(self) -> LinkRef | None:
        return None if self.actor.system else LinkRef(self.actor.entity_type, self.actor.id)

    def entity_dict(self, ref: LinkRef | None) -> dict[str, Any] | None:
        if ref is None:
            return None
        if ref not in self._names:
            # the engine's own view: event rows name what was written, whoever wrote it
            self._names[ref] = display_name_of(self.store, ref)
        return self._names[ref]

    def remember(self, ref: LinkRef, name: Any) -> None:
        """Note the display name of an entity this transaction created (saves a query)."""
        self._names[ref] = {"type": ref.type, "id": ref.id, "name": name}

    def remember_project(self, ref: LinkRef, project: LinkRef | None) -> None:
        """Note the project of an entity this transaction created (saves a query)."""
        self._projects[ref] = project

    def forget(self, ref: LinkRef) -> None:
        self._names.pop(ref, None)
        self._projects.pop(ref, None)

    def project_of(self, ref: LinkRef) -> LinkRef | None:
        """The project an entity belongs to (itself for a Project), cached for the transaction."""
        if ref not in self._projects:
            entity = self.store.schema.entity(ref.type)
            project = None
            if ref.type == "Project":
                project = ref
            elif entity.is_project_entity:
                project_id = rows.project_id_of(self.conn, self.store, ref.type, ref.id)
                if project_id is not None:
                    project = LinkRef("Project", project_id)
            self._projects[ref] = project
        return self._projects[ref]

    def stamp(self) -> dict[str, Any]:
        actor = self.actor_ref
        return {"now": self.now, "actor": (actor.type, actor.id) if actor else (None, None)}


def read_form(ctx: WriteContext, f: Field, columns: dict[str, Any]) -> Any:
    """The value as a read returns it (before link names), from column values."""
    table = ctx.store.table(f.entity_type)
    kind = kind_of(f)
    selected = kind.select_columns(f, table, ctx.store, UNRESTRICTED)
    return kind.from_columns(f, [columns.get(c.name) for c in selected])


def current_row(
    ctx: WriteContext, entity: EntityType, entity_id: Any, operation: str, *, retired: bool = False
) -> Any:
    if isinstance(entity_id, bool) or not isinstance(entity_id, int):
        raise ValueFault(
            f"API {operation}() {entity.name} id must be an integer, got {entity_id!r}."
        )
    row = rows.entity_row(ctx.conn, ctx.store, entity.name, entity_id)
    if row is None:
        raise NotFoundFault(f"API {operation}() {entity.name} with id {entity_id} doesn't exist.")
    if not retired and row[RETIRED_COLUMN] is not None:
        raise NotFoundFault(f"API {operation}() {entity.name} with id {entity_id} is retired.")
    return row
