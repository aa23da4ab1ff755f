"""When a Task becomes final (fin), downstream Tasks whose upstream Tasks are all final become rdy.

Credentials: SGDAEMON_TASKREADY_NAME / SGDAEMON_TASKREADY_KEY, else the daemon's [shotgun] ones.
"""

from __future__ import annotations

import os

FINAL, READY = "fin", "rdy"


def registerCallbacks(reg):
    """Register for Task status changes."""
    config = reg.logger.config
    name = os.environ.get("SGDAEMON_TASKREADY_NAME") or config.get("shotgun", "name")
    key = os.environ.get("SGDAEMON_TASKREADY_KEY") or config.get("shotgun", "key")
    reg.registerCallback(
        name, key, set_downstream_ready, {"Shotgun_Task_Change": ["sg_status_list"]}, None
    )


def set_downstream_ready(sg, logger, event, args):
    """Make every downstream Task whose upstream Tasks are all final ready."""
    meta = event.get("meta") or {}
    if meta.get("new_value") != FINAL:
        return
    task = sg.find_one("Task", [["id", "is", meta["entity_id"]]], ["downstream_tasks"])
    for downstream in (task or {}).get("downstream_tasks") or []:
        candidate = sg.find_one(
            "Task", [["id", "is", downstream["id"]]], ["upstream_tasks", "sg_status_list"]
        )
        if candidate is None or candidate["sg_status_list"] in (READY, FINAL):
            continue
        upstream_ids = [up["id"] for up in candidate["upstream_tasks"] or []]
        upstream = sg.find("Task", [["id", "in", upstream_ids]], ["sg_status_list"])
        if all(up["sg_status_list"] == FINAL for up in upstream):
            sg.update("Task", candidate["id"], {"sg_status_list": READY})
            logger.info("Task %s is ready: all its upstream Tasks are final", candidate["id"])
