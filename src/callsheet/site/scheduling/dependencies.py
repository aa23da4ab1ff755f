"""Task dependencies: placing downstream Tasks, `dependency_violation`, loops.

Rules and sources in docs/scheduling.md (shotgun_api3 cookbook "Task Dependencies";
sg-groundtruth 085, 087, 092, 093, 100, 107). `reschedule` runs in the write's transaction: it
reads the downstream closure of the Tasks that moved with one recursive query, places each
unpinned Task in dependency order, and writes every changed Task with its `_Change` event rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from callsheet.faults import ValueFault
from callsheet.site.change_events import log_change
from callsheet.site.scheduling import splits
from callsheet.site.scheduling.calendar import WorkCalendar
from callsheet.site.scheduling.state import state_of
from callsheet.site.write_context import WriteContext, read_form
from callsheet.store import scheduling as store_scheduling
from callsheet.store.kinds import LinkRef
from callsheet.store.query import display_names
from callsheet.store.scheduling import Edge, TaskSchedule
from callsheet.store.scope import UNRESTRICTED

FINISH_TO_START = "finish-to-start-next-day"
START_TO_START = "start-to-start"
FINISH_TO_FINISH = "finish-to-finish"
START_TO_FINISH = "start-to-finish-next-day"
# In the order of ShotGrid's own fault message [sg-groundtruth 085].
DEPENDENCY_TYPES = (FINISH_TO_START, START_TO_START, FINISH_TO_FINISH, START_TO_FINISH)
DEFAULT_DEPENDENCY_TYPE = FINISH_TO_START  # [cookbook "Task Dependencies"]
# Types that place the downstream Task's start (the others place its due date).
START_TYPES = frozenset({FINISH_TO_START, START_TO_START})


def check_dependency_type(value: Any) -> str:
    """A valid dependency type, or ShotGrid's fault (case matters, null is refused)."""
    if value not in DEPENDENCY_TYPES:
        shown = "" if value is None else value
        raise ValueFault(
            f"TaskDependency.dependency_type: Dependency type '{shown}' is invalid, accepted "
            f"values are {', '.join(DEPENDENCY_TYPES)}."
        )
    return str(value)


def _required(edge: Edge, up: TaskSchedule, calendar: WorkCalendar) -> dt.date | None:
    """The date the edge gives its downstream Task: its start (FS, SS) or its due (FF, SF)."""
    offset = edge.offset_days or 0
    kind = edge.dependency_type or DEFAULT_DEPENDENCY_TYPE
    if kind == FINISH_TO_START:
        return None if up.due is None else calendar.shift(up.due, 1 + offset)
    if kind == START_TO_START:
        return None if up.start is None else calendar.shift(up.start, offset)
    if kind == FINISH_TO_FINISH:
        return None if up.due is None else calendar.shift(up.due, offset)
    return None if up.start is None else calendar.shift(up.start, offset - 1)


def _duration(task: TaskSchedule, calendar: WorkCalendar) -> int | None:
    if task.milestone:
        return 0
    if task.duration is not None:
        return task.duration
    if task.start is not None and task.due is not None and task.start <= task.due:
        return calendar.span_minutes(task.start, task.due)
    return None


def placement(
    task: TaskSchedule,
    edges: list[Edge],
    tasks: dict[int, TaskSchedule],
    calendar: WorkCalendar,
) -> tuple[dt.date | None, dt.date | None] | None:
    """Where the Task's dependencies put it (the latest placement of all), duration held;
    None when no upstream Task has the date its edge needs."""
    duration = _duration(task, calendar)
    segments = splits.parse(task.splits)
    best: tuple[dt.date | None, dt.date | None] | None = None
    start: dt.date | None
    due: dt.date | None
    for edge in edges:
        up = tasks.get(edge.up)
        if up is None:
            continue
        day = _required(edge, up, calendar)
        if day is None:
            continue
        kind = edge.dependency_type or DEFAULT_DEPENDENCY_TYPE
        if segments:  # a split Task moves whole, its segments and gaps kept
            moved = (
                splits.move_to_start(segments, day, calendar)
                if kind in START_TYPES
                else splits.move_to_end(segments, day, calendar)
            )
            start, due = moved[0].start, moved[-1].end
        elif kind in START_TYPES:
            start = day
            due = calendar.end_for(day, duration) if duration is not None else task.due
            if due is not None and due < day:
                due = None
        else:
            due = day
            start = calendar.start_for(day, duration) if duration is not None else task.start
            if start is not None and start > day:
                start = None
        anchor = start or due
        if best is None or (anchor is not None and anchor > (best[0] or best[1])):  # type: ignore[operator]
            best = (start, due)
    return best


def violated(
    task: TaskSchedule, edges: list[Edge], tasks: dict[int, TaskSchedule], calendar: WorkCalendar
) -> bool:
    """Whether the Task starts (FS, SS) or ends (FF, SF) before one of its dependencies allows."""
    for edge in edges:
        up = tasks.get(edge.up)
        if up is None:
            continue
        day = _required(edge, up, calendar)
        if day is None:
            continue
        own = (
            task.start
            if (edge.dependency_type or DEFAULT_DEPENDENCY_TYPE) in START_TYPES
            else task.due
        )
        if own is not None and own < day:
            return True
    return False


def check_no_loop(ctx: WriteContext, edges: Iterable[tuple[int, int]]) -> None:
    """Fault when a (down, up) dependency closes a loop: `up` must not depend on `down`."""
    for down, up in edges:
        if down == up or up in store_scheduling.downstream_closure(ctx.conn, ctx.store, [down]):
            names = [ctx.entity_dict(LinkRef("Task", i)) or {} for i in (down, up)]
            shown = [f"Task {i} ({n.get('name')})" for i, n in zip((down, up), names, strict=True)]
            raise ValueFault(
                "Can't create this dependency as it causes a loop: "
                f"{shown[0]} would depend on {shown[1]}, which already depends on it."
            )


@dataclass
class Reschedule:
    """The Tasks a write asks to reconsider."""

    place: set[int] = field(default_factory=set)  # place again from their dependencies
    moved: set[int] = field(default_factory=set)  # their dates changed: downstream follows
    check: set[int] = field(default_factory=set)  # recompute dependency_violation

    def __bool__(self) -> bool:
        return bool(self.place or self.moved or self.check)


def _order(closure: set[int], edges: list[Edge]) -> list[int]:
    """The closure's Tasks, each after the Tasks it depends on inside the closure."""
    ups: dict[int, set[int]] = {task_id: set() for task_id in closure}
    downs: dict[int, list[int]] = {task_id: [] for task_id in closure}
    for edge in edges:
        if edge.up in closure and edge.down in closure and edge.up != edge.down:
            ups[edge.down].add(edge.up)
            downs[edge.up].append(edge.down)
    ready = sorted(task_id for task_id, deps in ups.items() if not deps)
    order: list[int] = []
    while ready:
        task_id = ready.pop()
        order.append(task_id)
        for down in downs[task_id]:
            ups[down].discard(task_id)
            if not ups[down]:
                ready.append(down)
    if len(order) != len(closure):
        raise ValueFault("Can't schedule these Tasks: their dependencies form a loop.")
    return order


def reschedule(ctx: WriteContext, request: Reschedule) -> None:
    """Place, move and flag the Tasks `request` names and everything downstream of them."""
    if not request:
        return
    conn, store = ctx.conn, ctx.store
    state = state_of(ctx)
    roots = request.place | request.moved | request.check
    closure = store_scheduling.downstream_closure(conn, store, roots)
    edges = store_scheduling.edges_into(conn, store, closure)
    tasks = store_scheduling.task_schedules(conn, store, closure | {e.up for e in edges})
    people = store_scheduling.human_assignees(conn, store, closure)
    into: dict[int, list[Edge]] = {}
    for edge in edges:
        into.setdefault(edge.down, []).append(edge)
    dirty = set(request.moved)
    changes: dict[int, dict[str, Any]] = {}
    before: dict[int, dict[str, Any]] = {}
    for task_id in _order(closure, edges):
        task = tasks.get(task_id)
        if task is None:
            continue
        upstream = into.get(task_id, [])
        followed = any(edge.up in dirty for edge in upstream)
        if not (followed or task_id in request.place or task_id in request.check):
            continue
        calendar = state.calendar(task.project_id, people.get(task_id, ()))
        before.setdefault(
            task_id,
            {
                "start_date": task.start,
                "due_date": task.due,
                "dependency_violation": task.violation,
            },
        )
        if upstream and not task.pinned and (followed or task_id in request.place):
            placed = placement(task, upstream, tasks, calendar)
            if placed is not None and placed != (task.start, task.due):
                changed = changes.setdefault(task_id, {})
                changed.update(start_date=placed[0], due_date=placed[1])
                if task.splits and placed[0] is not None:
                    moved = splits.move_to_start(splits.parse(task.splits), placed[0], calendar)
                    before[task_id]["splits"] = task.splits
                    changed["splits"] = task.splits = splits.stored(moved)
                task.start, task.due = placed
                dirty.add(task_id)
        flag = violated(task, upstream, tasks, calendar)
        if flag != task.violation:
            changes.setdefault(task_id, {})["dependency_violation"] = flag
            task.violation = flag
    _write(ctx, changes, before, {task_id: tasks[task_id].project_id for task_id in changes})


def _write(
    ctx: WriteContext,
    changes: dict[int, dict[str, Any]],
    before: dict[int, dict[str, Any]],
    projects: dict[int, int | None],
) -> None:
    """Store the changed Tasks and log one `_Change` row per changed field."""
    if not changes:
        return
    entity = ctx.store.schema.entity("Task")
    table = ctx.store.table("Task")
    stamped: dict[int, dict[str, Any]] = {}
    for task_id, values in changes.items():
        row = dict(values)
        if "updated_at" in table.c:
            row["updated_at"] = ctx.now
        if "updated_by__id" in table.c and ctx.actor_ref:
            row["updated_by__type"], row["updated_by__id"] = ctx.actor_ref
        stamped[task_id] = row
    store_scheduling.update_task_schedules(ctx.conn, ctx.store, stamped)
    # the event descriptions name each Task: one query for all of them
    # The engine's own read (the event rows' names): every row, as write_context reads them.
    names = display_names(ctx.conn, ctx.store, {"Task": set(changes)}, UNRESTRICTED)
    for task_id, values in changes.items():
        ref = LinkRef("Task", task_id)
        ctx.forget(ref)
        found = names.get(ref)
        ctx.remember(ref, found.get("name") if found else None)
        project_id = projects.get(task_id)
        project = LinkRef("Project", project_id) if project_id else None
        for name, new in values.items():
            f = entity.fields[name]
            old_value = read_form(ctx, f, {name: before[task_id][name]})
            new_value = read_form(ctx, f, {name: new})
            if old_value != new_value:
                log_change(ctx, entity, ref, project, f, old_value, new_value, in_create=False)
