"""The detail page's own endpoints: edit a field, upload a thumbnail, page the history, add Notes
and Replies. Each makes one thread-pool hop and acts through the engine as the signed-in person
(the window's session_uuid comes in the script's header and lands in the event log).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from callsheet.faults import Fault, ValueFault
from callsheet.schema.model import EntityType
from callsheet.server.web.detail.history import read_history
from callsheet.server.web.detail.linked import ROWS_ALL_MAX, find_spec, read_section
from callsheet.server.web.detail.notes import create_note, create_reply, notes_filter, read_notes
from callsheet.server.web.detail.page import (
    detail_url,
    field_html,
    is_pending,
    render_fragment,
    wire,
)
from callsheet.server.web.detail.record import (
    STATUS_FIELDS,
    THUMBNAIL_FIELD,
    EntityMissingFault,
    entity_type_of,
    parse_entity_id,
    title_of,
)
from callsheet.server.web.handlers import action, page, read_page_form
from callsheet.server.web.rendering import environment
from callsheet.server.web.sessions import WebSession
from callsheet.server.wire import JSON_CONTENT_TYPE, encode_fault, encode_results
from callsheet.site.actor import Actor
from callsheet.site.site import Site
from callsheet.site.uploads import publish_thumbnail

THUMBNAIL_PART = "thumb_image"


def _target(request: Request) -> tuple[Site, str, int]:
    site: Site = request.app.state.site
    entity_type = request.path_params["entity_type"]
    entity_id = parse_entity_id(request.path_params["entity_id"])
    if entity_id is None:
        raise EntityMissingFault(f"{request.path_params['entity_id']!r} is not an entity id.")
    return site, entity_type, entity_id


@action
async def update_field(request: Request, session: WebSession, payload: Any) -> dict[str, Any]:
    """POST .../field {field, value}: update one field; answer its new value and how it reads."""
    site, entity_type, entity_id = _target(request)
    if not isinstance(payload, dict) or not isinstance(payload.get("field"), str):
        raise ValueFault('Expected {"field": <field name>, "value": <new value>}.')
    name, value = payload["field"], payload.get("value")

    def run() -> tuple[EntityType, dict[str, Any]]:
        entity = entity_type_of(site, entity_type)
        entity.field(name, operation="update")
        site.update(session.actor, entity_type, entity_id, {name: value})
        fields = [name, *([entity.display_name_field] if entity.display_name_field else [])]
        record = site.find_one(
            session.actor, entity_type, [["id", "is", entity_id]], list(dict.fromkeys(fields))
        )
        if record is None:
            raise EntityMissingFault(f"{entity.display_name} {entity_id} is no longer there.")
        return entity, record

    entity, record = await run_in_threadpool(run)
    f = entity.fields[name]
    new_value = record.get(name)
    answer: dict[str, Any] = {
        "field": name,
        "value": wire(new_value),
        "html": str(field_html(new_value, f.data_type, dict(f.properties))),
        "title": title_of(entity, record),
    }
    if name in STATUS_FIELDS:
        macros = environment.get_template("detail_macros.html").module
        answer["status_html"] = (
            str(macros.status_badge(new_value, dict(f.properties)))  # type: ignore[attr-defined]
            if new_value
            else ""
        )
    return answer


def _thumbnail_state(site: Site, actor: Actor, entity_type: str, entity_id: int) -> dict[str, Any]:
    record = site.find_one(actor, entity_type, [["id", "is", entity_id]], [THUMBNAIL_FIELD])
    if record is None:
        raise EntityMissingFault(f"{entity_type} {entity_id} is no longer there.")
    image = record.get(THUMBNAIL_FIELD)
    return {"image": image, "pending": is_pending(image)}


@page()
async def upload_thumbnail(request: Request, session: WebSession) -> Response:
    """POST .../thumbnail (multipart, `thumb_image`): store it as `upload_thumbnail` does.

    The page's script asks for JSON (`Accept: application/json`); a plain form post (no script)
    goes back to the detail page.
    """
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        site, entity_type, entity_id = _target(request)
        form = await read_page_form(request)
        part = form.files.get(THUMBNAIL_PART)
        if part is None or not part.content:
            raise ValueFault("Choose an image file to upload as the thumbnail.")

        def run() -> dict[str, Any]:
            publish_thumbnail(
                site, session.actor, entity_type, entity_id, part.filename, part.content
            )
            return _thumbnail_state(site, session.actor, entity_type, entity_id)

        state = await run_in_threadpool(run)
    except Fault as fault:
        if wants_json:
            return Response(encode_fault(fault), media_type=JSON_CONTENT_TYPE)
        raise
    if wants_json:
        return Response(encode_results(state), media_type=JSON_CONTENT_TYPE)
    return RedirectResponse(detail_url(entity_type, entity_id), status_code=303)


@action
async def thumbnail_state(request: Request, session: WebSession, payload: Any) -> dict[str, Any]:
    """GET .../thumbnail: the thumbnail's URL and whether it is still being resized."""
    site, entity_type, entity_id = _target(request)
    return await run_in_threadpool(_thumbnail_state, site, session.actor, entity_type, entity_id)


@action
async def history_page(request: Request, session: WebSession, payload: Any) -> dict[str, Any]:
    """GET .../history?page=N: rows of an older page of the history."""
    site, entity_type, entity_id = _target(request)
    text = str(payload.get("page", "1")) if isinstance(payload, dict) else "1"
    number = int(text) if text.isdigit() and len(text) < 7 else 1

    def run() -> tuple[Any, str]:
        entity = entity_type_of(site, entity_type)
        return read_history(site, session.actor, entity, entity_id, number), entity.display_name

    history, display_name = await run_in_threadpool(run)
    if history.error:
        raise Fault(history.error)
    html = render_fragment("detail_history.html", history=history, entity_display_name=display_name)
    return {"html": html, "more": history.more, "page": history.page}


@action
async def linked_rows(request: Request, session: WebSession, payload: Any) -> dict[str, Any]:
    """GET .../linked?entity_type=Task&field=entity: every row of one linked section (to 500)."""
    site, entity_type, entity_id = _target(request)
    payload = payload if isinstance(payload, dict) else {}

    def run() -> dict[str, Any]:
        entity = entity_type_of(site, entity_type)
        spec = find_spec(site, entity, payload.get("entity_type"), payload.get("field"))
        _, project = _record_and_project(site, session.actor, entity, entity_id)
        target = {"type": entity_type, "id": entity_id}
        section = read_section(site, session.actor, spec, target, project, ROWS_ALL_MAX)
        if section.error:
            raise Fault(section.error)
        html = render_fragment("detail_linked_rows.html", section=section)
        return {"html": html, "shown": len(section.rows), "total": section.total}

    return await run_in_threadpool(run)


def _notes_html(site: Site, actor: Actor, entity: EntityType, entity_id: int, project: Any) -> str:
    notes = read_notes(site, actor, entity, entity_id, project)
    note_status = site.schema.entity("Note").fields.get("sg_status_list")
    return render_fragment(
        "detail_notes.html",
        notes=notes,
        note_status_properties=dict(note_status.properties) if note_status else {},
    )


def _record_and_project(
    site: Site, actor: Actor, entity: EntityType, entity_id: int
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    fields = [f for f in ("project", "entity") if f in entity.fields]
    record = site.find_one(actor, entity.name, [["id", "is", entity_id]], fields or ["id"])
    if record is None:
        raise EntityMissingFault(f"{entity.display_name} {entity_id} is no longer there.")
    if entity.name == "Project":
        return record, {"type": "Project", "id": entity_id}
    project = record.get("project") if entity.is_project_entity else None
    return record, project if isinstance(project, dict) else None


@action
async def add_note(request: Request, session: WebSession, payload: Any) -> dict[str, Any]:
    """POST .../notes {subject, content, addressings_to}: a new Note; answer the Notes again."""
    site, entity_type, entity_id = _target(request)
    if not isinstance(payload, dict):
        raise ValueFault("Expected {subject, content, addressings_to}.")

    def run() -> dict[str, Any]:
        entity = entity_type_of(site, entity_type)
        record, project = _record_and_project(site, session.actor, entity, entity_id)
        note = create_note(site, session.actor, entity, record, project, payload)
        html = _notes_html(site, session.actor, entity, entity_id, project)
        return {"note_id": note["id"], "html": html}

    return await run_in_threadpool(run)


@action
async def add_reply(request: Request, session: WebSession, payload: Any) -> dict[str, Any]:
    """POST .../replies {note_id, content}: a Reply to one of the page's Notes."""
    site, entity_type, entity_id = _target(request)
    if not isinstance(payload, dict):
        raise ValueFault("Expected {note_id, content}.")

    def run() -> dict[str, Any]:
        entity = entity_type_of(site, entity_type)
        _, project = _record_and_project(site, session.actor, entity, entity_id)
        filters = notes_filter(site, entity, entity_id)
        if filters is None:
            raise ValueFault(f"A {entity.display_name} has no Notes to reply to.")
        reply = create_reply(site, session.actor, filters, payload)
        html = _notes_html(site, session.actor, entity, entity_id, project)
        return {"reply_id": reply["id"], "html": html}

    return await run_in_threadpool(run)
