"""The wire's parameter shapes (reference §3) checked and turned into a Site operation's arguments.

`site/api.py` names, for each JSON-RPC method, the decoder here that reads its `params[1]`:
a dict of keyword arguments for the method's Site operation, or a Fault naming what is wrong.
The shapes are those the official client sends (shotgun_api3/shotgun.py, version 3.10).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from callsheet.faults import ValueFault

Decoder = Callable[[Any], dict[str, Any]]
# Ids and other integers are 64-bit signed in both databases; anything beyond is no id at all.
MAX_INT64 = 2**63 - 1


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


def whole_number(value: Any, what: str, minimum: int = 0, maximum: int = MAX_INT64) -> int:
    """`value` as an integer in [minimum, maximum], else a Fault naming `what`."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValueFault(
            f"{what} must be an integer from {minimum} to {maximum}, got {_short(value)}."
        )
    return value


def entity_id(value: Any, what: str) -> int:
    """An entity id: a positive 64-bit integer."""
    return whole_number(value, what, 1)


def optional_list(value: Any, what: str) -> list[Any]:
    """A list (None: empty), else a Fault naming `what`."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueFault(f"{what} must be a list, got {_short(value)}.")
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def mapped(method: str, *names: str, required: tuple[str, ...] = (), **renamed: str) -> Decoder:
    """A decoder taking wire keys to arguments of the same name (or `argument=wire_key`)."""
    keys = {name: name for name in names} | renamed

    def decode(params: Any) -> dict[str, Any]:
        p = params_dict(params, method, *(keys.get(r, r) for r in required))
        return {argument: p.get(key) for argument, key in keys.items() if key in p}

    decode.wire_keys = tuple(keys.values())  # type: ignore[attr-defined]
    return decode


def no_params(params: Any) -> dict[str, Any]:
    """Methods the client calls with `None` as params (anything else is ignored, as before)."""
    return {}


def fields_to_data(fields: Any, method: str) -> tuple[dict[str, Any], dict[str, str]]:
    """`[{field_name, value, multi_entity_update_mode?}]` to a data dict and update modes."""
    data: dict[str, Any] = {}
    modes: dict[str, str] = {}
    for item in optional_list(fields, f"{method}: fields"):
        if not isinstance(item, dict) or not isinstance(item.get("field_name"), str):
            raise ValueFault(f"{method}: each field must be {{field_name, value}}, got {item!r}.")
        name = item["field_name"]
        data[name] = item.get("value")
        mode = item.get("multi_entity_update_mode")
        if mode is not None:
            modes[name] = mode
    return data, modes


def _properties(value: Any, method: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for item in optional_list(value, f"{method}: properties"):
        if not isinstance(item, dict) or not isinstance(item.get("property_name"), str):
            raise ValueFault(f"{method}: each property must be {{property_name, value}}.")
        properties[item["property_name"]] = item.get("value")
    return properties


EMPTY_FILTERS = {"logical_operator": "and", "conditions": []}


def read(params: Any) -> dict[str, Any]:
    """`read`: one page of a find, as `find` sends it (its paging and paging-info flags)."""
    p = params_dict(params, "read", "type")
    paging = p.get("paging") or {}
    if not isinstance(paging, dict):
        raise ValueFault(f"read: paging must be an object, got {_short(paging)}.")
    return_only = p.get("return_only", "active")
    if return_only not in ("active", "retired"):
        raise ValueFault(f"read: return_only must be 'active' or 'retired', got {return_only!r}.")
    return {
        "entity_type": p["type"],
        "filters": p.get("filters") or EMPTY_FILTERS,
        "fields": p.get("return_fields") or ["id"],
        "order": optional_list(p.get("sorts"), "read: sorts") or None,
        "per_page": paging.get("entities_per_page"),
        "page": paging.get("current_page", 1),
        "retired_only": return_only == "retired",
        "include_archived_projects": bool(p.get("include_archived_projects", True)),
        "additional_filter_presets": p.get("additional_filter_presets"),
        "count": bool(p.get("return_paging_info"))
        and not p.get("return_paging_info_without_counts"),
    }


def create(params: Any) -> dict[str, Any]:
    p = params_dict(params, "create", "type")
    data, _ = fields_to_data(p.get("fields"), "create")
    return {"entity_type": p["type"], "data": data, "return_fields": p.get("return_fields")}


def update(params: Any) -> dict[str, Any]:
    p = params_dict(params, "update", "type", "id")
    data, modes = fields_to_data(p.get("fields"), "update")
    return {
        "entity_type": p["type"],
        "entity_id": p["id"],
        "data": data,
        "multi_entity_update_modes": modes or None,
    }


def batch_request(request: Any, number: int) -> dict[str, Any]:
    """One wire batch item to the Python shape of a batch request."""
    if not isinstance(request, dict):
        raise ValueFault(f"batch request {number}: expected an object, got {_short(request)}.")
    data, modes = fields_to_data(request.get("fields"), f"batch request {number}")
    return {
        "request_type": request.get("request_type"),
        "entity_type": request.get("type"),
        "entity_id": request.get("id"),
        "data": data,
        "return_fields": request.get("return_fields"),
        "multi_entity_update_modes": modes or None,
    }


def batch(params: Any) -> dict[str, Any]:
    """A whole batch: one Site call, one transaction."""
    requests = optional_list(params, "batch: parameters")
    return {"requests": [batch_request(r, n) for n, r in enumerate(requests)]}


def summarize(params: Any) -> dict[str, Any]:
    p = params_dict(params, "summarize", "type")
    return {
        "entity_type": p["type"],
        "filters": p.get("filters") or EMPTY_FILTERS,
        "summary_fields": optional_list(p.get("summaries"), "summarize: summaries"),
        "grouping": p.get("grouping"),
        "include_archived_projects": bool(p.get("include_archived_projects", True)),
    }


def schema_field_create(params: Any) -> dict[str, Any]:
    p = params_dict(params, "schema_field_create", "type", "data_type")
    properties = _properties(p.get("properties"), "schema_field_create")
    display_name = properties.pop("name", None)
    if not isinstance(display_name, str) or not display_name:
        raise ValueFault("schema_field_create: the 'name' property (display name) is missing.")
    return {
        "entity_type": p["type"],
        "data_type": p["data_type"],
        "display_name": display_name,
        "properties": properties,
    }


def schema_field_update(params: Any) -> dict[str, Any]:
    p = params_dict(params, "schema_field_update", "type", "field_name")
    return {
        "entity_type": p["type"],
        "field_name": p["field_name"],
        "properties": _properties(p.get("properties"), "schema_field_update"),
        "project_entity": p.get("project"),
    }


def project_last_accessed(params: Any) -> dict[str, Any]:
    """`update_project_last_accessed_by_current_user`: the client sends ids, not entity dicts."""
    p = params_dict(params, "update_project_last_accessed_by_current_user", "project_id")
    arguments: dict[str, Any] = {"project": {"type": "Project", "id": p["project_id"]}}
    if p.get("user_id") is not None:
        arguments["user"] = {"type": "HumanUser", "id": p["user_id"]}
    return arguments


def nav_search(params: Any) -> dict[str, Any]:
    p = params_dict(params, "nav_search", "root_path")
    return {
        "root_path": p["root_path"],
        "search_criteria": p.get("search_criteria"),
        "seed_entity_field": p.get("seed_entity_field"),
    }


# The keys of params[1] each decoder reads (what the official client sends), for the fuzz tests.
read.wire_keys = (  # type: ignore[attr-defined]
    "type",
    "filters",
    "return_fields",
    "sorts",
    "paging",
    "return_only",
    "include_archived_projects",
    "additional_filter_presets",
    "return_paging_info",
    "return_paging_info_without_counts",
)
create.wire_keys = ("type", "fields", "return_fields")  # type: ignore[attr-defined]
update.wire_keys = ("type", "id", "fields")  # type: ignore[attr-defined]
summarize.wire_keys = (  # type: ignore[attr-defined]
    "type",
    "filters",
    "summaries",
    "grouping",
    "include_archived_projects",
)
schema_field_create.wire_keys = ("type", "data_type", "properties")  # type: ignore[attr-defined]
schema_field_update.wire_keys = (  # type: ignore[attr-defined]
    "type",
    "field_name",
    "properties",
    "project",
)
project_last_accessed.wire_keys = ("project_id", "user_id")  # type: ignore[attr-defined]
nav_search.wire_keys = ("root_path", "search_criteria", "seed_entity_field")  # type: ignore[attr-defined]
no_params.wire_keys = ()  # type: ignore[attr-defined]
batch.wire_keys = ()  # type: ignore[attr-defined]  # params[1] is the list of requests itself
