"""The activity stream of an entity and the contents of a note thread, read from the event log.

ShotGrid's stream shows the creation of the entity itself and of the Notes and Versions linked to
it, newest first (reference §3.6; the official tests expect exactly the Shot and its Note).
"""

from __future__ import annotations

from typing import Any

from callsheet.faults import ValueFault
from callsheet.site.actor import SYSTEM, Actor
from callsheet.site.following import live_entity
from callsheet.site.site import Site

# linked entity types shown in a stream, and the filter that links them to the streamed entity
_LINKED = (("Note", "note_links"), ("Version", "entity"))
DEFAULT_STREAM_LIMIT = 25
MAX_STREAM_LIMIT = 500


def _fields_for(entity_fields: Any, entity_type: str) -> list[str]:
    if entity_fields is None:
        return []
    if not isinstance(entity_fields, dict):
        raise ValueFault(
            f"entity_fields must be a dict of type to field list, got {entity_fields!r}."
        )
    fields = entity_fields.get(entity_type) or []
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise ValueFault(f"entity_fields[{entity_type!r}] must be a list of field names.")
    return fields


def _summary(
    site: Site, actor: Actor, entity_type: str, entity_id: int | None, extra: list[str]
) -> dict[str, Any]:
    """`{id, name, status, type}` plus requested fields: how a stream names an entity."""
    entity = site.schema.entity(entity_type)
    name_field = entity.display_name_field
    status_field = "sg_status_list" if "sg_status_list" in entity.fields else None
    wanted = [f for f in (name_field, status_field) if f] + extra
    found = site.find_one(
        actor, entity_type, [["id", "is", entity_id]], wanted, retired_only=False
    ) or site.find_one(actor, entity_type, [["id", "is", entity_id]], wanted, retired_only=True)
    found = found or {}
    summary = {
        "type": entity_type,
        "id": entity_id,
        "name": found.get(name_field) if name_field else None,
        "status": found.get(status_field) if status_field else None,
    }
    summary.update({f: found.get(f) for f in extra})
    return summary


def _user_summary(link: dict[str, Any] | None) -> dict[str, Any] | None:
    if not link:
        return None
    return {**link, "image": None, "status": "act"}


def activity_stream(
    site: Site,
    actor: Actor,
    entity_type: str,
    entity_id: int,
    entity_fields: Any = None,
    min_id: int | None = None,
    max_id: int | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """The creations of an entity and of what links to it, newest first (`activity_stream`)."""
    live_entity(site, {"type": entity_type, "id": entity_id}, "activity_stream", actor=actor)
    permissions = site.permissions_for(actor)
    for name, value in (("min_id", min_id), ("max_id", max_id), ("limit", limit)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueFault(f"activity_stream: {name} must be an integer, got {value!r}.")
    limit = min(limit or DEFAULT_STREAM_LIMIT, MAX_STREAM_LIMIT)
    created = [(entity_type, entity_id)]
    target = {"type": entity_type, "id": entity_id}
    for linked_type, field in _LINKED:
        entity = site.schema.entity(linked_type)
        if field not in entity.fields:
            continue
        valid = entity.fields[field].valid_types
        if (valid and entity_type not in valid) or not permissions.may(linked_type, "see"):
            continue
        # only what the actor may see shows in their stream
        for found in site.find(actor, linked_type, [[field, "is", target]], ["id"]):
            created.append((linked_type, found["id"]))
    created_events = [
        {
            "filter_operator": "all",
            "filters": [
                ["event_type", "is", f"Shotgun_{t}_New"],
                ["entity", "is", {"type": t, "id": i}],
            ],
        }
        for t, i in created
    ]
    filters: list[Any] = [{"filter_operator": "any", "filters": created_events}]
    if min_id is not None:
        filters.append(["id", "greater_than", min_id - 1])
    if max_id is not None:
        filters.append(["id", "less_than", max_id + 1])
    events = site.find(
        SYSTEM,
        "EventLogEntry",
        filters,
        ["created_at", "user", "entity", "event_type"],
        order=[{"field_name": "id", "direction": "desc"}],
        limit=limit,
    )
    updates = []
    for event in events:
        new_entity = event.get("entity") or {}
        kind = new_entity.get("type") or event["event_type"].split("_")[1]
        updates.append(
            {
                "id": event["id"],
                "created_at": event.get("created_at"),
                "update_type": "create",
                "read": False,
                "created_by": _user_summary(event.get("user")),
                "meta": {
                    "type": "new_entity",
                    "entity_type": kind,
                    "entity_id": new_entity.get("id"),
                },
                "primary_entity": _summary(
                    site, actor, kind, new_entity.get("id"), _fields_for(entity_fields, kind)
                ),
            }
        )
    ids = [u["id"] for u in updates]
    return {
        "entity_type": entity_type,
        "entity_id": entity_id,
        "earliest_update_id": min(ids) if ids else None,
        "latest_update_id": max(ids) if ids else None,
        "updates": updates,
    }


NOTE_FIELDS = ["content", "subject", "created_at", "created_by", "note_links", "user"]
REPLY_FIELDS = ["content", "created_at", "user"]
ATTACHMENT_FIELDS = ["filename", "created_at", "created_by", "this_file"]


def note_thread(
    site: Site, actor: Actor, note_id: Any, entity_fields: Any = None
) -> list[dict[str, Any]]:
    """A Note, its Replies and its Attachments, oldest first (`note_thread_contents`)."""
    note = live_entity(
        site,
        {"type": "Note", "id": note_id},
        "note_thread_read",
        [*NOTE_FIELDS, "attachments", *_fields_for(entity_fields, "Note")],
        actor=actor,
    )
    attachment_links = note.pop("attachments", None) or []
    thread = [note]
    thread += site.find(
        actor,
        "Reply",
        [["entity", "is", {"type": "Note", "id": note["id"]}]],
        [*REPLY_FIELDS, *_fields_for(entity_fields, "Reply")],
        order=[{"field_name": "created_at"}, {"field_name": "id"}],
    )
    ids = [a["id"] for a in attachment_links]
    if ids:
        thread += site.find(
            actor,
            "Attachment",
            [["id", "in", ids]],
            [*ATTACHMENT_FIELDS, *_fields_for(entity_fields, "Attachment")],
            order=[{"field_name": "id"}],
        )
    return thread
