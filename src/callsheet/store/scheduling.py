"""The SQL of production scheduling: Task schedule rows, dependency edges, work-day exceptions
and task-template lookups, all on the write transaction's own connection.

The rules live in callsheet/site/scheduling/; this module only reads and writes what they ask.
`TaskDependency.task` is the downstream Task and `dependent_task` the Task it depends on
(docs/scheduling.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from callsheet.store.internal_tables import work_days
from callsheet.store.store import RETIRED_COLUMN, Store
from callsheet.store.types import Connection

CHUNK = 900  # bound parameters per IN list (SQLite's limit is 999 on old builds)


@dataclass
class TaskSchedule:
    """The schedule fields of one Task as stored."""

    id: int
    project_id: int | None
    start: dt.date | None
    due: dt.date | None
    duration: int | None
    milestone: bool
    pinned: bool
    violation: bool
    splits: Any = None  # the stored `splits` list, or None


@dataclass(frozen=True)
class Edge:
    """One live TaskDependency: `down` depends on `up`."""

    id: int
    down: int
    up: int
    dependency_type: str | None
    offset_days: int | None


def _chunks(items: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def task_schedules(conn: Connection, store: Store, ids: Iterable[int]) -> dict[int, TaskSchedule]:
    """The schedule fields of the live Tasks among `ids`."""
    table = store.table("Task")
    c = table.c
    found: dict[int, TaskSchedule] = {}
    wanted = sorted(set(ids))
    for chunk in _chunks(wanted):
        rows = conn.execute(
            sa.select(
                c.id,
                c.project__id,
                c.start_date,
                c.due_date,
                c.duration,
                c.milestone,
                c.pinned,
                c.dependency_violation,
                c.splits,
            ).where(c.id.in_(chunk), c[RETIRED_COLUMN].is_(None))
        )
        for row in rows:
            found[row.id] = TaskSchedule(
                row.id,
                row.project__id,
                row.start_date,
                row.due_date,
                row.duration,
                bool(row.milestone),
                bool(row.pinned),
                bool(row.dependency_violation),
                row.splits,
            )
    return found


def human_assignees(conn: Connection, store: Store, ids: Iterable[int]) -> dict[int, list[int]]:
    """The HumanUser ids assigned to each Task (through `task_assignees`)."""
    from callsheet.store.links import read_links

    links = read_links(conn, store, "Task", "task_assignees", sorted(set(ids)))
    return {
        task_id: sorted(
            target_id for target_type, target_id in targets if target_type == "HumanUser"
        )
        for task_id, targets in links.items()
    }


def _edge_select(store: Store) -> tuple[sa.Select[Any], Any]:
    c = store.table("TaskDependency").c
    query = sa.select(
        c.id, c.task__id, c.dependent_task__id, c.dependency_type, c.offset_days
    ).where(
        c[RETIRED_COLUMN].is_(None),
        c.task__type == "Task",
        c.dependent_task__type == "Task",
        c.task__id.is_not(None),
        c.dependent_task__id.is_not(None),
    )
    return query, c


def edges_into(conn: Connection, store: Store, task_ids: Iterable[int]) -> list[Edge]:
    """The live dependencies of the Tasks among `task_ids` (edges where they are downstream)."""
    query, c = _edge_select(store)
    edges: list[Edge] = []
    for chunk in _chunks(sorted(set(task_ids))):
        for row in conn.execute(query.where(c.task__id.in_(chunk))):
            edges.append(Edge(row[0], row[1], row[2], row[3], row[4]))
    return edges


def edges_between(conn: Connection, store: Store, pairs: Iterable[tuple[int, int]]) -> list[Edge]:
    """The live dependencies matching (down, up) pairs."""
    pairs = list(pairs)
    if not pairs:
        return []
    query, c = _edge_select(store)
    downs = sorted({down for down, _ in pairs})
    wanted = set(pairs)
    edges = []
    for chunk in _chunks(downs):
        for row in conn.execute(query.where(c.task__id.in_(chunk))):
            if (row[1], row[2]) in wanted:
                edges.append(Edge(row[0], row[1], row[2], row[3], row[4]))
    return edges


def has_upstream(conn: Connection, store: Store, task_id: int) -> bool:
    """Whether the Task depends on at least one live Task."""
    query, c = _edge_select(store)
    return conn.execute(query.where(c.task__id == task_id).limit(1)).first() is not None


def downstream_closure(conn: Connection, store: Store, task_ids: Iterable[int]) -> set[int]:
    """`task_ids` and every Task that depends on one of them, at any depth (a recursive CTE:
    one statement for a chain of any length)."""
    roots = sorted(set(task_ids))
    if not roots:
        return set()
    c = store.table("TaskDependency").c
    live = sa.and_(
        c[RETIRED_COLUMN].is_(None), c.task__type == "Task", c.dependent_task__type == "Task"
    )
    found: set[int] = set(roots)
    for chunk in _chunks(roots):
        seed = sa.select(c.task__id.label("task_id")).where(live, c.dependent_task__id.in_(chunk))
        closure = seed.cte("downstream", recursive=True)
        step = sa.select(c.task__id).where(live, c.dependent_task__id == closure.c.task_id)
        closure = closure.union(step)
        found.update(row[0] for row in conn.execute(sa.select(closure.c.task_id)))
    found.discard(None)  # type: ignore[arg-type]
    return found


def set_edge_types(conn: Connection, store: Store, types: dict[int, str]) -> None:
    """Write `dependency_type` on TaskDependency rows (edge id -> type)."""
    table = store.table("TaskDependency")
    by_type: dict[str, list[int]] = {}
    for edge_id, dependency_type in types.items():
        by_type.setdefault(dependency_type, []).append(edge_id)
    for dependency_type, ids in by_type.items():
        for chunk in _chunks(sorted(ids)):
            conn.execute(
                sa.update(table)
                .where(table.c.id.in_(chunk))
                .values(dependency_type=dependency_type)
            )


def erase_edges(conn: Connection, store: Store, edge_ids: Iterable[int]) -> None:
    """Delete TaskDependency rows for good (not retired: nothing is left to revive)."""
    table = store.table("TaskDependency")
    for chunk in _chunks(sorted(set(edge_ids))):
        conn.execute(sa.delete(table).where(table.c.id.in_(chunk)))


def update_task_schedules(
    conn: Connection, store: Store, changes: dict[int, dict[str, Any]]
) -> None:
    """Write changed schedule columns of several Tasks (id -> column values): one executemany
    per set of columns (a 50-Task push is one statement)."""
    table = store.table("Task")
    runs: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for task_id, values in changes.items():
        runs.setdefault(tuple(sorted(values)), []).append(
            {"task_id_": task_id, **{f"v_{name}": value for name, value in values.items()}}
        )
    for names, params in runs.items():
        statement = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("task_id_"))
            .values({name: sa.bindparam(f"v_{name}") for name in names})
        )
        conn.execute(statement, params)


# -- work-day exceptions ------------------------------------------------------------------------
def work_day_exceptions(
    conn: Connection, project_ids: Iterable[int], user_ids: Iterable[int]
) -> list[tuple[dt.date, int, int, bool]]:
    """(day, project id, user id, working) of every exception of the studio (0, 0), of the
    projects (p, 0) and of the people (0, u) named."""
    wd = work_days.c
    scopes = [sa.and_(wd.project_id == 0, wd.user_id == 0)]
    projects = sorted(set(project_ids))
    users = sorted(set(user_ids))
    if projects:
        scopes.append(sa.and_(wd.project_id.in_(projects), wd.user_id == 0))
    if users:
        scopes.append(sa.and_(wd.project_id == 0, wd.user_id.in_(users)))
    rows = conn.execute(
        sa.select(wd.day, wd.project_id, wd.user_id, wd.working).where(sa.or_(*scopes))
    )
    return [(dt.date.fromisoformat(r[0]), r[1], r[2], bool(r[3])) for r in rows]


# -- task templates -----------------------------------------------------------------------------
def template_task_ids(conn: Connection, store: Store, template_id: int) -> list[int]:
    """The live Tasks of a TaskTemplate (`Task.task_template`), in id order."""
    c = store.table("Task").c
    rows = conn.execute(
        sa.select(c.id)
        .where(
            c.task_template__type == "TaskTemplate",
            c.task_template__id == template_id,
            c[RETIRED_COLUMN].is_(None),
        )
        .order_by(c.id)
    )
    return [row[0] for row in rows]


def claimed_template_tasks(
    conn: Connection, store: Store, entity_type: str, entity_id: int
) -> dict[int, int]:
    """template task id -> the entity's live Task made from it (`Task.template_task`)."""
    c = store.table("Task").c
    rows = conn.execute(
        sa.select(c.template_task__id, c.id)
        .where(
            c.entity__type == entity_type,
            c.entity__id == entity_id,
            c.template_task__type == "Task",
            c.template_task__id.is_not(None),
            c[RETIRED_COLUMN].is_(None),
        )
        .order_by(c.id)
    )
    claims: dict[int, int] = {}
    for template_task, task_id in rows:
        claims.setdefault(template_task, task_id)
    return claims


def edges_between_ids(conn: Connection, store: Store, edge_ids: Iterable[int]) -> list[Edge]:
    """The live TaskDependency rows with these ids."""
    query, c = _edge_select(store)
    edges: list[Edge] = []
    for chunk in _chunks(sorted(set(edge_ids))):
        for row in conn.execute(query.where(c.id.in_(chunk))):
            edges.append(Edge(row[0], row[1], row[2], row[3], row[4]))
    return edges


# -- time logs ----------------------------------------------------------------------------------
def time_log_rollups(
    conn: Connection, store: Store, task_ids: Iterable[int]
) -> dict[int, tuple[int, int | None, dict[str, Any]]]:
    """task id -> (sum of its live TimeLogs' durations, est_in_mins, the stored roll-up columns)."""
    task_table = store.table("Task")
    tasks = task_table.c
    logs = store.table("TimeLog").c
    summed = (
        sa.select(logs.entity__id.label("task_id"), sa.func.sum(logs.duration).label("total"))
        .where(logs.entity__type == "Task", logs[RETIRED_COLUMN].is_(None))
        .group_by(logs.entity__id)
        .subquery()
    )
    found: dict[int, tuple[int, int | None, dict[str, Any]]] = {}
    for chunk in _chunks(sorted(set(task_ids))):
        query = (
            sa.select(
                tasks.id,
                sa.func.coalesce(summed.c.total, 0),
                tasks.est_in_mins,
                tasks.time_logs_sum,
                tasks.time_vs_est,
                tasks.time_percent_of_est,
            )
            .select_from(task_table.outerjoin(summed, summed.c.task_id == tasks.id))
            .where(tasks.id.in_(chunk))
        )
        for row in conn.execute(query):
            found[row[0]] = (
                int(row[1]),
                row[2],
                {"time_logs_sum": row[3], "time_vs_est": row[4], "time_percent_of_est": row[5]},
            )
    return found


def dependents_of(conn: Connection, store: Store, task_id: int) -> set[int]:
    """Tasks with a dependency on `task_id`, live or retired (a retired Task's rows go with it)."""
    c = store.table("TaskDependency").c
    rows = conn.execute(
        sa.select(c.task__id).where(
            c.dependent_task__type == "Task",
            c.dependent_task__id == task_id,
            c.task__type == "Task",
        )
    )
    return {row[0] for row in rows if row[0] is not None}


def tasks_spanning(
    conn: Connection,
    store: Store,
    day: dt.date | None,
    project_id: int | None,
    user_id: int | None,
) -> list[int]:
    """Live dated Tasks whose start..due covers `day` (any day when None): of a project,
    assigned to a person, or all."""
    from callsheet.store.links import link_relation

    c = store.table("Task").c
    query = sa.select(c.id).where(
        c[RETIRED_COLUMN].is_(None),
        c.start_date.is_not(None),
        c.due_date.is_not(None),
    )
    if day is not None:
        query = query.where(c.start_date <= day, c.due_date >= day)
    if project_id:
        query = query.where(c.project__type == "Project", c.project__id == project_id)
    if user_id:
        assigned = link_relation(store, "Task", "task_assignees")
        query = query.where(
            c.id.in_(
                sa.select(assigned.c.owner_id).where(
                    assigned.c.target_type == "HumanUser", assigned.c.target_id == user_id
                )
            )
        )
    return [row[0] for row in conn.execute(query.order_by(c.id))]
