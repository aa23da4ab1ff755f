"""Notes with their Replies on a detail page: reading the threads, adding a Note or a Reply.

A Note is about what its `note_links` (or, for Tasks, its `tasks`) name; its Replies point at it
through `Reply.entity`. Notes read newest first, each thread oldest reply first, as a conversation
reads. New Notes and Replies are created through the engine as the signed-in person, so they carry
the person as author and land in the event log with the window's session_uuid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callsheet.faults import Fault, ValueFault
from callsheet.schema.model import EntityType
from callsheet.server.web.detail.record import may, permissions_of
from callsheet.site.actor import Actor
from callsheet.site.site import Site

NOTES_SHOWN = 30
MAX_SUBJECT_CHARS = 255
MAX_BODY_CHARS = 100_000
NOTE_FIELDS = [
    "created_by",
    "subject",
    "content",
    "user",
    "created_at",
    "addressings_to",
    "addressings_cc",
    "sg_status_list",
    "note_links",
    "tasks",
]
REPLY_FIELDS = ["content", "user", "created_by", "created_at", "entity"]


@dataclass
class Thread:
    """One Note and its Replies."""

    note: dict[str, Any]
    replies: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class NotesPanel:
    """The Notes of one entity, and whether the person can add one here."""

    threads: list[Thread]
    total: int
    can_add: bool
    can_reply: bool = False
    error: str = ""


def notes_filter(site: Site, entity: EntityType, entity_id: int) -> list[Any] | None:
    """How to find the Notes about this entity, or None when Notes cannot point at its type."""
    link = {"type": entity.name, "id": entity_id}
    note = site.schema.entity("Note")
    if entity.name == "Note":
        return [["id", "is", entity_id]]
    if entity.name == "Task" and "tasks" in note.fields:
        return [["tasks", "is", link]]
    if entity.name == "Project":
        return [["project", "is", link]]
    links = note.fields.get("note_links")
    if links is not None and entity.name in links.valid_types:
        return [["note_links", "is", link]]
    return None


def read_notes(
    site: Site, actor: Actor, entity: EntityType, entity_id: int, project: Any
) -> NotesPanel | None:
    """The newest Notes with their Replies, or None when this type takes no Notes."""
    filters = notes_filter(site, entity, entity_id)
    if filters is None:
        return None
    permissions = permissions_of(site, actor)
    can_add = entity.name != "Note" and bool(project) and may(permissions, "Note", "create")
    can_reply = may(permissions, "Reply", "create")
    note_fields = [f for f in NOTE_FIELDS if f in site.schema.entity("Note").fields]
    try:
        notes = site.find(
            actor,
            "Note",
            filters,
            note_fields,
            order=[
                {"field_name": "created_at", "direction": "desc"},
                {"field_name": "id", "direction": "desc"},
            ],
            limit=NOTES_SHOWN,
        )
        total = len(notes)
        if total >= NOTES_SHOWN:
            summary = site.summarize(actor, "Note", filters, [{"field": "id", "type": "count"}])
            total = int((summary.get("summaries") or {}).get("id") or total)
        threads = {note["id"]: Thread(note) for note in notes}
        if threads:
            replies = site.find(
                actor,
                "Reply",
                [["entity", "in", [{"type": "Note", "id": i} for i in threads]]],
                REPLY_FIELDS,
                order=[
                    {"field_name": "created_at", "direction": "asc"},
                    {"field_name": "id", "direction": "asc"},
                ],
            )
            for reply in replies:
                owner = (reply.get("entity") or {}).get("id")
                if owner in threads:
                    threads[owner].replies.append(reply)
    except Fault as fault:
        return NotesPanel([], 0, False, error=fault.message)
    return NotesPanel(list(threads.values()), total, can_add, can_reply)


def _text(value: Any, what: str, limit: int, required: bool) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ValueFault(f"The {what} is empty; write something first.")
    if len(text) > limit:
        raise ValueFault(f"The {what} is longer than {limit} characters.")
    return text


def _people(value: Any) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValueFault("addressings_to must be a list of people.")
    people = []
    for item in value:
        if not isinstance(item, dict) or item.get("type") not in ("HumanUser", "Group"):
            raise ValueFault(f"A Note is addressed to people or groups, not {item!r}.")
        if isinstance(item.get("id"), bool) or not isinstance(item.get("id"), int):
            raise ValueFault(f"A Note is addressed to people or groups, not {item!r}.")
        people.append({"type": item["type"], "id": item["id"]})
    return people


def create_note(
    site: Site,
    actor: Actor,
    entity: EntityType,
    record: dict[str, Any],
    project: dict[str, Any] | None,
    payload: dict[str, Any],
) -> dict[str, Any]:
    """A new Note about the entity, written by the person."""
    if entity.name == "Note" or notes_filter(site, entity, record["id"]) is None:
        raise ValueFault(f"Notes cannot be linked to a {entity.display_name}.")
    if not project:
        raise ValueFault(f"This {entity.display_name} belongs to no project; a Note needs one.")
    subject = _text(payload.get("subject"), "subject", MAX_SUBJECT_CHARS, False)
    body = _text(payload.get("content"), "note", MAX_BODY_CHARS, True)
    link = {"type": entity.name, "id": record["id"]}
    data: dict[str, Any] = {
        "project": {"type": "Project", "id": project["id"]},
        "subject": subject or _default_subject(body),
        "content": body,
        "user": {"type": actor.entity_type, "id": actor.id},
    }
    to = _people(payload.get("addressings_to"))
    if to:
        data["addressings_to"] = to
    note_links = site.schema.entity("Note").fields["note_links"].valid_types
    if entity.name == "Task":
        data["tasks"] = [link]
        parent = record.get("entity")
        # ShotGrid links a Task's Note to the Task's entity too, so the Shot page shows it.
        if isinstance(parent, dict) and parent.get("type") in note_links:
            data["note_links"] = [{"type": parent["type"], "id": parent["id"]}]
    elif entity.name != "Project":
        data["note_links"] = [link]
    return site.create(actor, "Note", data, ["created_at"])


def _default_subject(body: str) -> str:
    first = body.splitlines()[0] if body else ""
    return first[:80] + ("…" if len(first) > 80 else "")


def create_reply(
    site: Site, actor: Actor, note_filters: list[Any], payload: dict[str, Any]
) -> dict[str, Any]:
    """A Reply to one of the entity's Notes, written by the person."""
    note_id = payload.get("note_id")
    if isinstance(note_id, bool) or not isinstance(note_id, int):
        raise ValueFault(f"A reply needs the id of its Note, got {note_id!r}.")
    body = _text(payload.get("content"), "reply", MAX_BODY_CHARS, True)
    # Only a Note of this page: a reply cannot be slipped onto an unrelated thread from here.
    note = site.find_one(actor, "Note", [["id", "is", note_id], *note_filters], ["id"])
    if note is None:
        raise ValueFault(f"Note {note_id} is not one of this page's Notes.")
    data = {
        "entity": {"type": "Note", "id": note_id},
        "content": body,
        "user": {"type": actor.entity_type, "id": actor.id},
    }
    return site.create(actor, "Reply", data, ["created_at"])
