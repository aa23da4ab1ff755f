"""Reading and writing multi-entity links, whichever storage a field uses.

Every storage (connection entity rows, a reverse entity field, the shared link table) is seen
through one relation with the columns (owner_id, target_type, target_id, position), so filters,
reads and writes are written once (callsheet.schema.links decides which storage a field uses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.faults import ValueFault
from callsheet.schema.links import ConnectionLink, DerivedLink, ReverseEntityLink, TableLink
from callsheet.schema.system_fields import COPIED_LINK_IDS, OPEN_NOTE_STATUSES

if TYPE_CHECKING:
    from callsheet.store.store import Store

Link = tuple[str, int]  # (entity type, id)


def link_relation(store: Store, owner_type: str, field_name: str) -> sa.Subquery:
    """owner_id, target_type, target_id, position for every live link of the field."""
    storage = store.links.storage(owner_type, field_name)
    if isinstance(storage, DerivedLink):
        return _derived_relation(store, owner_type, storage).subquery(
            f"links_{owner_type}_{field_name}"
        )
    if isinstance(storage, ConnectionLink):
        c = store.table(storage.connection_type).c
        owner, target = storage.owner_column, storage.target_column
        query = sa.select(
            c[f"{owner}__id"].label("owner_id"),
            c[f"{target}__type"].label("target_type"),
            c[f"{target}__id"].label("target_id"),
            c.id.label("position"),
        ).where(
            c[f"{owner}__type"] == owner_type,
            c[f"{target}__id"].is_not(None),
            c._retired_at.is_(None),
        )
    elif isinstance(storage, ReverseEntityLink):
        c = store.table(storage.target_type).c
        column = storage.target_field
        query = sa.select(
            c[f"{column}__id"].label("owner_id"),
            sa.literal(storage.target_type, sa.String).label("target_type"),
            c.id.label("target_id"),
            c.id.label("position"),
        ).where(c[f"{column}__type"] == owner_type, c._retired_at.is_(None))
    else:
        c = store.link_table.c
        if storage.reverse:
            query = sa.select(
                c.target_id.label("owner_id"),
                sa.literal(storage.table_type, sa.String).label("target_type"),
                c.owner_id.label("target_id"),
                c.owner_id.label("position"),
            ).where(
                c.owner_type == storage.table_type,
                c.owner_field == storage.table_field,
                c.target_type == owner_type,
            )
        else:
            query = sa.select(c.owner_id, c.target_type, c.target_id, c.position).where(
                c.owner_type == owner_type, c.owner_field == field_name
            )
    return query.subquery(f"links_{owner_type}_{field_name}")


def _derived_relation(store: Store, owner_type: str, storage: DerivedLink) -> sa.Select[Any]:
    """The links of a computed multi-entity field, from the records they are computed from
    (callsheet.schema.system_fields says where each rule comes from)."""
    entity = store.schema.entity(owner_type)
    if storage.rule == "open_notes" and "notes" in entity.fields and "Note" in store.schema:
        # The Notes of the record's own `notes` field (Note.note_links, or Note.tasks on a Task)
        # whose status is open.
        notes = link_relation(store, owner_type, "notes")
        note = store.table("Note")
        return (
            sa.select(notes.c.owner_id, notes.c.target_type, notes.c.target_id, notes.c.position)
            .join(note, sa.and_(note.c.id == notes.c.target_id, notes.c.target_type == "Note"))
            .where(note.c.sg_status_list.in_(OPEN_NOTE_STATUSES), note.c._retired_at.is_(None))
        )
    if storage.rule == "sibling_tasks" and owner_type == "Task":
        # The other live Tasks on the same `entity`; a Task on nothing has no siblings.
        task, sibling = store.table("Task").alias("task"), store.table("Task").alias("sibling")
        return sa.select(
            task.c.id.label("owner_id"),
            sa.literal("Task", sa.String).label("target_type"),
            sibling.c.id.label("target_id"),
            sibling.c.id.label("position"),
        ).where(
            sibling.c.entity__type == task.c.entity__type,
            sibling.c.entity__id == task.c.entity__id,
            sibling.c.id != task.c.id,
            sibling.c._retired_at.is_(None),
        )
    empty = store.link_table.c  # a field of this name the rule does not know: no links
    return sa.select(empty.owner_id, empty.target_type, empty.target_id, empty.position).where(
        sa.false()
    )


def read_links(
    conn: Connection, store: Store, owner_type: str, field_name: str, owner_ids: Sequence[int]
) -> dict[int, list[Link]]:
    """The links of each owner, in position order (targets not yet checked for retirement)."""
    result: dict[int, list[Link]] = {owner_id: [] for owner_id in owner_ids}
    if not owner_ids:
        return result
    rel = link_relation(store, owner_type, field_name)
    for chunk in _chunks(owner_ids, 900):
        rows = conn.execute(
            sa.select(rel.c.owner_id, rel.c.target_type, rel.c.target_id)
            .where(rel.c.owner_id.in_(chunk))
            .order_by(rel.c.owner_id, rel.c.position)
        )
        for owner_id, target_type, target_id in rows:
            links = result[owner_id]
            if (target_type, target_id) not in links:
                links.append((target_type, target_id))
    return result


def write_links(
    conn: Connection,
    store: Store,
    owner_type: str,
    owner_id: int,
    field_name: str,
    old: Sequence[Link],
    new: Sequence[Link],
    stamp: dict[str, Any],
) -> None:
    """Make the field's stored links go from `old` to `new` (both de-duplicated)."""
    storage = store.links.storage(owner_type, field_name)
    if isinstance(storage, DerivedLink):
        raise ValueFault(f"{owner_type}.{field_name} is computed by the server: it cannot be set.")
    added = [link for link in new if link not in old]
    removed = [link for link in old if link not in new]
    if not added and not removed and old == new:
        return
    if isinstance(storage, ConnectionLink):
        _write_connection(conn, store, storage, owner_type, owner_id, added, removed, stamp)
    elif isinstance(storage, ReverseEntityLink):
        _write_reverse_entity(conn, store, storage, owner_type, owner_id, added, removed, stamp)
    else:
        _write_table(conn, store, storage, owner_type, owner_id, field_name, new, added, removed)


def _write_connection(
    conn: Connection,
    store: Store,
    storage: ConnectionLink,
    owner_type: str,
    owner_id: int,
    added: list[Link],
    removed: list[Link],
    stamp: dict[str, Any],
) -> None:
    table = store.table(storage.connection_type)
    c = table.c
    owner, target = storage.owner_column, storage.target_column
    for target_type, target_id in removed:
        conn.execute(
            sa.delete(table).where(
                c[f"{owner}__type"] == owner_type,
                c[f"{owner}__id"] == owner_id,
                c[f"{target}__type"] == target_type,
                c[f"{target}__id"] == target_id,
            )
        )
    rows = [
        {
            f"{owner}__type": owner_type,
            f"{owner}__id": owner_id,
            f"{target}__type": target_type,
            f"{target}__id": target_id,
            **_stamp_columns(table, stamp),
            **_copied_ids(storage, owner_id, target_id),
        }
        for target_type, target_id in added
    ]
    if rows:
        from callsheet.store.rows import first_id_under_floor

        floor_id = first_id_under_floor(conn, store, storage.connection_type)
        if floor_id is not None:  # a site kept in step with another creates above its ids
            conn.execute(sa.insert(table), [{**rows[0], "id": floor_id}])
            rows = rows[1:]
        if rows:
            conn.execute(sa.insert(table), rows)


def _copied_ids(storage: ConnectionLink, owner_id: int, target_id: int) -> dict[str, int]:
    """The id fields of a connection row that repeat one of its two links (system_fields.py)."""
    ids = {storage.owner_column: owner_id, storage.target_column: target_id}
    return {
        id_field: ids[link_field]
        for id_field, link_field in COPIED_LINK_IDS.get(storage.connection_type, ())
        if link_field in ids
    }


def _write_reverse_entity(
    conn: Connection,
    store: Store,
    storage: ReverseEntityLink,
    owner_type: str,
    owner_id: int,
    added: list[Link],
    removed: list[Link],
    stamp: dict[str, Any],
) -> None:
    table = store.table(storage.target_type)
    c = table.c
    column = storage.target_field
    for target_type, _ in added + removed:
        if target_type != storage.target_type:
            raise ValueFault(
                f"{owner_type} links of this field must be {storage.target_type} entities, "
                f"got {target_type}."
            )
    touched = _stamp_columns(table, stamp, updating=True)
    if removed:
        conn.execute(
            sa.update(table)
            .where(
                c.id.in_([i for _, i in removed]),
                c[f"{column}__type"] == owner_type,
                c[f"{column}__id"] == owner_id,
            )
            .values({f"{column}__type": None, f"{column}__id": None, **touched})
        )
    if added:
        conn.execute(
            sa.update(table)
            .where(c.id.in_([i for _, i in added]))
            .values({f"{column}__type": owner_type, f"{column}__id": owner_id, **touched})
        )


def _write_table(
    conn: Connection,
    store: Store,
    storage: TableLink,
    owner_type: str,
    owner_id: int,
    field_name: str,
    new: Sequence[Link],
    added: list[Link],
    removed: list[Link],
) -> None:
    table = store.link_table
    c = table.c
    if storage.reverse:
        # The owner appears as the *target* in the partner field's rows.
        for _, target_id in removed:
            conn.execute(
                sa.delete(table).where(
                    c.owner_type == storage.table_type,
                    c.owner_field == storage.table_field,
                    c.owner_id == target_id,
                    c.target_type == owner_type,
                    c.target_id == owner_id,
                )
            )
        for target_type, target_id in added:
            if target_type != storage.table_type:
                raise ValueFault(
                    f"{owner_type}.{field_name} links must be {storage.table_type} entities, "
                    f"got {target_type}."
                )
            position = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(c.position), 0)).where(
                    c.owner_type == storage.table_type,
                    c.owner_field == storage.table_field,
                    c.owner_id == target_id,
                )
            ).scalar_one()
            conn.execute(
                sa.insert(table).values(
                    owner_type=storage.table_type,
                    owner_field=storage.table_field,
                    owner_id=target_id,
                    position=position + 1,
                    target_type=owner_type,
                    target_id=owner_id,
                )
            )
        return
    conn.execute(
        sa.delete(table).where(
            c.owner_type == owner_type, c.owner_field == field_name, c.owner_id == owner_id
        )
    )
    if new:
        conn.execute(
            sa.insert(table),
            [
                {
                    "owner_type": owner_type,
                    "owner_field": field_name,
                    "owner_id": owner_id,
                    "position": position,
                    "target_type": target_type,
                    "target_id": target_id,
                }
                for position, (target_type, target_id) in enumerate(new, start=1)
            ],
        )


def _stamp_columns(
    table: sa.Table, stamp: dict[str, Any], *, updating: bool = False
) -> dict[str, Any]:
    """created/updated bookkeeping columns for rows written on the side of a link."""
    now: dt.datetime = stamp["now"]
    actor: Link = stamp["actor"]
    values: dict[str, Any] = {}
    names = (
        ("updated_at", "updated_by")
        if updating
        else ("created_at", "updated_at", "created_by", "updated_by")
    )
    for name in names:
        if name.endswith("_at") and name in table.c:
            values[name] = now
        elif f"{name}__id" in table.c:
            values[f"{name}__type"], values[f"{name}__id"] = actor
    return values


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
