"""Production scheduling: the rules a write of a Task, a TaskDependency or an entity's
`task_template` triggers (docs/scheduling.md).

The write path (site/writes.py) calls four hooks inside its transaction: `before_create` and
`before_update` adjust the checked values (the start/due/duration triple, `pinned`, a default
dependency type) before the row is written; `after_create` and `after_update` place dependent
Tasks, refuse loops and apply task templates once the row and its links exist. What the hooks
change is written and logged like any other field change, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from callsheet.schema.model import EntityType, Field
from callsheet.site.scheduling.dependencies import (
    DEFAULT_DEPENDENCY_TYPE,
    Reschedule,
    check_dependency_type,
    check_no_loop,
    reschedule,
)
from callsheet.site.scheduling.edge_events import log_records_made, log_task_links
from callsheet.site.scheduling.splits import split_schedule
from callsheet.site.scheduling.state import state_of
from callsheet.site.scheduling.task_dates import (
    SCHEDULE_FIELDS,
    Schedule,
    apply_written,
    recalendar,
)
from callsheet.site.scheduling.templates import apply_template
from callsheet.site.scheduling.time_logs import roll_up
from callsheet.site.write_context import WriteContext
from callsheet.store import rows
from callsheet.store import scheduling as store_scheduling
from callsheet.store.kinds import LinkRef
from callsheet.store.store import RETIRED_COLUMN

__all__ = [
    "after_create",
    "after_retirement",
    "after_update",
    "answer_fields",
    "before_create",
    "before_update",
]

Values = dict[str, tuple[Field, Any]]
DATE_FIELDS = frozenset({"start_date", "due_date"})
# Fields that choose a Task's calendar: a write of one alone recomputes the duration of a dated
# Task, its dates held (the project and the assignees' days off change what a day is [cookbook
# "Updating Task Dates"]; which field follows is Callsheet's choice, as for work schedule changes).
CALENDAR_FIELDS = frozenset({"project", "task_assignees"})
ANSWERED_FIELDS = ("start_date", "due_date", "duration")
EDGE_FIELDS = ("task", "dependent_task", "dependency_type", "offset_days")


def answer_fields(entity_type: str, data: Any) -> list[str]:
    """Fields a write's answer carries besides those sent: a Task write of any schedule field
    answers with the whole triple it computed."""
    if entity_type != "Task" or not isinstance(data, dict):
        return []
    if not any(name in data for name in (*SCHEDULE_FIELDS, "splits")):
        return []
    return [name for name in ANSWERED_FIELDS if name not in data]


# -- before the row is written ----------------------------------------------------------------


def before_create(ctx: WriteContext, entity: EntityType, values: Values) -> None:
    """Adjust a create's checked values: the Task triple, a TaskDependency's type."""
    _forget_templates(ctx, entity)
    if entity.name == "Task":
        _schedule_task(ctx, entity, values, None, None)
    elif entity.name == "TaskDependency":
        given = values.get("dependency_type", (None, DEFAULT_DEPENDENCY_TYPE))[1]
        if "dependency_type" not in values:  # [sg-groundtruth 085]
            values["dependency_type"] = (entity.fields["dependency_type"], given)
        check_dependency_type(given)


def before_update(
    ctx: WriteContext,
    entity: EntityType,
    entity_id: int,
    values: Values,
    current: Mapping[str, Any],
    modes: Mapping[str, str] | None = None,
) -> None:
    """Adjust an update's checked values: the Task triple and `pinned` (`modes`: the
    multi-entity update modes, which say who is assigned after the write)."""
    _forget_templates(ctx, entity)
    if entity.name == "Task":
        _schedule_task(ctx, entity, values, current, entity_id, modes or {})
    elif entity.name == "TaskDependency" and "dependency_type" in values:
        check_dependency_type(values["dependency_type"][1])


def _forget_templates(ctx: WriteContext, entity: EntityType) -> None:
    """A Task or dependency written by the caller may change a template read earlier."""
    state = ctx.scheduling
    if entity.name in ("Task", "TaskDependency") and state is not None and state.deferred is None:
        state.templates.clear()


def _schedule_task(
    ctx: WriteContext,
    entity: EntityType,
    values: Values,
    current: Mapping[str, Any] | None,
    task_id: int | None,
    modes: Mapping[str, str] | None = None,
) -> None:
    given = set(values)
    if (
        task_id is not None
        and given & DATE_FIELDS
        and "pinned" not in given
        and current is not None
        and not current["pinned"]
        and store_scheduling.has_upstream(ctx.conn, ctx.store, task_id)
    ):
        # A date written on a dependent Task pins it, a null too [cookbook, sg-groundtruth 087, 093]
        values["pinned"] = (entity.fields["pinned"], True)
    written = {name: values[name][1] for name in SCHEDULE_FIELDS if name in values}
    recalendared = current is not None and bool(given & CALENDAR_FIELDS)
    split = "splits" in values or bool(current and current.get("splits"))
    if not written and not recalendared and "splits" not in values:
        return
    old = Schedule(None, None, None, False)
    if current is not None:
        old = Schedule(
            current["start_date"],
            current["due_date"],
            current["duration"],
            bool(current["milestone"]),
        )
    people = _people(ctx, values, task_id, modes or {})
    calendar = state_of(ctx).calendar(_project_id(values, current), people)
    if split:
        old_splits = current.get("splits") if current is not None else None
        given_splits = values["splits"][1] if "splits" in values else old_splits
        new, segments = split_schedule(old, old_splits, given_splits, written, calendar)
        if "splits" in values or segments != old_splits:
            values["splits"] = (entity.fields["splits"], segments)
    else:
        new = apply_written(old, written, calendar) if written else recalendar(old, calendar)
    for name, value in (
        ("start_date", new.start),
        ("due_date", new.due),
        ("duration", new.duration),
    ):
        previous = getattr(old, {"start_date": "start", "due_date": "due"}.get(name, name))
        if name in values or value != previous:
            values[name] = (entity.fields[name], value)


def _project_id(values: Values, current: Mapping[str, Any] | None) -> int | None:
    if "project" in values:
        project = values["project"][1]
        return project.id if isinstance(project, LinkRef) else None
    return current["project__id"] if current is not None else None


def _people(
    ctx: WriteContext, values: Values, task_id: int | None, modes: Mapping[str, str]
) -> list[int]:
    """HumanUsers assigned after the write (assignees affect the calendar [cookbook]), the
    update mode (set, add, remove) applied to those assigned now."""
    assigned: list[int] = []
    if task_id is not None:
        assigned = store_scheduling.human_assignees(ctx.conn, ctx.store, [task_id]).get(task_id, [])
    if "task_assignees" not in values:
        return assigned
    given = [ref.id for ref in values["task_assignees"][1] if ref.type == "HumanUser"]
    mode = modes.get("task_assignees", "set")
    if mode == "add":
        return sorted(set(assigned) | set(given))
    if mode == "remove":
        return sorted(set(assigned) - set(given))
    return given


# -- after the row and its links exist --------------------------------------------------------


def after_create(
    ctx: WriteContext, entity: EntityType, ref: LinkRef, values: Values, data: Any
) -> None:
    """Place a new Task or dependency's downstream Task; apply a new entity's task template."""
    request = Reschedule()
    if entity.name == "Task":
        added = [(ref.id, link.id) for link in values.get("upstream_tasks", (None, []))[1]]
        added += [(link.id, ref.id) for link in values.get("downstream_tasks", (None, []))[1]]
        _new_edges(ctx, ref.id, added, data, request)
    elif entity.name == "TaskDependency":
        down, up = (
            values.get("task", (None, None))[1],
            values.get("dependent_task", (None, None))[1],
        )
        if isinstance(down, LinkRef) and isinstance(up, LinkRef):
            _check_loops(ctx, [(down.id, up.id)])
            log_task_links(ctx, down.id, up.id, added=True)
            request.place.add(down.id)
    elif entity.name == "TimeLog":
        roll_up(ctx, [_task_of(values.get("entity", (None, None))[1])])  # type: ignore[list-item]
    elif "task_template" in values and "task_template" in entity.fields:
        template = values["task_template"][1]
        if isinstance(template, LinkRef):
            project = values.get("project", (None, None))[1]
            apply_template(ctx, ref, template.id, project if isinstance(project, LinkRef) else None)
    _run(ctx, request)


def after_update(
    ctx: WriteContext,
    entity: EntityType,
    entity_id: int,
    data: Any,
    changes: list[tuple[Field, Any, Any]],
    link_changes: list[tuple[Field, list[LinkRef], list[LinkRef]]],
) -> None:
    """Follow an update's schedule, pin, dependency and template changes."""
    changed = {f.name: (old, new) for f, old, new in changes}
    request = Reschedule()
    if entity.name == "Task":
        _task_updated(
            ctx, entity_id, data if isinstance(data, dict) else {}, changed, link_changes, request
        )
    elif entity.name == "TaskDependency":
        if changed.keys() & set(EDGE_FIELDS):
            old_down = changed.get("task", (None, None))[0]
            if isinstance(old_down, LinkRef):
                request.check.add(old_down.id)
            edges = store_scheduling.edges_between_ids(ctx.conn, ctx.store, [entity_id])
            _check_loops(ctx, [(edge.down, edge.up) for edge in edges])
            _log_moved_edge(ctx, changed, edges)
            request.place.update(edge.down for edge in edges)
    elif entity.name == "TimeLog" and changed.keys() & {"entity", "duration"}:
        old_task = _task_of(changed.get("entity", (None, None))[0])
        row = rows.entity_row(ctx.conn, ctx.store, "TimeLog", entity_id) or {}
        now_task = row.get("entity__id") if row.get("entity__type") == "Task" else None
        roll_up(ctx, [t for t in (old_task, now_task) if t is not None])
    elif "task_template" in changed and "task_template" in entity.fields:
        template = changed["task_template"][1]
        if isinstance(template, LinkRef):  # only a change applies; nothing is removed [GT 084]
            project = ctx.project_of(LinkRef(entity.name, entity_id))
            apply_template(ctx, LinkRef(entity.name, entity_id), template.id, project)
    _run(ctx, request)


def _task_updated(
    ctx: WriteContext,
    task_id: int,
    data: dict[str, Any],
    changed: dict[str, tuple[Any, Any]],
    link_changes: list[tuple[Field, list[LinkRef], list[LinkRef]]],
    request: Reschedule,
) -> None:
    if "est_in_mins" in changed:
        roll_up(ctx, [task_id])
    if changed.keys() & set(SCHEDULE_FIELDS):
        request.moved.add(task_id)
        request.check.add(task_id)
    if data.keys() & DATE_FIELDS or "pinned" in changed:
        request.check.add(task_id)
    if ("duration" in data or "milestone" in data) and not data.keys() & DATE_FIELDS:
        request.place.add(task_id)  # a duration write does not pin: place it again [GT 100]
    if "pinned" in changed and not changed["pinned"][1]:
        request.place.add(task_id)  # unpinning places the Task at once [cookbook, GT 093]
    added: list[tuple[int, int]] = []
    for f, old, new in link_changes:
        if f.name not in ("upstream_tasks", "downstream_tasks"):
            continue
        for link in new:
            if link not in old:
                added.append(
                    (task_id, link.id) if f.name == "upstream_tasks" else (link.id, task_id)
                )
        for link in old:
            if link not in new:
                request.check.add(task_id if f.name == "upstream_tasks" else link.id)
    _new_edges(ctx, task_id, added, data, request)


def _new_edges(
    ctx: WriteContext,
    task_id: int,
    added: list[tuple[int, int]],
    data: Any,
    request: Reschedule,
) -> None:
    """Type the TaskDependency rows a Task's link write made, refuse loops, place them."""
    if not added:
        return
    types = _given_types(task_id, data)
    edges = [
        replace(edge, dependency_type=types.get((edge.down, edge.up), DEFAULT_DEPENDENCY_TYPE))
        for edge in store_scheduling.edges_between(ctx.conn, ctx.store, added)
    ]
    store_scheduling.set_edge_types(
        ctx.conn, ctx.store, {edge.id: str(edge.dependency_type) for edge in edges}
    )
    _check_loops(ctx, added)
    log_records_made(ctx, edges)  # the Tasks' own link rows are the write's
    request.place.update(down for down, _ in added)


def _given_types(task_id: int, data: Any) -> dict[tuple[int, int], str]:
    """(down, up) -> the `dependency_type` written in an upstream/downstream dict [cookbook]."""
    types: dict[tuple[int, int], str] = {}
    if not isinstance(data, dict):
        return types
    for name in ("upstream_tasks", "downstream_tasks"):
        for item in data.get(name) or []:
            if isinstance(item, dict) and "dependency_type" in item:
                pair = (task_id, item["id"]) if name == "upstream_tasks" else (item["id"], task_id)
                types[pair] = check_dependency_type(item["dependency_type"])
    return types


def _log_moved_edge(
    ctx: WriteContext, changed: dict[str, tuple[Any, Any]], edges: list[Any]
) -> None:
    """A record whose `task` or `dependent_task` changed moved its edge: the Tasks' links say so."""
    if not changed.keys() & {"task", "dependent_task"} or not edges:
        return
    edge = edges[0]
    old_down = changed["task"][0] if "task" in changed else LinkRef("Task", edge.down)
    old_up = (
        changed["dependent_task"][0] if "dependent_task" in changed else LinkRef("Task", edge.up)
    )
    if isinstance(old_down, LinkRef) and isinstance(old_up, LinkRef):
        log_task_links(ctx, old_down.id, old_up.id, added=False)
    log_task_links(ctx, edge.down, edge.up, added=True)


def _task_of(link: Any) -> int | None:
    return link.id if isinstance(link, LinkRef) and link.type == "Task" else None


def after_retirement(
    ctx: WriteContext, entity: EntityType, entity_id: int, current: Mapping[str, Any]
) -> None:
    """A retired or revived Task's dependencies went or came back with it: flags of the Tasks
    downstream are rechecked; a TimeLog's Task rolls up again."""
    if entity.name == "Task":
        _run(ctx, Reschedule(check=store_scheduling.dependents_of(ctx.conn, ctx.store, entity_id)))
    elif entity.name == "TaskDependency":
        down = current.get("task__id") if current.get("task__type") == "Task" else None
        up = (
            current.get("dependent_task__id")
            if current.get("dependent_task__type") == "Task"
            else None
        )
        if down is not None and up is not None:
            retiring = current[RETIRED_COLUMN] is None
            # the edge goes with its record and comes back with it, on both Tasks' links
            if retiring or len(rows.live_ids(ctx.conn, ctx.store, "Task", [down, up])) == 2:
                log_task_links(ctx, down, up, added=not retiring)
        if down is not None:
            _run(ctx, Reschedule(place={down}, check={down}))
    elif entity.name == "TimeLog" and current.get("entity__type") == "Task":
        roll_up(ctx, [current["entity__id"]])


def _check_loops(ctx: WriteContext, edges: list[tuple[int, int]]) -> None:
    trusted = state_of(ctx).trusted_edges
    check_no_loop(ctx, [edge for edge in edges if edge not in trusted])


def _run(ctx: WriteContext, request: Reschedule) -> None:
    """Reschedule now, or at the end of the template apply under way."""
    if not request:
        return
    deferred = state_of(ctx).deferred
    if deferred is not None:
        deferred.place |= request.place
        deferred.moved |= request.moved
        deferred.check |= request.check
        return
    reschedule(ctx, request)
