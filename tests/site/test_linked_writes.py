"""Writes through single-entity links (`entity.Shot.sg_status_list` in create, update, batch).

The linked entity gets an ordinary update in the same transaction: its own event rows, its own
permissions; the answer holds the key as written. Empty links, links to another type,
multi-entity hops and unknown names are Faults that leave nothing written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from permission_world import build_world

from callsheet.client import Shotgun
from callsheet.faults import Fault, PermissionFault, SchemaFault, ValueFault


@pytest.fixture
def shot(sg: Shotgun, project: dict) -> dict:
    return sg.create("Shot", {"code": "sh010", "project": project, "sg_status_list": "wtg"})


@pytest.fixture
def version(sg: Shotgun, project: dict, shot: dict) -> dict:
    return sg.create("Version", {"code": "v001", "project": project, "entity": shot})


def read(sg: Shotgun, entity: dict, *fields: str) -> dict[str, Any]:
    found = sg.find_one(entity["type"], [["id", "is", entity["id"]]], list(fields))
    assert found is not None
    return found


def test_update_writes_the_linked_entity_and_answers_with_the_key(
    sg: Shotgun, shot: dict, version: dict, events: Any
) -> None:
    before = read(sg, version, "updated_at")
    events.mark()
    result = sg.update("Version", version["id"], {"entity.Shot.sg_status_list": "fin"})
    assert result == {"type": "Version", "id": version["id"], "entity.Shot.sg_status_list": "fin"}
    assert read(sg, shot, "sg_status_list")["sg_status_list"] == "fin"
    # The Version itself did not change: no row of its own, its updated_at stays.
    assert read(sg, version, "updated_at") == before
    rows = events.new()
    assert [(r["event_type"], r["attribute_name"]) for r in rows] == [
        ("Shotgun_Shot_Change", "sg_status_list")
    ]
    assert rows[0]["entity"]["id"] == shot["id"]
    assert rows[0]["project"]["id"] == shot["project"]["id"]
    meta = rows[0]["meta"]
    assert (meta["old_value"], meta["new_value"]) == ("wtg", "fin")
    assert "in_create" not in meta


def test_update_with_own_and_linked_fields_writes_both_own_first(
    sg: Shotgun, shot: dict, version: dict, events: Any
) -> None:
    events.mark()
    result = sg.update(
        "Version",
        version["id"],
        {"description": "final", "entity.Shot.sg_status_list": "fin"},
    )
    assert result["description"] == "final"
    assert result["entity.Shot.sg_status_list"] == "fin"
    assert [r["event_type"] for r in events.new()] == [
        "Shotgun_Version_Change",
        "Shotgun_Shot_Change",
    ]


def test_update_follows_the_link_set_in_the_same_data(
    sg: Shotgun, project: dict, shot: dict, version: dict
) -> None:
    other = sg.create("Shot", {"code": "sh020", "project": project, "sg_status_list": "wtg"})
    sg.update("Version", version["id"], {"entity": other, "entity.Shot.sg_status_list": "ip"})
    assert read(sg, other, "sg_status_list")["sg_status_list"] == "ip"
    assert read(sg, shot, "sg_status_list")["sg_status_list"] == "wtg"


def test_several_fields_through_one_link_are_one_update(
    sg: Shotgun, shot: dict, version: dict, events: Any
) -> None:
    events.mark()
    sg.update(
        "Version",
        version["id"],
        {"entity.Shot.sg_status_list": "fin", "entity.Shot.description": "approved"},
    )
    assert read(sg, shot, "sg_status_list", "description") | {"id": 0} == {
        "type": "Shot",
        "id": 0,
        "sg_status_list": "fin",
        "description": "approved",
    }
    assert sorted(r["attribute_name"] for r in events.new()) == ["description", "sg_status_list"]


def test_create_writes_the_entity_it_links(
    sg: Shotgun, project: dict, shot: dict, events: Any
) -> None:
    events.mark()
    created = sg.create(
        "Version",
        {"code": "v002", "project": project, "entity": shot, "entity.Shot.description": "new"},
        return_fields=["code"],
    )
    assert created["entity.Shot.description"] == "new"
    assert created["code"] == "v002"
    assert read(sg, shot, "description")["description"] == "new"
    rows = events.new()
    shot_rows = [r for r in rows if r["event_type"] == "Shotgun_Shot_Change"]
    description = [r for r in shot_rows if r["attribute_name"] == "description"]
    assert len(description) == 1
    assert "in_create" not in description[0]["meta"]  # an ordinary update of the Shot
    assert rows.index(description[0]) > rows.index(
        next(r for r in rows if r["event_type"] == "Shotgun_Version_New")
    )


def test_batch_as_version_finaled_writes_it(
    sg: Shotgun, project: dict, shot: dict, version: dict
) -> None:
    """shotgunEvents' version_finaled plugin: the Version's own date and the Shot's status and
    date through `entity.Shot.*`, in one batch update."""
    sg.schema_field_create("Shot", "date", "Finaled On")  # sg_finaled_on
    sg.schema_field_create("Version", "date_time", "Approved At")  # sg_approved_at
    when = dt.datetime(2024, 5, 1, 10, 30, tzinfo=dt.UTC)
    results = sg.batch(
        [
            {
                "request_type": "update",
                "entity_type": "Version",
                "entity_id": version["id"],
                "data": {
                    "entity.Shot.sg_status_list": "fin",
                    "sg_approved_at": when,
                    "entity.Shot.sg_finaled_on": "2024-05-01",
                },
            }
        ]
    )
    assert results[0]["entity.Shot.sg_status_list"] == "fin"
    assert results[0]["entity.Shot.sg_finaled_on"] == "2024-05-01"
    assert read(sg, shot, "sg_status_list", "sg_finaled_on") == {
        "type": "Shot",
        "id": shot["id"],
        "sg_status_list": "fin",
        "sg_finaled_on": "2024-05-01",
    }
    assert read(sg, version, "sg_approved_at")["sg_approved_at"] == when


def test_batch_creates_run_write_through_links(sg: Shotgun, project: dict, shot: dict) -> None:
    other = sg.create("Shot", {"code": "sh020", "project": project})
    results = sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "Version",
                "data": {"code": code, "project": project, "entity": s, "entity.Shot.code": new},
            }
            for code, s, new in (("a", shot, "renamed 1"), ("b", other, "renamed 2"))
        ]
    )
    assert [r["entity.Shot.code"] for r in results] == ["renamed 1", "renamed 2"]
    assert read(sg, shot, "code")["code"] == "renamed 1"
    assert read(sg, other, "code")["code"] == "renamed 2"


def test_a_failing_batch_request_rolls_back_the_linked_write(
    sg: Shotgun, shot: dict, version: dict, snapshot: Callable[[], dict]
) -> None:
    before = snapshot()
    with pytest.raises(Fault, match="batch request 1"):
        sg.batch(
            [
                {
                    "request_type": "update",
                    "entity_type": "Version",
                    "entity_id": version["id"],
                    "data": {"entity.Shot.sg_status_list": "fin"},
                },
                {"request_type": "update", "entity_type": "Shot", "entity_id": 999999, "data": {}},
            ]
        )
    assert read(sg, shot, "sg_status_list")["sg_status_list"] == "wtg"
    assert snapshot() == before


def test_two_hops_write_the_entity_at_the_end(
    sg: Shotgun, project: dict, shot: dict, version: dict, events: Any
) -> None:
    sequence = sg.create("Sequence", {"code": "SQ1", "project": project})
    sg.update("Shot", shot["id"], {"sg_sequence": sequence})
    events.mark()
    result = sg.update(
        "Version", version["id"], {"entity.Shot.sg_sequence.Sequence.description": "seq note"}
    )
    assert result["entity.Shot.sg_sequence.Sequence.description"] == "seq note"
    assert read(sg, sequence, "description")["description"] == "seq note"
    assert [(r["event_type"], r["attribute_name"]) for r in events.new()] == [
        ("Shotgun_Sequence_Change", "description")
    ]


def test_a_multi_entity_field_at_the_end_takes_its_update_mode(
    sg: Shotgun, project: dict, shot: dict, version: dict
) -> None:
    first = sg.create("Asset", {"code": "a1", "project": project})
    second = sg.create("Asset", {"code": "a2", "project": project})
    sg.update("Shot", shot["id"], {"assets": [first]})
    sg.update(
        "Version",
        version["id"],
        {"entity.Shot.assets": [second]},
        multi_entity_update_modes={"entity.Shot.assets": "add"},
    )
    assets = read(sg, shot, "assets")["assets"]
    assert [a["id"] for a in assets] == [first["id"], second["id"]]


def refused(
    sg: Shotgun,
    snapshot: Callable[[], dict],
    write: Callable[[], Any],
    fault: type[Fault],
    *needles: str,
) -> None:
    before = snapshot()
    with pytest.raises(fault) as caught:
        write()
    for needle in needles:
        assert needle in caught.value.message
    assert snapshot() == before


def test_an_empty_link_is_a_fault_and_nothing_is_written(
    sg: Shotgun, project: dict, snapshot: Callable[[], dict]
) -> None:
    lonely = sg.create("Version", {"code": "lonely", "project": project})
    refused(
        sg,
        snapshot,
        lambda: sg.update(
            "Version", lonely["id"], {"description": "x", "entity.Shot.sg_status_list": "fin"}
        ),
        ValueFault,
        "entity.Shot.sg_status_list cannot be written",
        "Version.entity is empty",
    )
    assert read(sg, lonely, "description")["description"] is None
    refused(
        sg,
        snapshot,
        lambda: sg.create("Version", {"code": "v", "project": project, "entity.Shot.code": "x"}),
        ValueFault,
        "Version.entity is empty",
    )


def test_a_link_to_another_type_is_a_fault(
    sg: Shotgun, project: dict, snapshot: Callable[[], dict]
) -> None:
    asset = sg.create("Asset", {"code": "a1", "project": project})
    on_asset = sg.create("Version", {"code": "v", "project": project, "entity": asset})
    refused(
        sg,
        snapshot,
        lambda: sg.update("Version", on_asset["id"], {"entity.Shot.sg_status_list": "fin"}),
        ValueFault,
        "Version.entity links an entity of another type, not a Shot",
    )


def test_a_retired_linked_entity_is_a_fault(
    sg: Shotgun, shot: dict, version: dict, snapshot: Callable[[], dict]
) -> None:
    sg.delete("Shot", shot["id"])
    refused(
        sg,
        snapshot,
        lambda: sg.update("Version", version["id"], {"entity.Shot.sg_status_list": "fin"}),
        Fault,
        f"Shot with id {shot['id']} is retired",
    )


@pytest.mark.parametrize(
    ("entity_type", "name", "needles"),
    [
        ("Shot", "assets.Asset.description", ("Shot.assets is a multi_entity field",)),
        ("Shot", "tasks.Task.sg_status_list", ("single-entity links",)),
        ("Version", "entity.Project.name", ("Version.entity cannot link to a Project",)),
        ("Version", "entity.Shot.no_such_field", ("Shot.no_such_field doesn't exist",)),
        ("Version", "no_such_link.Shot.code", ("Version.no_such_link doesn't exist",)),
        ("Version", "code.Shot.code", ("Version.code is not a link",)),
        ("Version", "entity.Shot", ("a deep link is field.EntityType.field",)),
        ("Version", "entity.Nope.code", ("entity type 'Nope' doesn't exist",)),
    ],
)
def test_paths_that_cannot_be_written_are_faults(
    sg: Shotgun,
    shot: dict,
    version: dict,
    snapshot: Callable[[], dict],
    entity_type: str,
    name: str,
    needles: tuple[str, ...],
) -> None:
    target = shot if entity_type == "Shot" else version
    refused(
        sg, snapshot, lambda: sg.update(entity_type, target["id"], {name: "x"}), Fault, *needles
    )


def test_the_linked_entitys_own_rules_apply(
    sg: Shotgun, shot: dict, version: dict, snapshot: Callable[[], dict]
) -> None:
    refused(
        sg,
        snapshot,
        lambda: sg.update("Version", version["id"], {"entity.Shot.sg_status_list": "bogus"}),
        ValueFault,
        "Shot.sg_status_list",
        "bogus",
    )
    refused(
        sg,
        snapshot,
        lambda: sg.update("Version", version["id"], {"entity.Shot.updated_at": "2020-01-01"}),
        SchemaFault,
        "Shot.updated_at is not editable",
    )
    assert read(sg, shot, "sg_status_list")["sg_status_list"] == "wtg"


def test_permissions_are_checked_on_the_linked_entity(
    sg: Shotgun, snapshot: Callable[[], dict]
) -> None:
    world = build_world(sg)
    artist = world.as_role("artist")
    project, shot, task = (world.open[t] for t in ("Project", "Shot", "Task"))
    # An Artist may update their own Version, but not Shots (read only for them).
    own = artist.create("Version", {"code": "mine", "project": project, "entity": shot})
    refused(
        sg,
        snapshot,
        lambda: artist.update(
            "Version", own["id"], {"description": "x", "entity.Shot.sg_status_list": "fin"}
        ),
        PermissionFault,
        "Can not update entity of type Shot",
    )
    assert read(sg, own, "description")["description"] is None
    assert read(sg, shot, "sg_status_list")["sg_status_list"] != "fin"
    # They may set the status of a Task assigned to them, and only its status.
    log = artist.create("TimeLog", {"duration": 60, "project": project, "entity": task})
    assert artist.update("TimeLog", log["id"], {"entity.Task.sg_status_list": "ip"}) == {
        "type": "TimeLog",
        "id": log["id"],
        "entity.Task.sg_status_list": "ip",
    }
    refused(
        sg,
        snapshot,
        lambda: artist.update("TimeLog", log["id"], {"entity.Task.content": "renamed"}),
        PermissionFault,
        "Task.content",
    )
    # A Manager may update the Shot.
    world.as_role("manager").update("Version", own["id"], {"entity.Shot.sg_status_list": "fin"})
    assert read(sg, shot, "sg_status_list")["sg_status_list"] == "fin"


def test_a_linked_entity_the_actor_cannot_see_is_refused(
    sg: Shotgun, snapshot: Callable[[], dict]
) -> None:
    """An Artist's TimeLog that an admin linked to a Task of a project the Artist is not on:
    writing the Task through it is refused like any write to an entity they cannot see."""
    world = build_world(sg)
    artist = world.as_role("artist")
    log = artist.create(
        "TimeLog", {"duration": 60, "project": world.open["Project"], "entity": world.open["Task"]}
    )
    sg.update("TimeLog", log["id"], {"entity": world.closed["Task"]})
    assert artist.find_one("TimeLog", [["id", "is", log["id"]]], ["entity"])["entity"] is None
    refused(
        sg,
        snapshot,
        lambda: artist.update("TimeLog", log["id"], {"entity.Task.sg_status_list": "ip"}),
        PermissionFault,
        "Can not update entity of type Task",
    )
    closed_task = read(sg, world.closed["Task"], "sg_status_list")
    assert closed_task["sg_status_list"] != "ip"
