"""Read scopes: which rows one reader may see, as SQL the store ANDs into every read.

The engine's permissions (callsheet.site.permissions) decide *what* a role may see; the store only
asks a `ReadScope` for conditions on a table and puts them where rows are read: the WHERE of the
main query, the ON of every deep-link join, the subqueries of deep filters and link filters, the
lookups of linked entities' names. Rows are never filtered in Python.

Every store function that reads rows for a reader takes the reader's scope as an explicit
argument (`query.read`, `summaries.summarize`, `text_search`, `FilterCompiler`, each kind's
filters): nothing finds it by looking around. The engine's own reads (event rows, write checks,
a rule's own condition) pass `UNRESTRICTED` and see everything.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause


class ReadScope:
    """Every row: the scope of readers without restrictions (and of the engine itself)."""

    # Part of every cached plan's key: two scopes with equal keys give the same SQL. None is the
    # unrestricted scope, whose plans are the ones every unrestricted reader shares.
    key: Hashable = None

    def rows(self, entity_type: str, table: FromClause) -> list[Any]:
        """Conditions on `table` (rows of `entity_type`) that visible rows meet; [] for all."""
        return []


UNRESTRICTED = ReadScope()
