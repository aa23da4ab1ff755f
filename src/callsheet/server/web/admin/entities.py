"""Admin menu, Entities: the custom entity slots, enabled, named and disabled.

ShotGrid's Site Preferences > Entities: the enabled slots first, "Show remaining Custom Entities"
for the others; each takes a name, a plural and whether Tasks, Versions, Notes and Published
Files link to it. Everything goes through callsheet.site.entity_slots as the signed-in admin, so
the event log records who changed what, and the API sees the change at once.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callsheet.faults import Fault
from callsheet.server.web.admin.access import form_list, notice_of, redirect, render_admin, text
from callsheet.server.web.handlers import page, read_page_form
from callsheet.server.web.sessions import WebSession
from callsheet.site.entity_slots import OPTIONS, disable_slot, enable_slot, list_slots
from callsheet.site.site import Site

NOTICES = {
    "enabled": "Entity type enabled.",
    "saved": "Entity type saved.",
    "disabled": "Entity type disabled; its records are kept.",
}
FAMILY_LABELS = {(True, False): "Project", (False, False): "Non-project", (True, True): "Threaded"}


async def _entities_page(
    request: Request, session: WebSession, *, error: str | None = None
) -> Response:
    site: Site = request.app.state.site
    slots = await run_in_threadpool(list_slots, site, session.actor)
    rows: list[dict[str, Any]] = [
        {**state.as_dict(), "family": FAMILY_LABELS[(state.project, state.threaded)]}
        for state in slots
    ]
    return render_admin(
        request,
        "admin_entities.html",
        "entities",
        status_code=400 if error else 200,
        title="Entities",
        enabled=[row for row in rows if row["enabled"]],
        remaining=[row for row in rows if not row["enabled"]],
        options=[(name, option.label) for name, option in OPTIONS.items()],
        notice=notice_of(request, NOTICES),
        highlight=request.query_params.get("entity_type", ""),
        error=error,
    )


@page(admin=True)
async def entities_page(request: Request, session: WebSession) -> Response:
    """GET /admin/entities: every custom entity slot and its settings."""
    return await _entities_page(request, session)


@page(admin=True)
async def entity_enable(request: Request, session: WebSession) -> Response:
    """POST /admin/entities/{type}/enable: enable a slot, or save an enabled one's settings."""
    site: Site = request.app.state.site
    name = str(request.path_params["entity_type"])
    fields = (await read_page_form(request)).fields
    options = await form_list(request, "options")
    display_name, plural = text(fields, "name"), text(fields, "plural")

    def enable() -> bool:
        was_enabled = name in site.schema
        enable_slot(site, session.actor, name, display_name, plural or None, options)
        return was_enabled

    try:
        was_enabled = await run_in_threadpool(enable)
    except Fault as fault:
        return await _entities_page(request, session, error=str(fault))
    notice = "saved" if was_enabled else "enabled"
    return redirect("/admin/entities", notice=notice, entity_type=name)


@page(admin=True)
async def entity_disable(request: Request, session: WebSession) -> Response:
    """POST /admin/entities/{type}/disable: disable a slot (records kept; `force` when any)."""
    site: Site = request.app.state.site
    name = str(request.path_params["entity_type"])
    fields = (await read_page_form(request)).fields
    force = text(fields, "force") == "1"

    try:
        await run_in_threadpool(lambda: disable_slot(site, session.actor, name, force=force))
    except Fault as fault:
        return await _entities_page(request, session, error=str(fault))
    return redirect("/admin/entities", notice="disabled", entity_type=name)


def routes() -> list[Route]:
    """The Entities pages."""
    return [
        Route("/admin/entities", entities_page, methods=["GET"]),
        Route("/admin/entities/{entity_type}/enable", entity_enable, methods=["POST"]),
        Route("/admin/entities/{entity_type}/disable", entity_disable, methods=["POST"]),
    ]
