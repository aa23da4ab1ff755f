"""Multi-entity fields and their reverse fields: one fact, readable and writable from both sides."""

from __future__ import annotations

import pytest

from callsheet.client import Shotgun
from callsheet.faults import Fault

# (owner type, owner field, target type, reverse field on the target, connection entity or None)
PAIRS = [
    ("Shot", "assets", "Asset", "shots", "AssetShotConnection"),
    ("Asset", "shots", "Shot", "assets", "AssetShotConnection"),
    ("Sequence", "shots", "Shot", "sg_sequence", None),
    ("Shot", "tasks", "Task", "entity", None),
    ("Task", "upstream_tasks", "Task", "downstream_tasks", "TaskDependency"),
    ("Task", "downstream_tasks", "Task", "upstream_tasks", "TaskDependency"),
    ("Note", "note_links", "Shot", "notes", None),
    ("Shot", "notes", "Note", "note_links", None),
    ("Playlist", "versions", "Version", "playlists", "PlaylistVersionConnection"),
    ("Version", "playlists", "Playlist", "versions", "PlaylistVersionConnection"),
    ("Project", "users", "HumanUser", "projects", "ProjectUserConnection"),
    ("HumanUser", "projects", "Project", "users", "ProjectUserConnection"),
]

NAME_FIELDS = {"Task": "content", "Note": "subject", "Project": "name", "HumanUser": "name"}


def _make(sg: Shotgun, entity_type: str, name: str, project: dict) -> dict:
    data: dict = {NAME_FIELDS.get(entity_type, "code"): name}
    if entity_type == "HumanUser":
        data["login"] = name
    elif entity_type != "Project":
        data["project"] = project
    return sg.create(entity_type, data)


def _read(sg: Shotgun, entity: dict, field: str) -> object:
    return sg.find_one(entity["type"], [["id", "is", entity["id"]]], [field])[field]


def _ids(value: object) -> list[int]:
    if value is None:
        return []
    if isinstance(value, dict):
        return [value["id"]]
    return sorted(link["id"] for link in value)  # type: ignore[union-attr]


@pytest.mark.parametrize(("owner_type", "field", "target_type", "reverse", "connection"), PAIRS)
def test_update_multi_entity_shows_on_reverse_field(
    sg: Shotgun,
    project: dict,
    owner_type: str,
    field: str,
    target_type: str,
    reverse: str,
    connection: str | None,
) -> None:
    owner = _make(sg, owner_type, "owner", project)
    target = _make(sg, target_type, "target", project)
    sg.update(owner_type, owner["id"], {field: [target]})
    assert _ids(_read(sg, owner, field)) == [target["id"]]
    assert _ids(_read(sg, target, reverse)) == [owner["id"]]
    if connection:
        assert len(sg.find(connection, [])) == 1
    sg.update(owner_type, owner["id"], {field: []})
    assert _read(sg, owner, field) == []
    assert _ids(_read(sg, target, reverse)) == []
    if connection:
        assert sg.find(connection, []) == []


@pytest.mark.parametrize(("owner_type", "field", "target_type", "reverse", "connection"), PAIRS)
def test_create_multi_entity_reads_with_names_from_both_sides(
    sg: Shotgun,
    project: dict,
    owner_type: str,
    field: str,
    target_type: str,
    reverse: str,
    connection: str | None,
) -> None:
    target = _make(sg, target_type, "target", project)
    name_field = NAME_FIELDS.get(owner_type, "code")
    data: dict = {name_field: "owner", field: [target]}
    if owner_type == "HumanUser":
        data["login"] = "owner"
    elif owner_type != "Project":
        data["project"] = project
    owner = sg.create(owner_type, data, [field])
    assert owner[field] == [{"type": target_type, "id": target["id"], "name": "target"}]
    back = _read(sg, target, reverse)
    expected = {"type": owner_type, "id": owner["id"], "name": "owner"}
    assert back == expected or back == [expected]


def test_asset_shot_connection_rows_are_queryable(sg: Shotgun, project: dict) -> None:
    asset = _make(sg, "Asset", "tree", project)
    shot = sg.create("Shot", {"code": "sh", "project": project, "assets": [asset]})
    rows = sg.find("AssetShotConnection", [["shot", "is", shot]], ["asset", "shot"])
    assert rows == [
        {
            "type": "AssetShotConnection",
            "id": rows[0]["id"],
            "asset": {"type": "Asset", "id": asset["id"], "name": "tree"},
            "shot": {"type": "Shot", "id": shot["id"], "name": "sh"},
        }
    ]


def test_playlist_version_connection_rows_are_queryable(sg: Shotgun, project: dict) -> None:
    versions = [_make(sg, "Version", f"v{i}", project) for i in range(2)]
    playlist = sg.create("Playlist", {"code": "pl", "project": project, "versions": versions})
    rows = sg.find(
        "PlaylistVersionConnection", [["playlist", "is", playlist]], ["version", "playlist"]
    )
    assert sorted(row["version"]["id"] for row in rows) == sorted(v["id"] for v in versions)


def test_task_dependency_row_links_both_tasks(sg: Shotgun, project: dict) -> None:
    upstream = _make(sg, "Task", "up", project)
    downstream = sg.create(
        "Task", {"content": "down", "project": project, "upstream_tasks": [upstream]}
    )
    rows = sg.find("TaskDependency", [], ["task", "dependent_task"])
    assert len(rows) == 1
    linked = {rows[0]["task"]["id"], rows[0]["dependent_task"]["id"]}
    assert linked == {upstream["id"], downstream["id"]}


def test_update_reverse_side_of_connection_keeps_one_row_per_pair(
    sg: Shotgun, project: dict
) -> None:
    asset = _make(sg, "Asset", "tree", project)
    shot = sg.create("Shot", {"code": "sh", "project": project, "assets": [asset]})
    sg.update("Asset", asset["id"], {"shots": [shot]}, {"shots": "add"})
    assert len(sg.find("AssetShotConnection", [])) == 1


def test_update_sequence_shots_moves_shot_between_sequences(sg: Shotgun, project: dict) -> None:
    first, second = (_make(sg, "Sequence", c, project) for c in "AB")
    shot = sg.create("Shot", {"code": "sh", "project": project, "sg_sequence": first})
    sg.update("Sequence", second["id"], {"shots": [shot]})
    assert _read(sg, shot, "sg_sequence")["id"] == second["id"]  # type: ignore[index]
    assert _read(sg, first, "shots") == []


def test_update_sequence_shots_remove_clears_shot_sequence(sg: Shotgun, project: dict) -> None:
    sequence = _make(sg, "Sequence", "A", project)
    shots = [
        sg.create("Shot", {"code": f"s{i}", "project": project, "sg_sequence": sequence})
        for i in range(2)
    ]
    sg.update("Sequence", sequence["id"], {"shots": [shots[0]]}, {"shots": "remove"})
    assert _read(sg, shots[0], "sg_sequence") is None
    assert _ids(_read(sg, sequence, "shots")) == [shots[1]["id"]]


def test_update_multi_entity_with_several_target_types(sg: Shotgun, project: dict) -> None:
    shot = _make(sg, "Shot", "sh", project)
    asset = _make(sg, "Asset", "tree", project)
    note = sg.create("Note", {"subject": "n", "project": project, "note_links": [shot, asset]})
    links = _read(sg, note, "note_links")
    assert sorted((link["type"], link["id"]) for link in links) == [  # type: ignore[union-attr]
        ("Asset", asset["id"]),
        ("Shot", shot["id"]),
    ]
    assert _ids(_read(sg, asset, "notes")) == [note["id"]]


def test_create_connection_entity_row_links_both_sides(sg: Shotgun, project: dict) -> None:
    asset = _make(sg, "Asset", "tree", project)
    shot = _make(sg, "Shot", "sh", project)
    sg.create("AssetShotConnection", {"asset": asset, "shot": shot})
    assert _ids(_read(sg, shot, "assets")) == [asset["id"]]
    assert _ids(_read(sg, asset, "shots")) == [shot["id"]]


def test_create_second_connection_for_same_pair_is_fault(
    sg: Shotgun, project: dict, snapshot
) -> None:
    asset = _make(sg, "Asset", "tree", project)
    shot = sg.create("Shot", {"code": "sh", "project": project, "assets": [asset]})
    before = snapshot()
    with pytest.raises(Fault, match="already a connection"):
        sg.create("AssetShotConnection", {"asset": asset, "shot": shot})
    assert snapshot() == before
