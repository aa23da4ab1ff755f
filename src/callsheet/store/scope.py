"""Read scopes: which rows one reader may see, as SQL the store ANDs into every read.

The engine's permissions (callsheet.site.permissions) decide *what* a role may see; the store only
asks a `ReadScope` for conditions on a table and puts them where rows are read: the WHERE of the
main query, the ON of every deep-link join, the subqueries of deep filters and link filters, the
lookups of linked entities' names. Rows are never filtered in Python.

A read gets the scope through a `ScopedStore`, the store as one reader sees it: the same tables,
schema, plans and connections, plus `scope`. The plain `Store` has the unrestricted scope, so
code that reads for the engine itself (event rows, write checks) sees everything.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.store import Store


class ReadScope:
    """Every row: the scope of readers without restrictions (and of the engine itself)."""

    # Part of every cached plan's key: two scopes with equal keys give the same SQL. None is the
    # unrestricted scope, whose plans are the ones every unrestricted reader shares.
    key: Hashable = None

    def rows(self, entity_type: str, table: FromClause) -> list[Any]:
        """Conditions on `table` (rows of `entity_type`) that visible rows meet; [] for all."""
        return []


UNRESTRICTED = ReadScope()


class ScopedStore:
    """A Store seen through a ReadScope: everything the store has, plus the reader's scope."""

    def __init__(self, store: Store, scope: ReadScope) -> None:
        self.store = store
        self.scope = scope

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def scoped(store: Store, scope: ReadScope) -> Store:
    """The store as a reader with `scope` sees it (the store itself when nothing is hidden)."""
    if scope.key is None:
        return store
    return ScopedStore(store, scope)  # type: ignore[return-value]
