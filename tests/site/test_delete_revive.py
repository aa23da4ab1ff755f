"""delete (retire) and revive: results, visibility, and links to retired entities."""

from __future__ import annotations

import pytest

from callsheet.client import Shotgun
from callsheet.faults import Fault


def _named(entity_type: str) -> dict:
    return {"subject": "owner"} if entity_type == "Note" else {"code": "owner"}


def test_delete_live_entity_returns_true(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    assert sg.delete("Shot", shot["id"]) is True


def test_delete_retired_entity_returns_false(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    sg.delete("Shot", shot["id"])
    assert sg.delete("Shot", shot["id"]) is False


def test_delete_never_existing_entity_is_fault(sg: Shotgun) -> None:
    with pytest.raises(Fault, match=r"Shot.*424242"):
        sg.delete("Shot", 424242)


def test_delete_unknown_type_is_fault(sg: Shotgun) -> None:
    with pytest.raises(Fault, match="Nope"):
        sg.delete("Nope", 1)


def test_delete_event_log_entry_is_fault(sg: Shotgun) -> None:
    entry = sg.find_one("EventLogEntry", [])
    with pytest.raises(Fault, match="EventLogEntry"):
        sg.delete("EventLogEntry", entry["id"])


def test_delete_hides_entity_from_find(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    sg.delete("Shot", shot["id"])
    assert sg.find("Shot", [["id", "is", shot["id"]]]) == []
    assert sg.find("Shot", [["id", "is", shot["id"]]], retired_only=True) == [
        {"type": "Shot", "id": shot["id"]}
    ]


def test_revive_retired_entity_returns_true_and_shows_it(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    sg.delete("Shot", shot["id"])
    assert sg.revive("Shot", shot["id"]) is True
    assert sg.find_one("Shot", [["id", "is", shot["id"]]], ["code"])["code"] == "a"
    assert sg.find("Shot", [["id", "is", shot["id"]]], retired_only=True) == []


def test_revive_live_entity_returns_false(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    assert sg.revive("Shot", shot["id"]) is False


def test_revive_never_existing_entity_is_fault(sg: Shotgun) -> None:
    with pytest.raises(Fault, match=r"Shot.*424242"):
        sg.revive("Shot", 424242)


def test_delete_target_drops_entity_link_and_revive_restores_it(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    task = sg.create("Task", {"content": "t", "project": project, "entity": shot})
    sg.delete("Shot", shot["id"])
    assert sg.find_one("Task", [["id", "is", task["id"]]], ["entity"])["entity"] is None
    sg.revive("Shot", shot["id"])
    assert sg.find_one("Task", [["id", "is", task["id"]]], ["entity"])["entity"] == {
        "type": "Shot",
        "id": shot["id"],
        "name": "a",
    }


@pytest.mark.parametrize(
    ("owner_type", "field", "target_type", "target_data"),
    [
        ("Shot", "assets", "Asset", {"code": "tree"}),  # connection entity
        ("Sequence", "shots", "Shot", {"code": "sh"}),  # reverse of Shot.sg_sequence
        ("Note", "note_links", "Shot", {"code": "sh"}),  # link table
        ("Shot", "notes", "Note", {"subject": "n"}),  # link table, read from the target side
        ("Playlist", "versions", "Version", {"code": "v"}),  # connection entity
    ],
)
def test_delete_target_drops_multi_entity_link_and_revive_restores_it(
    sg: Shotgun, project: dict, owner_type: str, field: str, target_type: str, target_data: dict
) -> None:
    target = sg.create(target_type, {**target_data, "project": project})
    other = sg.create(target_type, {**target_data, "project": project})
    owner = sg.create(
        owner_type, {**_named(owner_type), "project": project, field: [target, other]}
    )

    def linked() -> list[int]:
        found = sg.find_one(owner_type, [["id", "is", owner["id"]]], [field])
        return sorted(link["id"] for link in found[field])

    sg.delete(target_type, target["id"])
    assert linked() == [other["id"]]
    sg.revive(target_type, target["id"])
    assert linked() == sorted([target["id"], other["id"]])


def test_delete_side_hides_connection_entity_rows_and_revive_restores(
    sg: Shotgun, project: dict
) -> None:
    asset = sg.create("Asset", {"code": "tree", "project": project})
    shot = sg.create("Shot", {"code": "a", "project": project, "assets": [asset]})
    rows = sg.find("AssetShotConnection", [["shot", "is", shot]], ["asset"])
    assert len(rows) == 1
    sg.delete("Asset", asset["id"])
    assert sg.find("AssetShotConnection", [["shot", "is", shot]], ["asset"]) == []
    sg.revive("Asset", asset["id"])
    assert sg.find("AssetShotConnection", [["shot", "is", shot]], ["asset"]) == rows


def test_revive_keeps_connection_hidden_while_other_side_retired(
    sg: Shotgun, project: dict
) -> None:
    asset = sg.create("Asset", {"code": "tree", "project": project})
    shot = sg.create("Shot", {"code": "a", "project": project, "assets": [asset]})
    sg.delete("Asset", asset["id"])
    sg.delete("Shot", shot["id"])
    sg.revive("Asset", asset["id"])
    assert sg.find("AssetShotConnection", [["asset", "is", asset]]) == []
    sg.revive("Shot", shot["id"])
    assert len(sg.find("AssetShotConnection", [["asset", "is", asset]])) == 1


def test_delete_task_hides_its_task_dependency_rows(sg: Shotgun, project: dict) -> None:
    upstream = sg.create("Task", {"content": "up", "project": project})
    downstream = sg.create(
        "Task", {"content": "down", "project": project, "upstream_tasks": [upstream]}
    )
    assert len(sg.find("TaskDependency", [])) == 1
    sg.delete("Task", upstream["id"])
    assert sg.find("TaskDependency", []) == []
    found = sg.find_one("Task", [["id", "is", downstream["id"]]], ["upstream_tasks"])
    assert found["upstream_tasks"] == []
    sg.revive("Task", upstream["id"])
    assert len(sg.find("TaskDependency", [])) == 1


@pytest.mark.parametrize(
    ("owner_type", "field", "target_type", "target_data"),
    [
        ("Shot", "assets", "Asset", {"code": "tree"}),
        ("Sequence", "shots", "Shot", {"code": "sh"}),
        ("Note", "note_links", "Shot", {"code": "sh"}),
        ("Shot", "notes", "Note", {"subject": "n"}),
    ],
)
def test_update_set_keeps_hidden_link_to_retired_target_for_revive(
    sg: Shotgun, project: dict, owner_type: str, field: str, target_type: str, target_data: dict
) -> None:
    retired = sg.create(target_type, {**target_data, "project": project})
    kept = sg.create(target_type, {**target_data, "project": project})
    owner = sg.create(
        owner_type, {**_named(owner_type), "project": project, field: [retired, kept]}
    )
    sg.delete(target_type, retired["id"])
    sg.update(owner_type, owner["id"], {field: [kept]})  # what the caller sees, unchanged
    sg.revive(target_type, retired["id"])
    found = sg.find_one(owner_type, [["id", "is", owner["id"]]], [field])
    assert sorted(link["id"] for link in found[field]) == sorted([retired["id"], kept["id"]])


def test_update_link_to_retired_entity_is_fault(sg: Shotgun, project: dict) -> None:
    sequence = sg.create("Sequence", {"code": "SQ", "project": project})
    shot = sg.create("Shot", {"code": "a", "project": project})
    sg.delete("Sequence", sequence["id"])
    with pytest.raises(Fault, match=r"Shot\.sg_sequence.*Sequence"):
        sg.update("Shot", shot["id"], {"sg_sequence": sequence})


def test_revive_entity_keeps_its_own_links(sg: Shotgun, project: dict) -> None:
    asset = sg.create("Asset", {"code": "tree", "project": project})
    shot = sg.create("Shot", {"code": "a", "project": project, "assets": [asset]})
    sg.delete("Shot", shot["id"])
    sg.revive("Shot", shot["id"])
    found = sg.find_one("Shot", [["id", "is", shot["id"]]], ["assets"])
    assert found["assets"] == [{"type": "Asset", "id": asset["id"], "name": "tree"}]
