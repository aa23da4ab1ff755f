"""Admin menu, Schedule: the studio's working week and day length, and the working weeks of
projects and people (site/work_schedule.py `work_week_update`; days off and holidays are
`work_schedule_update` exceptions)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callsheet.faults import Fault, ValueFault
from callsheet.server.web.admin.access import (
    form_list,
    ids_of,
    notice_of,
    redirect,
    render_admin,
    text,
)
from callsheet.server.web.handlers import page, read_page_form
from callsheet.server.web.sessions import WebSession
from callsheet.site.scheduling.calendar import WEEKDAY_NAMES
from callsheet.site.site import Site
from callsheet.site.work_schedule import work_week_update, work_weeks_read

NOTICES = {"saved": "Saved. The Tasks the change touches were recalculated."}
SCOPES = {"project": "Project", "user": "HumanUser"}


async def _schedule_page(
    request: Request, session: WebSession, error: str | None = None
) -> Response:
    site: Site = request.app.state.site

    def load() -> dict[str, Any]:
        order = [{"field_name": "name"}]
        return {
            "weeks": work_weeks_read(site, session.actor),
            "all_projects": site.find(session.actor, "Project", [], ["name"], order=order),
            "all_people": site.find(session.actor, "HumanUser", [], ["name"], order=order),
        }

    loaded = await run_in_threadpool(load)
    return render_admin(
        request,
        "admin_schedule.html",
        "schedule",
        status_code=400 if error else 200,
        title="Schedule",
        notice=notice_of(request, NOTICES),
        error=error,
        weekday_names=WEEKDAY_NAMES,
        **loaded,
    )


@page(admin=True)
async def schedule_page(request: Request, session: WebSession) -> Response:
    """GET /admin/schedule: the working weeks and the working day's length."""
    return await _schedule_page(request, session)


@page(admin=True)
async def schedule_update(request: Request, session: WebSession) -> Response:
    """POST /admin/schedule: set the studio's, a project's or a person's week (and the studio's
    day length); a project or person with no day ticked and `follow` follows the studio."""
    site: Site = request.app.state.site
    fields = (await read_page_form(request)).fields
    days: list[str] | None = await form_list(request, "days")
    scope: dict[str, Any] = {}
    try:
        scope_name = text(fields, "scope")
        if scope_name in SCOPES:
            (entity_id,) = ids_of([text(fields, "entity_id")], SCOPES[scope_name])
            scope[scope_name] = {"type": SCOPES[scope_name], "id": entity_id}
            if fields.get("follow") == "on":
                days = None
        elif scope_name != "studio":
            raise ValueFault(f"Unknown schedule scope {scope_name!r}.")
        hours = text(fields, "hours_per_day")
        if scope_name == "studio" and hours:
            try:
                scope["hours_per_day"] = float(hours)
            except ValueError:
                raise ValueFault(f"Hours per day must be a number, got {hours!r}.") from None
        recalculate_field = text(fields, "recalculate_field") or None
        await run_in_threadpool(
            work_week_update,
            site,
            session.actor,
            days,
            recalculate_field=recalculate_field,
            **scope,
        )
    except Fault as fault:
        return await _schedule_page(request, session, str(fault))
    return redirect("/admin/schedule", notice="saved")


def routes() -> list[Route]:
    """The Schedule page's routes."""
    return [
        Route("/admin/schedule", schedule_page, methods=["GET"]),
        Route("/admin/schedule", schedule_update, methods=["POST"]),
    ]
