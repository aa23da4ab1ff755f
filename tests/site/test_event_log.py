"""The EventLogEntry rows every write leaves (reference/event-log-and-daemons.md §5)."""

from __future__ import annotations

import pytest
from roles import manager_role

import callsheet
from callsheet.client import Shotgun
from callsheet.faults import Fault


def _actor(sg: Shotgun) -> dict:
    return {"type": sg.actor.entity_type, "id": sg.actor.id, "name": sg.actor.name}


def _changes(rows: list[dict], entity_type: str) -> dict[str, dict]:
    return {
        row["attribute_name"]: row["meta"]
        for row in rows
        if row["event_type"] == f"Shotgun_{entity_type}_Change"
    }


def test_create_writes_new_then_one_change_per_set_field(
    sg: Shotgun, project: dict, events
) -> None:
    events.mark()
    shot = sg.create("Shot", {"code": "sh010", "project": project, "sg_cut_in": 1001})
    rows = events.new()
    assert rows[0]["event_type"] == "Shotgun_Shot_New"
    assert rows[0]["attribute_name"] is None
    assert rows[0]["meta"] == {"type": "new_entity", "entity_type": "Shot", "entity_id": shot["id"]}
    assert rows[0]["entity"] == {"type": "Shot", "id": shot["id"], "name": "sh010"}
    assert rows[0]["project"] == shot["project"]
    changes = _changes(rows, "Shot")
    # Every field that ends up set, server defaults included; project is not logged [§5.4].
    assert set(changes) == {"code", "sg_cut_in", "sg_status_list"}
    assert changes["code"] == {
        "type": "attribute_change",
        "attribute_name": "code",
        "entity_type": "Shot",
        "entity_id": shot["id"],
        "field_data_type": "text",
        "old_value": None,
        "new_value": "sh010",
        "in_create": True,
    }
    assert changes["sg_cut_in"]["new_value"] == 1001
    assert changes["sg_status_list"]["new_value"] == "wtg"
    assert all(meta["in_create"] is True for meta in changes.values())


def test_create_entity_field_change_carries_entity_dict(sg: Shotgun, project: dict, events) -> None:
    sequence = sg.create("Sequence", {"code": "SQ", "project": project})
    events.mark()
    sg.create("Shot", {"code": "a", "project": project, "sg_sequence": sequence})
    meta = _changes(events.new(), "Shot")["sg_sequence"]
    assert meta["field_data_type"] == "entity"
    assert meta["new_value"] == {"type": "Sequence", "id": sequence["id"], "name": "SQ"}


def test_create_link_writes_back_reference_on_other_side(
    sg: Shotgun, project: dict, events
) -> None:
    shot = sg.create("Shot", {"code": "sh", "project": project})
    events.mark()
    task = sg.create("Task", {"content": "anim", "project": project, "entity": shot})
    rows = events.new()
    back = [row for row in rows if row["event_type"] == "Shotgun_Shot_Change"]
    assert len(back) == 1
    assert back[0]["attribute_name"] == "tasks"
    assert back[0]["entity"] == {"type": "Shot", "id": shot["id"], "name": "sh"}
    meta = back[0]["meta"]
    assert meta["actual_attribute_changed"] == "Task.entity"
    assert meta["in_create"] is True
    assert meta["added"] == [{"type": "Task", "id": task["id"], "name": "anim"}]
    assert meta["removed"] == []


def test_create_multi_entity_change_lists_added(sg: Shotgun, project: dict, events) -> None:
    asset = sg.create("Asset", {"code": "tree", "project": project})
    events.mark()
    shot = sg.create("Shot", {"code": "sh", "project": project, "assets": [asset]})
    rows = events.new()
    meta = _changes(rows, "Shot")["assets"]
    assert meta["field_data_type"] == "multi_entity"
    assert meta["added"] == [{"type": "Asset", "id": asset["id"], "name": "tree"}]
    assert meta["removed"] == []
    assert "old_value" not in meta and "new_value" not in meta
    back = _changes(rows, "Asset")["shots"]
    assert back["added"] == [{"type": "Shot", "id": shot["id"], "name": "sh"}]
    assert back["actual_attribute_changed"] == "Shot.assets"


def test_update_writes_one_change_per_changed_field(sg: Shotgun, project: dict, events) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project, "description": "same"})
    events.mark()
    sg.update("Shot", shot["id"], {"code": "b", "description": "same", "sg_cut_in": 5})
    rows = events.new()
    assert [row["attribute_name"] for row in rows] == ["code", "sg_cut_in"]
    code = rows[0]["meta"]
    assert code["old_value"] == "a" and code["new_value"] == "b"
    assert "in_create" not in code
    assert rows[1]["meta"]["old_value"] is None and rows[1]["meta"]["new_value"] == 5


def test_update_with_unchanged_values_writes_no_event(sg: Shotgun, project: dict, events) -> None:
    asset = sg.create("Asset", {"code": "tree", "project": project})
    shot = sg.create("Shot", {"code": "a", "project": project, "assets": [asset]})
    events.mark()
    sg.update("Shot", shot["id"], {"code": "a", "assets": [asset]})
    sg.update("Shot", shot["id"], {"assets": [asset]}, {"assets": "add"})
    assert events.new() == []


def test_update_multi_entity_change_lists_added_and_removed(
    sg: Shotgun, project: dict, events
) -> None:
    old, new = (sg.create("Asset", {"code": c, "project": project}) for c in ("old", "new"))
    shot = sg.create("Shot", {"code": "sh", "project": project, "assets": [old]})
    events.mark()
    sg.update("Shot", shot["id"], {"assets": [new]})
    rows = events.new()
    meta = _changes(rows, "Shot")["assets"]
    assert meta["added"] == [{"type": "Asset", "id": new["id"], "name": "new"}]
    assert meta["removed"] == [{"type": "Asset", "id": old["id"], "name": "old"}]
    backs = {
        row["entity"]["id"]: row["meta"]
        for row in rows
        if row["event_type"] == "Shotgun_Asset_Change"
    }
    assert backs[new["id"]]["added"] == [{"type": "Shot", "id": shot["id"], "name": "sh"}]
    assert backs[old["id"]]["removed"] == [{"type": "Shot", "id": shot["id"], "name": "sh"}]


def test_update_entity_field_writes_back_references_on_both_targets(
    sg: Shotgun, project: dict, events
) -> None:
    first, second = (sg.create("Sequence", {"code": c, "project": project}) for c in "AB")
    shot = sg.create("Shot", {"code": "sh", "project": project, "sg_sequence": first})
    events.mark()
    sg.update("Shot", shot["id"], {"sg_sequence": second})
    rows = events.new()
    meta = _changes(rows, "Shot")["sg_sequence"]
    assert meta["old_value"] == {"type": "Sequence", "id": first["id"], "name": "A"}
    assert meta["new_value"] == {"type": "Sequence", "id": second["id"], "name": "B"}
    backs = {
        row["entity"]["id"]: row["meta"]
        for row in rows
        if row["event_type"] == "Shotgun_Sequence_Change"
    }
    shot_dict = {"type": "Shot", "id": shot["id"], "name": "sh"}
    assert backs[first["id"]]["removed"] == [shot_dict]
    assert backs[second["id"]]["added"] == [shot_dict]
    assert all(b["actual_attribute_changed"] == "Shot.sg_sequence" for b in backs.values())


def test_update_reverse_field_writes_entity_change_on_target(
    sg: Shotgun, project: dict, events
) -> None:
    sequence = sg.create("Sequence", {"code": "SQ", "project": project})
    shot = sg.create("Shot", {"code": "sh", "project": project})
    events.mark()
    sg.update("Sequence", sequence["id"], {"shots": [shot]})
    rows = events.new()
    back = _changes(rows, "Shot")["sg_sequence"]
    assert back["actual_attribute_changed"] == "Sequence.shots"
    assert back["new_value"] == {"type": "Sequence", "id": sequence["id"], "name": "SQ"}


def test_delete_writes_retirement_date_change_then_retirement(
    sg: Shotgun, project: dict, events
) -> None:
    shot = sg.create("Shot", {"code": "sh", "project": project})
    events.mark()
    sg.delete("Shot", shot["id"])
    rows = events.new()
    assert [(r["event_type"], r["attribute_name"]) for r in rows] == [
        ("Shotgun_Shot_Change", "retirement_date"),
        ("Shotgun_Shot_Retirement", None),
    ]
    assert rows[0]["meta"]["old_value"] is None
    assert rows[0]["meta"]["new_value"].endswith(" UTC")
    retirement = rows[1]["meta"]
    assert retirement["type"] == "entity_retirement"
    assert (retirement["entity_type"], retirement["entity_id"]) == ("Shot", shot["id"])
    assert retirement["display_name"] == "sh"
    assert retirement["retirement_date"] == rows[0]["meta"]["new_value"]
    assert rows[1]["project"] == shot["project"]


def test_delete_already_retired_writes_no_event(sg: Shotgun, project: dict, events) -> None:
    shot = sg.create("Shot", {"code": "sh", "project": project})
    sg.delete("Shot", shot["id"])
    events.mark()
    assert sg.delete("Shot", shot["id"]) is False
    assert events.new() == []


def test_revive_writes_retirement_date_change_then_revival(
    sg: Shotgun, project: dict, events
) -> None:
    shot = sg.create("Shot", {"code": "sh", "project": project})
    sg.delete("Shot", shot["id"])
    retired_at = events.new()[-1]["meta"]["retirement_date"]
    events.mark()
    sg.revive("Shot", shot["id"])
    rows = events.new()
    assert [(r["event_type"], r["attribute_name"]) for r in rows] == [
        ("Shotgun_Shot_Change", "retirement_date"),
        ("Shotgun_Shot_Revival", None),
    ]
    assert rows[0]["meta"]["old_value"] == retired_at
    assert rows[0]["meta"]["new_value"] is None
    assert rows[1]["meta"]["entity_id"] == shot["id"]
    assert rows[1]["entity"] == {"type": "Shot", "id": shot["id"], "name": "sh"}


def test_event_user_is_the_acting_script(sg: Shotgun, project: dict, events) -> None:
    events.mark()
    sg.create("Shot", {"code": "sh", "project": project})
    rows = events.new()
    assert {row["user"]["type"] for row in rows} == {"ApiUser"}
    assert all(row["user"] == _actor(sg) for row in rows)
    assert all(row["session_uuid"] is None for row in rows)


def test_event_session_uuid_is_recorded_after_set_session_uuid(
    sg: Shotgun, project: dict, events
) -> None:
    session = "0b4b0a3e-2f8f-4d0c-9e41-1f3a0e9d8c77"
    sg.set_session_uuid(session)
    events.mark()
    shot = sg.create("Shot", {"code": "sh", "project": project})
    sg.update("Shot", shot["id"], {"code": "sh2"})
    sg.delete("Shot", shot["id"])
    rows = events.new()
    assert rows and all(row["session_uuid"] == session for row in rows)


def test_event_user_is_human_user_when_acting_as_one(
    sg: Shotgun, project: dict, database_url: str, events
) -> None:
    user = sg.create(
        "HumanUser", {"login": "art", "name": "Art Ist", "permission_rule_set": manager_role(sg)}
    )
    artist = callsheet.connect(database_url, as_user={"type": "HumanUser", "id": user["id"]})
    events.mark()
    try:
        shot = artist.create("Shot", {"code": "sh", "project": project})
        artist.update("Shot", shot["id"], {"code": "sh2"})
    finally:
        artist.close()
    rows = events.new()
    expected = {"type": "HumanUser", "id": user["id"], "name": "Art Ist"}
    assert rows and all(row["user"] == expected for row in rows)


def test_event_ids_are_dense_and_increasing(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "sh", "project": project})
    with pytest.raises(Fault):
        sg.create("Shot", {"code": "bad", "project": project, "sg_status_list": "nope"})
    sg.update("Shot", shot["id"], {"code": "sh2"})
    sg.batch([{"request_type": "delete", "entity_type": "Shot", "entity_id": shot["id"]}])
    sg.revive("Shot", shot["id"])
    ids = [
        row["id"]
        for row in sg.find(
            "EventLogEntry", [], ["id"], order=[{"field_name": "id", "direction": "asc"}]
        )
    ]
    assert ids == list(range(ids[0], ids[0] + len(ids)))


def test_event_log_entry_update_is_refused_and_leaves_row(sg: Shotgun, snapshot) -> None:
    entry = sg.find_one("EventLogEntry", [], ["description"])
    before = snapshot()
    with pytest.raises(Fault, match="EventLogEntry"):
        sg.update("EventLogEntry", entry["id"], {"description": "rewritten"})
    assert snapshot() == before
    found = sg.find_one("EventLogEntry", [["id", "is", entry["id"]]], ["description"])
    assert found == entry


def test_event_rows_of_project_entity_carry_project(sg: Shotgun, project: dict, events) -> None:
    events.mark()
    sg.create("Asset", {"code": "tree", "project": project})
    rows = events.new()
    assert all(row["project"] == project for row in rows)


def test_event_meta_of_date_and_datetime_is_wire_form(sg: Shotgun, project: dict, events) -> None:
    events.mark()
    sg.create("Task", {"content": "t", "project": project, "start_date": "2024-03-04"})
    meta = _changes(events.new(), "Task")["start_date"]
    assert meta["new_value"] == "2024-03-04"


def test_event_password_change_is_masked(sg: Shotgun, events) -> None:
    user = sg.create("HumanUser", {"login": "pw", "name": "P W"})
    events.mark()
    sg.update("HumanUser", user["id"], {"password_proxy": "hunter22"})
    meta = _changes(events.new(), "HumanUser")["password_proxy"]
    assert "hunter22" not in str(meta)
    assert meta["new_value"] == "*******"


def test_batch_script_event_takes_its_place_in_event_order(
    sg: Shotgun, project: dict, events
) -> None:
    events.mark()
    sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "Shot",
                "data": {"code": "a", "project": project},
            },
            {
                "request_type": "create",
                "entity_type": "EventLogEntry",
                "data": {"event_type": "Studio_Tool_Ran", "project": project},
            },
            {
                "request_type": "create",
                "entity_type": "Shot",
                "data": {"code": "b", "project": project},
            },
        ]
    )
    rows = events.new()
    kinds = [row["event_type"] for row in rows if row["event_type"] != "Shotgun_Shot_Change"]
    assert kinds == ["Shotgun_Shot_New", "Studio_Tool_Ran", "Shotgun_Shot_New"]
