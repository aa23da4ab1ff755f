"""The event log rows of writes: `_New`, `_Change` (with `in_create`), back-references.

Shapes follow reference/event-log-and-daemons.md §5.3-5.4. Rows are handed to the transaction's
EventLogWriter, which numbers and inserts them just before commit.
"""

from __future__ import annotations

from typing import Any

from callsheet.schema.model import EntityType, Field
from callsheet.schema.system_fields import COPIED_LINK_IDS
from callsheet.site.permissions.access import SECRET_FIELDS
from callsheet.site.write_context import WriteContext, read_form
from callsheet.store.events import EventRow, meta_value
from callsheet.store.kinds import LinkRef, kind_of
from callsheet.store.kinds.computed import PASSWORD_MASK

# Fields ShotGrid leaves out of a create's `_Change` rows (reference/event-log-and-daemons.md §5.4).
NOT_LOGGED_ON_CREATE = frozenset(
    {"id", "created_at", "updated_at", "created_by", "updated_by", "project"}
)

# Values a create stores without a `_Change` row of their own: a TaskDependency of the default
# type logs `_New`, `task` and `dependent_task` only [sg-groundtruth 090].
UNLOGGED_CREATE_VALUES = frozenset(
    {("TaskDependency", "dependency_type", "finish-to-start-next-day")}
)


# Id fields that repeat a link written with them (TaskDependency.task_id): the link's own row says
# it; ShotGrid logs a generated TaskDependency as `_New`, `task` and `dependent_task` only
# [sg-groundtruth 090].
REPEATED_LINK_IDS = frozenset(
    (entity_type, id_field)
    for entity_type, pairs in COPIED_LINK_IDS.items()
    for id_field, _ in pairs
)


def actor_name(ctx: WriteContext) -> str:
    return ctx.actor.name or f"{ctx.actor.entity_type} {ctx.actor.id}"


def display_name(entity: EntityType, columns: Any) -> str | None:
    name_field = entity.display_name_field
    return columns.get(name_field) if name_field else None


def project_of(
    ctx: WriteContext, entity: EntityType, columns: dict[str, Any], ref: LinkRef
) -> LinkRef | None:
    if entity.name == "Project":
        return ref
    if columns.get("project__id") is not None and columns.get("project__type") == "Project":
        return LinkRef("Project", columns["project__id"])
    return None


def _event_value(ctx: WriteContext, f: Field, value: Any) -> Any:
    if (f.entity_type, f.name) in SECRET_FIELDS:  # never readable, so never in event meta either
        return None if value is None else PASSWORD_MASK
    if isinstance(value, LinkRef):
        return ctx.entity_dict(value) or {"type": value.type, "id": value.id, "name": None}
    return meta_value(kind_of(f).event_value(f, value))


def log_create(
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
            description=f"{actor_name(ctx)} created new {entity.display_name} {name}",
        )
    )
    for f, stored in values.values():
        if f.name in NOT_LOGGED_ON_CREATE or stored in (None, [], False):
            continue
        if isinstance(stored, str) and (entity.name, f.name, stored) in UNLOGGED_CREATE_VALUES:
            continue
        if f.traits.is_multi_link:
            log_links(ctx, entity, ref, project, f, [], list(stored), in_create=True)
            continue
        kind = kind_of(f)
        new = stored if kind.side_loaded else read_form(ctx, f, kind.to_columns(f, stored))
        log_change(ctx, entity, ref, project, f, None, new, in_create=True)
        if f.traits.is_single_link:
            log_entity_backrefs(ctx, ref, f, None, new, in_create=True)


def log_change(
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
    """The `_Change` row of a scalar or entity field: old and new values."""
    if (entity.name, f.name) in REPEATED_LINK_IDS:
        return
    values = {"old_value": _event_value(ctx, f, old), "new_value": _event_value(ctx, f, new)}
    detail = f' from "{_text(old)}" to "{_text(new)}"'
    _add_change_row(ctx, entity, ref, project, f, values, detail, in_create=in_create)


def log_thumbnail(
    ctx: WriteContext, ref: LinkRef, f: Field, old: int | None, new: int, *, transient: bool
) -> None:
    """The `_Change` row of a thumbnail upload or share: Attachment ids as old and new values,
    `is_transient` while it is being resized (reference/event-log-and-daemons.md §5.3)."""
    values: dict[str, Any] = {"old_value": old, "new_value": new}
    if transient:
        values["is_transient"] = True
    entity = ctx.store.schema.entity(ref.type)
    _add_change_row(ctx, entity, ref, ctx.project_of(ref), f, values, "", in_create=False)


def _add_change_row(
    ctx: WriteContext,
    entity: EntityType,
    ref: LinkRef,
    project: LinkRef | None,
    f: Field,
    values: dict[str, Any],
    detail: str,
    *,
    in_create: bool,
) -> None:
    meta: dict[str, Any] = {
        "type": "attribute_change",
        "attribute_name": f.name,
        "entity_type": entity.name,
        "entity_id": ref.id,
        "field_data_type": f.data_type,
        **values,
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
            description=_changed(ctx, f.display_name, entity, ref, detail),
        )
    )


def _changed(
    ctx: WriteContext, label: str, entity: EntityType, ref: LinkRef, detail: str = ""
) -> str:
    """The English sentence of a `_Change` row: 'X changed "Status" from ... on Shot sh010'."""
    linked = ctx.entity_dict(ref)
    name = linked["name"] if linked and linked.get("name") is not None else ref.id
    return f'{actor_name(ctx)} changed "{label}"{detail} on {entity.display_name} {name}'


def _text(value: Any) -> str:
    if isinstance(value, LinkRef):
        return f"{value.type} {value.id}"
    return "" if value is None else str(value)


def log_links(
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
    values = {
        "added": [_event_value(ctx, f, link) for link in added],
        "removed": [_event_value(ctx, f, link) for link in removed],
    }
    _add_change_row(ctx, entity, ref, project, f, values, "", in_create=in_create)
    for link in added + removed:
        partner = ctx.store.links.partner(entity.name, f.name, link.type)
        if partner is None:
            continue
        _log_backref(ctx, link, partner, f, ref, added=link in added, in_create=in_create)


def log_entity_backrefs(
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
    if partner_field.traits.is_multi_link:
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
            description=_changed(ctx, partner_field.display_name, target_entity, target),
        )
    )
