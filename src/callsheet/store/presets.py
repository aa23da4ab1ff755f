"""`additional_filter_presets`: ShotGrid's named filters, ANDed with the caller's filters.

Known presets (reference/data-model.md §3.5): `LATEST` on Version (ENTITIES_CREATED_AT,
BY_PIPELINE_STEP_NUMBER_AND_ENTITIES_CREATED_AT), PublishedFile (ENTITIES_CREATED_AT,
VERSION_NUMBER) and Cut (REVISION_NUMBER); `CUT_SHOT_VERSIONS` on Version. Anything else is a Fault.
A "latest" row is the one no sibling (same partition) beats in the ordering. Siblings are taken
from the rows the find selects (its filters, retirement and archived-project scope), not from the
whole table: ShotGrid documents LATEST as picking the newest "of that set", and the official
client's live suite finds its fixture Version by id with LATEST even after newer Versions were
linked to the same Asset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import FromClause

from callsheet.faults import FilterFault

if TYPE_CHECKING:
    from callsheet.store.scope import ReadScope
    from callsheet.store.store import Store

# The find's own conditions, for another alias of its table: which rows count as siblings.
SiblingConditions = Callable[[FromClause], list[Any]]

# (entity type, latest_by) -> (partition columns, ordering columns, newest first)
_LATEST: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("Version", "ENTITIES_CREATED_AT"): (("entity__type", "entity__id"), ("created_at",)),
    ("Version", "BY_PIPELINE_STEP_NUMBER_AND_ENTITIES_CREATED_AT"): (
        ("entity__type", "entity__id", "sg_task__id"),
        ("created_at",),
    ),
    ("PublishedFile", "ENTITIES_CREATED_AT"): (
        ("entity__type", "entity__id", "name", "published_file_type__id", "task__id"),
        ("created_at",),
    ),
    ("PublishedFile", "VERSION_NUMBER"): (
        ("entity__type", "entity__id", "name", "published_file_type__id", "task__id"),
        ("version_number", "created_at"),
    ),
    ("Cut", "REVISION_NUMBER"): (("entity__type", "entity__id", "code"), ("revision_number",)),
}


def preset_conditions(
    store: Store,
    entity_type: str,
    table: FromClause,
    presets: Sequence[Any] | None,
    siblings: SiblingConditions,
    scope: ReadScope,
) -> list[Any]:
    """SQL conditions for the presets; a Fault names an unknown or malformed one."""
    if not presets:
        return []
    if not isinstance(presets, list | tuple):
        raise FilterFault("additional_filter_presets must be a list of dicts.")
    return [_one(store, entity_type, table, preset, siblings, scope) for preset in presets]


def _one(
    store: Store,
    entity_type: str,
    table: FromClause,
    preset: Any,
    siblings: SiblingConditions,
    scope: ReadScope,
) -> Any:
    if not isinstance(preset, dict) or not isinstance(preset.get("preset_name"), str):
        raise FilterFault(
            f"Invalid additional_filter_presets entry {preset!r}: needs a 'preset_name'."
        )
    name = preset["preset_name"]
    if name == "LATEST":
        latest_by = preset.get("latest_by")
        key = (entity_type, latest_by if isinstance(latest_by, str) else None)
        if key not in _LATEST:
            valid = sorted(by for t, by in _LATEST if t == entity_type)
            raise FilterFault(
                f"Invalid additional_filter_presets: LATEST on {entity_type} with latest_by "
                f"{preset.get('latest_by')!r}; valid latest_by values: {valid}."
            )
        partition, ordering = _LATEST[key]
        return _is_latest(store, entity_type, table, partition, ordering, siblings)
    if name == "CUT_SHOT_VERSIONS" and entity_type == "Version":
        cut_id = preset.get("cut_id")
        if isinstance(cut_id, bool) or not isinstance(cut_id, int):
            raise FilterFault(
                "Invalid additional_filter_presets: CUT_SHOT_VERSIONS needs an integer cut_id."
            )
        items = store.table("CutItem").alias()
        versions = sa.select(items.c.version__id).where(
            items.c.cut__id == cut_id,
            items.c._retired_at.is_(None),
            *scope.rows("CutItem", items),
        )
        return table.c.id.in_(versions)
    raise FilterFault(
        f"Invalid additional_filter_presets: unknown preset {name!r} for {entity_type}."
    )


def _is_latest(
    store: Store,
    entity_type: str,
    table: FromClause,
    partition: tuple[str, ...],
    ordering: tuple[str, ...],
    siblings: SiblingConditions,
) -> Any:
    """No sibling in scope and in the same partition comes later in `ordering` (ties: higher
    id wins)."""
    sibling = store.table(entity_type).alias()
    same_partition = [
        sa.or_(
            sibling.c[col] == table.c[col],
            sa.and_(sibling.c[col].is_(None), table.c[col].is_(None)),
        )
        for col in partition
    ]
    keys = [*ordering, "id"]
    later = []
    for position, col in enumerate(keys):
        equal_before = [sibling.c[k] == table.c[k] for k in keys[:position]]
        later.append(sa.and_(*equal_before, sibling.c[col] > table.c[col]))
    newer = (
        sa.select(sibling.c.id)
        .where(*siblings(sibling), *same_partition, sa.or_(*later))
        .correlate(table)
    )
    return ~sa.exists(newer)
