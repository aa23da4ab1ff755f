"""When a Shot's status becomes a configured value, zip its latest published files for delivery.

The files of the latest PublishedFile of each name linked to the Shot (local paths) go into
`<folder>/<shot code>_<event id>.zip`, and a Note on the Shot says where. Settings, in the
daemon's config file:

    [deliver_shot]
    status = dlvr
    folder = /mnt/deliveries

Credentials: SGDAEMON_DELIVERSHOT_NAME / _KEY, else the daemon's [shotgun] ones.
"""

from __future__ import annotations

import os
import zipfile


def registerCallbacks(reg):
    """Register for Shot status changes."""
    config = reg.logger.config
    name = os.environ.get("SGDAEMON_DELIVERSHOT_NAME") or config.get("shotgun", "name")
    key = os.environ.get("SGDAEMON_DELIVERSHOT_KEY") or config.get("shotgun", "key")
    settings = {
        "status": config.get("deliver_shot", "status", fallback="dlvr"),
        "folder": config.get("deliver_shot", "folder", fallback="deliveries"),
    }
    match = {"Shotgun_Shot_Change": ["sg_status_list"]}
    reg.registerCallback(name, key, deliver_shot, match, settings)


def latest_published_files(sg, shot):
    """The newest PublishedFile of each name linked to the Shot."""
    published = sg.find(
        "PublishedFile",
        [["entity", "is", shot]],
        ["code", "name", "path", "version_number"],
        order=[
            {"field_name": "version_number", "direction": "desc"},
            {"field_name": "id", "direction": "desc"},
        ],
    )
    latest = {}
    for row in published:
        latest.setdefault(row.get("name") or row.get("code"), row)
    return list(latest.values())


def deliver_shot(sg, logger, event, args):
    """Zip the Shot's latest published files and record where in a Note."""
    meta = event.get("meta") or {}
    if meta.get("new_value") != args["status"]:
        return
    shot = sg.find_one("Shot", [["id", "is", meta["entity_id"]]], ["code", "project"])
    if shot is None:
        return
    os.makedirs(args["folder"], exist_ok=True)
    archive = os.path.abspath(os.path.join(args["folder"], f"{shot['code']}_{event['id']}.zip"))
    packed = []
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for row in latest_published_files(sg, {"type": "Shot", "id": shot["id"]}):
            local = (row.get("path") or {}).get("local_path")
            if local and os.path.isfile(local):
                bundle.write(local, os.path.basename(local))
                packed.append(os.path.basename(local))
            else:
                logger.warning("PublishedFile %s has no local file to deliver", row["id"])
    sg.create(
        "Note",
        {
            "project": shot["project"],
            "note_links": [{"type": "Shot", "id": shot["id"]}],
            "subject": f"Delivery of {shot['code']}",
            "content": f"Delivered {len(packed)} file(s) to {archive}: {', '.join(packed)}",
        },
    )
    logger.info("Shot %s delivered to %s", shot["code"], archive)
