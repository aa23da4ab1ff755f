"""A project's Schedule (a Gantt chart of its Tasks) and My Tasks (the signed-in person's Tasks).

Both pages read through the engine as the signed-in person; every change the page makes (drag a
bar, resize an end, a status, a time log) is an ordinary API call through `/web/rpc`, so the
scheduling rules (site/scheduling/) answer the chart exactly as they answer shotgun_api3.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callsheet.faults import Fault
from callsheet.server.web.handlers import page
from callsheet.server.web.rendering import render
from callsheet.server.web.sessions import WebSession
from callsheet.site.work_schedule import work_schedule_read

TASK_FIELDS = [
    "content",
    "entity",
    "step",
    "start_date",
    "due_date",
    "duration",
    "milestone",
    "pinned",
    "dependency_violation",
    "upstream_tasks",
    "sg_status_list",
    "task_assignees",
]
MY_TASK_FIELDS = [
    "content",
    "entity",
    "project",
    "step",
    "start_date",
    "due_date",
    "sg_status_list",
    "time_logs_sum",
]
MARGIN_DAYS = 3
MAX_DAYS = 366 * 2


GROUPINGS = {"entity": "Link", "step": "Pipeline Step", "assignee": "Assigned To"}
NOBODY = {"type": "", "id": 0, "name": "None"}


def _group_of(task: dict[str, Any], grouping: str) -> dict[str, Any]:
    """The entity a Task's row is grouped under: its link, its Step or its first assignee."""
    if grouping == "step":
        return task.get("step") or NOBODY
    if grouping == "assignee":
        return (task.get("task_assignees") or [NOBODY])[0]
    return task.get("entity") or NOBODY


def _chart(
    tasks: list[dict[str, Any]], schedule: dict[str, Any], grouping: str = "entity"
) -> dict[str, Any]:
    """Days, groups of rows and bars, in day offsets from the first day."""
    dated = [t for t in tasks if t.get("start_date") or t.get("due_date")]
    if dated:
        first = min(dt.date.fromisoformat(t.get("start_date") or t["due_date"]) for t in dated)
        last = max(dt.date.fromisoformat(t.get("due_date") or t["start_date"]) for t in dated)
    else:
        first = last = dt.date.today()
    first -= dt.timedelta(days=MARGIN_DAYS)
    last = min(last + dt.timedelta(days=MARGIN_DAYS), first + dt.timedelta(days=MAX_DAYS))
    days = []
    day = first
    while day <= last:
        key = day.isoformat()
        days.append(
            {
                "date": key,
                "working": schedule.get(key, {}).get("working", day.weekday() < 5),
                "label": day.strftime("%d"),
                "month": day.strftime("%b") if day.day == 1 or day == first else "",
            }
        )
        day += dt.timedelta(days=1)
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    for task in tasks:
        entity = _group_of(task, grouping)
        group = groups.setdefault((entity["type"], entity["id"]), {"entity": entity, "tasks": []})
        bar = None
        start, due = task.get("start_date"), task.get("due_date")
        if start or due:
            s = dt.date.fromisoformat(str(start or due))
            d = dt.date.fromisoformat(str(due or start))
            bar = {"offset": (s - first).days, "length": (d - s).days + 1}
        group["tasks"].append({**task, "bar": bar})
    return {"first": first.isoformat(), "days": days, "groups": list(groups.values())}


@page()
async def project_schedule(request: Request, session: WebSession) -> Response:
    """GET /project/{id}/schedule: the project's Tasks as a Gantt chart grouped by entity."""
    site = request.app.state.site
    project_id = int(request.path_params["project_id"])
    grouping = request.query_params.get("group", "entity")
    if grouping not in GROUPINGS:
        grouping = "entity"

    def load() -> dict[str, Any]:
        project = site.find_one(session.actor, "Project", [["id", "is", project_id]], ["name"])
        if project is None:
            raise Fault(f"Project {project_id} doesn't exist or you can't see it.")
        tasks = site.find(
            session.actor,
            "Task",
            [["project", "is", {"type": "Project", "id": project_id}], ["entity", "is_not", None]],
            TASK_FIELDS,
            order=[
                {"field_name": "entity", "direction": "asc"},
                {"field_name": "start_date", "direction": "asc"},
            ],
        )
        dated = [
            t.get("start_date") or t.get("due_date")
            for t in tasks
            if t.get("start_date") or t.get("due_date")
        ]
        first = min(dated) if dated else dt.date.today().isoformat()
        last = (
            max(t.get("due_date") or t.get("start_date") or first for t in tasks)
            if dated
            else first
        )
        start = (dt.date.fromisoformat(first) - dt.timedelta(days=MARGIN_DAYS)).isoformat()
        end = min(
            dt.date.fromisoformat(last) + dt.timedelta(days=MARGIN_DAYS),
            dt.date.fromisoformat(start) + dt.timedelta(days=MAX_DAYS),
        ).isoformat()
        schedule = work_schedule_read(
            site, session.actor, start, end, {"type": "Project", "id": project_id}
        )
        if grouping != "entity":
            tasks.sort(key=lambda t: (_group_of(t, grouping)["name"] or "", t["id"]))
        return {"project": project, "chart": _chart(tasks, schedule, grouping), "count": len(tasks)}

    context = await run_in_threadpool(load)
    return render(
        request,
        "schedule.html",
        grouping=grouping,
        groupings=GROUPINGS,
        title=f"Schedule · {context['project']['name']}",
        active_entity_type="schedule",
        **context,
    )


@page()
async def my_tasks(request: Request, session: WebSession) -> Response:
    """GET /my-tasks: the signed-in person's Tasks across projects, by due date."""
    site = request.app.state.site

    def load() -> dict[str, Any]:
        person = {"type": session.actor.entity_type, "id": session.actor.id}
        tasks = site.find(
            session.actor,
            "Task",
            [["task_assignees", "is", person]],
            MY_TASK_FIELDS,
            order=[
                {"field_name": "due_date", "direction": "asc"},
                {"field_name": "id", "direction": "asc"},
            ],
        )
        tasks.sort(key=lambda t: (t.get("due_date") is None, t.get("due_date") or "", t["id"]))
        statuses = site.schema_field_read(session.actor, "Task", "sg_status_list")["sg_status_list"]
        values = statuses["properties"]["valid_values"]["value"]
        return {"tasks": tasks, "statuses": values, "today": dt.date.today().isoformat()}

    context = await run_in_threadpool(load)
    return render(request, "my_tasks.html", title="My Tasks", active="my-tasks", **context)


def routes() -> list[Route]:
    """The Schedule and My Tasks pages."""
    return [
        Route("/project/{project_id:int}/schedule", project_schedule, methods=["GET"]),
        Route("/my-tasks", my_tasks, methods=["GET"]),
    ]
