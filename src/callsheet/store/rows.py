"""Entity rows inside a write transaction: insert, update, retire, and the lookups writes make.

The engine's write rules (site/writes.py, site/retirement.py) decide what to write and which
event rows to log; these functions are the SQL they run, always on the transaction's own
connection, so a write sees its own rows and a refusal rolls everything back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.store.prepared import run_prepared_on
from callsheet.store.store import RETIRED_COLUMN, Store


def first_id_under_floor(conn: Connection, store: Store, entity_type: str) -> int | None:
    """The id a create must take under an id floor (store/bulk.py), else None."""
    from callsheet.store.bulk import first_id_under_floor as under_floor

    return under_floor(conn, store, entity_type)


# ids are 32-bit on both databases: a larger one cannot exist (nor be bound on PostgreSQL).
MIN_ID = 1
MAX_ID = 2**31 - 1


def insert_row(conn: Connection, store: Store, entity_type: str, row: Mapping[str, Any]) -> int:
    """Insert one row; its new id."""
    table = store.table(entity_type)
    floor_id = first_id_under_floor(conn, store, entity_type)
    if floor_id is not None:  # a site kept in step with another creates above its ids
        row = {**row, "id": floor_id}
    # Parameters apart from the statement, so SQLAlchemy reuses the compiled INSERT.
    inserted = conn.execute(table.insert(), dict(row)).inserted_primary_key
    assert inserted is not None  # every entity table has an autoincrement id
    return int(inserted[0])


def insert_rows(
    conn: Connection, store: Store, entity_type: str, rows: Sequence[Mapping[str, Any]]
) -> list[int]:
    """Insert rows in their order with one statement per run of rows setting the same columns;
    their new ids, in order."""
    table = store.table(entity_type)
    floor_id = first_id_under_floor(conn, store, entity_type) if rows else None
    if floor_id is not None:  # the first row takes the floor; the rest follow it
        first = insert_row(conn, store, entity_type, rows[0])
        return [first, *insert_rows(conn, store, entity_type, rows[1:])]
    ids: list[int] = [0] * len(rows)
    runs: list[list[int]] = []
    for position, row in enumerate(rows):
        if runs and tuple(rows[runs[-1][0]]) == tuple(row):
            runs[-1].append(position)
        else:
            runs.append([position])
    statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    for run in runs:
        result = conn.execute(statement, [dict(rows[p]) for p in run])
        for position, (entity_id,) in zip(run, result.all(), strict=True):
            ids[position] = int(entity_id)
    return ids


def update_row(
    conn: Connection, store: Store, entity_type: str, entity_id: int, values: Mapping[str, Any]
) -> None:
    table = store.table(entity_type)
    conn.execute(sa.update(table).where(table.c.id == entity_id).values(dict(values)))


def entity_row(
    conn: Connection, store: Store, entity_type: str, entity_id: int
) -> Mapping[str, Any] | None:
    """Every column of one row, retired or not; None when there is no such id."""
    if not MIN_ID <= entity_id <= MAX_ID:
        return None
    table = store.table(entity_type)
    found = conn.execute(sa.select(table).where(table.c.id == entity_id)).mappings().first()
    return None if found is None else dict(found)


def project_id_of(conn: Connection, store: Store, entity_type: str, entity_id: int) -> int | None:
    """The Project a row's `project` field links to (None when empty or not a Project)."""
    table = store.table(entity_type)
    if "project__id" not in table.c:
        return None
    # Every event row names its project: compiled once (store/prepared.py), in the caller's
    # transaction.
    found = run_prepared_on(
        conn,
        store,
        ("project-of", entity_type),
        lambda: sa.select(table.c.project__type, table.c.project__id).where(
            table.c.id == sa.bindparam("entity_id")
        ),
        entity_id=entity_id,
    )
    if not found or found[0][1] is None or found[0][0] != "Project":
        return None
    return int(found[0][1])


def holder_of_text(
    conn: Connection,
    store: Store,
    entity_type: str,
    field_name: str,
    value: str,
    except_id: int | None = None,
) -> int | None:
    """A live row (other than `except_id`) whose text field equals `value`, ignoring case."""
    table = store.table(entity_type)
    return conn.execute(  # type: ignore[no-any-return]
        sa.select(table.c.id).where(
            sa.func.lower(table.c[field_name]) == value.lower(),
            table.c[RETIRED_COLUMN].is_(None),
            table.c.id != except_id if except_id is not None else sa.true(),
        )
    ).scalar()


def live_connection(
    conn: Connection, store: Store, connection_type: str, sides: Mapping[str, tuple[str, int]]
) -> int | None:
    """The live connection row linking each side field to its (type, id), if there is one."""
    c = store.table(connection_type).c
    conditions: list[sa.ColumnElement[bool]] = [c[RETIRED_COLUMN].is_(None)]
    for side, (target_type, target_id) in sides.items():
        conditions += [c[f"{side}__type"] == target_type, c[f"{side}__id"] == target_id]
    return conn.execute(sa.select(c.id).where(*conditions)).scalar()  # type: ignore[no-any-return]


def live_ids(conn: Connection, store: Store, entity_type: str, ids: Sequence[int]) -> set[int]:
    """Those of `ids` that are live rows of the type."""
    table = store.table(entity_type)
    rows = conn.execute(
        sa.select(table.c.id).where(table.c.id.in_(sorted(ids)), table.c[RETIRED_COLUMN].is_(None))
    )
    return {row_id for (row_id,) in rows}


def retired_at(conn: Connection, store: Store, entity_type: str, entity_id: int) -> Any:
    """When the row was retired (None: live or missing)."""
    table = store.table(entity_type)
    return conn.execute(sa.select(table.c[RETIRED_COLUMN]).where(table.c.id == entity_id)).scalar()


def set_retired(
    conn: Connection, store: Store, entity_type: str, entity_id: int, stamp: dt.datetime | None
) -> None:
    """Retire the row with `stamp`, or (None) revive it."""
    update_row(conn, store, entity_type, entity_id, {RETIRED_COLUMN: stamp})


def retire_connections(
    conn: Connection, store: Store, entity_type: str, entity_id: int, stamp: dt.datetime
) -> None:
    """Retire the live connection rows (AssetShotConnection, TaskDependency, ...) naming the
    entity, with its retirement stamp: that is how revive finds them again."""
    for connection_type, column, _ in store.links.connections_of(entity_type):
        table = store.table(connection_type)
        c = table.c
        conn.execute(
            sa.update(table)
            .where(
                c[f"{column}__type"] == entity_type,
                c[f"{column}__id"] == entity_id,
                c[RETIRED_COLUMN].is_(None),
            )
            .values({RETIRED_COLUMN: stamp})
        )


def revive_connections(
    conn: Connection, store: Store, entity_type: str, entity_id: int, stamp: dt.datetime
) -> None:
    """Revive the connection rows retired with the entity (`stamp`), unless their other side is
    still retired: then they take that side's stamp, so reviving it later brings them back."""
    for connection_type, column, other in store.links.connections_of(entity_type):
        table = store.table(connection_type)
        c = table.c
        rows = conn.execute(
            sa.select(c.id, c[f"{other}__type"], c[f"{other}__id"]).where(
                c[f"{column}__type"] == entity_type,
                c[f"{column}__id"] == entity_id,
                c[RETIRED_COLUMN] == stamp,
            )
        ).all()
        for row_id, other_type, other_id in rows:
            other_stamp = None
            if other_type is not None and other_id is not None and other_type in store.schema:
                other_stamp = retired_at(conn, store, other_type, other_id)
            set_retired(conn, store, connection_type, row_id, other_stamp)
