"""Reads that must not tell more than the reader may know: links in event `meta`, sorts by a
secret."""

from __future__ import annotations

import pytest
from permission_world import World, build_world

from callsheet.client import Shotgun
from callsheet.faults import FilterFault


@pytest.fixture
def world(sg: Shotgun) -> World:
    return build_world(sg)


def last_change(reader: Shotgun, entity: dict, attribute: str) -> dict:
    events = reader.find(
        "EventLogEntry",
        [["entity", "is", entity], ["attribute_name", "is", attribute]],
        ["meta"],
        order=[{"field_name": "id", "direction": "desc"}],
    )
    assert events, f"no {attribute} change of {entity} visible"
    return events[0]["meta"]


def test_event_meta_hides_projects_the_reader_cannot_see(world: World) -> None:
    other = world.people["client"]
    world.sg.update("HumanUser", other["id"], {"projects": [world.closed["Project"]]})
    seen_by_artist = last_change(world.as_role("artist"), other, "projects")
    assert seen_by_artist["added"] == []
    assert seen_by_artist["removed"] == [
        {"type": "Project", "id": world.open["Project"]["id"], "name": "Open"}
    ]
    seen_by_admin = last_change(world.sg, other, "projects")
    assert [p["name"] for p in seen_by_admin["added"]] == ["Closed"]


def test_event_meta_hides_an_old_link_to_a_hidden_entity(world: World) -> None:
    version = world.cross_version  # in Open, linked to the Shot of Closed
    world.sg.update("Version", version["id"], {"entity": world.open["Shot"]})
    meta = last_change(world.as_role("artist"), version, "entity")
    assert meta["old_value"] is None
    assert meta["new_value"]["id"] == world.open["Shot"]["id"]
    assert last_change(world.sg, version, "entity")["old_value"]["name"] == "closed_shot"


@pytest.mark.parametrize("field", ["password_proxy", "created_by.HumanUser.password_proxy"])
def test_sorting_by_a_password_is_refused(sg: Shotgun, field: str) -> None:
    entity_type = "HumanUser" if field == "password_proxy" else "Note"
    with pytest.raises(FilterFault, match="cannot be used in a sort"):
        sg.find(entity_type, [], ["id"], order=[{"field_name": field, "direction": "asc"}])
