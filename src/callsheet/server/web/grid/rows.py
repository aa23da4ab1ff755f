"""The grid's reads: one page of rows plus one COUNT, rows by id, and entity picker searches.

Only the visible page is read (LIMIT/OFFSET in SQL) and the total is one `summarize` count, so a
page of a 100,000-Shot project costs two indexed queries. Filters arrive in the wire's shape
(`{"logical_operator", "conditions"}`) and are checked by the engine like any API call.
"""

from __future__ import annotations

from typing import Any

from callsheet.faults import ValueFault
from callsheet.site.actor import Actor
from callsheet.site.site import Site

PAGE_SIZES = (25, 50, 100, 200, 500)
MAX_REFRESH_IDS = 500
SEARCH_LIMIT = 20
MAX_SEARCH_TYPES = 30
MAX_ALL_IDS = 100_000
# From this offset on, a page is read ids first (see _deep_page).
DEFERRED_OFFSET = 2_000
EMPTY_FILTERS: dict[str, Any] = {"logical_operator": "and", "conditions": []}


def _int(value: Any, what: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueFault(f"{what} must be a whole number of at least {minimum}, got {value!r}.")
    return value


def _entity_type(site: Site, payload: dict[str, Any]) -> str:
    """The payload's entity type, checked against the schema (a Fault names a wrong one)."""
    entity_type = payload.get("entity_type")
    if not isinstance(entity_type, str):
        raise ValueFault(f"entity_type must be an entity type's name, got {entity_type!r}.")
    site.schema.entity(entity_type)
    return entity_type


def page_filters(project_id: int | None, filters: Any) -> dict[str, Any]:
    """The user's filters, inside the page's project when it has one."""
    if filters in (None, {}, []):
        filters = EMPTY_FILTERS
    if not isinstance(filters, dict) or "conditions" not in filters:
        raise ValueFault('Filters must be {"logical_operator": "and"|"or", "conditions": [...]}.')
    conditions: list[Any] = []
    if project_id is not None:
        project = {"type": "Project", "id": project_id}
        conditions.append({"path": "project", "relation": "is", "values": [project]})
    if filters.get("conditions"):
        conditions.append(filters)
    return {"logical_operator": "and", "conditions": conditions}


def read_columns(site: Site, entity_type: str, columns: Any) -> list[str]:
    """The fields to read: the asked columns the type has, plus its display name."""
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise ValueFault("columns must be a list of field names.")
    entity = site.schema.entity(entity_type)
    wanted = [c for c in columns if c in entity.fields]
    name = entity.display_name_field
    if name and name not in wanted:
        wanted.append(name)
    if entity.is_project_entity and "project" not in wanted:
        wanted.append("project")  # the AMI payload's project_name/project_id on site pages
    return wanted


def grid_sorts(site: Site, entity_type: str, sorts: Any) -> list[dict[str, str]]:
    """Sorts as the engine takes them; the display name then id keep the order stable."""
    if sorts is None:
        sorts = []
    if not isinstance(sorts, list):
        raise ValueFault("sorts must be a list of {field, direction}.")
    order: list[dict[str, str]] = []
    for item in sorts[:3]:
        if not isinstance(item, dict) or not isinstance(item.get("field"), str):
            raise ValueFault(f"Each sort is {{field, direction}}, got {item!r}.")
        direction = "desc" if item.get("direction") == "desc" else "asc"
        order.append({"field_name": item["field"], "direction": direction})
    if not order:
        name = site.schema.entity(entity_type).display_name_field
        if name:
            order.append({"field_name": name, "direction": "asc"})
    order.append({"field_name": "id", "direction": "asc"})
    return order


def read_rows(site: Site, actor: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    """One page of the grid: `{rows, total, page, per_page}`."""
    entity_type = _entity_type(site, payload)
    project_id = payload.get("project_id")
    if project_id is not None:
        _int(project_id, "project_id", 1)
    per_page = _int(payload.get("per_page", 50), "per_page", 1)
    if per_page not in PAGE_SIZES:
        raise ValueFault(f"per_page must be one of {list(PAGE_SIZES)}, got {per_page}.")
    page = _int(payload.get("page", 1), "page", 1)
    filters = page_filters(project_id, payload.get("filters"))
    fields = read_columns(site, entity_type, payload.get("columns") or [])
    request = site.read_request(
        entity_type,
        filters,
        fields,
        grid_sorts(site, entity_type, payload.get("sorts")),
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    if request.offset >= DEFERRED_OFFSET:
        rows = _deep_page(site, actor, request, fields)
    else:
        rows, _ = site.find_page(actor, request)
    counted = site.summarize(actor, entity_type, filters, [{"field": "id", "type": "count"}])
    total = int(counted.get("summaries", {}).get("id") or 0)
    return {"rows": rows, "total": total, "page": page, "per_page": per_page}


def _deep_page(site: Site, actor: Actor, request: Any, fields: list[str]) -> list[dict[str, Any]]:
    """A page far from the start: sort and skip ids only, then read the page's rows by id.

    The database skips `offset` rows either way; carrying only ids through the sort halves the
    time of the last pages of a 100,000-Shot list.
    """
    request.fields = ["id"]
    ids = [record["id"] for record in site.find_page(actor, request)[0]]
    if not ids:
        return []
    by_id = {
        record["id"]: record
        for record in site.find(actor, request.entity_type, [["id", "in", ids]], fields)
    }
    return [by_id[i] for i in ids if i in by_id]


def refresh_rows(site: Site, actor: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    """Rows by id (after an edit, or when a script changed them): `{rows}`; gone ids are absent."""
    entity_type = _entity_type(site, payload)
    ids = payload.get("ids")
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise ValueFault("ids must be a list of entity ids.")
    if len(ids) > MAX_REFRESH_IDS:
        raise ValueFault(f"At most {MAX_REFRESH_IDS} rows can be refreshed at once.")
    if not ids:
        return {"rows": []}
    fields = read_columns(site, entity_type, payload.get("columns") or [])
    rows = site.find(actor, entity_type, [["id", "in", ids]], fields)
    return {"rows": rows}


def search_types(site: Site, payload: dict[str, Any]) -> list[str]:
    """The types a picker searches: the field's valid types when named, else the asked ones."""
    schema = site.schema
    entity_type, field = payload.get("entity_type"), payload.get("field")
    types: Any = None
    if isinstance(entity_type, str) and isinstance(field, str) and entity_type in schema:
        known = schema.entity(entity_type).fields.get(field)
        if known is not None and known.valid_types:
            types = list(known.valid_types)
    if types is None:
        types = payload.get("types")
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise ValueFault("types must be a list of entity type names.")
    return [t for t in types if t in schema][:MAX_SEARCH_TYPES]


# Picker results of these types come first (after names that start with the text).
SEARCH_PRIORITY = ("Shot", "Asset", "Sequence", "Episode", "HumanUser", "Group", "Task", "Version")


def search_entities(site: Site, actor: Actor, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Entities of the picker's types whose display name contains the text, best first.

    Each type is one query limited to SEARCH_LIMIT rows; names starting with the text come
    first, then the usual types. With a project, project types are searched in it only.
    """
    text = payload.get("text") or ""
    if not isinstance(text, str):
        raise ValueFault("text must be a string.")
    text = text.strip()
    project_id = payload.get("project_id")
    if project_id is not None:
        _int(project_id, "project_id", 1)
    found: list[dict[str, Any]] = []
    for entity_type in search_types(site, payload):
        entity = site.schema.entity(entity_type)
        name = entity.display_name_field
        if name is None:
            continue
        filters: list[Any] = [[name, "contains", text]] if text else []
        if project_id is not None and entity.is_project_entity:
            filters.append(["project", "is", {"type": "Project", "id": project_id}])
        if entity_type == "HumanUser" and "sg_status_list" in entity.fields:
            filters.append(["sg_status_list", "is_not", "dis"])
        records = site.find(
            actor,
            entity_type,
            filters,
            [name],
            [{"field_name": name, "direction": "asc"}, {"field_name": "id", "direction": "asc"}],
            limit=SEARCH_LIMIT,
        )
        found.extend(
            {"type": entity_type, "id": r["id"], "name": r.get(name) or f"{entity_type} #{r['id']}"}
            for r in records
        )
    needle = text.lower()

    def rank(entity: dict[str, Any]) -> tuple[bool, int, str]:
        kind = entity["type"]
        priority = SEARCH_PRIORITY.index(kind) if kind in SEARCH_PRIORITY else len(SEARCH_PRIORITY)
        label = str(entity["name"]).lower()
        return (not label.startswith(needle), priority, label)

    return sorted(found, key=rank)[:SEARCH_LIMIT]


def all_ids(site: Site, actor: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    """The ids of every row the page's query matches, in the grid's order (an AMI's `ids`)."""
    entity_type = _entity_type(site, payload)
    project_id = payload.get("project_id")
    if project_id is not None:
        _int(project_id, "project_id", 1)
    request = site.read_request(
        entity_type,
        page_filters(project_id, payload.get("filters")),
        ["id"],
        grid_sorts(site, entity_type, payload.get("sorts")),
        limit=MAX_ALL_IDS,
    )
    records, more = site.find_page(actor, request)
    return {"ids": [r["id"] for r in records], "truncated": more}
