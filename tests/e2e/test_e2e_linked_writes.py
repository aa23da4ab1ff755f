"""Writes through links over the wire, as shotgunEvents' version_finaled plugin makes them.

`finalize` below is our own rendering of what that example plugin (shotgunsoftware/shotgunEvents,
src/examplePlugins/version_finaled.py) does when a Version reaches a final status: re-read the
Version, then one batch that updates the Version with its own approval date and its Shot's status
and date through `entity.Shot.*`, and moves the Shot's other final Versions to a superseded
status. The plugin itself is not part of this repository.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import shotgun_api3
from live_server import HUMAN_LOGIN, LiveServer

FINAL, SUPERSEDED = "fna", "sup"


def finalize(sg: shotgun_api3.Shotgun, event: dict[str, Any]) -> list[Any]:
    """The plugin's callback for a Version status change, with its example arguments."""
    version = sg.find_one(
        "Version", [["id", "is", event["meta"]["entity_id"]]], ["code", "entity", "sg_status_list"]
    )
    if not version or version["sg_status_list"] != FINAL:
        return []
    shot = version["entity"]
    if not shot or shot["type"] != "Shot" or not shot.get("name"):
        return []
    approved_at = event["created_at"]
    batch = [
        {
            "request_type": "update",
            "entity_type": "Version",
            "entity_id": version["id"],
            "data": {
                "entity.Shot.sg_vfx_status": "Final Approved",
                "client_approved_at": approved_at,
                "entity.Shot.sg_finaled_on": approved_at.date(),
            },
        }
    ]
    others = sg.find(
        "Version",
        [["entity", "is", shot], ["id", "is_not", version["id"]]],
        ["sg_status_list", "client_approved_at"],
    )
    for other in others:
        if other["sg_status_list"] == FINAL:
            data: dict[str, Any] = {"sg_status_list": SUPERSEDED}
            if not other["client_approved_at"]:
                data["client_approved_at"] = approved_at
            batch.append(
                {
                    "request_type": "update",
                    "entity_type": "Version",
                    "entity_id": other["id"],
                    "data": data,
                }
            )
    return sg.batch(batch)


@pytest.fixture(scope="module")
def world(sg: shotgun_api3.Shotgun) -> dict[str, Any]:
    """The custom fields and statuses the plugin needs, made through the schema API."""
    sg.schema_field_create("Shot", "text", "VFX Status")  # sg_vfx_status
    sg.schema_field_create("Shot", "date", "Finaled On")  # sg_finaled_on
    valid = sg.schema_field_read("Version", "sg_status_list")["sg_status_list"]["properties"]
    statuses = [*valid["valid_values"]["value"], FINAL, SUPERSEDED]
    sg.schema_field_update("Version", "sg_status_list", {"valid_values": statuses})
    human = sg.find_one("HumanUser", [["login", "is", HUMAN_LOGIN]])
    project = sg.create("Project", {"name": "linked writes", "users": [human]})
    return {"project": project, "human": human}


def status_event(sg: shotgun_api3.Shotgun, version: dict[str, Any]) -> dict[str, Any]:
    """The newest sg_status_list change event of a Version, as the daemon hands it over."""
    found = sg.find_one(
        "EventLogEntry",
        [["entity", "is", version], ["attribute_name", "is", "sg_status_list"]],
        ["meta", "created_at", "entity"],
        order=[{"field_name": "id", "direction": "desc"}],
    )
    assert found is not None
    return found


def test_version_finaled_batch_updates_the_shot_through_the_link(
    sg: shotgun_api3.Shotgun, world: dict[str, Any]
) -> None:
    project = world["project"]
    shot = sg.create("Shot", {"code": "fin010", "project": project})
    earlier = sg.create(
        "Version",
        {"code": "fin010 v1", "project": project, "entity": shot, "sg_status_list": FINAL},
    )
    latest = sg.create("Version", {"code": "fin010 v2", "project": project, "entity": shot})
    sg.update("Version", latest["id"], {"sg_status_list": FINAL})
    event = status_event(sg, latest)

    results = finalize(sg, event)

    approved_at = event["created_at"]
    assert results[0]["type"] == "Version"
    assert results[0]["id"] == latest["id"]
    assert results[0]["entity.Shot.sg_vfx_status"] == "Final Approved"
    assert results[0]["entity.Shot.sg_finaled_on"] == approved_at.date().isoformat()
    assert results[0]["client_approved_at"] == approved_at
    assert results[1] == {
        "type": "Version",
        "id": earlier["id"],
        "sg_status_list": SUPERSEDED,
        "client_approved_at": approved_at,
    }
    found = sg.find_one(
        "Shot", [["id", "is", shot["id"]]], ["sg_vfx_status", "sg_finaled_on", "updated_by"]
    )
    assert found["sg_vfx_status"] == "Final Approved"
    assert found["sg_finaled_on"] == approved_at.date().isoformat()
    changes = sg.find(
        "EventLogEntry",
        [["entity", "is", shot], ["id", "greater_than", event["id"]]],
        ["event_type", "attribute_name", "user", "project"],
    )
    assert sorted(c["attribute_name"] for c in changes) == ["sg_finaled_on", "sg_vfx_status"]
    for change in changes:
        assert change["event_type"] == "Shotgun_Shot_Change"
        assert change["user"]["type"] == "ApiUser"
        assert change["project"]["id"] == project["id"]
    assert found["updated_by"]["type"] == "ApiUser"


def test_a_version_without_a_shot_fails_the_whole_batch(
    sg: shotgun_api3.Shotgun, world: dict[str, Any]
) -> None:
    project = world["project"]
    shot = sg.create("Shot", {"code": "fin020", "project": project})
    linked = sg.create("Version", {"code": "linked", "project": project, "entity": shot})
    lonely = sg.create("Version", {"code": "lonely", "project": project})
    with pytest.raises(shotgun_api3.Fault, match=r"batch request 1: .*Version.entity is empty"):
        sg.batch(
            [
                {
                    "request_type": "update",
                    "entity_type": "Version",
                    "entity_id": version["id"],
                    "data": {"entity.Shot.sg_vfx_status": "Final Approved"},
                }
                for version in (linked, lonely)
            ]
        )
    found = sg.find_one("Shot", [["id", "is", shot["id"]]], ["sg_vfx_status"])
    assert found["sg_vfx_status"] is None


def test_a_multi_entity_hop_is_a_clear_fault(
    sg: shotgun_api3.Shotgun, world: dict[str, Any]
) -> None:
    shot = sg.create("Shot", {"code": "fin030", "project": world["project"]})
    with pytest.raises(shotgun_api3.Fault, match=r"Shot\.assets is a multi_entity field"):
        sg.update("Shot", shot["id"], {"assets.Asset.description": "x"})


def test_a_person_who_may_not_update_the_shot_is_refused(
    live: LiveServer, sg: shotgun_api3.Shotgun, world: dict[str, Any]
) -> None:
    """The live server's person is an Artist: they may update their own Versions, not Shots."""
    project = world["project"]
    shot = sg.create("Shot", {"code": "fin040", "project": project})
    person = live.person()
    own = person.create("Version", {"code": "mine", "project": project, "entity": shot})
    before = sg.find_one(
        "EventLogEntry", [], ["id"], order=[{"field_name": "id", "direction": "desc"}]
    )
    with pytest.raises(shotgun_api3.Fault, match="Can not update entity of type Shot"):
        person.update(
            "Version", own["id"], {"description": "x", "entity.Shot.sg_vfx_status": "done"}
        )
    assert (
        sg.find_one("Shot", [["id", "is", shot["id"]]], ["sg_vfx_status"])["sg_vfx_status"] is None
    )
    assert sg.find_one("Version", [["id", "is", own["id"]]], ["description"])["description"] is None
    after = sg.find_one(
        "EventLogEntry", [], ["id"], order=[{"field_name": "id", "direction": "desc"}]
    )
    assert after == before


def test_create_through_the_link_answers_with_the_key(
    sg: shotgun_api3.Shotgun, world: dict[str, Any]
) -> None:
    project = world["project"]
    shot = sg.create("Shot", {"code": "fin050", "project": project})
    today = dt.date(2024, 5, 1)
    created = sg.create(
        "Version",
        {"code": "v", "project": project, "entity": shot, "entity.Shot.sg_finaled_on": today},
    )
    assert created["entity.Shot.sg_finaled_on"] == "2024-05-01"
    found = sg.find_one("Shot", [["id", "is", shot["id"]]], ["sg_finaled_on"])
    assert found["sg_finaled_on"] == "2024-05-01"
