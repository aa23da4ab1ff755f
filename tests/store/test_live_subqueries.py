"""Liveness subqueries share one alias per entity type (store/kinds/links.py `_target_alias`):
side by side in one WHERE, and nested (a reader's scope whose condition on a type itself asks
whether a row of that type is live), each still means its own rows. Run on SQLite rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from callsheet.schema.default import default_schema
from callsheet.store.kinds import LinkRef
from callsheet.store.kinds.links import is_live, live_ids
from callsheet.store.scope import UNRESTRICTED, ReadScope
from callsheet.store.store import RETIRED_COLUMN, Store


@pytest.fixture
def store() -> Iterator[Store]:
    opened, _ = Store.open(None, default_schema())
    with opened.write() as conn:
        table = opened.table("Sequence")
        for sequence_id, retired in ((1, False), (2, False), (3, True)):
            conn.execute(
                sa.insert(table).values(
                    id=sequence_id,
                    code=f"SQ{sequence_id}",
                    **{RETIRED_COLUMN: sa.func.current_timestamp() if retired else None},
                )
            )
    yield opened
    opened.close()


def _ids(store: Store, *conditions: Any) -> list[int]:
    table = store.table("Sequence")
    with store.read() as conn:
        statement = sa.select(table.c.id).where(*conditions).order_by(table.c.id)
        return [row[0] for row in conn.execute(statement)]


def test_live_checks_side_by_side_each_see_their_own_row(store: Store) -> None:
    one, retired = LinkRef("Sequence", 1), LinkRef("Sequence", 3)
    assert _ids(store, is_live(store, one, UNRESTRICTED)) == [1, 2, 3]
    assert _ids(store, sa.or_(is_live(store, retired, UNRESTRICTED))) == []
    both = sa.and_(
        is_live(store, one, UNRESTRICTED), sa.not_(is_live(store, retired, UNRESTRICTED))
    )
    assert _ids(store, both) == [1, 2, 3]


class _SeesOnlyWhileTwoIsLive(ReadScope):
    """A scope whose condition on Sequence rows asks whether Sequence 2 is live: the nested
    subquery selects from the same shared alias as the one it sits in."""

    key = "nested-test"

    def rows(self, entity_type: str, table: Any) -> list[Any]:
        if entity_type != "Sequence":
            return []
        return [is_live(self.store, LinkRef("Sequence", 2), UNRESTRICTED), table.c.id != 2]

    def __init__(self, store: Store) -> None:
        self.store = store


def test_live_check_nested_in_a_live_check_of_the_same_type_keeps_its_own_rows(
    store: Store,
) -> None:
    scope = _SeesOnlyWhileTwoIsLive(store)
    table = store.table("Sequence")
    # Sequence 1 is live and visible (2 is live, 1 is not 2); were the inner check correlated to
    # the outer alias, it would test row 1 for id == 2 and find nothing.
    assert _ids(store, is_live(store, LinkRef("Sequence", 1), scope)) == [1, 2, 3]
    assert _ids(store, is_live(store, LinkRef("Sequence", 2), scope)) == []
    assert _ids(store, table.c.id.in_(live_ids(store, "Sequence", scope))) == [1]
