"""When a Shot's status becomes a configured value, zip its latest published files for delivery.

The file of the latest PublishedFile of each name linked to the Shot (highest version_number;
local file paths) goes into `<folder>/<shot code>_<event id>.zip`, and a Note on the Shot says
where. Settings, in the daemon's config file (a status must be one of the field's valid values):

    [deliver_shot]
    status = dlvr
    folder = /mnt/deliveries

The archive is written under a temporary name and renamed when complete, and a redelivered event
(after a crash) rewrites the same archive and does not add a second Note.

Credentials: SGDAEMON_DELIVERSHOT_NAME / _KEY, else the daemon's [shotgun] ones.
"""

from __future__ import annotations

import os
import re
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
    """The PublishedFile with the highest version of each name linked to the Shot."""
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


def write_archive(archive, files):
    """Zip `files` (local paths) into `archive`, atomically; returns the names packed."""
    partial = archive + ".partial"
    packed = []
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
        for local in files:
            name = os.path.basename(local)
            if name not in packed:
                bundle.write(local, name)
                packed.append(name)
    os.replace(partial, archive)
    return packed


def deliver_shot(sg, logger, event, args):
    """Zip the Shot's latest published files and record where in a Note."""
    meta = event.get("meta") or {}
    if meta.get("new_value") != args["status"]:
        return
    shot = sg.find_one("Shot", [["id", "is", meta["entity_id"]]], ["code", "project"])
    if shot is None:
        return
    link = {"type": "Shot", "id": shot["id"]}
    files = []
    for row in latest_published_files(sg, link):
        local = (row.get("path") or {}).get("local_path")
        if local and os.path.isfile(local):
            files.append(local)
        else:
            logger.warning("PublishedFile %s has no local file to deliver", row["id"])
    safe_code = re.sub(r"[^\w.-]+", "_", shot["code"] or f"shot{shot['id']}")
    os.makedirs(args["folder"], exist_ok=True)
    archive = os.path.abspath(os.path.join(args["folder"], f"{safe_code}_{event['id']}.zip"))
    packed = write_archive(archive, files)
    subject = f"Delivery of {shot['code']}"
    if sg.find_one("Note", [["note_links", "is", link], ["content", "contains", archive]]):
        return  # this event was delivered before (a retry after a crash)
    sg.create(
        "Note",
        {
            "project": shot["project"],
            "note_links": [link],
            "subject": subject,
            "content": f"Delivered {len(packed)} file(s) to {archive}: {', '.join(packed)}",
        },
    )
    logger.info("Shot %s delivered to %s", shot["code"], archive)
