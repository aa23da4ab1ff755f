"""Admin menu, People: HumanUsers, their status, password, permission group and projects.

Every change is an engine write as the signed-in admin (so the event log says who did it). A
deactivated person (`sg_status_list` `dis`) cannot sign in, and their open sessions stop at once
(sessions are checked against the account on every request).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callsheet.faults import Fault, NotFoundFault, ValueFault
from callsheet.server.web.admin.access import (
    form_list,
    ids_of,
    notice_of,
    redirect,
    render_admin,
    text,
)
from callsheet.server.web.handlers import page, path_id, read_page_form
from callsheet.server.web.sessions import WebSession
from callsheet.site.accounts import (
    DEFAULT_PERSON_ROLE,
    create_user,
    permission_groups,
    set_permission_group,
    set_person_status,
)
from callsheet.site.actor import Actor
from callsheet.site.site import Site

PERSON_FIELDS = [
    "login",
    "name",
    "firstname",
    "lastname",
    "email",
    "sg_status_list",
    "permission_rule_set",
    "projects",
    "created_at",
    "locked_until",
]
STATUS_FILTERS = {"act": "Active", "dis": "Deactivated", "all": "Everyone"}
NOTICES = {
    "created": "Person created. They can sign in with the login and password you gave.",
    "saved": "Saved.",
    "activated": "Activated: they can sign in again.",
    "deactivated": "Deactivated: they can no longer sign in.",
    "password": "Password changed.",
    "group": "Permission group changed.",
    "projects": "Projects saved.",
}
MAX_PEOPLE_SHOWN = 500


def _projects(site: Site, actor: Actor) -> list[dict[str, Any]]:
    return site.find(actor, "Project", [], ["name", "is_template"], order=[{"field_name": "name"}])


def _people_filters(query: str, status: str) -> list[Any]:
    conditions: list[Any] = []
    if status in ("act", "dis"):
        conditions.append(["sg_status_list", "is", status])
    if query:
        anywhere = {
            "filter_operator": "any",
            "filters": [
                ["login", "contains", query],
                ["name", "contains", query],
                ["email", "contains", query],
            ],
        }
        conditions.append(anywhere)
    return conditions


async def _list_page(
    request: Request,
    session: WebSession,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    chosen_projects: list[int] | None = None,
) -> Response:
    site: Site = request.app.state.site
    query = request.query_params.get("q", "").strip()
    status = request.query_params.get("status", "all")
    status = status if status in STATUS_FILTERS else "all"

    def load() -> dict[str, Any]:
        filters = _people_filters(query, status)
        people = site.find(
            session.actor,
            "HumanUser",
            filters,
            PERSON_FIELDS,
            order=[{"field_name": "name"}],
            limit=MAX_PEOPLE_SHOWN + 1,
        )
        return {
            "people": people[:MAX_PEOPLE_SHOWN],
            "more": len(people) > MAX_PEOPLE_SHOWN,
            "groups": permission_groups(site, "HumanUser"),
            "projects": _projects(site, session.actor),
        }

    loaded = await run_in_threadpool(load)
    return render_admin(
        request,
        "admin_people.html",
        "people",
        status_code=400 if error else 200,
        title="People",
        query=query,
        status=status,
        status_filters=STATUS_FILTERS,
        default_group=DEFAULT_PERSON_ROLE,
        notice=notice_of(request, NOTICES),
        highlight=request.query_params.get("id", ""),
        error=error,
        form=form or {},
        chosen_projects=chosen_projects or [],
        open_new=bool(error),
        **loaded,
    )


@page(admin=True)
async def people_page(request: Request, session: WebSession) -> Response:
    """GET /admin/people: everyone (filterable), and the form for a new person."""
    return await _list_page(request, session)


@page(admin=True)
async def person_create(request: Request, session: WebSession) -> Response:
    """POST /admin/people: create a person who can sign in with the given password."""
    site: Site = request.app.state.site
    posted = (await read_page_form(request)).fields
    project_values = await form_list(request, "projects")

    def create() -> dict[str, Any]:
        project_ids = ids_of(project_values, "Projects")
        password = posted.get("password", "")
        if password != posted.get("password_again", password):
            raise ValueFault("The two passwords differ.")
        return create_user(
            site,
            text(posted, "login"),
            text(posted, "name") or text(posted, "login"),
            password,
            text(posted, "permission_group") or DEFAULT_PERSON_ROLE,
            text(posted, "email") or None,
            actor=session.actor,
            project_ids=project_ids,
        )

    try:
        person = await run_in_threadpool(create)
    except Fault as fault:
        shown = {k: v for k, v in posted.items() if not k.startswith("password")}  # never echoed
        chosen = [int(v) for v in project_values if v.isdigit()]
        return await _list_page(
            request, session, error=str(fault), form=shown, chosen_projects=chosen
        )
    return redirect("/admin/people", notice="created", id=person["id"])


def _person_id(request: Request) -> int:
    return path_id(request, "person_id", "person")


def _load_person(site: Site, actor: Actor, person_id: int) -> dict[str, Any]:
    person = site.find_one(actor, "HumanUser", [["id", "is", person_id]], PERSON_FIELDS)
    if person is None:
        raise NotFoundFault(f"HumanUser {person_id} doesn't exist or is retired.")
    return person


async def _person_page(
    request: Request, session: WebSession, person_id: int, error: str | None = None
) -> Response:
    site: Site = request.app.state.site

    def load() -> dict[str, Any]:
        return {
            "person": _load_person(site, session.actor, person_id),
            "groups": permission_groups(site, "HumanUser"),
            "projects": _projects(site, session.actor),
        }

    loaded = await run_in_threadpool(load)
    person = loaded["person"]
    return render_admin(
        request,
        "admin_person.html",
        "people",
        status_code=400 if error else 200,
        title=person.get("name") or person.get("login"),
        is_self=person_id == session.actor.id and session.actor.entity_type == "HumanUser",
        person_project_ids=[p["id"] for p in person.get("projects") or []],
        notice=notice_of(request, NOTICES),
        error=error,
        **loaded,
    )


@page(admin=True)
async def person_page(request: Request, session: WebSession) -> Response:
    """GET /admin/people/{id}: one person's settings."""
    return await _person_page(request, session, _person_id(request))


@page(admin=True)
async def person_update(request: Request, session: WebSession) -> Response:
    """POST /admin/people/{id}: one change, named by the form's `change` field."""
    site: Site = request.app.state.site
    person_id = _person_id(request)
    fields = (await read_page_form(request)).fields
    change = fields.get("change", "")
    project_values = await form_list(request, "projects")
    actor = session.actor

    def save() -> str:
        if change == "details":
            name = text(fields, "name")
            if not name:
                raise ValueFault("A person needs a name.")
            first, _, last = name.partition(" ")
            data = {"name": name, "firstname": first, "lastname": last.strip()}
            site.update(actor, "HumanUser", person_id, {**data, "email": text(fields, "email")})
            return "saved"
        if change in ("activate", "deactivate"):
            set_person_status(site, actor, person_id, change == "activate")
            return f"{change}d"
        if change == "password":
            password = fields.get("password", "")
            if not password:
                raise ValueFault("A password must not be empty.")
            if password != fields.get("password_again", ""):
                raise ValueFault("The two passwords differ.")
            site.update(actor, "HumanUser", person_id, {"password_proxy": password})
            return "password"
        if change == "group":
            set_permission_group(
                site, actor, "HumanUser", person_id, text(fields, "permission_group")
            )
            return "group"
        if change == "projects":
            links = [{"type": "Project", "id": i} for i in ids_of(project_values, "Projects")]
            site.update(actor, "HumanUser", person_id, {"projects": links})
            return "projects"
        raise ValueFault(f"Unknown change {change!r}.")

    try:
        notice = await run_in_threadpool(save)
    except Fault as fault:
        return await _person_page(request, session, person_id, str(fault))
    return redirect(f"/admin/people/{person_id}", notice=notice)


def routes() -> list[Route]:
    """The People pages."""
    return [
        Route("/admin/people", people_page, methods=["GET"]),
        Route("/admin/people", person_create, methods=["POST"]),
        Route("/admin/people/{person_id:int}", person_page, methods=["GET"]),
        Route("/admin/people/{person_id:int}", person_update, methods=["POST"]),
    ]
