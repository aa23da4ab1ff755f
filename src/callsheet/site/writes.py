"""The rules of create and update (retire and revive: callsheet.site.retirement).

Each function runs inside one write transaction (`WriteContext`); the caller commits. Values are
checked by their field's kind before anything is written, so a bad value leaves no trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callsheet.faults import Fault, PermissionFault, SchemaFault, ValueFault
from callsheet.schema.links import DerivedLink
from callsheet.schema.model import EntityType, Field
from callsheet.schema.system_fields import COPIED_LINK_IDS
from callsheet.site import rollups, scheduling
from callsheet.site.action_menu import SECRET_FIELD, secret_event_value, split_secret, write_secret
from callsheet.site.change_events import (
    log_change,
    log_create,
    log_entity_backrefs,
    log_links,
    project_of,
)
from callsheet.site.credential_changes import note_changed_fields
from callsheet.site.linked_writes import LinkedWrite, linked_updates, split_linked
from callsheet.site.retirement import retire_entity, revive_entity
from callsheet.site.thumbnail_rollup import set_image_source
from callsheet.site.write_context import (
    READ_ONLY_TYPES,
    WriteContext,
    current_row,
    read_form,
)
from callsheet.store import rows
from callsheet.store.kinds import LinkRef, kind_of
from callsheet.store.links import read_links, write_links

__all__ = [
    "WriteContext",
    "can_create_together",
    "create_entities",
    "create_entity",
    "retire_entity",
    "revive_entity",
    "update_entity",
]

# Server-maintained on every write; never taken from the caller.
MAINTAINED_FIELDS = frozenset({"id", "updated_at", "updated_by"})
# Settable on create (migrations), not afterwards [PY usage_tips].
CREATE_ONLY_SYSTEM_FIELDS = frozenset({"created_at", "created_by"})
# Not editable in the schema, but changed by admins all the same.
EDITABLE_ANYWAY = frozenset({"permission_rule_set", "last_accessed"})
# Defaults ShotGrid applies that the schema does not show: a new Script generates events.
CREATE_DEFAULTS: dict[tuple[str, str], Any] = {("ApiUser", "generate_event_log_entries"): True}
# Unique among live entities (a retired HumanUser's login can be reused) [data-model.md §4.3, 4.6].
UNIQUE_FIELDS: dict[str, tuple[str, ...]] = {
    "HumanUser": ("login",),
    "Project": ("name",),
    "LocalStorage": ("code",),
}
# Long refused values are cut in fault messages.
MAX_SHOWN_VALUE_CHARS = 200
# Filled from a local-file `path` when the caller leaves it out (_fill_path_cache_storage).
PATH_CACHE_STORAGE = "path_cache_storage"
# Note.client_note: a create may give False only; updates are refused (schema/system_fields.py).
CLIENT_NOTE = ("Note", "client_note")
# ShotGrid accepts and discards writes to these.
DISCARDED_FIELDS = frozenset({"cached_display_name"})


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
        if isinstance(ctx.store.links.storage_or_none(entity.name, name), DerivedLink):
            # Computed from other records (schema/system_fields.py): no call may set it, not
            # even a create [sg-groundtruth entity_types/Task: "Task.sibling_tasks is read only"].
            raise SchemaFault(f"API {operation}() {f.qualified_name} is read only.")
        if creating and (entity.name, name) == CLIENT_NOTE and value:
            # Only the web application's client review makes client Notes [sg-groundtruth 069].
            raise PermissionFault(
                f"API {operation}() Client Notes can not be created through the API"
            )
        refuse = name in MAINTAINED_FIELDS or (not creating and name in CREATE_ONLY_SYSTEM_FIELDS)
        if not refuse and not creating and not f.editable and name not in EDITABLE_ANYWAY:
            refuse = not f.traits.thumbnail  # None clears a read-only thumbnail
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
        try:
            checked[name] = (f, kind.to_stored(f, value, ctx.store))
        except Fault as fault:
            raise type(fault)(_naming_value(fault.message, f, value)) from None
    return checked


def _fill_path_cache_storage(
    ctx: WriteContext, entity: EntityType, values: dict[str, tuple[Field, Any]]
) -> None:
    """A local-file `path` fills `path_cache_storage` with its LocalStorage, as ShotGrid does for
    PublishedFile and TankPublishedFile: tk-core's find_publish filters on it
    (util/shotgun/publish_util.py), and register_publish sends only the path and `path_cache`.
    A value the caller gives for `path_cache_storage` is kept."""
    if "path" not in values or PATH_CACHE_STORAGE in values:
        return
    storage_field = entity.fields.get(PATH_CACHE_STORAGE)
    if storage_field is None or not storage_field.traits.is_single_link:
        return
    stored = values["path"][1]
    if not (isinstance(stored, dict) and stored.get("link_type") == "local"):
        return
    storage = stored.get("local_storage")
    if isinstance(storage, dict) and storage.get("type") in storage_field.valid_types:
        link = {"type": storage["type"], "id": storage["id"]}
        values[PATH_CACHE_STORAGE] = (
            storage_field,
            kind_of(storage_field).to_stored(storage_field, link, ctx.store),
        )


def _copy_link_ids(entity: EntityType, values: dict[str, tuple[Field, Any]]) -> None:
    """Read-only number fields that repeat the id of a link written with them
    (schema/system_fields.py: TaskDependency.task_id and dependent_task_id)."""
    for id_field, link_field in COPIED_LINK_IDS.get(entity.name, ()):
        if link_field in values and id_field in entity.fields:
            link = values[link_field][1]
            copied = link.id if isinstance(link, LinkRef) else None
            values[id_field] = (entity.fields[id_field], copied)


def _naming_value(message: str, f: Field, value: Any) -> str:
    """A value fault's message that names the entity type, the field and the refused value."""
    if f.qualified_name not in message:
        message = f"{f.qualified_name}: {message}"
    shown = repr(value)
    if len(shown) > MAX_SHOWN_VALUE_CHARS:
        shown = shown[:MAX_SHOWN_VALUE_CHARS] + "..."
    if shown not in message and str(value) not in message:
        message = f"{message.rstrip('.')} (value: {shown})."
    return message


def _check_unique(
    ctx: WriteContext, entity: EntityType, values: dict[str, tuple[Field, Any]], own_id: Any
) -> None:
    """Fault when a unique field's new value is held by another live entity."""
    for name in UNIQUE_FIELDS.get(entity.name, ()):
        value = values.get(name, (None, None))[1]
        if not isinstance(value, str):
            continue
        holder = rows.holder_of_text(ctx.conn, ctx.store, entity.name, name, value, own_id)
        if holder is not None:
            raise ValueFault(
                f"{entity.name}.{name} value {value!r} is already used by "
                f"{entity.name} {holder}: it must be unique."
            )


def _check_new_connection(
    ctx: WriteContext, entity: EntityType, values: dict[str, tuple[Field, Any]]
) -> None:
    """A connection entity row links a pair once [data-model.md §4.4]."""
    sides = ctx.store.links.connection_sides(entity.name)
    if sides is None:
        return
    found = [values.get(side, (None, None))[1] for side in sides]
    links = [link for link in found if isinstance(link, LinkRef)]
    if len(links) != len(found):
        return
    pairs = {side: (link.type, link.id) for side, link in zip(sides, links, strict=True)}
    existing = rows.live_connection(ctx.conn, ctx.store, entity.name, pairs)
    if existing is not None:
        pair = " and ".join(f"{link.type} {link.id}" for link in links)
        raise ValueFault(
            f"API create() {entity.name}: there is already a connection between the entities "
            f"({pair}: {entity.name} {existing})."
        )


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


@dataclass
class PreparedCreate:
    """A create whose values are checked and whose row is built, not yet inserted."""

    entity: EntityType
    values: dict[str, tuple[Field, Any]]
    row: dict[str, Any]
    # an Action Menu Item's secret token: kept apart from the row (site/action_menu.py)
    secret: str | None = None
    # fields of linked entities, written once the row exists (site/linked_writes.py)
    linked: list[LinkedWrite] = field(default_factory=list)
    # the entity's own fields as the caller sent them (site/scheduling/ reads dependency types)
    data: Any = None


def prepare_create(
    ctx: WriteContext, entity_type: str, data: Any, *, fresh_links: bool = False
) -> PreparedCreate:
    """Check a create's values and build its row; Faults leave nothing written.

    `fresh_links`: the caller knows no connection row links these entities yet (it made them in
    this transaction), so the pair check is skipped (site/scheduling/templates.py).
    """
    entity = ctx.store.schema.entity(entity_type, operation="create")
    ctx.permissions.check_action(entity_type, "create")
    if isinstance(data, dict) and "id" in data:
        raise SchemaFault(
            f"API create() {entity_type}.id cannot be set: ids are given by the server."
        )
    data, linked = split_linked(ctx, entity, data, "create")
    if linked and entity_type == "EventLogEntry":
        raise SchemaFault("API create() EventLogEntry cannot write fields of linked entities.")
    data, (_, secret) = split_secret(entity_type, data)
    values = check_values(ctx, entity, data, creating=True)
    _fill_path_cache_storage(ctx, entity, values)
    _copy_link_ids(entity, values)
    ctx.permissions.check_create(ctx, entity_type, values)
    _check_unique(ctx, entity, values, None)
    if not fresh_links:
        _check_new_connection(ctx, entity, values)
    if entity_type == "HumanUser":
        _human_user_names(values, entity, {})
    if entity_type != "EventLogEntry":
        _apply_defaults(ctx, entity, values)
        scheduling.before_create(ctx, entity, values)  # Task dates, dependency types
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
    return PreparedCreate(entity, values, row, secret, linked, data)


def _finish_create(ctx: WriteContext, prepared: PreparedCreate, entity_id: int) -> None:
    """Links, tags and event rows of an inserted entity."""
    entity, values = prepared.entity, prepared.values
    ref = LinkRef(entity.name, entity_id)
    ctx.store.note_live(entity.name, entity_id)
    name_field = entity.display_name_field
    ctx.remember(ref, values[name_field][1] if name_field in values else None)
    if entity.is_project_entity:  # its event rows and those of the Tasks it links name it
        project = values.get("project", (None, None))[1]
        ctx.remember_project(ref, project if isinstance(project, LinkRef) else None)
    _write_side_values(ctx, ref, values, creating=True)
    log_create(ctx, entity, ref, values)
    if prepared.secret is not None:
        write_secret(ctx, entity_id, prepared.secret)
        secret_field = entity.fields[SECRET_FIELD]
        log_change(
            ctx,
            entity,
            ref,
            None,
            secret_field,
            None,
            secret_event_value(prepared.secret),
            in_create=True,
        )
    _write_linked(ctx, entity, entity_id, prepared.row, prepared.linked, None, "create")
    # dependent Tasks, loops, task templates (site/scheduling/)
    scheduling.after_create(ctx, entity, ref, values, prepared.data)
    rollups.after_create(ctx, entity, ref, values)  # counts and sums over records


def create_entity(ctx: WriteContext, entity_type: str, data: Any) -> int:
    """Insert one entity with its links and event rows; returns its id."""
    prepared = prepare_create(ctx, entity_type, data)
    if entity_type == "EventLogEntry":
        return _create_event_log_entry(ctx, prepared.entity, prepared.values)
    entity_id = rows.insert_row(ctx.conn, ctx.store, entity_type, prepared.row)
    ctx.permissions.check_created(ctx, entity_type, [entity_id])
    _finish_create(ctx, prepared, entity_id)
    return entity_id


def can_create_together(entity_type: str, store: Any) -> bool:
    """Whether creates of this type may be checked first and inserted in one statement: not
    when one create's checks depend on another's row (unique fields, connection pairs)."""
    return (
        entity_type not in UNIQUE_FIELDS
        and entity_type != "EventLogEntry"
        and store.links.connection_sides(entity_type) is None
    )


def create_entities(
    ctx: WriteContext, entity_type: str, datas: list[Any], *, fresh_links: bool = False
) -> list[int]:
    """Several creates of one type, as if one after the other, inserted with one statement
    per set of columns (`batch` uses this for runs of creates). `fresh_links`: connection rows
    between entities this transaction made, known to be new (see `prepare_create`)."""
    together = can_create_together(entity_type, ctx.store) or (
        fresh_links and entity_type not in UNIQUE_FIELDS
    )
    if not together:
        return [create_entity(ctx, entity_type, data) for data in datas]
    prepared: list[PreparedCreate] = []
    for number, data in enumerate(datas):
        try:
            prepared.append(prepare_create(ctx, entity_type, data, fresh_links=fresh_links))
        except Fault as fault:
            fault.batch_offset = number  # type: ignore[attr-defined]
            raise
    ids = rows.insert_rows(ctx.conn, ctx.store, entity_type, [item.row for item in prepared])
    ctx.permissions.check_created(ctx, entity_type, ids)
    for item, entity_id in zip(prepared, ids, strict=True):
        _finish_create(ctx, item, entity_id)
    return ids


def _apply_defaults(
    ctx: WriteContext, entity: EntityType, values: dict[str, tuple[Field, Any]]
) -> None:
    generated, defaults = _defaults_of(ctx, entity)
    for f in generated:
        if f.name not in values:
            value = kind_of(f).generated_value(f)
            if value:
                values[f.name] = (f, value)
    for f, stored in defaults:
        if f.name not in values:
            values[f.name] = (f, stored)


def _defaults_of(
    ctx: WriteContext, entity: EntityType
) -> tuple[list[Field], list[tuple[Field, Any]]]:
    """The type's generated fields and (field, stored default) pairs, worked out once per
    schema (the store drops its plans when the schema changes)."""
    key = ("defaults", entity.name)
    cached = ctx.store.cached_plan(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    generated: list[Field] = []
    defaults: list[tuple[Field, Any]] = []
    for f in entity.fields.values():
        if not kind_of(f).writable:
            continue
        if f.traits.generated:
            generated.append(f)
            continue
        default = CREATE_DEFAULTS.get((entity.name, f.name), f.default_value)
        if default is None or default is False or not f.traits.create_default:
            continue
        try:
            defaults.append((f, kind_of(f).to_stored(f, default, ctx.store)))
        except Fault:
            continue  # a default the field itself would refuse is ignored, not an error
    return ctx.store.cache_plan(key, (generated, defaults))  # type: ignore[no-any-return]


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
    entity_id = ctx.events.insert_now(ctx.conn, row)
    ctx.permissions.check_created(ctx, entity.name, [entity_id])
    return entity_id


def _write_side_values(
    ctx: WriteContext, ref: LinkRef, values: dict[str, tuple[Field, Any]], *, creating: bool
) -> None:
    for f, stored in values.values():
        if f.traits.is_multi_link and creating:
            write_links(
                ctx.conn, ctx.store, ref.type, ref.id, f.name, [], list(stored), ctx.stamp()
            )
        elif kind_of(f).side_loaded:
            kind_of(f).write(ctx.conn, ctx.store, f, ref.id, stored)


# -- update -----------------------------------------------------------------------------------


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
    ctx.permissions.check_action(entity_type, "update")
    if isinstance(data, dict) and "id" in data:
        raise SchemaFault(f"API update() {entity_type}.id cannot be changed.")
    data, linked = split_linked(ctx, entity, data, "update")
    data, (secret_given, secret) = split_secret(entity_type, data)
    values = check_values(ctx, entity, data, creating=False)
    _fill_path_cache_storage(ctx, entity, values)
    _copy_link_ids(entity, values)
    modes = modes or {}
    for name, mode in modes.items():
        if mode not in ("set", "add", "remove"):
            raise ValueFault(
                f"API update() multi_entity_update_mode for {name!r} must be set, add or remove."
            )
    current = current_row(ctx, entity, entity_id, "update")
    ctx.permissions.check_update(ctx, entity_type, entity_id, values)
    _check_unique(ctx, entity, values, entity_id)
    if entity_type == "HumanUser":
        _human_user_names(values, entity, dict(current))
    if "image" in values and "filmstrip_image" in entity.fields:  # clearing image clears both
        values.setdefault("filmstrip_image", (entity.fields["filmstrip_image"], None))
    if "image" in values:  # a cleared thumbnail shows no record's upload (thumbnail_rollup.py)
        set_image_source(ctx, LinkRef(entity_type, entity_id), None)
    scheduling.before_update(ctx, entity, entity_id, values, current, modes)  # dates, pinned
    ref = LinkRef(entity_type, entity_id)
    table = ctx.store.table(entity_type)
    row: dict[str, Any] = {}
    changes: list[tuple[Field, Any, Any]] = []
    link_changes: list[tuple[Field, list[LinkRef], list[LinkRef]]] = []
    for name, (f, stored) in values.items():
        kind = kind_of(f)
        if f.traits.is_multi_link:
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
        if kind.side_loaded:
            old = kind.load(ctx.conn, ctx.store, f, [entity_id])[entity_id]
            if old != stored:
                kind.write(ctx.conn, ctx.store, f, entity_id, stored)
                changes.append((f, old, stored))
            continue
        columns = kind.to_columns(f, stored)
        old_read = read_form(ctx, f, dict(current))
        new_read = read_form(ctx, f, columns)
        if old_read != new_read or f.traits.secret:  # a new secret reads as the old mask
            row.update(columns)
            changes.append((f, old_read, new_read))
    if secret_given:
        old_secret = write_secret(ctx, entity_id, secret)
        if old_secret != secret:
            masks = (secret_event_value(old_secret), secret_event_value(secret))
            changes.append((entity.fields[SECRET_FIELD], *masks))
    if row or changes or link_changes:
        if "updated_at" in table.c:  # TaskDependency and other connection rows have none
            row["updated_at"] = ctx.now
        if "updated_by__id" in table.c and ctx.actor_ref:
            row["updated_by__type"], row["updated_by__id"] = ctx.actor_ref
        rows.update_row(ctx.conn, ctx.store, entity.name, entity_id, row)
        ctx.forget(ref)
    project = project_of(ctx, entity, {**dict(current), **row}, ref)
    for f, old, new in changes:
        log_change(ctx, entity, ref, project, f, old, new, in_create=False)
        if f.traits.is_single_link:
            log_entity_backrefs(ctx, ref, f, old, new, in_create=False)
    for f, old, new in link_changes:
        log_links(ctx, entity, ref, project, f, old, new, in_create=False)
    note_changed_fields(ctx, entity_type, entity_id, [f.name for f, _, _ in changes])
    # dependent Tasks, loops, task templates (site/scheduling/)
    scheduling.after_update(ctx, entity, entity_id, data, changes, link_changes)
    rollups.after_update(ctx, entity, entity_id, changes, link_changes)
    _write_linked(ctx, entity, entity_id, {**dict(current), **row}, linked, modes, "update")
    return [*values, *(item.name for item in linked)]


def _write_linked(
    ctx: WriteContext,
    entity: EntityType,
    entity_id: int,
    columns: dict[str, Any],
    linked: list[LinkedWrite],
    modes: dict[str, str] | None,
    operation: str,
) -> None:
    """Update the entities reached through links, each as an ordinary update (its own
    permissions and event rows), after the written entity's own fields."""
    for target, data, sub_modes in linked_updates(
        entity, entity_id, columns, linked, modes, operation
    ):
        update_entity(ctx, target.type, target.id, data, sub_modes)


def _retired_links(ctx: WriteContext, links: list[LinkRef]) -> set[LinkRef]:
    """The links whose target entity is retired (or gone)."""
    by_type: dict[str, set[int]] = {}
    for link in links:
        by_type.setdefault(link.type, set()).add(link.id)
    live: set[LinkRef] = set()
    for entity_type, ids in by_type.items():
        if entity_type not in ctx.store.schema:
            continue
        found = rows.live_ids(ctx.conn, ctx.store, entity_type, sorted(ids))
        live.update(LinkRef(entity_type, row_id) for row_id in found)
    return {link for link in links if link not in live}


def _apply_mode(old: list[LinkRef], given: list[LinkRef], mode: str) -> list[LinkRef]:
    if mode == "add":
        return old + [link for link in given if link not in old]
    if mode == "remove":
        return [link for link in old if link not in given]
    return given
