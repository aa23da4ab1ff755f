"""The SQL of uploads (site/uploads.py): live checks, image and file columns, attachment rows."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.store.scope import ReadScope
from callsheet.store.store import RETIRED_COLUMN, Store
from callsheet.store.visibility import visible_ids


def is_live(conn: Connection, store: Store, entity_type: str, entity_id: int) -> bool:
    """Whether the entity exists and is not retired."""
    table = store.table(entity_type)
    found = conn.execute(
        sa.select(table.c.id).where(table.c.id == entity_id, table.c[RETIRED_COLUMN].is_(None))
    ).first()
    return found is not None


def set_columns(
    conn: Connection, store: Store, entity_type: str, entity_id: int, values: Mapping[str, Any]
) -> None:
    """Write columns of one row directly (values the engine already checked)."""
    table = store.table(entity_type)
    conn.execute(table.update().where(table.c.id == entity_id).values(dict(values)))


def has_column(store: Store, entity_type: str, column: str) -> bool:
    return column in store.table(entity_type).c


def column_value(
    conn: Connection, store: Store, entity_type: str, entity_id: int, column: str
) -> Any:
    """One stored column of one row."""
    table = store.table(entity_type)
    return conn.execute(sa.select(table.c[column]).where(table.c.id == entity_id)).scalar()


def replace_if_still(
    store: Store, entity_type: str, entity_id: int, column: str, expected: str, new: str
) -> None:
    """Set a column only while it still holds `expected` (a newer upload or a clear wins)."""
    table = store.table(entity_type)
    with store.write() as conn:
        conn.execute(
            table.update()
            .where(table.c.id == entity_id, table.c[column] == expected)
            .values({column: new})
        )


def live_attachment_filename(store: Store, attachment_id: int) -> str | None:
    """The stored file name of a live Attachment holding an upload of its own (None: absent,
    retired, or a web link or local file, whose id names no bytes here: a file left under that
    id by a write that never committed is never served as its)."""
    table = store.table("Attachment")
    with store.read() as conn:
        row = conn.execute(
            sa.select(table.c.filename, table.c.this_file).where(
                table.c.id == attachment_id, table.c[RETIRED_COLUMN].is_(None)
            )
        ).first()
    if row is None:
        return None
    this_file = row[1]
    if isinstance(this_file, str):
        this_file = json.loads(this_file)
    if not isinstance(this_file, dict) or this_file.get("link_type") != "upload":
        return None
    if this_file.get("id") not in (None, attachment_id):
        return None
    return str(row[0] or "")


def visible_attachments(store: Store, scope: ReadScope, ids: Iterable[int]) -> set[int]:
    """The ids among `ids` of live Attachments a reader with `scope` may see."""
    return visible_ids(store, scope, "Attachment", ids)
