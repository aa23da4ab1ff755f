"""When a Task becomes final (fin), downstream Tasks whose upstream Tasks are all final become rdy.

Only downstream Tasks still waiting to start (wtg, blk or no status) change: a Task in progress,
on hold or already final keeps the status a person gave it. Running the callback twice for the
same event (a redelivery after a crash) changes nothing more.

Credentials: SGDAEMON_TASKREADY_NAME / SGDAEMON_TASKREADY_KEY, else the daemon's [shotgun] ones.
"""

from __future__ import annotations

import os

FINAL, READY = "fin", "rdy"
WAITING = ("wtg", "blk", None)


def registerCallbacks(reg):
    """Register for Task status changes."""
    config = reg.logger.config
    name = os.environ.get("SGDAEMON_TASKREADY_NAME") or config.get("shotgun", "name")
    key = os.environ.get("SGDAEMON_TASKREADY_KEY") or config.get("shotgun", "key")
    reg.registerCallback(
        name, key, set_downstream_ready, {"Shotgun_Task_Change": ["sg_status_list"]}, None
    )


def set_downstream_ready(sg, logger, event, args):
    """Make every waiting downstream Task whose upstream Tasks are all final ready."""
    meta = event.get("meta") or {}
    if meta.get("new_value") != FINAL:
        return
    task = sg.find_one("Task", [["id", "is", meta["entity_id"]]], ["downstream_tasks"])
    downstream_ids = [row["id"] for row in (task or {}).get("downstream_tasks") or []]
    if not downstream_ids:
        return
    candidates = [
        row
        for row in sg.find(
            "Task", [["id", "in", downstream_ids]], ["upstream_tasks", "sg_status_list"]
        )
        if row["sg_status_list"] in WAITING
    ]
    if not candidates:
        return
    upstream_ids = {up["id"] for row in candidates for up in row["upstream_tasks"] or []}
    unfinished = {
        row["id"]
        for row in sg.find("Task", [["id", "in", sorted(upstream_ids)]], ["sg_status_list"])
        if row["sg_status_list"] != FINAL
    }  # a retired upstream Task is not found, so it holds nothing up
    ready = [
        row
        for row in candidates
        if not any(up["id"] in unfinished for up in row["upstream_tasks"] or [])
    ]
    if not ready:
        return
    sg.batch(
        [
            {
                "request_type": "update",
                "entity_type": "Task",
                "entity_id": row["id"],
                "data": {"sg_status_list": READY},
            }
            for row in ready
        ]
    )
    logger.info(
        "Tasks %s are ready: all their upstream Tasks are final",
        ", ".join(str(row["id"]) for row in ready),
    )
