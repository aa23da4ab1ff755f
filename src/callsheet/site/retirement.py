"""Retire (ShotGrid's delete) and revive, with the connection rows that go and come with them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from callsheet.faults import SchemaFault
from callsheet.schema.model import EntityType
from callsheet.site import rollups, scheduling
from callsheet.site.change_events import actor_name, display_name, project_of
from callsheet.site.credential_changes import note_retirement
from callsheet.site.write_context import READ_ONLY_TYPES, WriteContext, current_row
from callsheet.store import rows
from callsheet.store.events import EventRow
from callsheet.store.kinds import LinkRef
from callsheet.store.store import RETIRED_COLUMN


def retire_entity(ctx: WriteContext, entity_type: str, entity_id: Any) -> bool:
    """Retire (ShotGrid's delete); False when it was already retired."""
    entity = ctx.store.schema.entity(entity_type, operation="delete")
    if entity_type in READ_ONLY_TYPES:
        raise SchemaFault(f"API delete() {entity_type} entries cannot be deleted.")
    ctx.permissions.check_action(entity_type, "retire")
    current = current_row(ctx, entity, entity_id, "delete", retired=True)
    ctx.permissions.check_retire(ctx, entity_type, entity_id, "retire")
    if current[RETIRED_COLUMN] is not None:
        return False
    return _set_retired(ctx, entity, entity_id, current, retire=True)


def revive_entity(ctx: WriteContext, entity_type: str, entity_id: Any) -> bool:
    """Bring a retired entity back; False when it was not retired."""
    entity = ctx.store.schema.entity(entity_type, operation="revive")
    ctx.permissions.check_action(entity_type, "revive")
    current = current_row(ctx, entity, entity_id, "revive", retired=True)
    ctx.permissions.check_retire(ctx, entity_type, entity_id, "revive")
    if current[RETIRED_COLUMN] is None:
        return False
    return _set_retired(ctx, entity, entity_id, current, retire=False)


def _set_retired(
    ctx: WriteContext, entity: EntityType, entity_id: int, current: Any, *, retire: bool
) -> bool:
    ref = LinkRef(entity.name, entity_id)
    name = display_name(entity, current)
    project = project_of(ctx, entity, dict(current), ref)
    rows.set_retired(ctx.conn, ctx.store, entity.name, entity_id, ctx.now if retire else None)
    # Connection rows (AssetShotConnection, TaskDependency, ...) go and come with the entity
    # [GT: retiring a Task retires its TaskDependency rows; revive restores them, same ids].
    if retire:
        rows.retire_connections(ctx.conn, ctx.store, entity.name, entity_id, ctx.now)
    else:
        rows.revive_connections(
            ctx.conn, ctx.store, entity.name, entity_id, current[RETIRED_COLUMN]
        )
    note_retirement(ctx, entity.name, entity_id)
    scheduling.after_retirement(ctx, entity, entity_id, current)  # flags, time roll-ups
    rollups.after_retirement(ctx, entity, entity_id, current)  # counts and sums over records
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
            description=f'{actor_name(ctx)} changed "Date Retired" on {entity.display_name} {name}',
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
            description=f"{actor_name(ctx)} {verb} {entity.display_name} {name}",
        )
    )
    return True


def _retirement_text(moment: dt.datetime) -> str:
    """ShotGrid's form of a retirement date in event meta: "2015-07-13 21:54:01 UTC"."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
