"""Which columns of entity tables are indexed beyond ids and links, and how the indexes are named.

Declared here once for the store's table layout (store.py) and for the migration that adds them
to older sites (migrations.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from callsheet.store.kinds.base import FieldKind

# Fields looked up by value all the time: names (code, content), logins, event types, statuses.
INDEXED_TEXT_FIELDS = frozenset({"code", "sg_status_list", "login", "event_type", "content"})
# Text filters compare case-insensitively, as `lower(column) = value` (store/kinds/text.py), which
# a plain index cannot serve: text fields (kinds that are `compared_folded`) also get an index on
# lower(). A status list is compared as stored (its values are spelled as the schema spells
# them), so its plain index serves it. The migration that adds the folded indexes to older sites
# knows them by name (the default schema's are text everywhere).
FOLDED_TEXT_FIELDS = INDEXED_TEXT_FIELDS - {"sg_status_list"}


def folded_index_name(entity_type: str, field_name: str) -> str:
    return f"ix_{entity_type}_{field_name}_folded"


def value_indexes(
    entity_type: str, field_name: str, kind: FieldKind, column: Any
) -> list[sa.Index]:
    """The indexes on one field's column (none for most fields)."""
    if field_name not in INDEXED_TEXT_FIELDS or not kind.name_indexed:
        return []
    found = [sa.Index(f"ix_{entity_type}_{field_name}", column)]
    if kind.compared_folded:
        found.append(sa.Index(folded_index_name(entity_type, field_name), sa.func.lower(column)))
    return found
