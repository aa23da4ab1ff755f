"""Wire parameters (reference §3) to the Site's arguments, and back. Translation only.

Each function takes the Site, the authenticated Actor and `params[1]` of the call, checks the
shape, calls one Site operation and returns the value for `results`.
"""

from __future__ import annotations

from typing import Any

from callsheet.faults import Fault, SchemaFault, ValueFault
from callsheet.site.actor import Actor
from callsheet.site.site import MAX_PAGE_SIZE, Site


def params_dict(params: Any, method: str, *required: str) -> dict[str, Any]:
    """The params object of a call, checked to be a dict holding `required` keys."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ValueFault(f"{method}: parameters must be an object, got {type(params).__name__}.")
    missing = [key for key in required if params.get(key) is None]
    if missing:
        raise ValueFault(f"{method}: {', '.join(repr(k) for k in missing)} missing.")
    return params


def _int(value: Any, what: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueFault(f"{what} must be an integer >= {minimum}, got {value!r}.")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueFault(f"{what} must be a list, got {value!r}.")
    return value


def fields_to_data(fields: Any, method: str) -> tuple[dict[str, Any], dict[str, str]]:
    """`[{field_name, value, multi_entity_update_mode?}]` to a data dict and update modes."""
    data: dict[str, Any] = {}
    modes: dict[str, str] = {}
    for item in _list(fields, f"{method}: fields"):
        if not isinstance(item, dict) or not isinstance(item.get("field_name"), str):
            raise ValueFault(f"{method}: each field must be {{field_name, value}}, got {item!r}.")
        name = item["field_name"]
        data[name] = item.get("value")
        mode = item.get("multi_entity_update_mode")
        if mode is not None:
            modes[name] = mode
    return data, modes


def _with_schema_retry(site: Site, operation: Any) -> Any:
    try:
        return operation()
    except SchemaFault:
        if not site.store.refresh_schema():
            raise
        return operation()


def read(site: Site, actor: Actor, params: Any) -> dict[str, Any]:
    """`read`: one page exactly as asked, with paging_info in the form the client asked for."""
    p = params_dict(params, "read", "type")
    paging = p.get("paging") or {}
    if not isinstance(paging, dict):
        raise ValueFault(f"read: paging must be an object, got {paging!r}.")
    per_page = _int(paging.get("entities_per_page", MAX_PAGE_SIZE), "entities_per_page", 1)
    per_page = min(per_page, MAX_PAGE_SIZE)
    page = _int(paging.get("current_page", 1), "current_page", 1)
    return_only = p.get("return_only", "active")
    if return_only not in ("active", "retired"):
        raise ValueFault(f"read: return_only must be 'active' or 'retired', got {return_only!r}.")
    archived = p.get("include_archived_projects", True)

    def run() -> dict[str, Any]:
        request = site.read_request(
            p["type"],
            p.get("filters") or {"logical_operator": "and", "conditions": []},
            p.get("return_fields") or ["id"],
            _list(p.get("sorts"), "read: sorts") or None,
            limit=per_page,
            offset=(page - 1) * per_page,
            retired_only=return_only == "retired",
            include_archived_projects=bool(archived),
            additional_filter_presets=p.get("additional_filter_presets"),
        )
        records, more = site.find_page(actor, request)
        paging_info: dict[str, Any] = {"has_next_page": more}
        if p.get("return_paging_info") and not p.get("return_paging_info_without_counts"):
            request.limit, request.offset, request.fields = None, 0, ["id"]
            paging_info["entity_count"] = len(site.find_page(actor, request)[0])
        return {"entities": records, "paging_info": paging_info}

    return _with_schema_retry(site, run)


def create(site: Site, actor: Actor, params: Any) -> dict[str, Any]:
    p = params_dict(params, "create", "type")
    data, _ = fields_to_data(p.get("fields"), "create")
    return site.create(actor, p["type"], data, _list(p.get("return_fields"), "return_fields"))


def update(site: Site, actor: Actor, params: Any) -> dict[str, Any]:
    p = params_dict(params, "update", "type", "id")
    data, modes = fields_to_data(p.get("fields"), "update")
    return site.update(actor, p["type"], p["id"], data, modes or None)


def delete(site: Site, actor: Actor, params: Any) -> bool:
    p = params_dict(params, "delete", "type", "id")
    return site.delete(actor, p["type"], p["id"])


def revive(site: Site, actor: Actor, params: Any) -> bool:
    p = params_dict(params, "revive", "type", "id")
    return site.revive(actor, p["type"], p["id"])


def batch_request(request: Any, number: int) -> dict[str, Any]:
    """One wire batch item to the Site's batch request shape."""
    if not isinstance(request, dict):
        raise ValueFault(f"batch request {number}: expected an object, got {request!r}.")
    data, modes = fields_to_data(request.get("fields"), f"batch request {number}")
    return {
        "request_type": request.get("request_type"),
        "entity_type": request.get("type"),
        "entity_id": request.get("id"),
        "data": data,
        "return_fields": request.get("return_fields"),
        "multi_entity_update_modes": modes or None,
    }


def batch(site: Site, actor: Actor, params: Any) -> list[Any]:
    """A whole batch: one Site call, one transaction."""
    requests = _list(params, "batch: parameters")
    return site.batch(actor, [batch_request(r, n) for n, r in enumerate(requests)])


def summarize(site: Site, actor: Actor, params: Any) -> dict[str, Any]:
    p = params_dict(params, "summarize", "type")
    return site.summarize(
        actor,
        p["type"],
        p.get("filters") or {"logical_operator": "and", "conditions": []},
        _list(p.get("summaries"), "summarize: summaries"),
        grouping=p.get("grouping"),
        include_archived_projects=bool(p.get("include_archived_projects", True)),
    )


def text_search(site: Site, actor: Actor, params: Any) -> dict[str, Any]:
    p = params_dict(params, "query_display_name_cache", "text", "entity_types")
    return site.text_search(
        actor, p["text"], p["entity_types"], p.get("project_ids"), p.get("max_results")
    )


def _project(p: dict[str, Any]) -> Any:
    return p.get("project")


def schema_read(site: Site, actor: Actor, params: Any) -> Any:
    return site.schema_read(actor, _project(params_dict(params, "schema_read")))


def schema_entity_read(site: Site, actor: Actor, params: Any) -> Any:
    return site.schema_entity_read(actor, _project(params_dict(params, "schema_entity_read")))


def schema_field_read(site: Site, actor: Actor, params: Any) -> Any:
    p = params_dict(params, "schema_field_read", "type")
    return site.schema_field_read(actor, p["type"], p.get("field_name"), _project(p))


def _properties(value: Any, method: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for item in _list(value, f"{method}: properties"):
        if not isinstance(item, dict) or not isinstance(item.get("property_name"), str):
            raise ValueFault(f"{method}: each property must be {{property_name, value}}.")
        properties[item["property_name"]] = item.get("value")
    return properties


def schema_field_create(site: Site, actor: Actor, params: Any) -> Any:
    p = params_dict(params, "schema_field_create", "type", "data_type")
    properties = _properties(p.get("properties"), "schema_field_create")
    display_name = properties.pop("name", None)
    if not isinstance(display_name, str) or not display_name:
        raise ValueFault("schema_field_create: the 'name' property (display name) is missing.")
    return site.schema_field_create(actor, p["type"], p["data_type"], display_name, properties)


def schema_field_update(site: Site, actor: Actor, params: Any) -> Any:
    p = params_dict(params, "schema_field_update", "type", "field_name")
    properties = _properties(p.get("properties"), "schema_field_update")
    return site.schema_field_update(actor, p["type"], p["field_name"], properties, _project(p))


def schema_field_delete(site: Site, actor: Actor, params: Any) -> Any:
    p = params_dict(params, "schema_field_delete", "type", "field_name")
    return site.schema_field_delete(actor, p["type"], p["field_name"])


__all__ = ["Fault", "params_dict"]
