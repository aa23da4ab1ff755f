"""`GET /detail/{EntityType}/{id}`: the detail page of one entity.

One thread-pool hop reads everything the page shows (the record, linked records, Notes with
Replies, the first page of history) through the engine as the signed-in person. A missing or
retired id, or an unknown type, is a 404 page saying which.
"""

from __future__ import annotations

from typing import Any

import orjson
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from callsheet.files.room import TRANSIENT_PATH
from callsheet.server.web.detail.history import read_history
from callsheet.server.web.detail.linked import media_of, read_sections
from callsheet.server.web.detail.notes import read_notes
from callsheet.server.web.detail.record import (
    DetailRecord,
    EntityMissingFault,
    entity_type_of,
    load_record,
    parse_entity_id,
)
from callsheet.server.web.handlers import page
from callsheet.server.web.rendering import environment, render
from callsheet.server.web.sessions import WebSession
from callsheet.server.wire import encode_value
from callsheet.site.site import Site


def detail_url(entity_type: str, entity_id: int) -> str:
    """The detail page of an entity."""
    return f"/detail/{entity_type}/{int(entity_id)}"


def endpoint_urls(entity_type: str, entity_id: int) -> dict[str, str]:
    """The page's own endpoints, handed to its script."""
    base = detail_url(entity_type, entity_id)
    return {
        "page": base,
        "field": f"{base}/field",
        "thumbnail": f"{base}/thumbnail",
        "history": f"{base}/history",
        "linked": f"{base}/linked",
        "notes": f"{base}/notes",
        "replies": f"{base}/replies",
    }


def wire(value: Any) -> Any:
    """A value as the API sends it (datetimes as UTC strings), ready for `tojson`."""
    return orjson.loads(encode_value(value))


def render_fragment(template: str, **context: Any) -> str:
    """Part of a page (Notes, history rows) rendered alone for the page's script."""
    return environment.get_template(template).render(**context)


def field_html(value: Any, data_type: str, properties: dict[str, Any]) -> Markup:
    """How one field value reads on the page (the same macro the page uses)."""
    macros = environment.get_template("detail_macros.html").module
    return Markup(macros.field_value(value, data_type, properties))  # type: ignore[attr-defined]


def is_pending(image_url: Any) -> bool:
    """True while a thumbnail is still being resized (its URL is the transient placeholder)."""
    return isinstance(image_url, str) and image_url.endswith(TRANSIENT_PATH)


def page_data(site: Site, detail: DetailRecord) -> dict[str, Any]:
    """What the page's script needs: the entity, each field's value and schema, the endpoints."""
    project = detail.project
    name_fields = {e.name: e.display_name_field for e in site.schema}
    return {
        "entity_type": detail.entity_type,
        "id": detail.id,
        "title": detail.title,
        "type_display_name": detail.type_display_name,
        "project": {"id": project["id"], "name": project.get("name")} if project else None,
        # only the editable ones: the editors need their value and schema
        "fields": {
            view.name: {
                "value": wire(view.value),
                "schema": view.editor_schema(name_fields),
                "editable": True,
                "display_name": view.display_name,
            }
            for group in detail.groups
            for view in group.fields
            if view.editable
        },
        "thumbnail_pending": is_pending(detail.thumbnail.value) if detail.thumbnail else False,
        "urls": endpoint_urls(detail.entity_type, detail.id),
    }


def _load(
    site: Site, session: WebSession, entity_type: str, entity_id: int | None
) -> dict[str, Any]:
    if entity_id is None:
        entity = entity_type_of(site, entity_type)
        raise EntityMissingFault(f"That is not the id of a {entity.display_name}.")
    detail = load_record(site, session.actor, entity_type, entity_id)
    entity = site.schema.entity(entity_type)
    project = detail.project
    history = read_history(site, session.actor, entity, entity_id)
    notes = read_notes(site, session.actor, entity, entity_id, project)
    note_status = site.schema.entity("Note").fields.get("sg_status_list")
    return {
        "detail": detail,
        "sections": read_sections(site, session.actor, entity, detail.link, project),
        "notes": notes,
        "note_status_properties": dict(note_status.properties) if note_status else {},
        "history": history,
        "entity_display_name": entity.display_name,
        "media": media_of(detail.record) if entity_type == "Version" else [],
    }


@page()
async def detail_page(request: Request, session: WebSession) -> Response:
    """The detail page, or a 404 page naming what is missing."""
    site: Site = request.app.state.site
    entity_type = request.path_params["entity_type"]
    entity_id = parse_entity_id(request.path_params["entity_id"])
    try:
        context = await run_in_threadpool(_load, site, session, entity_type, entity_id)
    except EntityMissingFault as fault:
        known = entity_type in site.schema
        return render(
            request,
            "detail_missing.html",
            status_code=404,
            message=fault.message,
            title="Not found",
            type_display_name=site.schema.entity(entity_type).display_name if known else "",
            list_url=f"/list/{entity_type}" if known else "",
        )
    detail: DetailRecord = context["detail"]
    data = page_data(site, detail)
    return render(
        request,
        "detail.html",
        title=detail.title,
        thumbnail_pending=data["thumbnail_pending"],
        urls=data["urls"],
        page_data=data,
        **context,
    )
