"""Admin menu, Fields: each entity type's fields; add, rename and retire custom fields.

Query fields (data type `summary`) are made here too, as in ShotGrid's field editor: the API
cannot make them, so they go to the site's admin-only `computed_field_create` with a definition
in ShotGrid's shape (docs/schema.md); the kind checks it and its Fault is shown on the page.

Everything goes through the engine's schema operations (`schema_field_create`, `_update`,
`_delete`) as the signed-in admin, exactly what `shotgun_api3` scripts call, so a field made
here reads the same through the API. Custom fields are the `sg_` ones (ShotGrid's rule); only
they can be renamed here or retired.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callsheet.faults import Fault, ValueFault
from callsheet.schema.data_types import (
    CHOICE_DATA_TYPES,
    CREATABLE_DATA_TYPES,
    CREATABLE_LINK_TYPES,
    traits_of,
)
from callsheet.schema.formulas import OUTPUT_TYPES
from callsheet.server.web.admin.access import form_list, notice_of, redirect, render_admin, text
from callsheet.server.web.handlers import page, read_page_form
from callsheet.server.web.sessions import WebSession
from callsheet.site.site import Site

DEFAULT_ENTITY_TYPE = "Shot"
CUSTOM_PREFIX = "sg_"
# The names ShotGrid's field dialog uses for each data type.
DATA_TYPE_LABELS = {
    "text": "Text",
    "number": "Number",
    "float": "Float",
    "currency": "Currency",
    "percent": "Percent",
    "duration": "Duration",
    "date": "Date",
    "date_time": "Date/Time",
    "checkbox": "Checkbox",
    "list": "List",
    "status_list": "Status List",
    "entity": "Entity",
    "multi_entity": "Multi-Entity",
    "tag_list": "Tag List",
    "timecode": "Timecode",
    "url": "File/Link",
    "footage": "Footage",
    "color": "Color",
    "serializable": "Serializable",
    "uuid": "UUID",
    "image": "Image",
    "password": "Password",
    "entity_type": "Entity Type",
    "summary": "Summary",
    "pivot_column": "Pivot Column",
    "calculated": "Calculated",
    "url_template": "URL Template",
    "system_task_type": "System Task Type",
}
# The computed data types this form makes (ShotGrid's field editor calls query fields "Query").
QUERY_DATA_TYPE = "summary"
COMPUTED_DATA_TYPES = ((QUERY_DATA_TYPE, "Query"),)
# The query field editor's summary types, as its page names them (store/kinds/summary.py).
SUMMARY_TYPE_LABELS = {
    "record_count": "Record Count",
    "count": "Count",
    "sum": "Sum",
    "maximum": "Max",
    "minimum": "Min",
    "average": "Average",
    "earliest": "Earliest",
    "latest": "Latest",
    "percentage": "Percentage",
    "status_percentage": "Status Percentage",
    "status_list": "Status List",
    "checked": "Checked",
    "unchecked": "Unchecked",
    "single_record": "Single Record",
}
VALUE_TYPES = CHOICE_DATA_TYPES
LINK_TYPES = CREATABLE_LINK_TYPES
NOTICES = {
    "created": "Field added.",
    "renamed": "Field renamed.",
    "retired": "Field retired.",
}


def _label(data_type: str) -> str:
    return DATA_TYPE_LABELS.get(data_type, data_type.replace("_", " ").title())


def split_values(raw: str) -> list[str]:
    """List values typed one per line (or comma-separated), blanks and repeats dropped."""
    values: list[str] = []
    for line in raw.replace(",", "\n").splitlines():
        value = line.strip()
        if value and value not in values:
            values.append(value)
    return values


def field_rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the fields table from a `schema_field_read` answer, by display name."""
    rows = []
    for name, record in answer.items():
        properties = record.get("properties") or {}
        data_type = record["data_type"]["value"]
        rows.append(
            {
                "name": name,
                "display_name": record["name"]["value"],
                "data_type": data_type,
                "data_type_label": _label(data_type),
                "editable": record["editable"]["value"],
                "custom": name.startswith(CUSTOM_PREFIX),
                "description": (record.get("description") or {}).get("value") or "",
                "valid_values": (properties.get("valid_values") or {}).get("value") or [],
                "valid_types": (properties.get("valid_types") or {}).get("value") or [],
            }
        )
    return sorted(rows, key=lambda row: (str(row["display_name"]).lower(), row["name"]))


def _entity_types(site: Site, session: WebSession) -> list[dict[str, str]]:
    answer = site.schema_entity_read(session.actor)
    types = [{"name": name, "display_name": rec["name"]["value"]} for name, rec in answer.items()]
    return sorted(types, key=lambda t: t["display_name"].lower())


async def _fields_page(
    request: Request,
    session: WebSession,
    entity_type: str,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    site: Site = request.app.state.site

    def load() -> dict[str, Any]:
        types = _entity_types(site, session)
        if entity_type not in {t["name"] for t in types}:
            raise ValueFault(f"There is no entity type {entity_type!r}.")
        return {
            "entity_types": types,
            "fields": field_rows(site.schema_field_read(session.actor, entity_type)),
        }

    loaded = await run_in_threadpool(load)
    display = next(t["display_name"] for t in loaded["entity_types"] if t["name"] == entity_type)
    return render_admin(
        request,
        "admin_fields.html",
        "fields",
        status_code=400 if error else 200,
        title=f"Fields of {display}",
        entity_type=entity_type,
        entity_display_name=display,
        data_types=[(t, _label(t)) for t in CREATABLE_DATA_TYPES] + list(COMPUTED_DATA_TYPES),
        query_data_type=QUERY_DATA_TYPE,
        summary_types=list(SUMMARY_TYPE_LABELS.items()),
        value_types=VALUE_TYPES,
        link_types=LINK_TYPES,
        notice=notice_of(request, NOTICES),
        highlight=request.query_params.get("field", ""),
        error=error,
        form=form or {},
        open_new=bool(error and form),
        output_types=OUTPUT_TYPE_CHOICES,
        **loaded,
    )


@page(admin=True)
async def fields_page(request: Request, session: WebSession) -> Response:
    """GET /admin/fields?entity_type=Shot: the type's fields and the form for a new one."""
    entity_type = request.query_params.get("entity_type") or DEFAULT_ENTITY_TYPE
    return await _fields_page(request, session, entity_type)


def _type_of(request: Request) -> str:
    return str(request.path_params["entity_type"])


def new_field_properties(
    data_type: str, fields: dict[str, str], valid_types: list[str]
) -> dict[str, Any]:
    """The `schema_field_create` properties the form asks for."""
    properties: dict[str, Any] = {}
    description = text(fields, "description")
    if description:
        properties["description"] = description
    if traits_of(data_type).choices:
        values = split_values(fields.get("valid_values", ""))
        if not values:
            raise ValueFault(f"A {_label(data_type)} field needs at least one value.")
        properties["valid_values"] = values
        default = text(fields, "default_value")
        if default:
            if default not in values:
                raise ValueFault(f"The default value {default!r} is not one of the values.")
            properties["default_value"] = default
    if traits_of(data_type).is_link:
        if not valid_types:
            raise ValueFault(f"An {_label(data_type)} field needs at least one entity type.")
        properties["valid_types"] = valid_types
    return properties


def query_definition(fields: dict[str, str]) -> dict[str, Any]:
    """The query field definition the form's query part describes (ShotGrid's shape)."""
    raw_filters = text(fields, "query_filters") or "[]"
    try:
        filters = json.loads(raw_filters)
    except json.JSONDecodeError as error:
        raise ValueFault(
            f"The filters are not JSON ({error.msg} at line {error.lineno}, column "
            f"{error.colno}): write a list such as "
            '[["entity", "is", {"type": "Entity", "id": 0, "valid": "parent_entity_token"}]].'
        ) from None
    summary_type = text(fields, "summary_type") or "record_count"
    value: Any = text(fields, "summary_value") or None
    order_field = text(fields, "order_field")
    if order_field:
        value = {"column": order_field, "direction": text(fields, "order_direction") or "asc"}
    return {
        "entity_type": text(fields, "query_entity_type"),
        "filters": filters,
        "summary_default": summary_type,
        "summary_field": text(fields, "summary_field") or "id",
        "summary_value": value,
    }


@page(admin=True)
async def field_create(request: Request, session: WebSession) -> Response:
    """POST /admin/fields/{type}: add a custom field (schema_field_create)."""
    site: Site = request.app.state.site
    entity_type = _type_of(request)
    fields = dict((await read_page_form(request)).fields)
    valid_types = await form_list(request, "valid_types")
    display_name, data_type = text(fields, "name"), text(fields, "data_type")

    def create() -> str:
        if not display_name:
            raise ValueFault("A field needs a name.")
        if traits_of(data_type).computed:
            return site.computed_field_create(
                session.actor, entity_type, data_type, display_name, query_definition(fields)
            )
        properties = new_field_properties(data_type, fields, valid_types)
        return site.schema_field_create(
            session.actor, entity_type, data_type, display_name, properties
        )

    try:
        system_name = await run_in_threadpool(create)
    except Fault as fault:
        form = {**fields, "valid_types": valid_types}
        return await _fields_page(request, session, entity_type, error=str(fault), form=form)
    return redirect("/admin/fields", entity_type=entity_type, notice="created", field=system_name)


def _custom_field(site: Site, entity_type: str, field_name: str) -> None:
    site.schema.field(entity_type, field_name)  # a Fault in ShotGrid's words when unknown
    if not field_name.startswith(CUSTOM_PREFIX):
        raise ValueFault(f"{entity_type}.{field_name} is a built-in field; it cannot change here.")


@page(admin=True)
async def field_rename(request: Request, session: WebSession) -> Response:
    """POST /admin/fields/{type}/{field}/rename: a new display name (schema_field_update)."""
    site: Site = request.app.state.site
    entity_type, field_name = _type_of(request), str(request.path_params["field_name"])
    fields = (await read_page_form(request)).fields
    display_name = text(fields, "name")

    def rename() -> None:
        _custom_field(site, entity_type, field_name)
        if not display_name:
            raise ValueFault("A field needs a name.")
        site.schema_field_update(session.actor, entity_type, field_name, {"name": display_name})

    try:
        await run_in_threadpool(rename)
    except Fault as fault:
        return await _fields_page(request, session, entity_type, error=str(fault))
    return redirect("/admin/fields", entity_type=entity_type, notice="renamed", field=field_name)


@page(admin=True)
async def field_retire(request: Request, session: WebSession) -> Response:
    """POST /admin/fields/{type}/{field}/retire: retire a custom field (schema_field_delete)."""
    site: Site = request.app.state.site
    entity_type, field_name = _type_of(request), str(request.path_params["field_name"])

    def retire() -> None:
        _custom_field(site, entity_type, field_name)
        site.schema_field_delete(session.actor, entity_type, field_name)

    try:
        await run_in_threadpool(retire)
    except Fault as fault:
        return await _fields_page(request, session, entity_type, error=str(fault))
    return redirect("/admin/fields", entity_type=entity_type, notice="retired")


# -- calculated fields (issue 12 §4): a formula and its output type, made through the engine's
# admin-only path (ShotGrid's API cannot make them) -------------------------------------------
OUTPUT_TYPE_CHOICES = [("", "From the formula")] + [(code, _label(code)) for code in OUTPUT_TYPES]
NOTICES["calculated"] = "Calculated field added."


@page(admin=True)
async def calculated_field_create(request: Request, session: WebSession) -> Response:
    """POST /admin/fields/{type}/calculated: add a calculated field (a formula)."""
    site: Site = request.app.state.site
    entity_type = _type_of(request)
    fields = dict((await read_page_form(request)).fields)
    definition = {"formula": fields.get("formula", ""), "output_type": text(fields, "output_type")}

    def create() -> str:
        return site.computed_field_create(
            session.actor, entity_type, "calculated", text(fields, "name"), definition
        )

    try:
        system_name = await run_in_threadpool(create)
    except Fault as fault:
        form = {"calculated_name": text(fields, "name"), **definition}
        return await _fields_page(request, session, entity_type, error=str(fault), form=form)
    return redirect(
        "/admin/fields", entity_type=entity_type, notice="calculated", field=system_name
    )


def routes() -> list[Route]:
    """The Fields pages."""
    return [
        Route("/admin/fields", fields_page, methods=["GET"]),
        Route("/admin/fields/{entity_type}", field_create, methods=["POST"]),
        Route("/admin/fields/{entity_type}/calculated", calculated_field_create, methods=["POST"]),
        Route("/admin/fields/{entity_type}/{field_name}/rename", field_rename, methods=["POST"]),
        Route("/admin/fields/{entity_type}/{field_name}/retire", field_retire, methods=["POST"]),
    ]
