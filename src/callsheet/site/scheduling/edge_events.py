"""The event rows of a dependency edge, whichever side wrote it.

A dependency is one TaskDependency record, read as `upstream_tasks` on its downstream Task and
`downstream_tasks` on its upstream Task (docs/scheduling.md). ShotGrid logs both sides of a new
edge: the record's `Shotgun_TaskDependency_New` with its `task` and `dependent_task` rows, and an
`upstream_tasks` / `downstream_tasks` row on each Task [sg-groundtruth 090, the rows of a copied
dependency]. A write through one side logs its own rows as usual; this module logs the other's.
"""

from __future__ import annotations

from typing import Any

from callsheet.schema.model import Field
from callsheet.site.change_events import log_create, log_links
from callsheet.site.scheduling.dependencies import DEFAULT_DEPENDENCY_TYPE
from callsheet.site.write_context import WriteContext
from callsheet.store.kinds import LinkRef
from callsheet.store.scheduling import Edge


def log_records_made(ctx: WriteContext, edges: list[Edge]) -> None:
    """The `_New` rows of TaskDependency records a Task's link write made (a default type
    logs no row: change_events.UNLOGGED_CREATE_VALUES)."""
    entity = ctx.store.schema.entity("TaskDependency")
    fields = entity.fields
    for edge in edges:
        values: dict[str, tuple[Field, Any]] = {
            "task": (fields["task"], LinkRef("Task", edge.down)),
            "dependent_task": (fields["dependent_task"], LinkRef("Task", edge.up)),
        }
        kind = edge.dependency_type or DEFAULT_DEPENDENCY_TYPE
        values["dependency_type"] = (fields["dependency_type"], kind)
        if edge.offset_days is not None:
            values["offset_days"] = (fields["offset_days"], edge.offset_days)
        log_create(ctx, entity, LinkRef("TaskDependency", edge.id), values)


def log_task_links(ctx: WriteContext, down: int, up: int, *, added: bool) -> None:
    """The downstream Task's `upstream_tasks` row and the upstream Task's `downstream_tasks`
    row of a record made, erased, retired or revived as a TaskDependency."""
    task = ctx.store.schema.entity("Task")
    downstream, upstream = LinkRef("Task", down), LinkRef("Task", up)
    links = [upstream]
    log_links(
        ctx,
        task,
        downstream,
        ctx.project_of(downstream),
        task.fields["upstream_tasks"],
        [] if added else links,
        links if added else [],
        in_create=False,
    )
