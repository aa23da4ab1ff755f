"""create: what it returns, the defaults and bookkeeping it applies (api3-wire-protocol.md §3.3)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from roles import manager_role

import callsheet
from callsheet.client import Shotgun


def test_create_returns_set_fields_return_fields_type_and_id(sg: Shotgun, project: dict) -> None:
    sequence = sg.create("Sequence", {"code": "SQ010", "project": project})
    shot = sg.create(
        "Shot",
        {"code": "SH010", "project": project, "sg_sequence": sequence, "sg_cut_in": 1001},
        ["sg_status_list", "description"],
    )
    assert shot == {
        "type": "Shot",
        "id": shot["id"],
        "code": "SH010",
        "project": {"type": "Project", "id": project["id"], "name": "Test Project"},
        "sg_sequence": {"type": "Sequence", "id": sequence["id"], "name": "SQ010"},
        "sg_cut_in": 1001,
        "sg_status_list": "wtg",
        "description": None,
    }


def test_create_without_return_fields_returns_set_fields_and_id(sg: Shotgun) -> None:
    created = sg.create("Project", {"name": "Alpha"})
    assert created == {"type": "Project", "id": created["id"], "name": "Alpha"}


def test_create_then_find_reads_the_same_values(sg: Shotgun, project: dict) -> None:
    created = sg.create(
        "Task",
        {"content": "Anim", "project": project, "start_date": "2024-01-02", "milestone": True},
    )
    found = sg.find_one("Task", [["id", "is", created["id"]]], list(created))
    assert found == created


@pytest.mark.parametrize(
    ("entity_type", "data", "name"),
    [
        ("Shot", {"code": "SH010"}, "SH010"),
        ("Task", {"content": "Lighting"}, "Lighting"),
        ("Note", {"subject": "Fix the sky", "content": "body"}, "Fix the sky"),
        ("Ticket", {"title": "Render farm down"}, "Render farm down"),
        ("Delivery", {"title": "Client drop"}, "Client drop"),
        ("TimeLog", {"description": "overtime", "duration": 60}, "overtime"),
    ],
)
def test_create_link_to_entity_carries_display_name(
    sg: Shotgun, project: dict, entity_type: str, data: dict, name: str
) -> None:
    created = sg.create(entity_type, {**data, "project": project})
    event = sg.find_one(
        "EventLogEntry", [["event_type", "is", f"Shotgun_{entity_type}_New"]], ["entity"]
    )
    assert event["entity"] == {"type": entity_type, "id": created["id"], "name": name}


def test_create_human_user_link_is_named_by_full_name(sg: Shotgun, project: dict) -> None:
    user = sg.create("HumanUser", {"login": "ann", "firstname": "Ann", "lastname": "Lee"})
    task = sg.create(
        "Task", {"content": "x", "project": project, "task_assignees": [user]}, ["task_assignees"]
    )
    assert task["task_assignees"] == [{"type": "HumanUser", "id": user["id"], "name": "Ann Lee"}]


def test_create_project_link_is_named_by_name(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    assert shot["project"] == {"type": "Project", "id": project["id"], "name": "Test Project"}


def test_create_omitted_status_list_gets_default_value(sg: Shotgun, project: dict) -> None:
    default = sg.schema_field_read("Shot", "sg_status_list")["sg_status_list"]["properties"][
        "default_value"
    ]["value"]
    shot = sg.create("Shot", {"code": "a", "project": project}, ["sg_status_list"])
    assert default is not None
    assert shot["sg_status_list"] == default


def test_create_given_status_list_overrides_default(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project, "sg_status_list": "ip"})
    assert shot["sg_status_list"] == "ip"


def test_create_uuid_field_is_generated_canonical(sg: Shotgun) -> None:
    first = sg.create("LocalStorage", {"code": "primary"}, ["uuid"])
    second = sg.create("LocalStorage", {"code": "secondary"}, ["uuid"])
    assert str(uuid.UUID(first["uuid"])) == first["uuid"]
    assert first["uuid"] != second["uuid"]


def test_create_sets_created_and_updated_bookkeeping(sg: Shotgun, project: dict) -> None:
    shot = sg.create(
        "Shot",
        {"code": "a", "project": project},
        ["created_at", "updated_at", "created_by", "updated_by"],
    )
    actor = {"type": sg.actor.entity_type, "id": sg.actor.id, "name": sg.actor.name}
    assert shot["created_by"] == actor
    assert shot["updated_by"] == actor
    assert isinstance(shot["created_at"], dt.datetime)
    assert shot["created_at"] == shot["updated_at"]


def test_create_with_created_at_and_created_by_keeps_them(sg: Shotgun, project: dict) -> None:
    user = sg.create("HumanUser", {"login": "mig", "name": "Mig Rator"})
    when = dt.datetime(2001, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    shot = sg.create(
        "Shot",
        {"code": "old", "project": project, "created_at": when, "created_by": user},
        ["updated_by"],
    )
    assert shot["created_at"] == when
    assert shot["created_by"] == {"type": "HumanUser", "id": user["id"], "name": "Mig Rator"}
    assert shot["updated_by"]["type"] == sg.actor.entity_type


def test_create_as_human_user_records_created_by(
    sg: Shotgun, project: dict, database_url: str
) -> None:
    user = sg.create(
        "HumanUser", {"login": "artist", "name": "Art Ist", "permission_rule_set": manager_role(sg)}
    )
    artist = callsheet.connect(database_url, as_user={"type": "HumanUser", "id": user["id"]})
    try:
        shot = artist.create(
            "Shot", {"code": "a", "project": project}, ["created_by", "updated_by"]
        )
    finally:
        artist.close()
    expected = {"type": "HumanUser", "id": user["id"], "name": "Art Ist"}
    assert shot["created_by"] == expected
    assert shot["updated_by"] == expected


def test_create_omitted_multi_entity_reads_empty_list(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project}, ["assets", "tasks", "notes"])
    assert shot["assets"] == []
    assert shot["tasks"] == []
    assert shot["notes"] == []


def test_create_multi_entity_none_reads_empty_list(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project, "assets": None})
    assert shot["assets"] == []


def test_create_multi_entity_duplicates_collapse(sg: Shotgun, project: dict) -> None:
    asset = sg.create("Asset", {"code": "tree", "project": project})
    shot = sg.create("Shot", {"code": "a", "project": project, "assets": [asset, asset]})
    assert shot["assets"] == [{"type": "Asset", "id": asset["id"], "name": "tree"}]


def test_create_human_user_name_splits_into_first_and_last(sg: Shotgun) -> None:
    user = sg.create(
        "HumanUser", {"login": "bob", "name": "Bob van Dyke"}, ["firstname", "lastname"]
    )
    assert (user["firstname"], user["lastname"]) == ("Bob", "van Dyke")


def test_create_human_user_first_and_last_make_name(sg: Shotgun) -> None:
    user = sg.create(
        "HumanUser", {"login": "cy", "firstname": "Cy", "lastname": "Twombly"}, ["name"]
    )
    assert user["name"] == "Cy Twombly"


def test_create_password_reads_masked(sg: Shotgun) -> None:
    user = sg.create("HumanUser", {"login": "pw", "name": "P W", "password_proxy": "s3cret!"})
    assert user["password_proxy"] == "*******"
    found = sg.find_one("HumanUser", [["id", "is", user["id"]]], ["password_proxy"])
    assert found["password_proxy"] == "*******"


def test_create_password_is_stored_hashed_not_plain(sg: Shotgun) -> None:
    import sqlalchemy as sa

    user = sg.create("HumanUser", {"login": "pw", "name": "P W", "password_proxy": "s3cret!"})
    table = sg.site.store.table("HumanUser")
    with sg.site.store.read() as conn:
        stored = conn.execute(
            sa.select(table.c.password_proxy).where(table.c.id == user["id"])
        ).scalar_one()
    assert stored and "s3cret!" not in stored


def test_create_cached_display_name_is_discarded(sg: Shotgun, project: dict) -> None:
    shot = sg.create(
        "Shot", {"code": "real", "project": project, "cached_display_name": "fake"}, ["code"]
    )
    assert shot["code"] == "real"


def test_create_entity_dict_extra_keys_are_ignored(sg: Shotgun, project: dict) -> None:
    link = {"type": "Project", "id": project["id"], "name": "wrong", "extra": 1}
    shot = sg.create("Shot", {"code": "a", "project": link})
    assert shot["project"] == {"type": "Project", "id": project["id"], "name": "Test Project"}


def test_create_ids_of_one_type_increase(sg: Shotgun, project: dict) -> None:
    ids = [sg.create("Shot", {"code": f"s{i}", "project": project})["id"] for i in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3


def test_create_datetime_reads_back_timezone_aware(sg: Shotgun, project: dict) -> None:
    when = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    shot = sg.create("Shot", {"code": "a", "project": project, "created_at": when})
    assert shot["created_at"].tzinfo is not None
    assert shot["created_at"] == when


def test_create_text_is_stripped_and_empty_is_none(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "  padded  ", "project": project, "description": "   "})
    assert shot["code"] == "padded"
    assert shot["description"] is None


def test_create_event_log_entry_by_script_is_allowed(sg: Shotgun, project: dict) -> None:
    entry = sg.create(
        "EventLogEntry",
        {"event_type": "Studio_Tool_Ran", "project": project, "description": "ran"},
        ["event_type"],
    )
    assert entry["event_type"] == "Studio_Tool_Ran"
    assert re.fullmatch(r"\d+", str(entry["id"]))
