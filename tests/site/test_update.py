"""update: its result, bookkeeping, multi-entity modes and special fields."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from roles import manager_role

import callsheet
import callsheet.site.site
from callsheet.client import Shotgun
from callsheet.faults import Fault


def test_update_returns_only_type_id_and_fields_set(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project, "description": "d"})
    result = sg.update("Shot", shot["id"], {"code": "b", "sg_cut_in": 7})
    assert result == {"type": "Shot", "id": shot["id"], "code": "b", "sg_cut_in": 7}


def test_update_unchanged_value_still_returns_the_field(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    assert sg.update("Shot", shot["id"], {"code": "a"}) == {
        "type": "Shot",
        "id": shot["id"],
        "code": "a",
    }


def test_update_entity_field_returns_entity_dict_with_name(sg: Shotgun, project: dict) -> None:
    sequence = sg.create("Sequence", {"code": "SQ1", "project": project})
    shot = sg.create("Shot", {"code": "a", "project": project})
    result = sg.update("Shot", shot["id"], {"sg_sequence": sequence})
    assert result["sg_sequence"] == {"type": "Sequence", "id": sequence["id"], "name": "SQ1"}


def test_update_empty_data_changes_nothing(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    assert sg.update("Shot", shot["id"], {}) == {"type": "Shot", "id": shot["id"]}


def test_update_moves_updated_at_and_keeps_created_at(
    sg: Shotgun, project: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = dt.datetime(2020, 1, 1, 12, 0, 0)
    later = dt.datetime(2020, 1, 2, 12, 0, 0)
    monkeypatch.setattr(callsheet.site.site, "now_utc", lambda: created)
    shot = sg.create("Shot", {"code": "a", "project": project})
    monkeypatch.setattr(callsheet.site.site, "now_utc", lambda: later)
    sg.update("Shot", shot["id"], {"code": "b"})
    found = sg.find_one("Shot", [["id", "is", shot["id"]]], ["created_at", "updated_at"])
    assert found["created_at"] == created.replace(tzinfo=dt.UTC)
    assert found["updated_at"] == later.replace(tzinfo=dt.UTC)


def test_update_records_acting_user_in_updated_by(
    sg: Shotgun, project: dict, database_url: str
) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    user = sg.create(
        "HumanUser", {"login": "ed", "name": "Ed Itor", "permission_rule_set": manager_role(sg)}
    )
    editor = callsheet.connect(database_url, as_user={"type": "HumanUser", "id": user["id"]})
    try:
        editor.update("Shot", shot["id"], {"code": "b"})
    finally:
        editor.close()
    found = sg.find_one("Shot", [["id", "is", shot["id"]]], ["created_by", "updated_by"])
    assert found["updated_by"] == {"type": "HumanUser", "id": user["id"], "name": "Ed Itor"}
    assert found["created_by"]["type"] == sg.actor.entity_type


def _asset_ids(sg: Shotgun, shot_id: int) -> list[int]:
    found = sg.find_one("Shot", [["id", "is", shot_id]], ["assets"])
    return sorted(link["id"] for link in found["assets"])


@pytest.fixture
def assets(sg: Shotgun, project: dict) -> list[dict]:
    return [sg.create("Asset", {"code": f"asset{i}", "project": project}) for i in range(3)]


def test_update_multi_entity_set_replaces_links(
    sg: Shotgun, project: dict, assets: list[dict]
) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project, "assets": assets[:2]})
    sg.update("Shot", shot["id"], {"assets": [assets[2]]})
    assert _asset_ids(sg, shot["id"]) == [assets[2]["id"]]


def test_update_multi_entity_add_appends_without_duplicates(
    sg: Shotgun, project: dict, assets: list[dict]
) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project, "assets": [assets[0]]})
    sg.update("Shot", shot["id"], {"assets": [assets[0], assets[1], assets[1]]}, {"assets": "add"})
    assert _asset_ids(sg, shot["id"]) == [assets[0]["id"], assets[1]["id"]]


def test_update_multi_entity_remove_drops_only_given_links(
    sg: Shotgun, project: dict, assets: list[dict]
) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project, "assets": assets})
    sg.update("Shot", shot["id"], {"assets": [assets[1]]}, {"assets": "remove"})
    assert _asset_ids(sg, shot["id"]) == [assets[0]["id"], assets[2]["id"]]


def test_update_multi_entity_remove_absent_link_is_a_no_op(
    sg: Shotgun, project: dict, assets: list[dict]
) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project, "assets": [assets[0]]})
    sg.update("Shot", shot["id"], {"assets": [assets[2]]}, {"assets": "remove"})
    assert _asset_ids(sg, shot["id"]) == [assets[0]["id"]]


def test_update_multi_entity_set_empty_clears_to_empty_list(
    sg: Shotgun, project: dict, assets: list[dict]
) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project, "assets": assets})
    result = sg.update("Shot", shot["id"], {"assets": []})
    assert result["assets"] == []
    assert _asset_ids(sg, shot["id"]) == []


def test_update_multi_entity_none_clears_to_empty_list(
    sg: Shotgun, project: dict, assets: list[dict]
) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project, "assets": assets})
    assert sg.update("Shot", shot["id"], {"assets": None})["assets"] == []


def test_update_mode_on_table_link_add_keeps_existing(sg: Shotgun, project: dict) -> None:
    shots = [sg.create("Shot", {"code": f"s{i}", "project": project}) for i in range(2)]
    note = sg.create("Note", {"subject": "n", "project": project, "note_links": [shots[0]]})
    sg.update("Note", note["id"], {"note_links": [shots[1]]}, {"note_links": "add"})
    found = sg.find_one("Note", [["id", "is", note["id"]]], ["note_links"])
    assert sorted(link["id"] for link in found["note_links"]) == sorted(s["id"] for s in shots)


def test_update_human_user_firstname_recomputes_name(sg: Shotgun) -> None:
    user = sg.create("HumanUser", {"login": "bo", "firstname": "Bo", "lastname": "Diddley"})
    sg.update("HumanUser", user["id"], {"firstname": "Boris"})
    found = sg.find_one("HumanUser", [["id", "is", user["id"]]], ["name", "lastname"])
    assert found["name"] == "Boris Diddley"
    assert found["lastname"] == "Diddley"


def test_update_human_user_name_splits_into_first_and_last(sg: Shotgun) -> None:
    user = sg.create("HumanUser", {"login": "bo", "firstname": "Bo", "lastname": "Diddley"})
    sg.update("HumanUser", user["id"], {"name": "Ella Fitzgerald"})
    found = sg.find_one("HumanUser", [["id", "is", user["id"]]], ["firstname", "lastname"])
    assert (found["firstname"], found["lastname"]) == ("Ella", "Fitzgerald")


def test_update_password_reads_masked(sg: Shotgun) -> None:
    user = sg.create("HumanUser", {"login": "pw", "name": "P W"})
    result = sg.update("HumanUser", user["id"], {"password_proxy": "n3w-pass"})
    assert result == {"type": "HumanUser", "id": user["id"], "password_proxy": "*******"}


def test_update_image_none_clears_image_and_filmstrip(sg: Shotgun, project: dict) -> None:
    version = sg.create("Version", {"code": "v1", "project": project})
    table = sg.site.store.table("Version")
    with sg.site.store.write() as conn:
        conn.execute(
            sa.update(table)
            .where(table.c.id == version["id"])
            .values(image="https://thumb/1.png", filmstrip_image="https://strip/1.png")
        )
    result = sg.update("Version", version["id"], {"image": None})
    assert result == {"type": "Version", "id": version["id"], "image": None}
    found = sg.find_one("Version", [["id", "is", version["id"]]], ["image", "filmstrip_image"])
    assert found["image"] is None
    assert found["filmstrip_image"] is None


def test_update_created_at_is_refused(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    with pytest.raises(Fault, match=r"Shot\.created_at"):
        sg.update("Shot", shot["id"], {"created_at": dt.datetime(2001, 1, 1, tzinfo=dt.UTC)})


def test_update_retired_entity_is_refused(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    sg.delete("Shot", shot["id"])
    with pytest.raises(Fault, match="Shot"):
        sg.update("Shot", shot["id"], {"code": "b"})


def test_update_entity_field_to_none_clears_it(sg: Shotgun, project: dict) -> None:
    sequence = sg.create("Sequence", {"code": "SQ", "project": project})
    shot = sg.create("Shot", {"code": "a", "project": project, "sg_sequence": sequence})
    assert sg.update("Shot", shot["id"], {"sg_sequence": None})["sg_sequence"] is None
    found = sg.find_one("Sequence", [["id", "is", sequence["id"]]], ["shots"])
    assert found["shots"] == []
