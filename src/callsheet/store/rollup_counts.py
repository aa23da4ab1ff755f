"""The SQL of roll-up counts and sums (site/rollups.py decides when they are recomputed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.store.kinds import LinkRef
from callsheet.store.store import RETIRED_COLUMN, Store

TAGS_FIELD = "tags"


@dataclass(frozen=True)
class Rollup:
    """`target_type.field` = count (or sum of `summed`) of live `source_type` rows whose `link`
    is the target, leaving out rows where `unless_set` has a value."""

    target_type: str
    field: str
    source_type: str
    link: str
    summed: str | None = None
    unless_set: str | None = None


def link_of(
    conn: Connection, store: Store, entity_type: str, entity_id: int, link: str
) -> LinkRef | None:
    """The stored single-entity link of one row."""
    c = store.table(entity_type).c
    row = conn.execute(
        sa.select(c[f"{link}__type"], c[f"{link}__id"]).where(c.id == entity_id)
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return LinkRef(row[0], row[1])


def recount(
    conn: Connection, store: Store, rollup: Rollup, target_ids: Sequence[int]
) -> dict[int, tuple[Any, Any]]:
    """target id -> (stored value, value computed now) for each existing target."""
    source = store.table(rollup.source_type).c
    value = (
        sa.func.coalesce(sa.func.sum(source[rollup.summed]), 0)
        if rollup.summed
        else sa.func.count(source.id)
    )
    conditions = [
        source[f"{rollup.link}__type"] == rollup.target_type,
        source[f"{rollup.link}__id"].in_(target_ids),
        source[RETIRED_COLUMN].is_(None),
    ]
    if rollup.unless_set:
        conditions.append(source[rollup.unless_set].is_(None))
    computed = dict(
        conn.execute(
            sa.select(source[f"{rollup.link}__id"], value)
            .where(*conditions)
            .group_by(source[f"{rollup.link}__id"])
        ).all()
    )
    return _with_stored(conn, store, rollup.target_type, rollup.field, target_ids, computed)


def tags_of(conn: Connection, store: Store, entity_type: str, entity_id: int) -> list[int]:
    """The ids of the Tags in one record's `tags` (retired Tags too)."""
    c = store.link_table.c
    return list(
        conn.execute(
            sa.select(c.target_id).where(
                c.owner_type == entity_type,
                c.owner_field == TAGS_FIELD,
                c.owner_id == entity_id,
                c.target_type == "Tag",
            )
        ).scalars()
    )


def recount_tag_usage(
    conn: Connection, store: Store, tag_ids: Sequence[int]
) -> dict[int, tuple[Any, Any]]:
    """tag id -> (stored usage, the number of live records of any type tagged with it now)."""
    c = store.link_table.c
    tagged = conn.execute(
        sa.select(c.target_id, c.owner_type, c.owner_id).where(
            c.target_type == "Tag", c.target_id.in_(tag_ids), c.owner_field == TAGS_FIELD
        )
    ).all()
    owners: dict[str, set[int]] = {}
    for _, owner_type, owner_id in tagged:
        owners.setdefault(owner_type, set()).add(owner_id)
    live: set[tuple[str, int]] = set()
    for owner_type, ids in owners.items():
        if owner_type not in store.schema:
            continue
        t = store.table(owner_type).c
        found = conn.execute(
            sa.select(t.id).where(t.id.in_(sorted(ids)), t[RETIRED_COLUMN].is_(None))
        ).scalars()
        live.update((owner_type, owner_id) for owner_id in found)
    counts: dict[int, int] = {}
    for tag_id, owner_type, owner_id in tagged:
        if (owner_type, owner_id) in live:
            counts[tag_id] = counts.get(tag_id, 0) + 1
    return _with_stored(conn, store, "Tag", "usage", tag_ids, counts)


def _with_stored(
    conn: Connection,
    store: Store,
    entity_type: str,
    field: str,
    ids: Sequence[int],
    computed: dict[int, Any],
) -> dict[int, tuple[Any, Any]]:
    c = store.table(entity_type).c
    stored = conn.execute(sa.select(c.id, c[field]).where(c.id.in_(ids))).all()
    return {row[0]: (row[1], int(computed.get(row[0], 0))) for row in stored}


def store_value(
    conn: Connection, store: Store, entity_type: str, entity_id: int, field: str, value: Any
) -> None:
    """Write one roll-up column (the caller logs the change)."""
    table = store.table(entity_type)
    conn.execute(table.update().where(table.c.id == entity_id).values({field: value}))
