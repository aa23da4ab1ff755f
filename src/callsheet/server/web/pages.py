"""Entity pages are `Page` records, as in ShotGrid: found or created when someone opens one.

Each entity page of a project (its Shots, its Tasks, …) is one Page with that project; a site-wide
page (People, Steps, …) is a Page without one. The Page's id is what an Action Menu Item's payload
calls `page_id`, and `last_accessed` tells scripts which pages are used. Everything here goes
through the engine as the person who opened the page, so it lands in the event log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from callsheet.faults import NotFoundFault, PermissionFault, SchemaFault
from callsheet.site.actor import SYSTEM, Actor
from callsheet.site.site import Site

# The page_type of an entity list page (the grid of one entity type).
ENTITY_LIST = "entity_list"
PAGE_FIELDS = ["name", "entity_type", "page_type", "project", "last_accessed"]
IRREGULAR_PLURALS = {"Person": "People", "Software": "Software", "Staff": "Staff"}


def plural(display_name: str) -> str:
    """The tab title of an entity type's page: "Shot" -> "Shots", "Person" -> "People"."""
    head, _, last = display_name.rpartition(" ")
    if last in IRREGULAR_PLURALS:
        word = IRREGULAR_PLURALS[last]
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "o", "u"):
        word = last[:-1] + "ies"
    elif last.endswith(("s", "x", "ch", "sh")):
        word = last + "es"
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def page_title(site: Site, entity_type: str) -> str:
    """The name a new Page of an entity type gets: its display name in the plural."""
    return plural(site.schema.entity(entity_type).display_name)


def _page_write(site: Site, actor: Actor, operation: str, *args: Any) -> Any:
    """Create or update a Page as the person; as Callsheet when their role may not.

    A Page is the page's own bookkeeping: ShotGrid keeps it for anyone who opens the page, even
    people whose role may not create or edit Page records themselves.
    """
    try:
        return getattr(site, operation)(actor, *args)
    except PermissionFault:
        system = replace(SYSTEM, generate_events=actor.generate_events)
        return getattr(site, operation)(system, *args)


def find_page(
    site: Site, actor: Actor, entity_type: str, project_id: int | None
) -> dict[str, Any] | None:
    """The list Page of `entity_type` (in a project the actor sees, or site-wide), if any."""
    entity = site.schema.entity(entity_type)
    if project_id is not None and not entity.is_project_entity:
        raise SchemaFault(f"{entity.display_name} records do not belong to projects.")
    project = {"type": "Project", "id": project_id} if project_id is not None else None
    if project is not None and site.find_one(actor, "Project", [["id", "is", project_id]]) is None:
        raise NotFoundFault(f"Project {project_id} doesn't exist or you may not see it.")
    filters = [
        ["entity_type", "is", entity_type],
        ["page_type", "is", ENTITY_LIST],
        ["project", "is", project],
    ]
    order = [{"field_name": "id", "direction": "asc"}]
    return site.find_one(SYSTEM, "Page", filters, PAGE_FIELDS, order)


def find_or_create_page(
    site: Site, actor: Actor, entity_type: str, project_id: int | None
) -> dict[str, Any]:
    """The list Page of `entity_type` (in a project, or site-wide), created when missing.

    Only on a state-changing request (the page's own POST): a plain GET, which any other site can
    make a browser send, never creates records.
    """
    found = find_page(site, actor, entity_type, project_id)
    if found is not None:
        return found
    project = {"type": "Project", "id": project_id} if project_id is not None else None
    data: dict[str, Any] = {
        "name": page_title(site, entity_type),
        "entity_type": entity_type,
        "page_type": ENTITY_LIST,
        "project": project,
    }
    created = _page_write(site, actor, "create", "Page", data, PAGE_FIELDS)
    return created  # type: ignore[no-any-return]


def open_page(site: Site, actor: Actor, page_id: int) -> dict[str, Any]:
    """The Page with that id, its `last_accessed` set to now (by the person opening it)."""
    page = site.find_one(SYSTEM, "Page", [["id", "is", page_id]], PAGE_FIELDS)
    if page is None or not page.get("entity_type"):
        raise NotFoundFault(f"Page {page_id} doesn't exist.")
    site.schema.entity(page["entity_type"])
    project = page.get("project")
    if project and site.find_one(actor, "Project", [["id", "is", project["id"]]]) is None:
        raise NotFoundFault(f"Page {page_id} belongs to a project you may not see.")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)  # as created_at is kept
    # A visit is bookkeeping, not a change anyone automates on: no event row for every page view.
    quiet = replace(actor, generate_events=False)
    _page_write(site, quiet, "update", "Page", page_id, {"last_accessed": now})
    page["last_accessed"] = now
    return page
