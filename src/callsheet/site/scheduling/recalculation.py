"""Tasks a work-schedule change touches: their duration or their due date is recalculated.

`work_schedule_update(..., recalculate_field)` names "the schedule field that will be
recalculated on Tasks when they are affected by a change in working schedule", `due_date` or
`duration`, defaulting to a site preference (shotgun_api3 `work_schedule_update` docstring).
Callsheet's default is `duration`: the dates people chose stay, their working time follows the
calendar. A Task is affected when its start..due covers the day and the rule's scope is its
calendar (the studio: every Task; a project: its Tasks; a person: the Tasks assigned to them).
A working week or day-length change touches every dated Task of its scope (site/work_schedule.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from callsheet.site.change_events import log_change
from callsheet.site.scheduling import splits
from callsheet.site.scheduling.dependencies import Reschedule, reschedule
from callsheet.site.scheduling.state import state_of
from callsheet.site.write_context import WriteContext, read_form
from callsheet.store import scheduling as store_scheduling
from callsheet.store.kinds import LinkRef

DEFAULT_RECALCULATE_FIELD = "duration"


def recalculate(
    ctx: WriteContext,
    day: dt.date | None,
    project_id: int | None,
    user_id: int | None,
    recalculate_field: str | None,
) -> list[int]:
    """Recalculate the Tasks covering `day` (every dated Task when None) in the rule's scope;
    the ids that changed."""
    field_name = recalculate_field or DEFAULT_RECALCULATE_FIELD
    ids = store_scheduling.tasks_spanning(ctx.conn, ctx.store, day, project_id, user_id)
    if not ids:
        return []
    state = state_of(ctx)
    tasks = store_scheduling.task_schedules(ctx.conn, ctx.store, ids)
    people = store_scheduling.human_assignees(ctx.conn, ctx.store, ids)
    entity = ctx.store.schema.entity("Task")
    changed: list[int] = []
    moved: set[int] = set()
    for task_id, task in tasks.items():
        assert task.start is not None and task.due is not None
        calendar = state.calendar(task.project_id, people.get(task_id, ()))
        values: dict[str, Any] = {}
        if task.milestone:
            continue
        segments = splits.parse(task.splits)
        if field_name == "duration":
            duration = (
                splits.duration(segments, calendar)
                if segments
                else calendar.span_minutes(task.start, task.due)
            )
            if duration != task.duration:
                values["duration"] = duration
        elif task.duration is not None:
            if segments:  # the work left is added to, or taken from, the last segments
                segments = splits.last_for(segments, task.duration, calendar)
                if splits.stored(segments) != task.splits:
                    values["splits"] = splits.stored(segments)
            due = segments[-1].end if segments else calendar.end_for(task.start, task.duration)
            if due != task.due:
                values["due_date"] = due
                moved.add(task_id)
        if not values:
            continue
        row = dict(values)
        if "updated_at" in ctx.store.table("Task").c:
            row["updated_at"] = ctx.now
        store_scheduling.update_task_schedules(ctx.conn, ctx.store, {task_id: row})
        ref = LinkRef("Task", task_id)
        ctx.forget(ref)
        project = LinkRef("Project", task.project_id) if task.project_id else None
        before = {"duration": task.duration, "due_date": task.due, "splits": task.splits}
        for name, value in values.items():
            f = entity.fields[name]
            old = read_form(ctx, f, {name: before[name]})
            log_change(
                ctx, entity, ref, project, f, old, read_form(ctx, f, {name: value}), in_create=False
            )
        changed.append(task_id)
    reschedule(ctx, Reschedule(moved=moved, check=set(moved)))
    return changed
