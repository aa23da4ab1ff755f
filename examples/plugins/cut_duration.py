"""When a Shot's sg_cut_in or sg_cut_out changes, recalculate sg_cut_duration (out - in + 1).

Credentials: SGDAEMON_CUTDURATION_NAME / _KEY, else the daemon's [shotgun] ones.
"""

from __future__ import annotations

import os


def registerCallbacks(reg):
    """Register for cut in/out changes on Shots."""
    config = reg.logger.config
    name = os.environ.get("SGDAEMON_CUTDURATION_NAME") or config.get("shotgun", "name")
    key = os.environ.get("SGDAEMON_CUTDURATION_KEY") or config.get("shotgun", "key")
    match = {"Shotgun_Shot_Change": ["sg_cut_in", "sg_cut_out"]}
    reg.registerCallback(name, key, update_cut_duration, match, None)


def update_cut_duration(sg, logger, event, args):
    """Write sg_cut_duration from the Shot's current cut in and out."""
    shot_id = (event.get("meta") or {}).get("entity_id")
    shot = sg.find_one(
        "Shot", [["id", "is", shot_id]], ["sg_cut_in", "sg_cut_out", "sg_cut_duration"]
    )
    if shot is None or shot["sg_cut_in"] is None or shot["sg_cut_out"] is None:
        return
    duration = shot["sg_cut_out"] - shot["sg_cut_in"] + 1
    if shot["sg_cut_duration"] != duration:
        sg.update("Shot", shot_id, {"sg_cut_duration": duration})
        logger.info("Shot %s cut duration is now %s", shot_id, duration)
