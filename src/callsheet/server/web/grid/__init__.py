"""Entity pages: a grid of one entity type, in a project or site-wide, each a `Page` record.

Routes:
- `GET /project/{id}`: the project's overview, which is its Shots page.
- `GET /project/{id}/{EntityType}`: that type's page of the project; a Page not made yet is
  created by the POST the page submits at once (never by a GET).
- `GET /list/{EntityType}`: the site-wide page of a type (People, Steps, …).
- `GET /page/{page_id}`: renders a Page and sets its `last_accessed`.
- `POST /web/grid/rows`, `/refresh`, `/search`, `/ids`: the grid's reads (rows.py).
Writes (inline edits, "+ Add", delete) go through `/web/rpc` as the signed-in person.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from callsheet.faults import ValueFault
from callsheet.server.web import pages
from callsheet.server.web.grid import columns, rows
from callsheet.server.web.handlers import action, page, path_id
from callsheet.server.web.rendering import environment, render
from callsheet.server.web.sessions import WebSession
from callsheet.site.actor import SYSTEM
from callsheet.site.site import Site

OVERVIEW_TYPE = "Shot"


def project_nav(request: Request) -> dict[str, Any]:
    """The tabs of a project's navigation (for `_project_nav.html`): `{tabs, more}`."""
    return _nav(request, project=True)


def site_nav(request: Request) -> dict[str, Any]:
    """The tabs of the site-wide pages' navigation: `{tabs, more}`."""
    return _nav(request, project=False)


def _nav(request: Request, project: bool) -> dict[str, Any]:
    schema = request.app.state.site.schema
    tabs, more = columns.nav_types(schema, project)

    def item(name: str) -> dict[str, str]:
        return {"entity_type": name, "title": pages.plural(schema.entity(name).display_name)}

    return {"tabs": [item(n) for n in tabs], "more": [item(n) for n in more]}


# Templates of other areas include _project_nav.html; these globals let it build its tabs.
environment.globals["project_nav"] = project_nav
environment.globals["site_nav"] = site_nav


def _page_redirect(found: dict[str, Any]) -> Response:
    return RedirectResponse(f"/page/{int(found['id'])}", status_code=303)


def _project_id(request: Request) -> int:
    return path_id(request, "project_id", "project")


async def _open(
    request: Request, session: WebSession, entity_type: str, project_id: Any
) -> Response:
    """GET: an existing Page opens at once; a missing one is created by the page's own POST
    (made by a form the browser submits, with the CSRF token), never by the GET itself."""
    site = request.app.state.site
    if request.method == "POST":
        made = await run_in_threadpool(
            pages.find_or_create_page, site, session.actor, entity_type, project_id
        )
        return _page_redirect(made)
    found = await run_in_threadpool(pages.find_page, site, session.actor, entity_type, project_id)
    if found is not None:
        return _page_redirect(found)
    title = pages.page_title(site, entity_type)
    return render(request, "page_open.html", title=title, action=request.url.path)


@page()
async def project_overview(request: Request, session: WebSession) -> Response:
    """/project/{id}: the project's Shots page (its overview, as in ShotGrid's default)."""
    return await _open(request, session, OVERVIEW_TYPE, _project_id(request))


@page()
async def project_entity_page(request: Request, session: WebSession) -> Response:
    """/project/{id}/{EntityType}: the project's page of that type."""
    entity_type = request.path_params["entity_type"]
    return await _open(request, session, entity_type, _project_id(request))


@page()
async def site_entity_page(request: Request, session: WebSession) -> Response:
    """/list/{EntityType}: the site-wide page of a type (no project)."""
    return await _open(request, session, request.path_params["entity_type"], None)


def _status_names(site: Site) -> dict[str, dict[str, Any]]:
    """Each status code's name and swatch colour, from the site's Status records."""
    records = site.find(SYSTEM, "Status", [], ["code", "name", "bg_color"])
    return {
        r["code"]: {"name": r.get("name") or r["code"], "color": r.get("bg_color")}
        for r in records
        if r.get("code")
    }


def grid_context(site: Site, session: WebSession, page_id: int) -> dict[str, Any]:
    """Everything the grid template and script need for one Page."""
    opened = pages.open_page(site, session.actor, page_id)
    entity_type = opened["entity_type"]
    entity = site.schema.entity(entity_type)
    project = None
    if opened.get("project"):
        record = site.find_one(
            session.actor, "Project", [["id", "is", opened["project"]["id"]]], ["name"]
        )
        project = {"id": record["id"], "name": record.get("name")} if record else None
    fields = columns.describe_fields(site.schema, entity_type, _status_names(site))
    defaults = columns.default_columns(site.schema, entity_type)
    title = opened.get("name") or pages.page_title(site, entity_type)
    grid = {
        "page_id": opened["id"],
        "entity_type": entity_type,
        "entity_display_name": entity.display_name,
        "title": title,
        "project": project,
        "is_project_entity": entity.is_project_entity,
        "display_name_field": entity.display_name_field,
        "default_columns": defaults,
        "fields": fields,
        "add_fields": _add_fields(fields, defaults, entity.display_name_field, project),
        "page_sizes": list(rows.PAGE_SIZES),
        "session_user": {"id": session.user["id"], "login": session.user.get("login")},
    }
    return {"grid": grid, "project": project, "title": title, "entity_type": entity_type}


def _add_fields(
    fields: dict[str, dict[str, Any]],
    defaults: list[str],
    name_field: str | None,
    project: dict[str, Any] | None,
) -> list[str]:
    """The fields of the "+ Add" form: the name, the usual editable columns, the mandatory ones."""
    wanted = [name_field] if name_field else []
    wanted += [name for name in defaults if name not in wanted]
    wanted += [name for name, f in fields.items() if f["mandatory"] and name not in wanted]
    form = [n for n in wanted if n in fields and fields[n]["editable"] and n != "project"]
    # on a project's page the project is preset; site-wide, it is asked for
    if project is None and fields.get("project", {}).get("editable"):
        form.append("project")
    return form


@page()
async def page_view(request: Request, session: WebSession) -> Response:
    """GET /page/{page_id}: the grid of a Page; opening it sets its `last_accessed`."""
    page_id = path_id(request, "page_id", "page")
    site = request.app.state.site
    context = await run_in_threadpool(grid_context, site, session, page_id)
    return render(request, "grid.html", active_entity_type=context["entity_type"], **context)


def _payload(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ValueFault("Expected a JSON object.")
    return payload


@action
async def grid_rows(request: Request, session: WebSession, payload: Any) -> Any:
    """POST /web/grid/rows: one page of rows and the total count."""
    site = request.app.state.site
    return await run_in_threadpool(rows.read_rows, site, session.actor, _payload(payload))


@action
async def grid_refresh(request: Request, session: WebSession, payload: Any) -> Any:
    """POST /web/grid/refresh: rows by id."""
    site = request.app.state.site
    return await run_in_threadpool(rows.refresh_rows, site, session.actor, _payload(payload))


@action
async def grid_search(request: Request, session: WebSession, payload: Any) -> Any:
    """POST /web/grid/search: the entity pickers' search."""
    site = request.app.state.site
    return await run_in_threadpool(rows.search_entities, site, session.actor, _payload(payload))


@action
async def grid_ids(request: Request, session: WebSession, payload: Any) -> Any:
    """POST /web/grid/ids: the ids of every row the page's query matches."""
    site = request.app.state.site
    return await run_in_threadpool(rows.all_ids, site, session.actor, _payload(payload))


def routes() -> list[Route]:
    """The entity pages and the grid's JSON endpoints."""
    return [
        Route("/project/{project_id}", project_overview, methods=["GET", "POST"]),
        Route("/project/{project_id}/{entity_type}", project_entity_page, methods=["GET", "POST"]),
        Route("/list/{entity_type}", site_entity_page, methods=["GET", "POST"]),
        Route("/page/{page_id}", page_view, methods=["GET"]),
        Route("/web/grid/rows", grid_rows, methods=["POST"]),
        Route("/web/grid/refresh", grid_refresh, methods=["POST"]),
        Route("/web/grid/search", grid_search, methods=["POST"]),
        Route("/web/grid/ids", grid_ids, methods=["POST"]),
    ]
