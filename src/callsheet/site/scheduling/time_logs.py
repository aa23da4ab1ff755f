"""Task time roll-ups: `time_logs_sum`, `time_vs_est`, `time_percent_of_est`.

`Task.time_logs_sum` is the sum of its TimeLogs' durations (reference/data-model.md, TimeLog);
`time_vs_est` is `est_in_mins - time_logs_sum` [sg-groundtruth entity_types/Task: est_in_mins 600
with nothing logged reads 600]; `time_percent_of_est` is the logged share of the bid, in percent.
Kept up to date by the writes of TimeLogs (create, update, retire, revive) and of `est_in_mins`,
in the same transaction, with `_Change` rows like any field change.
"""

from __future__ import annotations

from collections.abc import Iterable

from callsheet.site.change_events import log_change
from callsheet.site.write_context import WriteContext
from callsheet.store import scheduling as store_scheduling
from callsheet.store.kinds import LinkRef


def roll_up(ctx: WriteContext, task_ids: Iterable[int]) -> None:
    """Recompute the time fields of the Tasks and log the ones that changed."""
    ids = sorted({task_id for task_id in task_ids if task_id is not None})
    if not ids:
        return
    entity = ctx.store.schema.entity("Task")
    needed = ("time_logs_sum", "time_vs_est", "time_percent_of_est", "est_in_mins")
    if not all(name in entity.fields for name in needed):
        return
    found = store_scheduling.time_log_rollups(ctx.conn, ctx.store, ids)
    changes: dict[int, dict[str, int | None]] = {}
    for task_id, (total, estimate, stored) in found.items():
        values = {
            "time_logs_sum": total,
            "time_vs_est": None if estimate is None else estimate - total,
            "time_percent_of_est": round(total * 100 / estimate) if estimate else None,
        }
        changed = {name: value for name, value in values.items() if stored[name] != value}
        if changed:
            changes[task_id] = changed
    if not changes:
        return
    store_scheduling.update_task_schedules(ctx.conn, ctx.store, changes)
    for task_id, changed in changes.items():
        ref = LinkRef("Task", task_id)
        _, _, stored = found[task_id]
        project = ctx.project_of(ref)
        for name, value in changed.items():
            log_change(
                ctx, entity, ref, project, entity.fields[name], stored[name], value, in_create=False
            )
