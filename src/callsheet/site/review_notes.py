"""Review notes: a Note on a paused frame of a Version, with the drawing as an annotation image.

As in ShotGrid's review tools, the Note is linked to the Version and to the Version's Shot or
Asset (`note_links`) and Task (`tasks`), addressed to the Version's artist, and carries the frame
in its body; the drawing (the frame with the strokes on it, a PNG) is an Attachment of the Note.
The Note and its annotation are one write: both with their event rows, or neither.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, Any

from callsheet.faults import NotFoundFault, ValueFault
from callsheet.site import uploads
from callsheet.site.actor import Actor
from callsheet.site.writes import create_entity

if TYPE_CHECKING:
    from callsheet.site.site import Site

MAX_BODY_CHARS = 20_000
MAX_ANNOTATION_BYTES = 20 * 1024 * 1024
PNG_DATA_URL = "data:image/png;base64,"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The frame is the first words of the body ("Frame 12: ..."): people read it, markers parse it.
FRAME_IN_BODY = re.compile(r"^Frame (\d{1,9})\b")
ANNOTATION_NAME = re.compile(r"^annotation_\d+_frame_(\d{1,9})\.png$")
VERSION_FIELDS = ["code", "project", "entity", "sg_task", "user"]


def annotation_bytes(data_url: object) -> bytes | None:
    """The PNG of a `data:image/png;base64,...` drawing (None when there is no drawing)."""
    if data_url in (None, ""):
        return None
    if not isinstance(data_url, str) or not data_url.startswith(PNG_DATA_URL):
        raise ValueFault("The drawing must be a PNG data URL (data:image/png;base64,...).")
    try:
        png = base64.b64decode(data_url[len(PNG_DATA_URL) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValueFault("The drawing is not valid base64.") from None
    if not png.startswith(PNG_SIGNATURE):
        raise ValueFault("The drawing is not a PNG image.")
    if len(png) > MAX_ANNOTATION_BYTES:
        raise ValueFault(f"The drawing is larger than {MAX_ANNOTATION_BYTES} bytes.")
    return png


def frame_of(content: object, filename: object = None) -> int | None:
    """The frame a review note is about: from its annotation's name, else its body."""
    for text, pattern in ((filename, ANNOTATION_NAME), (content, FRAME_IN_BODY)):
        match = pattern.match(text) if isinstance(text, str) else None
        if match:
            return int(match.group(1))
    return None


def create_review_note(
    site: Site,
    actor: Actor,
    version_id: int,
    text: object,
    frame: object,
    drawing: object = None,
    playlist_id: int | None = None,
) -> dict[str, Any]:
    """A Note on frame `frame` of a Version, with its drawing attached when there is one."""
    if isinstance(frame, bool) or not isinstance(frame, int) or not 0 < frame < 10**9:
        raise ValueFault(
            f"The frame of a review note must be a positive whole number, got {frame!r}."
        )
    body = text.strip() if isinstance(text, str) else ""
    if len(body) > MAX_BODY_CHARS:
        raise ValueFault(f"The note is longer than {MAX_BODY_CHARS} characters.")
    png = annotation_bytes(drawing)
    if not body and png is None:
        raise ValueFault("A review note needs words or a drawing.")
    version = site.find_one(actor, "Version", [["id", "is", version_id]], VERSION_FIELDS)
    if version is None:
        raise NotFoundFault(f"Version {version_id} doesn't exist or you may not see it.")
    if not version.get("project"):
        raise ValueFault(f"Version {version['code']!r} belongs to no project; a Note needs one.")
    links = [{"type": "Version", "id": version_id}]
    parent = version.get("entity")
    note_links = site.schema.entity("Note").fields["note_links"].valid_types
    if isinstance(parent, dict) and parent.get("type") in note_links:
        links.append({"type": parent["type"], "id": parent["id"]})
    content = f"Frame {frame}: {body}" if body else f"Frame {frame}"
    data: dict[str, Any] = {
        "project": {"type": "Project", "id": version["project"]["id"]},
        "subject": f"Note on {version.get('code') or f'Version {version_id}'}, frame {frame}",
        "content": content,
        "user": {"type": actor.entity_type, "id": actor.id},
        "note_links": links,
    }
    if isinstance(version.get("sg_task"), dict):
        data["tasks"] = [{"type": "Task", "id": version["sg_task"]["id"]}]
    artist = version.get("user")
    if isinstance(artist, dict) and artist.get("type") in ("HumanUser", "Group"):
        data["addressings_to"] = [{"type": artist["type"], "id": artist["id"]}]
    if playlist_id is not None:
        data["playlist"] = {"type": "Playlist", "id": playlist_id}
    with site.writing(actor) as ctx:
        note_id = create_entity(ctx, "Note", data)
        annotation = None
        if png is not None:
            name = f"annotation_{version_id}_frame_{frame}.png"
            annotation = uploads.attach_file(ctx, site, "Note", note_id, name, png)
    return {
        "type": "Note",
        "id": note_id,
        "content": content,
        "frame": frame,
        "annotation": annotation,
    }
