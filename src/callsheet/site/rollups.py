"""Counts and sums a record keeps about other records, recomputed by the writes that change them.

Each `Rollup` says which read-only number field of a target type counts (or sums a field of)
the live records of a source type whose single-entity link points at the target
(schema/system_fields.py cites ShotGrid's rule for each). `Tag.usage` counts the live records of
any type whose `tags` hold the Tag. A create, an update of the link or the summed field, a
retirement or a revival of a source record recomputes the targets it touched, inside the same
write transaction, with the `_Change` event rows any changed field gets (as `Task.time_logs_sum`
does in site/scheduling/time_logs.py): a write happens fully or not at all, and a daemon sees the
new value in the event log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from callsheet.schema.model import EntityType, Field
from callsheet.site.change_events import log_change
from callsheet.site.write_context import WriteContext
from callsheet.store import rollup_counts
from callsheet.store.kinds import LinkRef
from callsheet.store.rollup_counts import Rollup

TAGS_FIELD = "tags"
TAG_USAGE = ("Tag", "usage")


ROLLUPS = (
    Rollup("Ticket", "time_logs_sum", "TimeLog", "entity", summed="duration"),
    Rollup("TaskTemplate", "task_count", "Task", "task_template"),
    Rollup(
        "Playlist", "external_share_count", "PlaylistShare", "playlist", unless_set="revoked_at"
    ),
)


def _kept_on(entity: EntityType) -> list[str]:
    """The roll-up fields a record of this type keeps."""
    kept = [r.field for r in ROLLUPS if r.target_type == entity.name]
    if entity.name == TAG_USAGE[0]:
        kept.append(TAG_USAGE[1])
    return [name for name in kept if name in entity.fields]


def _rollups_from(entity: EntityType) -> list[Rollup]:
    return [r for r in ROLLUPS if r.source_type == entity.name and r.link in entity.fields]


def after_create(
    ctx: WriteContext, entity: EntityType, ref: LinkRef, values: Mapping[str, Any]
) -> None:
    """A new record counts in the targets it links to and in its Tags' usage; a new target
    starts at 0 (nothing counts in it yet)."""
    for field in _kept_on(entity):
        rollup_counts.store_value(ctx.conn, ctx.store, entity.name, ref.id, field, 0)
    for rollup in _rollups_from(entity):
        target = values.get(rollup.link, (None, None))[1]
        _recompute(ctx, rollup, [target])
    tags = values.get(TAGS_FIELD, (None, None))[1] if TAGS_FIELD in entity.fields else None
    if tags:
        _recompute_usage(ctx, [tag.id for tag in tags if tag.type == "Tag"])


def after_update(
    ctx: WriteContext,
    entity: EntityType,
    entity_id: int,
    changes: Iterable[tuple[Field, Any, Any]],
    link_changes: Iterable[tuple[Field, list[LinkRef], list[LinkRef]]],
) -> None:
    """A moved link or a changed summed value recomputes the old and new targets."""
    changed = {f.name: (old, new) for f, old, new in changes}
    for rollup in _rollups_from(entity):
        watched = {rollup.link, rollup.summed, rollup.unless_set} - {None}
        if not watched & changed.keys():
            continue
        current = rollup_counts.link_of(ctx.conn, ctx.store, entity.name, entity_id, rollup.link)
        old = changed.get(rollup.link, (None, None))[0]
        _recompute(ctx, rollup, [_as_ref(old), current])
    for f, old_links, new_links in link_changes:
        if f.name == TAGS_FIELD:
            _recompute_usage(ctx, [t.id for t in [*old_links, *new_links] if t.type == "Tag"])


def after_retirement(
    ctx: WriteContext, entity: EntityType, entity_id: int, current: Mapping[str, Any]
) -> None:
    """A retired record stops counting, a revived one counts again."""
    for rollup in _rollups_from(entity):
        target_type, target_id = (
            current.get(f"{rollup.link}__type"),
            current.get(f"{rollup.link}__id"),
        )
        if target_type is not None and target_id is not None:
            _recompute(ctx, rollup, [LinkRef(target_type, target_id)])
    if TAGS_FIELD in entity.fields:
        tag_ids = rollup_counts.tags_of(ctx.conn, ctx.store, entity.name, entity_id)
        _recompute_usage(ctx, tag_ids)


def _as_ref(value: Any) -> LinkRef | None:
    return value if isinstance(value, LinkRef) else None


def _recompute(ctx: WriteContext, rollup: Rollup, targets: Iterable[Any]) -> None:
    ids = sorted({t.id for t in targets if isinstance(t, LinkRef) and t.type == rollup.target_type})
    if not ids or rollup.target_type not in ctx.store.schema:
        return
    target = ctx.store.schema.entity(rollup.target_type)
    if rollup.field not in target.fields:
        return
    found = rollup_counts.recount(ctx.conn, ctx.store, rollup, ids)
    _write(ctx, target, target.fields[rollup.field], found)


def _recompute_usage(ctx: WriteContext, tag_ids: Iterable[int]) -> None:
    ids = sorted(set(tag_ids))
    if not ids or TAG_USAGE[0] not in ctx.store.schema:
        return
    tag = ctx.store.schema.entity(TAG_USAGE[0])
    if TAG_USAGE[1] not in tag.fields:
        return
    found = rollup_counts.recount_tag_usage(ctx.conn, ctx.store, ids)
    _write(ctx, tag, tag.fields[TAG_USAGE[1]], found)


def _write(
    ctx: WriteContext, entity: EntityType, f: Field, found: Mapping[int, tuple[Any, Any]]
) -> None:
    """Store each target's new value where it changed, with its `_Change` row."""
    for target_id, (stored, value) in found.items():
        if stored == value:
            continue
        rollup_counts.store_value(ctx.conn, ctx.store, entity.name, target_id, f.name, value)
        ref = LinkRef(entity.name, target_id)
        ctx.forget(ref)
        log_change(ctx, entity, ref, ctx.project_of(ref), f, stored, value, in_create=False)
