"""Admin menu, Scripts: the ApiUsers tools sign in as, their keys, groups and recent events.

A key is shown once, on the page that answers its creation (never stored in clear, never in a
URL or a redirect): the answer to the POST itself, with `Cache-Control: no-store`.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callsheet.faults import Fault, NotFoundFault
from callsheet.server.web.admin.access import notice_of, redirect, render_admin, text
from callsheet.server.web.admin.event_log import EventQuery, read_older
from callsheet.server.web.handlers import page, path_id, read_page_form
from callsheet.server.web.sessions import WebSession
from callsheet.site.accounts import (
    DEFAULT_SCRIPT_ROLE,
    create_script,
    permission_groups,
    regenerate_script_key,
    retire_script,
    set_permission_group,
)
from callsheet.site.bootstrap import engine_script_id
from callsheet.site.site import Site

SCRIPT_FIELDS = [
    "firstname",
    "description",
    "email",
    "permission_rule_set",
    "created_at",
    "created_by",
    "updated_at",
    "generate_event_log_entries",
]
RECENT_EVENTS = 50
NOTICES = {
    "saved": "Saved.",
    "group": "Permission group changed.",
    "retired": "Script retired: its key is refused from now on.",
}


async def _list_page(
    request: Request,
    session: WebSession,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    site: Site = request.app.state.site

    def load() -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
        scripts = site.find(
            session.actor,
            "ApiUser",
            [],
            SCRIPT_FIELDS,
            order=[{"field_name": "firstname", "direction": "asc"}],
        )
        return scripts, permission_groups(site, "ApiUser"), engine_script_id(site)

    scripts, groups, engine_id = await run_in_threadpool(load)
    return render_admin(
        request,
        "admin_scripts.html",
        "scripts",
        status_code=400 if error else 200,
        title="Scripts",
        scripts=scripts,
        groups=groups,
        engine_script_id=engine_id,
        default_group=DEFAULT_SCRIPT_ROLE,
        notice=notice_of(request, NOTICES),
        error=error,
        form=form or {},
        open_new=bool(error) or request.query_params.get("new") == "1",
    )


@page(admin=True)
async def scripts_page(request: Request, session: WebSession) -> Response:
    """GET /admin/scripts: every script, and the form for a new one."""
    return await _list_page(request, session)


def _key_page(request: Request, script: dict[str, Any], key: str, created: bool) -> Response:
    return render_admin(
        request,
        "admin_script_key.html",
        "scripts",
        title=f"Key of {script.get('firstname')}",
        script=script,
        key=key,
        created=created,
        server_url=str(request.base_url).rstrip("/"),
    )


@page(admin=True)
async def script_create(request: Request, session: WebSession) -> Response:
    """POST /admin/scripts: create a script; the answer shows its key, once."""
    site: Site = request.app.state.site
    fields = (await read_page_form(request)).fields
    name, description = text(fields, "name"), text(fields, "description")
    group = text(fields, "permission_group") or DEFAULT_SCRIPT_ROLE
    try:
        script, key = await run_in_threadpool(
            lambda: create_script(
                site, name, None, group, actor=session.actor, description=description or None
            )
        )
    except Fault as fault:
        return await _list_page(request, session, error=str(fault), form=fields)
    return _key_page(request, script, key, created=True)


def _load_script(site: Site, session: WebSession, script_id: int) -> dict[str, Any]:
    script = site.find_one(session.actor, "ApiUser", [["id", "is", script_id]], SCRIPT_FIELDS)
    if script is None:
        raise NotFoundFault(f"ApiUser {script_id} doesn't exist or is retired.")
    return script


async def _script_page(
    request: Request, session: WebSession, script_id: int, error: str | None = None
) -> Response:
    site: Site = request.app.state.site

    def load() -> dict[str, Any]:
        script = _load_script(site, session, script_id)
        events, older = read_older(
            site, session.actor, EventQuery(user=f"ApiUser:{script_id}"), None, RECENT_EVENTS
        )
        return {
            "script": script,
            "events": events,
            "older": older,
            "groups": permission_groups(site, "ApiUser"),
            "engine_script": script_id == engine_script_id(site),
        }

    loaded = await run_in_threadpool(load)
    return render_admin(
        request,
        "admin_script.html",
        "scripts",
        status_code=400 if error else 200,
        title=loaded["script"].get("firstname"),
        notice=notice_of(request, NOTICES),
        error=error,
        **loaded,
    )


def _script_id(request: Request) -> int:
    return path_id(request, "script_id", "script")


@page(admin=True)
async def script_page(request: Request, session: WebSession) -> Response:
    """GET /admin/scripts/{id}: one script, its settings and its recent events."""
    return await _script_page(request, session, _script_id(request))


@page(admin=True)
async def script_update(request: Request, session: WebSession) -> Response:
    """POST /admin/scripts/{id}: save the description and maintainer, or the permission group."""
    site: Site = request.app.state.site
    script_id = _script_id(request)
    fields = (await read_page_form(request)).fields

    def save() -> str:
        if fields.get("change") == "group":
            set_permission_group(
                site, session.actor, "ApiUser", script_id, text(fields, "permission_group")
            )
            return "group"
        _load_script(site, session, script_id)
        site.update(
            session.actor,
            "ApiUser",
            script_id,
            {"description": text(fields, "description"), "email": text(fields, "email")},
        )
        return "saved"

    try:
        notice = await run_in_threadpool(save)
    except Fault as fault:
        return await _script_page(request, session, script_id, str(fault))
    return redirect(f"/admin/scripts/{script_id}", notice=notice)


@page(admin=True)
async def script_new_key(request: Request, session: WebSession) -> Response:
    """POST /admin/scripts/{id}/key: a new key, shown once; the old one stops working."""
    site: Site = request.app.state.site
    script_id = _script_id(request)

    def regenerate() -> tuple[dict[str, Any], str]:
        key = regenerate_script_key(site, session.actor, script_id)
        return _load_script(site, session, script_id), key

    try:
        script, key = await run_in_threadpool(regenerate)
    except Fault as fault:
        return await _script_page(request, session, script_id, str(fault))
    return _key_page(request, script, key, created=False)


@page(admin=True)
async def script_retire(request: Request, session: WebSession) -> Response:
    """POST /admin/scripts/{id}/retire: retire the script; its key is refused from now on."""
    site: Site = request.app.state.site
    script_id = _script_id(request)
    try:
        await run_in_threadpool(retire_script, site, session.actor, script_id)
    except Fault as fault:
        return await _script_page(request, session, script_id, str(fault))
    return redirect("/admin/scripts", notice="retired")


def routes() -> list[Route]:
    """The Scripts pages."""
    return [
        Route("/admin/scripts", scripts_page, methods=["GET"]),
        Route("/admin/scripts", script_create, methods=["POST"]),
        Route("/admin/scripts/{script_id:int}", script_page, methods=["GET"]),
        Route("/admin/scripts/{script_id:int}", script_update, methods=["POST"]),
        Route("/admin/scripts/{script_id:int}/key", script_new_key, methods=["POST"]),
        Route("/admin/scripts/{script_id:int}/retire", script_retire, methods=["POST"]),
    ]
