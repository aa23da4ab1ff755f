"""An entity's history on its detail page: its EventLogEntry rows, newest first, a page at a time.

Each row says who, when and what: created, retired, revived, or which field changed from what to
what (the `meta` of an attribute change, reference/event-log-and-daemons.md). Read through the
engine as the signed-in person, so a role that may not read the event log sees a message instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callsheet.faults import Fault
from callsheet.schema.model import EntityType
from callsheet.server.web.detail.record import may, permissions_of
from callsheet.site.actor import Actor
from callsheet.site.site import Site

HISTORY_PAGE_SIZE = 25
EVENT_FIELDS = [
    "event_type",
    "attribute_name",
    "meta",
    "user",
    "created_at",
    "description",
    "session_uuid",
]
ACTIONS = {"New": "created", "Change": "changed", "Retirement": "retired", "Revival": "revived"}


@dataclass
class HistoryEntry:
    """One event as a line of the history."""

    id: int
    created_at: Any
    user: dict[str, Any] | None
    action: str  # created | changed | retired | revived | other
    description: str
    field_name: str | None = None
    field_label: str = ""
    data_type: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    old_value: Any = None
    new_value: Any = None
    added: list[Any] = field(default_factory=list)
    removed: list[Any] = field(default_factory=list)
    in_create: bool = False
    session_uuid: str | None = None


@dataclass
class HistoryPage:
    """One page of the history and whether an older page follows."""

    entries: list[HistoryEntry]
    page: int
    more: bool
    error: str = ""


def _entry(entity: EntityType, event: dict[str, Any]) -> HistoryEntry:
    event_type = str(event.get("event_type") or "")
    action = ACTIONS.get(event_type.rsplit("_", 1)[-1], "other")
    found_meta = event.get("meta")
    meta: dict[str, Any] = found_meta if isinstance(found_meta, dict) else {}
    entry = HistoryEntry(
        id=event["id"],
        created_at=event.get("created_at"),
        user=event.get("user"),
        action=action,
        description=str(event.get("description") or event_type),
        session_uuid=event.get("session_uuid"),
    )
    name = event.get("attribute_name") or meta.get("attribute_name")
    if action == "changed" and name:
        f = entity.fields.get(name)
        entry.field_name = name
        entry.field_label = f.display_name if f else name
        entry.data_type = str(meta.get("field_data_type") or (f.data_type if f else ""))
        entry.properties = dict(f.properties) if f else {}
        entry.old_value = meta.get("old_value")
        entry.new_value = meta.get("new_value")
        entry.added = list(meta.get("added") or [])
        entry.removed = list(meta.get("removed") or [])
        entry.in_create = bool(meta.get("in_create"))
    elif action == "changed":
        entry.action = "other"
    return entry


def read_history(
    site: Site, actor: Actor, entity: EntityType, entity_id: int, page: int = 1
) -> HistoryPage:
    """Page `page` (1-based) of the entity's events, newest first."""
    page = max(1, page)
    if not may(permissions_of(site, actor), "EventLogEntry", "see"):
        return HistoryPage([], page, False, "your permission group may not read the event log.")
    try:
        request = site.read_request(
            "EventLogEntry",
            [["entity", "is", {"type": entity.name, "id": entity_id}]],
            EVENT_FIELDS,
            [{"field_name": "id", "direction": "desc"}],
            limit=HISTORY_PAGE_SIZE,
            offset=(page - 1) * HISTORY_PAGE_SIZE,
        )
        events, more = site.find_page(actor, request)
    except Fault as fault:
        return HistoryPage([], page, False, fault.message)
    return HistoryPage([_entry(entity, e) for e in events], page, more)
