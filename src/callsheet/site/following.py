"""Following: people follow entities to hear about them (`follow`, `followers`, `following`)."""

from __future__ import annotations

from typing import Any

from callsheet.faults import ValueFault
from callsheet.site.actor import SYSTEM, Actor
from callsheet.site.site import Site
from callsheet.store import bookkeeping


def live_entity(
    site: Site, value: Any, what: str, fields: list[str] | None = None, actor: Actor = SYSTEM
) -> dict:
    """The live entity an `{"type", "id"}` dict names, read with `fields` as `actor` may see it;
    a Fault otherwise (an entity the actor may not see does not exist for them)."""
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise ValueFault(f"{what} must be an entity dict {{'type', 'id'}}, got {value!r}.")
    entity_id = value.get("id")
    if isinstance(entity_id, bool) or not isinstance(entity_id, int) or not 0 < entity_id < 2**63:
        raise ValueFault(f"{what} must have a positive 64-bit integer id, got {value!r}.")
    found = site.find_one(actor, value["type"], [["id", "is", entity_id]], fields or ["id"])
    if found is None:
        raise ValueFault(f"{what}: {value['type']} {entity_id} doesn't exist.")
    return found


def _user(site: Site, value: Any, actor: Actor) -> dict:
    if not isinstance(value, dict) or value.get("type") != "HumanUser":
        raise ValueFault(f"user must be a HumanUser entity dict, got {value!r}.")
    return live_entity(site, value, "user", actor=actor)


def follow(site: Site, actor: Actor, user: Any, entity: Any) -> dict[str, Any]:
    """Make `user` follow `entity`; following twice is harmless."""
    person = _user(site, user, actor)
    target = live_entity(site, entity, "entity", actor=actor)
    bookkeeping.add_follow(site.store, person["id"], target["type"], target["id"])
    return {"followed": True, "user": user, "entity": entity}


def unfollow(site: Site, actor: Actor, user: Any, entity: Any) -> dict[str, Any]:
    """Stop `user` following `entity`."""
    person = _user(site, user, actor)
    target = live_entity(site, entity, "entity", actor=actor)
    bookkeeping.remove_follow(site.store, person["id"], target["type"], target["id"])
    return {"unfollowed": True, "user": user, "entity": entity}


def followers(site: Site, actor: Actor, entity: Any) -> list[dict[str, Any]]:
    """The live people following `entity`, with their status, as ShotGrid lists them."""
    target = live_entity(site, entity, "entity", actor=actor)
    ids = bookkeeping.follower_ids(site.store, target["type"], target["id"])
    if not ids:
        return []
    people = site.find(
        actor,
        "HumanUser",
        [["id", "in", list(ids)]],
        ["name", "sg_status_list"],
        order=[{"field_name": "id"}],
    )
    return [
        {
            "type": "HumanUser",
            "id": p["id"],
            "name": p.get("name"),
            "status": p.get("sg_status_list"),
            "valid": "valid",
        }
        for p in people
    ]


def following(
    site: Site, actor: Actor, user: Any, project: Any = None, entity_type: str | None = None
) -> list[dict[str, Any]]:
    """What `user` follows, optionally only one entity type and/or one project's entities."""
    person = _user(site, user, actor)
    if entity_type is not None and not isinstance(entity_type, str):
        raise ValueFault(f"entity_type must be a string, got {entity_type!r}.")
    by_type: dict[str, list[int]] = {}
    for type_name, entity_id in bookkeeping.followed_by(site.store, person["id"], entity_type):
        by_type.setdefault(type_name, []).append(entity_id)
    result = []
    permissions = site.permissions_for(actor)
    for type_name, ids in by_type.items():
        if type_name not in site.schema or not permissions.may(type_name, "see"):
            continue
        filters: list[Any] = [["id", "in", ids]]
        if project is not None:
            if not isinstance(project, dict):
                raise ValueFault(f"project must be a Project entity dict, got {project!r}.")
            if not site.schema.entity(type_name).is_project_entity:
                continue
            filters.append(["project", "is", {"type": "Project", "id": project.get("id")}])
        for found in site.find(actor, type_name, filters, ["id"], order=[{"field_name": "id"}]):
            result.append({"type": type_name, "id": found["id"]})
    return result
