"""Admin menu, Task Templates: make and edit templates and their tasks.

A template's tasks are Tasks whose `task_template` is the template (docs/scheduling.md); each is
written through the engine like any Task, so its duration, milestone and dependency follow the
same rules as everywhere else. Creating an entity with the template copies them
(site/scheduling/templates.py).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callsheet.faults import Fault, NotFoundFault, ValueFault
from callsheet.server.web.admin.access import notice_of, redirect, render_admin, text
from callsheet.server.web.handlers import page, read_page_form
from callsheet.server.web.sessions import WebSession
from callsheet.site.preferences import hours_per_day
from callsheet.site.scheduling.dependencies import DEPENDENCY_TYPES
from callsheet.site.site import Site

TEMPLATE_FIELDS = ["code", "entity_type", "description", "updated_at"]
TASK_FIELDS = ["content", "step", "duration", "milestone", "task_assignees", "upstream_tasks"]
# Entity types Tasks link to (Task.entity's valid types in the default schema).
NOTICES = {
    "created": "Task Template created.",
    "saved": "Saved.",
    "task_added": "Task added.",
    "task_removed": "Task removed.",
}


def _minutes_per_day(site: Site) -> float:
    with site.store.read() as conn:
        return hours_per_day(conn) * 60


def _link_types(site: Site) -> list[str]:
    entity = site.schema.entity("Task")
    return sorted(entity.fields["entity"].valid_types)


@page(admin=True)
async def templates_page(request: Request, session: WebSession) -> Response:
    """GET /admin/task-templates: every template with its number of tasks, and a new one."""
    site: Site = request.app.state.site

    def load() -> dict[str, Any]:
        templates = site.find(
            session.actor, "TaskTemplate", [], TEMPLATE_FIELDS, order=[{"field_name": "code"}]
        )
        tasks = site.find(
            session.actor, "Task", [["task_template", "is_not", None]], ["task_template"]
        )
        counts: dict[int, int] = {}
        for task in tasks:
            counts[task["task_template"]["id"]] = counts.get(task["task_template"]["id"], 0) + 1
        for template in templates:
            template["tasks"] = counts.get(template["id"], 0)
        return {"templates": templates, "entity_types": _link_types(site)}

    loaded = await run_in_threadpool(load)
    return render_admin(
        request,
        "admin_task_templates.html",
        "task_templates",
        title="Task Templates",
        notice=notice_of(request, NOTICES),
        **loaded,
    )


@page(admin=True)
async def template_create(request: Request, session: WebSession) -> Response:
    """POST /admin/task-templates: a new template (name, entity type, description)."""
    site: Site = request.app.state.site
    fields = (await read_page_form(request)).fields
    code = text(fields, "code")
    if not code:
        raise ValueFault("A Task Template needs a name.")
    data = {
        "code": code,
        "entity_type": text(fields, "entity_type") or "Shot",
        "description": text(fields, "description") or None,
    }
    created = await run_in_threadpool(site.create, session.actor, "TaskTemplate", data)
    return redirect(f"/admin/task-templates/{created['id']}", notice="created")


async def _template_page(
    request: Request, session: WebSession, template_id: int, error: str | None = None
) -> Response:
    site: Site = request.app.state.site

    def load() -> dict[str, Any]:
        template = site.find_one(
            session.actor, "TaskTemplate", [["id", "is", template_id]], TEMPLATE_FIELDS
        )
        if template is None:
            raise NotFoundFault(f"TaskTemplate {template_id} doesn't exist or is retired.")
        tasks = site.find(
            session.actor,
            "Task",
            [["task_template", "is", {"type": "TaskTemplate", "id": template_id}]],
            TASK_FIELDS,
            order=[{"field_name": "id"}],
        )
        day = _minutes_per_day(site)
        for task in tasks:
            duration = task.get("duration")
            task["days"] = "" if duration is None else f"{duration / day:g}"
        edges = site.find(
            session.actor,
            "TaskDependency",
            [["task", "in", [{"type": "Task", "id": t["id"]} for t in tasks]]]
            if tasks
            else [["id", "is", 0]],
            ["task", "dependent_task", "dependency_type", "offset_days"],
        )
        by_task: dict[int, list[dict[str, Any]]] = {}
        for edge in edges:
            by_task.setdefault(edge["task"]["id"], []).append(edge)
        for task in tasks:
            task["edges"] = by_task.get(task["id"], [])
        steps = site.find(
            session.actor, "Step", [], ["code", "entity_type"], order=[{"field_name": "code"}]
        )
        people = site.find(
            session.actor,
            "HumanUser",
            [["sg_status_list", "is", "act"]],
            ["name"],
            order=[{"field_name": "name"}],
        )
        # not "template": render_admin's own parameter has that name
        return {"task_template": template, "tasks": tasks, "steps": steps, "people": people}

    loaded = await run_in_threadpool(load)
    return render_admin(
        request,
        "admin_task_template.html",
        "task_templates",
        status_code=400 if error else 200,
        title=loaded["task_template"]["code"] or "Task Template",
        error=error,
        notice=notice_of(request, NOTICES),
        dependency_types=DEPENDENCY_TYPES,
        entity_types=_link_types(site),
        **loaded,
    )


def _template_id(request: Request) -> int:
    return int(request.path_params["template_id"])


@page(admin=True)
async def template_page(request: Request, session: WebSession) -> Response:
    """GET /admin/task-templates/{id}: the template's tasks and dependencies."""
    return await _template_page(request, session, _template_id(request))


@page(admin=True)
async def template_update(request: Request, session: WebSession) -> Response:
    """POST /admin/task-templates/{id}: rename it or change its description or entity type."""
    site: Site = request.app.state.site
    template_id = _template_id(request)
    fields = (await read_page_form(request)).fields
    data = {
        "code": text(fields, "code"),
        "description": text(fields, "description") or None,
    }
    try:
        if not data["code"]:
            raise ValueFault("A Task Template needs a name.")
        await run_in_threadpool(site.update, session.actor, "TaskTemplate", template_id, data)
    except Fault as fault:
        return await _template_page(request, session, template_id, str(fault))
    return redirect(f"/admin/task-templates/{template_id}", notice="saved")


def task_data(fields: dict[str, str], template_id: int, minutes_per_day: float) -> dict[str, Any]:
    """A template task's field values from the posted form; a Fault names a bad one."""
    content = text(fields, "content")
    if not content:
        raise ValueFault("A template task needs a name.")
    data: dict[str, Any] = {
        "content": content,
        "task_template": {"type": "TaskTemplate", "id": template_id},
        "milestone": fields.get("milestone") == "on",
    }
    days = text(fields, "days")
    if days:
        try:
            data["duration"] = round(float(days) * minutes_per_day)
        except ValueError:
            raise ValueFault(f"The duration must be a number of days, got {days!r}.") from None
    for name, entity_type in (("step", "Step"), ("assignee", "HumanUser")):
        value = text(fields, name)
        if value:
            if not value.isdigit():
                raise ValueFault(f"{name} must be a record id, got {value!r}.")
            if name == "step":
                data["step"] = {"type": "Step", "id": int(value)}
            else:
                data["task_assignees"] = [{"type": entity_type, "id": int(value)}]
    upstream = text(fields, "upstream")
    if upstream:
        if not upstream.isdigit():
            raise ValueFault(f"The upstream task must be a record id, got {upstream!r}.")
        link: dict[str, Any] = {"type": "Task", "id": int(upstream)}
        link["dependency_type"] = text(fields, "dependency_type") or DEPENDENCY_TYPES[0]
        data["upstream_tasks"] = [link]
    return data


@page(admin=True)
async def task_add(request: Request, session: WebSession) -> Response:
    """POST /admin/task-templates/{id}/tasks: add a task (and its dependency) to the template."""
    site: Site = request.app.state.site
    template_id = _template_id(request)
    fields = (await read_page_form(request)).fields
    try:
        minutes_per_day = await run_in_threadpool(_minutes_per_day, site)
        data = task_data(fields, template_id, minutes_per_day)
        await run_in_threadpool(site.create, session.actor, "Task", data)
    except Fault as fault:
        return await _template_page(request, session, template_id, str(fault))
    return redirect(f"/admin/task-templates/{template_id}", notice="task_added")


@page(admin=True)
async def task_remove(request: Request, session: WebSession) -> Response:
    """POST /admin/task-templates/{id}/tasks/{task_id}/retire: take a task off the template."""
    site: Site = request.app.state.site
    template_id = _template_id(request)
    task_id = int(request.path_params["task_id"])

    def remove() -> None:
        found = site.find_one(
            session.actor,
            "Task",
            [
                ["id", "is", task_id],
                ["task_template", "is", {"type": "TaskTemplate", "id": template_id}],
            ],
        )
        if found is None:
            raise NotFoundFault(f"Task {task_id} is not a task of TaskTemplate {template_id}.")
        site.delete(session.actor, "Task", task_id)

    try:
        await run_in_threadpool(remove)
    except Fault as fault:
        return await _template_page(request, session, template_id, str(fault))
    return redirect(f"/admin/task-templates/{template_id}", notice="task_removed")


def routes() -> list[Route]:
    """The Task Templates pages."""
    return [
        Route("/admin/task-templates", templates_page, methods=["GET"]),
        Route("/admin/task-templates", template_create, methods=["POST"]),
        Route("/admin/task-templates/{template_id:int}", template_page, methods=["GET"]),
        Route("/admin/task-templates/{template_id:int}", template_update, methods=["POST"]),
        Route("/admin/task-templates/{template_id:int}/tasks", task_add, methods=["POST"]),
        Route(
            "/admin/task-templates/{template_id:int}/tasks/{task_id:int}/retire",
            task_remove,
            methods=["POST"],
        ),
    ]
