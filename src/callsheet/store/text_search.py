"""`text_search`: find entities of several types whose display name holds every search term."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.faults import FilterFault
from callsheet.store.dialects import fold_case
from callsheet.store.filters import FilterCompiler, parse_filters
from callsheet.store.query import ReadRequest, base_conditions
from callsheet.store.scope import ReadScope

if TYPE_CHECKING:
    from callsheet.store.store import Store

MIN_TEXT_LENGTH = 3


def search_terms(text: Any) -> list[str]:
    if not isinstance(text, str) or len(text.strip()) < MIN_TEXT_LENGTH:
        raise FilterFault(f"text_search needs at least {MIN_TEXT_LENGTH} characters of text.")
    return [term.lower() for term in text.split()]


def text_search(
    conn: Connection,
    store: Store,
    text: Any,
    entity_types: Any,
    project_ids: Sequence[int] | None,
    limit: int | None,
    scope: ReadScope,
) -> dict[str, Any]:
    """{'matches': [...], 'terms': [...]}, matches in the order the types were given."""
    terms = search_terms(text)
    if not isinstance(entity_types, dict) or not entity_types:
        raise FilterFault("text_search needs entity_types as a dict of entity type to filters.")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise FilterFault(f"text_search limit must be a positive integer, got {limit!r}.")
    matches: list[dict[str, Any]] = []
    for entity_type, filters in entity_types.items():
        entity = store.schema.entity(entity_type, operation="text_search")
        name_field = entity.display_name_field
        if name_field is None:
            continue
        table = store.table(entity_type)
        request = ReadRequest(entity_type, parse_filters(store.schema, entity_type, filters or []))
        conditions = [
            *base_conditions(store, request, table, scope),
            FilterCompiler(store, scope).compile(request.filters, table),
        ]
        name = table.c[name_field]
        conditions += [fold_case(name, term).contains(term, autoescape=True) for term in terms]
        has_project = entity.is_project_entity and "project__id" in table.c
        if project_ids and has_project:
            conditions.append(table.c.project__id.in_(list(project_ids)))
        status = table.c.sg_status_list if "sg_status_list" in table.c else sa.null()
        image = table.c.image if "image" in table.c else sa.null()
        project = table.c.project__id if has_project else sa.null()
        statement = (
            sa.select(table.c.id, name, project, image, status)
            .where(*conditions)
            .order_by(table.c.id)
        )
        remaining = None if not limit else limit - len(matches)
        if remaining is not None:
            if remaining <= 0:
                break
            statement = statement.limit(remaining)
        for entity_id, entity_name, project_id, image_value, status_value in conn.execute(
            statement
        ):
            matches.append(
                {
                    "id": entity_id,
                    "type": entity_type,
                    "name": entity_name,
                    "project_id": project_id,
                    "image": image_value,
                    "links": [entity_type, entity_name],
                    "status": status_value,
                }
            )
    return {"matches": matches, "terms": terms}
