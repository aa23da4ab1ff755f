"""Rows a test fixture replaces in place: mockgun's `_db[type][id] = record` overwrites a record.

The store's side of site/fixtures.py: removing one row (with its link-table rows and tags) so the
record can be inserted again with the same id (store/bulk.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from callsheet.store.store import Store


def row_exists(conn: Connection, store: Store, entity_type: str, entity_id: int) -> bool:
    """Whether the type has a row (live or retired) with this id."""
    table = store.table(entity_type)
    found = conn.execute(sa.select(table.c.id).where(table.c.id == entity_id)).first()
    return found is not None


def remove_row(conn: Connection, store: Store, entity_type: str, entity_id: int) -> None:
    """Delete one row with the links and tags it owns (no event: a fixture is not history)."""
    conn.execute(
        sa.delete(store.table(entity_type)).where(store.table(entity_type).c.id == entity_id)
    )
    links, tags = store.link_table, store.tag_table
    conn.execute(
        sa.delete(links).where(links.c.owner_type == entity_type, links.c.owner_id == entity_id)
    )
    conn.execute(
        sa.delete(tags).where(tags.c.owner_type == entity_type, tags.c.owner_id == entity_id)
    )
