"""Task templates: the Tasks an entity gets when its `task_template` is set.

A template's tasks are Tasks whose `task_template` is the template. Applying it to an entity
creates one Task per template task no Task of the entity was made from yet (`template_task`),
copying the fields ShotGrid copies, then the template's dependencies between the entity's Tasks;
no Task is removed, but the upstream edges of the Tasks already linked to the template become the
template's [shotgun_api3 cookbook "Create a Shot with a Task Template"; sg-groundtruth 083, 084,
090, 092, 101, 102, 107, 109]. Every Task and TaskDependency is an ordinary create with its
event rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callsheet.site.scheduling.dependencies import (
    DEFAULT_DEPENDENCY_TYPE,
    Reschedule,
    reschedule,
)
from callsheet.site.scheduling.edge_events import log_task_links
from callsheet.site.scheduling.state import state_of
from callsheet.site.write_context import WriteContext
from callsheet.store import rows
from callsheet.store import scheduling as store_scheduling
from callsheet.store.kinds import LinkRef, kind_of
from callsheet.store.links import read_links
from callsheet.store.scheduling import Edge

# Copied from each template task [sg-groundtruth 083]; dates as the same calendar days.
COPIED_SCALARS = (
    "content",
    "sg_sort_order",
    "sg_status_list",
    "duration",
    "est_in_mins",
    "sg_description",
    "milestone",
    "start_date",
    "due_date",
)
COPIED_LINKS = ("step",)
COPIED_MULTI_LINKS = ("task_assignees", "task_reviewers")
# Custom fields (`sg_...`) with a value are copied too [sg-groundtruth 102: "reviewers and custom
# fields copy on create as well"]; these are ShotGrid's own despite the prefix.
NOT_CUSTOM = frozenset({"sg_status_list"})
# On a re-apply, what a Task already linked to the template keeps [sg-groundtruth 102, 108]:
# its status; its assignees, dates and (on a dated Task) duration unless empty.
KEPT_ON_RESYNC = frozenset({"sg_status_list"})
FILLED_ON_RESYNC = frozenset({"task_assignees"})
DATE_FIELDS = ("start_date", "due_date")


@dataclass(frozen=True)
class Template:
    """A TaskTemplate's tasks, their copied fields and the dependencies among them."""

    task_ids: list[int]
    copies: dict[int, dict[str, Any]]
    edges: list[Edge]


def _template_task_data(ctx: WriteContext, task_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each template task's copied fields, in write form."""
    entity = ctx.store.schema.entity("Task")
    multi = {
        name: read_links(ctx.conn, ctx.store, "Task", name, task_ids)
        for name in COPIED_MULTI_LINKS
        if name in entity.fields
    }
    datas: dict[int, dict[str, Any]] = {}
    for task_id in task_ids:
        row = rows.entity_row(ctx.conn, ctx.store, "Task", task_id)
        if row is None:
            continue
        data: dict[str, Any] = {}
        for name in COPIED_SCALARS:
            if name in entity.fields and row.get(name) is not None:
                data[name] = row[name]
        for name in COPIED_LINKS:
            if name in entity.fields and row.get(f"{name}__id") is not None:
                data[name] = {"type": row[f"{name}__type"], "id": row[f"{name}__id"]}
        for f in _custom_fields(ctx):
            if row.get(f.name) is not None:
                data[f.name] = row[f.name]
            elif row.get(f"{f.name}__id") is not None:
                data[f.name] = {"type": row[f"{f.name}__type"], "id": row[f"{f.name}__id"]}
        for name, links in multi.items():
            targets = links.get(task_id, [])
            live = rows.live_ids(
                ctx.conn, ctx.store, "HumanUser", [i for t, i in targets if t == "HumanUser"]
            )
            groups = rows.live_ids(
                ctx.conn, ctx.store, "Group", [i for t, i in targets if t == "Group"]
            )
            kept = [
                (t, i)
                for t, i in targets
                if (t == "HumanUser" and i in live) or (t == "Group" and i in groups)
            ]
            if kept:
                data[name] = [{"type": t, "id": i} for t, i in kept]
        datas[task_id] = data
    return datas


def _custom_fields(ctx: WriteContext) -> list[Any]:
    """Task's editable custom fields stored in its own row (text, numbers, lists, a link)."""
    entity = ctx.store.schema.entity("Task")
    return [
        f
        for name, f in entity.fields.items()
        if name.startswith("sg_")
        and name not in COPIED_SCALARS
        and name not in NOT_CUSTOM
        and f.editable
        and kind_of(f).writable
        and not kind_of(f).side_loaded
        and not f.traits.is_multi_link
    ]


def _resync(ctx: WriteContext, linked: dict[int, int], copies: dict[int, dict[str, Any]]) -> None:
    """Write the template's values on the Tasks already linked to it (template task -> Task),
    as ShotGrid's apply does [sg-groundtruth 102, 108]: a value on the template task overwrites
    (0 is a value; an empty text, an empty list and a false checkbox are not); the status is
    kept; assignees are only filled; the dates and the duration only on a Task without dates.
    Each Task gets an ordinary update (its own rules and event rows)."""
    from callsheet.site.writes import update_entity  # writes imports this room

    if not linked:
        return
    assigned = read_links(ctx.conn, ctx.store, "Task", "task_assignees", list(linked.values()))
    for template_task, task_id in linked.items():
        copy = copies.get(template_task, {})
        row = rows.entity_row(ctx.conn, ctx.store, "Task", task_id) or {}
        dated = any(row.get(name) is not None for name in DATE_FIELDS)
        data: dict[str, Any] = {}
        for name, value in copy.items():
            if name in KEPT_ON_RESYNC or value is False or value in ("", []):  # 0 is a value
                continue
            if name in FILLED_ON_RESYNC and assigned.get(task_id):
                continue
            if dated and name in (*DATE_FIELDS, "duration"):
                continue
            data[name] = value
        if data.get("milestone") and dated:
            # a milestone is one day: the Task collapses onto its due date [sg-groundtruth 102]
            day = row.get("due_date") or row.get("start_date")
            data.update(start_date=day, due_date=day)
        if not data:
            continue
        if data.keys() & set(DATE_FIELDS):
            data["pinned"] = bool(row.get("pinned"))  # the apply's dates do not pin the Task
        update_entity(ctx, "Task", task_id, data)


def _erase_edges_outside(
    ctx: WriteContext, linked: set[int], wanted: set[tuple[int, int, str, int | None]]
) -> set[int]:
    """Erase every dependency of a Task already linked to the template that the template does
    not give it (another type or offset, the reverse edge, an upstream Task outside the
    template): ShotGrid's apply leaves a linked Task's upstream edges exactly the template's,
    deleting the others for good, not retired [sg-groundtruth 101, 102, 107, 109]. Edges from
    a linked Task to a Task downstream outside the template are kept [the same findings]. The
    Tasks that lost an edge (their violation flag is checked again)."""
    if not linked:
        return set()
    erased = [
        edge
        for edge in store_scheduling.edges_into(ctx.conn, ctx.store, linked)
        if (edge.down, edge.up, edge.dependency_type or DEFAULT_DEPENDENCY_TYPE, edge.offset_days)
        not in wanted
    ]
    store_scheduling.erase_edges(ctx.conn, ctx.store, [edge.id for edge in erased])
    for edge in erased:  # the Tasks' links changed as a `remove` on upstream_tasks logs it
        log_task_links(ctx, edge.down, edge.up, added=False)
    return {edge.down for edge in erased}


def apply_template(
    ctx: WriteContext, owner: LinkRef, template_id: int, project: LinkRef | None
) -> list[int]:
    """Create the template's missing Tasks on `owner` and copy its dependencies; the new ids."""
    from callsheet.site.writes import create_entities, create_entity  # writes imports this room

    state = state_of(ctx)
    template = state.templates.get(template_id)
    if template is None:  # read once per transaction (a batch of Shots applies it many times)
        task_ids = store_scheduling.template_task_ids(ctx.conn, ctx.store, template_id)
        template = Template(
            task_ids,
            _template_task_data(ctx, task_ids),
            store_scheduling.edges_into(ctx.conn, ctx.store, task_ids) if task_ids else [],
        )
        state.templates[template_id] = template
    template_tasks = template.task_ids
    if not template_tasks:
        return []
    claims = store_scheduling.claimed_template_tasks(ctx.conn, ctx.store, owner.type, owner.id)
    missing = [task_id for task_id in template_tasks if task_id not in claims]
    copies = template.copies
    deferred = Reschedule()
    outer, state.deferred = state.deferred, deferred
    try:
        datas = []
        for task_id in missing:
            data = dict(copies.get(task_id, {}))
            data["entity"] = {"type": owner.type, "id": owner.id}
            if project is not None:
                data["project"] = {"type": "Project", "id": project.id}
            data["template_task"] = {"type": "Task", "id": task_id}
            datas.append(data)
        new_ids = create_entities(ctx, "Task", datas) if datas else []
        made = dict(zip(missing, new_ids, strict=True))
        tasks_of = {**claims, **made}
        template_edges = [
            edge for edge in template.edges if edge.up in tasks_of and edge.down in tasks_of
        ]
        pairs = [(tasks_of[edge.down], tasks_of[edge.up]) for edge in template_edges]
        resynced = {task_id: claims[task_id] for task_id in template_tasks if task_id in claims}
        _resync(ctx, resynced, copies)
        linked = set(resynced.values())
        deferred.place |= linked  # kept or filled dates, then the dependency cascade [GT 102]
        wanted = {
            (*pair, edge.dependency_type or DEFAULT_DEPENDENCY_TYPE, edge.offset_days)
            for edge, pair in zip(template_edges, pairs, strict=True)
        }
        deferred.check |= _erase_edges_outside(ctx, linked, wanted)
        claimed = set(claims.values())
        existing = {  # only Tasks that existed before can have an edge already
            (edge.down, edge.up)
            for edge in store_scheduling.edges_between(
                ctx.conn, ctx.store, [p for p in pairs if p[0] in claimed and p[1] in claimed]
            )
        }
        new_tasks = set(new_ids)
        fresh: list[dict[str, Any]] = []
        for edge, (down, up) in zip(template_edges, pairs, strict=True):
            if (down, up) in existing:
                continue
            data = {
                "task": {"type": "Task", "id": down},
                "dependent_task": {"type": "Task", "id": up},
                "dependency_type": edge.dependency_type or DEFAULT_DEPENDENCY_TYPE,
            }
            if edge.offset_days is not None:
                data["offset_days"] = edge.offset_days
            existing.add((down, up))
            if down in new_tasks and up in new_tasks:
                # between Tasks made here: no row links them yet, and the template's own
                # edges cannot close a loop
                state.trusted_edges.add((down, up))
                fresh.append(data)
            else:
                create_entity(ctx, "TaskDependency", data)
        if fresh:
            create_entities(ctx, "TaskDependency", fresh, fresh_links=True)
    finally:
        state.deferred = outer
        state.trusted_edges.clear()
    dated = any(
        copy.get("start_date") is not None or copy.get("due_date") is not None
        for copy in copies.values()
    )
    if dated or claims:  # undated new Tasks: no dependency can place or flag anything
        reschedule(ctx, deferred)
    return new_ids
