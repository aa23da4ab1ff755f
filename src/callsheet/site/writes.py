"""The rules of create, update, retire and revive, with their event log rows.

Each function runs inside one write transaction (`WriteContext`); the caller commits. Values are
checked by their field's kind before anything is written, so a bad value leaves no trace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.faults import Fault, NotFoundFault, SchemaFault, ValueFault
from callsheet.schema.model import EntityType, Field
from callsheet.site.actor import Actor
from callsheet.store.events import EventLogWriter, EventRow, meta_value
from callsheet.store.kinds import LinkRef, kind_of
from callsheet.store.kinds.text import UuidKind
from callsheet.store.links import read_links, write_links
from callsheet.store.query import display_names
from callsheet.store.store import RETIRED_COLUMN, Store

LINK_TYPES = ("multi_entity", "addressing")
# Server-maintained on every write; never taken from the caller.
MAINTAINED_FIELDS = frozenset({"id", "updated_at", "updated_by"})
# Settable on create (migrations), not afterwards [PY usage_tips].
CREATE_ONLY_SYSTEM_FIELDS = frozenset({"created_at", "created_by"})
# Not editable in the schema, but changed by admins all the same.
EDITABLE_ANYWAY = frozenset({"permission_rule_set", "last_accessed"})
# Fields ShotGrid leaves out of a create's `_Change` rows (reference/event-log-and-daemons.md §5.4).
NOT_LOGGED_ON_CREATE = frozenset(
    {"id", "created_at", "updated_at", "created_by", "updated_by", "project"}
)
READ_ONLY_TYPES = frozenset({"EventLogEntry"})
# Defaults ShotGrid applies that the schema does not show: a new Script generates events.
CREATE_DEFAULTS: dict[tuple[str, str], Any] = {("ApiUser", "generate_event_log_entries"): True}
# ShotGrid accepts and discards writes to these.
DISCARDED_FIELDS = frozenset({"cached_display_name"})


@dataclass
class WriteContext:
    """One write transaction: its connection, actor, clock and event rows."""

    store: Store
    conn: Connection
    actor: Actor
    events: EventLogWriter
    now: dt.datetime
    _names: dict[LinkRef, dict[str, Any] | None] = field(default_factory=dict)
    _projects: dict[LinkRef, LinkRef | None] = field(default_factory=dict)

    @property
    def actor_ref(self) -> LinkRef | None:
        return None if self.actor.system else LinkRef(self.actor.entity_type, self.actor.id)

    def entity_dict(self, ref: LinkRef | None) -> dict[str, Any] | None:
        if ref is None:
            return None
        if ref not in self._names:
            found = display_names(self.conn, self.store, {ref.type: {ref.id}})
            self._names[ref] = found.get(ref)
        return self._names[ref]

    def remember(self, ref: LinkRef, name: Any) -> None:
        """Note the display name of an entity this transaction created (saves a query)."""
        self._names[ref] = {"type": ref.type, "id": ref.id, "name": name}

    def forget(self, ref: LinkRef) -> None:
        self._names.pop(ref, None)
        self._projects.pop(ref, None)

    def project_of(self, ref: LinkRef) -> LinkRef | None:
        """The project an entity belongs to (itself for a Project), cached for the transaction."""
        if ref not in self._projects:
            entity = self.store.schema.entity(ref.type)
            table = self.store.table(ref.type)
            project = None
            if ref.type == "Project":
                project = ref
            elif entity.is_project_entity and "project__id" in table.c:
                row = self.conn.execute(
                    sa.select(table.c.project__type, table.c.project__id).where(
                        table.c.id == ref.id
                    )
                ).first()
                if row is not None and row[1] is not None and row[0] == "Project":
                    project = LinkRef("Project", row[1])
            self._projects[ref] = project
        return self._projects[ref]

    def stamp(self) -> dict[str, Any]:
        actor = self.actor_ref
        return {"now": self.now, "actor": (actor.type, actor.id) if actor else (None, None)}


# -- checking written values ------------------------------------------------------------------


def check_values(
    ctx: WriteContext, entity: EntityType, data: Any, *, creating: bool
) -> dict[str, tuple[Field, Any]]:
    """Each written field with its value in stored form; Faults name the field and value."""
    operation = "create" if creating else "update"
    if not isinstance(data, dict):
        raise ValueFault(f"API {operation}() expects the data as a dict of field values.")
    checked: dict[str, tuple[Field, Any]] = {}
    for name, value in data.items():
        if name == "type" and value == entity.name:
            continue
        if not isinstance(name, str):
            raise SchemaFault(f"API {operation}() field names must be strings, got {name!r}.")
        f = entity.field(name, operation=operation)
        if name in DISCARDED_FIELDS:
            continue
        refuse = name in MAINTAINED_FIELDS or (not creating and name in CREATE_ONLY_SYSTEM_FIELDS)
        if not refuse and not creating and not f.editable and name not in EDITABLE_ANYWAY:
            refuse = f.data_type not in ("image",)
        kind = kind_of(f)
        if refuse or not kind.writable:
            raise SchemaFault(
                f"API {operation}() {f.qualified_name} is not editable"
                + (
                    " (it can only be set on create)."
                    if not creating and not refuse_always(f)
                    else "."
                )
            )
        checked[name] = (f, kind.to_stored(f, value, ctx.store))
    return checked


def refuse_always(f: Field) -> bool:
    return f.name in MAINTAINED_FIELDS or not kind_of(f).writable


def _human_user_names(
    values: dict[str, tuple[Field, Any]], entity: EntityType, current: dict[str, Any]
) -> None:
    """HumanUser `name` is "firstname lastname"; creating with `name` alone splits it."""
    fields = entity.fields
    first = values.get("firstname", (None, current.get("firstname")))[1]
    last = values.get("lastname", (None, current.get("lastname")))[1]
    if "name" in values and "firstname" not in values and "lastname" not in values:
        name = values["name"][1] or ""
        head, _, tail = name.partition(" ")
        values["firstname"] = (fields["firstname"], head or None)
        values["lastname"] = (fields["lastname"], tail or None)
    elif "firstname" in values or "lastname" in values:
        full = " ".join(part for part in (first, last) if part) or None
        values["name"] = (fields["name"], full)


# -- create -----------------------------------------------------------------------------------


def create_entity(ctx: WriteContext, entity_type: str, data: Any) -> int:
    """Insert one entity with its links and event rows; returns its id."""
    entity = ctx.store.schema.entity(entity_type, operation="create")
    if isinstance(data, dict) and "id" in data:
        raise SchemaFault(
            f"API create() {entity_type}.id cannot be set: ids are given by the server."
        )
    values = check_values(ctx, entity, data, creating=True)
    if entity_type == "EventLogEntry":
        return _create_event_log_entry(ctx, entity, values)
    if entity_type == "HumanUser":
        _human_user_names(values, entity, {})
    _apply_defaults(ctx, entity, values)
    table = ctx.store.table(entity_type)
    row: dict[str, Any] = {}
    for f, stored in values.values():
        row.update(kind_of(f).to_columns(f, stored))
    actor = ctx.actor_ref
    row.setdefault("created_at", ctx.now)
    row["updated_at"] = ctx.now
    for bookkeeping in ("created_by", "updated_by"):
        if f"{bookkeeping}__id" in table.c and not (
            bookkeeping == "created_by" and "created_by" in values
        ):
            row[f"{bookkeeping}__type"] = actor.type if actor else None
            row[f"{bookkeeping}__id"] = actor.id if actor else None
    row = {k: v for k, v in row.items() if k in table.c}
    # Parameters apart from the statement, so SQLAlchemy reuses the compiled INSERT.
    entity_id = int(ctx.conn.execute(table.insert(), row).inserted_primary_key[0])
    ref = LinkRef(entity_type, entity_id)
    ctx.store.note_live(entity_type, entity_id)
    name_field = entity.display_name_field
    ctx.remember(ref, values[name_field][1] if name_field in values else None)
    _write_side_values(ctx, ref, values, creating=True)
    _log_create(ctx, entity, ref, values)
    return entity_id


def _apply_defaults(
    ctx: WriteContext, entity: EntityType, values: dict[str, tuple[Field, Any]]
) -> None:
    for f in entity.fields.values():
        if f.name in values or not kind_of(f).writable:
            continue
        if f.data_type == "uuid":
            generated = UuidKind.new_value(f)
            if generated:
                values[f.name] = (f, generated)
            continue
        default = CREATE_DEFAULTS.get((entity.name, f.name), f.default_value)
        if default is None or default is False or f.data_type in ("image", "url", "serializable"):
            continue
        try:
            values[f.name] = (f, kind_of(f).to_stored(f, default, ctx.store))
        except Fault:
            continue  # a default the field itself would refuse is ignored, not an error


def _create_event_log_entry(
    ctx: WriteContext, entity: EntityType, values: dict[str, tuple[Field, Any]]
) -> int:
    """Scripts may write their own events; they take the next event id at once."""
    row: dict[str, Any] = {"created_at": ctx.now}
    for f, stored in values.values():
        row.update(kind_of(f).to_columns(f, stored))
    if "user__id" not in row and ctx.actor_ref:
        row["user__type"], row["user__id"] = ctx.actor_ref
    if "session_uuid" not in row:
        row["session_uuid"] = ctx.actor.session_uuid
    row.setdefault("description", "New Event")
    return ctx.events.insert_now(ctx.conn, row)


def _write_side_values(
    ctx: WriteContext, ref: LinkRef, values: dict[str, tuple[Field, Any]], *, creating: bool
) -> None:
    for f, stored in values.values():
        if f.data_type in LINK_TYPES and creating:
            write_links(
                ctx.conn, ctx.store, ref.type, ref.id, f.name, [], list(stored), ctx.stamp()
            )
        elif getattr(kind_of(f), "side_loaded", False):
            kind_of(f).write(ctx.conn, ctx.store, f, ref.id, stored)  # type: ignore[attr-defined]


# -- update -----------------------------------------------------------------------------------


def _current_row(
    ctx: WriteContext, entity: EntityType, entity_id: Any, operation: str, *, retired: bool = False
) -> Any:
    if isinstance(entity_id, bool) or not isinstance(entity_id, int):
        raise ValueFault(f"API {operation}() expects an integer id, got {entity_id!r}.")
    table = ctx.store.table(entity.name)
    row = ctx.conn.execute(sa.select(table).where(table.c.id == entity_id)).mappings().first()
    if row is None:
        raise NotFoundFault(f"API {operation}() {entity.name} with id {entity_id} doesn't exist.")
    if not retired and row[RETIRED_COLUMN] is not None:
        raise NotFoundFault(f"API {operation}() {entity.name} with id {entity_id} is retired.")
    return row


def _read_form(ctx: WriteContext, f: Field, columns: dict[str, Any]) -> Any:
    """The value as a read returns it (before link names), from column values."""
    table = ctx.store.table(f.entity_type)
    kind = kind_of(f)
    return kind.from_columns(f, [columns.get(c.name) for c in kind.select_columns(f, table)])


def update_entity(
    ctx: WriteContext,
    entity_type: str,
    entity_id: Any,
    data: Any,
    modes: dict[str, str] | None = None,
) -> list[str]:
    """Change fields of one entity; returns the names of the fields written."""
    entity = ctx.store.schema.entity(entity_type, operation="update")
    if entity_type in READ_ONLY_TYPES:
        raise SchemaFault(f"API update() {entity_type} entries cannot be updated.")
    if isinstance(data, dict) and "id" in data:
        raise SchemaFault(f"API update() {entity_type}.id cannot be changed.")
    values = check_values(ctx, entity, data, creating=False)
    modes = modes or {}
    for name, mode in modes.items():
        if mode not in ("set", "add", "remove"):
            raise ValueFault(
                f"API update() multi_entity_update_mode for {name!r} must be set, add or remove."
            )
    current = _current_row(ctx, entity, entity_id, "update")
    if entity_type == "HumanUser":
        _human_user_names(values, entity, dict(current))
    if "image" in values and "filmstrip_image" in entity.fields:  # clearing image clears both
        values.setdefault("filmstrip_image", (entity.fields["filmstrip_image"], None))
    ref = LinkRef(entity_type, entity_id)
    table = ctx.store.table(entity_type)
    row: dict[str, Any] = {}
    changes: list[tuple[Field, Any, Any]] = []
    link_changes: list[tuple[Field, list[LinkRef], list[LinkRef]]] = []
    for name, (f, stored) in values.items():
        kind = kind_of(f)
        if f.data_type in LINK_TYPES:
            stored_links = [
                LinkRef(*link)
                for link in read_links(ctx.conn, ctx.store, entity_type, f.name, [entity_id])[
                    entity_id
                ]
            ]
            # Links to retired targets are invisible to the caller, so no mode can touch them:
            # they are kept and come back when the target is revived.
            hidden = _retired_links(ctx, stored_links)
            old = [link for link in stored_links if link not in hidden]
            new = _apply_mode(old, list(stored), modes.get(name, "set"))
            kept = [link for link in stored_links if link in hidden or link in new]
            stored_new = kept + [link for link in new if link not in kept]
            if stored_new != stored_links:
                write_links(
                    ctx.conn,
                    ctx.store,
                    entity_type,
                    entity_id,
                    f.name,
                    stored_links,
                    stored_new,
                    ctx.stamp(),
                )
            if set(new) != set(old):
                link_changes.append((f, old, new))
            continue
        if getattr(kind, "side_loaded", False):
            old = kind.load(ctx.conn, ctx.store, f, [entity_id])[entity_id]  # type: ignore[attr-defined]
            if old != stored:
                kind.write(ctx.conn, ctx.store, f, entity_id, stored)  # type: ignore[attr-defined]
                changes.append((f, old, stored))
            continue
        columns = kind.to_columns(f, stored)
        old_read = _read_form(ctx, f, dict(current))
        new_read = _read_form(ctx, f, columns)
        if old_read != new_read or f.data_type == "password":
            row.update(columns)
            changes.append((f, old_read, new_read))
    if row or changes or link_changes:
        row["updated_at"] = ctx.now
        if "updated_by__id" in table.c and ctx.actor_ref:
            row["updated_by__type"], row["updated_by__id"] = ctx.actor_ref
        ctx.conn.execute(sa.update(table).where(table.c.id == entity_id).values(row))
        ctx.forget(ref)
    project = _project_of(ctx, entity, {**dict(current), **row}, ref)
    for f, old, new in changes:
        _log_change(ctx, entity, ref, project, f, old, new, in_create=False)
        if f.data_type == "entity":
            _log_entity_backrefs(ctx, ref, f, old, new, in_create=False)
    for f, old, new in link_changes:
        _log_links(ctx, entity, ref, project, f, old, new, in_create=False)
    return list(values)


def _retired_links(ctx: WriteContext, links: list[LinkRef]) -> set[LinkRef]:
    """The links whose target entity is retired (or gone)."""
    by_type: dict[str, set[int]] = {}
    for link in links:
        by_type.setdefault(link.type, set()).add(link.id)
    live: set[LinkRef] = set()
    for entity_type, ids in by_type.items():
        if entity_type not in ctx.store.schema:
            continue
        table = ctx.store.table(entity_type)
        rows = ctx.conn.execute(
            sa.select(table.c.id).where(
                table.c.id.in_(sorted(ids)), table.c[RETIRED_COLUMN].is_(None)
            )
        )
        live.update(LinkRef(entity_type, row_id) for (row_id,) in rows)
    return {link for link in links if link not in live}


def _apply_mode(old: list[LinkRef], given: list[LinkRef], mode: str) -> list[LinkRef]:
    if mode == "add":
        return old + [link for link in given if link not in old]
    if mode == "remove":
        return [link for link in old if link not in given]
    return given


# -- retire and revive --------------------------------------------------------------------------


def retire_entity(ctx: WriteContext, entity_type: str, entity_id: Any) -> bool:
    """Retire (ShotGrid's delete); False when it was already retired."""
    entity = ctx.store.schema.entity(entity_type, operation="delete")
    if entity_type in READ_ONLY_TYPES:
        raise SchemaFault(f"API delete() {entity_type} entries cannot be deleted.")
    current = _current_row(ctx, entity, entity_id, "delete", retired=True)
    if current[RETIRED_COLUMN] is not None:
        return False
    return _set_retired(ctx, entity, entity_id, current, retire=True)


def revive_entity(ctx: WriteContext, entity_type: str, entity_id: Any) -> bool:
    """Bring a retired entity back; False when it was not retired."""
    entity = ctx.store.schema.entity(entity_type, operation="revive")
    current = _current_row(ctx, entity, entity_id, "revive", retired=True)
    if current[RETIRED_COLUMN] is None:
        return False
    return _set_retired(ctx, entity, entity_id, current, retire=False)


def _set_retired(
    ctx: WriteContext, entity: EntityType, entity_id: int, current: Any, *, retire: bool
) -> bool:
    ref = LinkRef(entity.name, entity_id)
    name = _display_name(entity, current)
    project = _project_of(ctx, entity, dict(current), ref)
    table = ctx.store.table(entity.name)
    stamp = ctx.now if retire else None
    ctx.conn.execute(
        sa.update(table).where(table.c.id == entity_id).values({RETIRED_COLUMN: stamp})
    )
    if retire:
        _retire_connections(ctx, ref)
    else:
        _revive_connections(ctx, ref, current[RETIRED_COLUMN])
    ctx.forget(ref)
    when = _retirement_text(ctx.now)
    ctx.events.add(
        EventRow(
            event_type=f"Shotgun_{entity.name}_Change",
            entity=ref,
            project=project,
            attribute_name="retirement_date",
            meta={
                "type": "attribute_change",
                "attribute_name": "retirement_date",
                "entity_type": entity.name,
                "entity_id": entity_id,
                "field_data_type": "date_time",
                "old_value": None if retire else _retirement_text(current[RETIRED_COLUMN]),
                "new_value": when if retire else None,
            },
            description=f'{_actor_name(ctx)} changed "Date Retired" on {entity.display_name} {name}',
        )
    )
    meta = {
        "type": "entity_retirement" if retire else "entity_revival",
        "entity_type": entity.name,
        "entity_id": entity_id,
        "id": entity_id,
        "class_name": entity.name,
        "display_name": name,
    }
    if retire:
        meta["retirement_date"] = when
    verb = "retired" if retire else "revived"
    ctx.events.add(
        EventRow(
            event_type=f"Shotgun_{entity.name}_{'Retirement' if retire else 'Revival'}",
            entity=ref,
            project=project,
            meta=meta,
            description=f"{_actor_name(ctx)} {verb} {entity.display_name} {name}",
        )
    )
    return True


def _retirement_text(moment: dt.datetime) -> str:
    """ShotGrid's form of a retirement date in event meta: "2015-07-13 21:54:01 UTC"."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _retire_connections(ctx: WriteContext, ref: LinkRef) -> None:
    """Retire the live connection rows (AssetShotConnection, TaskDependency, ...) naming `ref`.

    They take the entity's retirement stamp, which is how revive finds them again [GT: retiring
    a Task retires its TaskDependency rows; revive restores them with the same ids].
    """
    for connection_type, column, _ in ctx.store.links.connections_of(ref.type):
        c = ctx.store.table(connection_type).c
        ctx.conn.execute(
            sa.update(ctx.store.table(connection_type))
            .where(
                c[f"{column}__type"] == ref.type,
                c[f"{column}__id"] == ref.id,
                c[RETIRED_COLUMN].is_(None),
            )
            .values({RETIRED_COLUMN: ctx.now})
        )


def _revive_connections(ctx: WriteContext, ref: LinkRef, retired_at: dt.datetime) -> None:
    """Revive the connection rows retired with `ref`, unless their other side is still retired.

    A row whose other side is retired takes that side's stamp, so reviving it later brings the
    row back.
    """
    for connection_type, column, other in ctx.store.links.connections_of(ref.type):
        table = ctx.store.table(connection_type)
        c = table.c
        rows = ctx.conn.execute(
            sa.select(c.id, c[f"{other}__type"], c[f"{other}__id"]).where(
                c[f"{column}__type"] == ref.type,
                c[f"{column}__id"] == ref.id,
                c[RETIRED_COLUMN] == retired_at,
            )
        ).all()
        for row_id, other_type, other_id in rows:
            other_stamp = _retired_at(ctx, other_type, other_id)
            ctx.conn.execute(
                sa.update(table).where(c.id == row_id).values({RETIRED_COLUMN: other_stamp})
            )


def _retired_at(ctx: WriteContext, entity_type: str | None, entity_id: int | None) -> Any:
    if entity_type is None or entity_id is None or entity_type not in ctx.store.schema:
        return None
    table = ctx.store.table(entity_type)
    return ctx.conn.execute(
        sa.select(table.c[RETIRED_COLUMN]).where(table.c.id == entity_id)
    ).scalar()


# -- event rows ---------------------------------------------------------------------------------


def _actor_name(ctx: WriteContext) -> str:
    return ctx.actor.name or f"{ctx.actor.entity_type} {ctx.actor.id}"


def _display_name(entity: EntityType, columns: Any) -> str | None:
    name_field = entity.display_name_field
    return columns.get(name_field) if name_field else None


def _project_of(
    ctx: WriteContext, entity: EntityType, columns: dict[str, Any], ref: LinkRef
) -> LinkRef | None:
    if entity.name == "Project":
        return ref
    if columns.get("project__id") is not None and columns.get("project__type") == "Project":
        return LinkRef("Project", columns["project__id"])
    return None


def _event_value(ctx: WriteContext, f: Field, value: Any) -> Any:
    if isinstance(value, LinkRef):
        return ctx.entity_dict(value) or {"type": value.type, "id": value.id, "name": None}
    return meta_value(kind_of(f).event_value(f, value))


def _log_create(
    ctx: WriteContext, entity: EntityType, ref: LinkRef, values: dict[str, tuple[Field, Any]]
) -> None:
    name = None
    if entity.display_name_field in values:
        name = values[entity.display_name_field][1]
    project = None
    if entity.name == "Project":
        project = ref
    elif "project" in values and isinstance(values["project"][1], LinkRef):
        project = values["project"][1]
    ctx.events.add(
        EventRow(
            event_type=f"Shotgun_{entity.name}_New",
            entity=ref,
            project=project,
            meta={"type": "new_entity", "entity_type": entity.name, "entity_id": ref.id},
            description=f"{_actor_name(ctx)} created new {entity.display_name} {name}",
        )
    )
    for f, stored in values.values():
        if f.name in NOT_LOGGED_ON_CREATE or stored in (None, [], False):
            continue
        if f.data_type in LINK_TYPES:
            _log_links(ctx, entity, ref, project, f, [], list(stored), in_create=True)
            continue
        side_loaded = getattr(kind_of(f), "side_loaded", False)
        new = stored if side_loaded else _read_form(ctx, f, kind_of(f).to_columns(f, stored))
        _log_change(ctx, entity, ref, project, f, None, new, in_create=True)
        if f.data_type == "entity":
            _log_entity_backrefs(ctx, ref, f, None, new, in_create=True)


def _log_change(
    ctx: WriteContext,
    entity: EntityType,
    ref: LinkRef,
    project: LinkRef | None,
    f: Field,
    old: Any,
    new: Any,
    *,
    in_create: bool,
) -> None:
    meta: dict[str, Any] = {
        "type": "attribute_change",
        "attribute_name": f.name,
        "entity_type": entity.name,
        "entity_id": ref.id,
        "field_data_type": f.data_type,
        "old_value": _event_value(ctx, f, old),
        "new_value": _event_value(ctx, f, new),
    }
    if in_create:
        meta["in_create"] = True
    ctx.events.add(
        EventRow(
            event_type=f"Shotgun_{entity.name}_Change",
            entity=ref,
            project=project,
            attribute_name=f.name,
            meta=meta,
            description=(
                f'{_actor_name(ctx)} changed "{f.display_name}" from "{_text(old)}" to "{_text(new)}" '
                f"on {entity.display_name} {ctx.entity_dict(ref) and ctx.entity_dict(ref)['name']}"
            ),
        )
    )


def _text(value: Any) -> str:
    if isinstance(value, LinkRef):
        return f"{value.type} {value.id}"
    return "" if value is None else str(value)


def _log_links(
    ctx: WriteContext,
    entity: EntityType,
    ref: LinkRef,
    project: LinkRef | None,
    f: Field,
    old: list[LinkRef],
    new: list[LinkRef],
    *,
    in_create: bool,
) -> None:
    added = [link for link in new if link not in old]
    removed = [link for link in old if link not in new]
    meta: dict[str, Any] = {
        "type": "attribute_change",
        "attribute_name": f.name,
        "entity_type": entity.name,
        "entity_id": ref.id,
        "field_data_type": f.data_type,
        "added": [_event_value(ctx, f, link) for link in added],
        "removed": [_event_value(ctx, f, link) for link in removed],
    }
    if in_create:
        meta["in_create"] = True
    ctx.events.add(
        EventRow(
            event_type=f"Shotgun_{entity.name}_Change",
            entity=ref,
            project=project,
            attribute_name=f.name,
            meta=meta,
            description=f'{_actor_name(ctx)} changed "{f.display_name}" on {entity.display_name} {ref.id}',
        )
    )
    for link in added + removed:
        partner = ctx.store.links.partner(entity.name, f.name, link.type)
        if partner is None:
            continue
        _log_backref(ctx, link, partner, f, ref, added=link in added, in_create=in_create)


def _log_entity_backrefs(
    ctx: WriteContext, ref: LinkRef, f: Field, old: Any, new: Any, *, in_create: bool
) -> None:
    for target, added in ((old, False), (new, True)):
        if not isinstance(target, LinkRef):
            continue
        partner = ctx.store.links.partner(f.entity_type, f.name, target.type)
        if partner is not None:
            _log_backref(ctx, target, partner, f, ref, added=added, in_create=in_create)


def _log_backref(
    ctx: WriteContext,
    target: LinkRef,
    partner: str,
    changed: Field,
    source: LinkRef,
    *,
    added: bool,
    in_create: bool,
) -> None:
    """The row ShotGrid writes on the other side of a link (e.g. Shot.tasks after Task.entity)."""
    target_entity = ctx.store.schema.entity(target.type)
    partner_field = target_entity.fields.get(partner)
    if partner_field is None or ctx.entity_dict(target) is None:
        return
    source_dict = ctx.entity_dict(source) or {"type": source.type, "id": source.id, "name": None}
    meta: dict[str, Any] = {
        "type": "attribute_change",
        "attribute_name": partner,
        "actual_attribute_changed": changed.qualified_name,
        "entity_type": target.type,
        "entity_id": target.id,
        "field_data_type": partner_field.data_type,
    }
    if partner_field.data_type in LINK_TYPES:
        meta["added"] = [source_dict] if added else []
        meta["removed"] = [] if added else [source_dict]
    else:
        meta["old_value"] = None if added else source_dict
        meta["new_value"] = source_dict if added else None
    if in_create:
        meta["in_create"] = True
    project = ctx.project_of(target)
    ctx.events.add(
        EventRow(
            event_type=f"Shotgun_{target.type}_Change",
            entity=target,
            project=project,
            attribute_name=partner,
            meta=meta,
            description=f'{_actor_name(ctx)} changed "{partner_field.display_name}" on {target_entity.display_name} {target.id}',
        )
    )
