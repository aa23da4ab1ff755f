"""The official client's live suite, in spirit (reference §9): its fixtures and what its tests use.

The fixtures are made exactly as `LiveTestBase._setup_db` makes them: find-or-create with
`find_one` on the identifying keys, else `create` with `return_fields=list(data)`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import shotgun_api3
from live_server import HUMAN_LOGIN, HUMAN_NAME, HUMAN_PASSWORD, LiveServer

PROJECT_NAME = "PTR unittest project"


def find_or_create(
    sg: shotgun_api3.Shotgun, entity_type: str, data: dict[str, Any], keys: list[str]
) -> dict[str, Any]:
    filters = [[key, "is", data[key]] for key in keys]
    found = sg.find_one(entity_type, filters, list(data))
    return found or sg.create(entity_type, data, return_fields=list(data))


@pytest.fixture(scope="module")
def db(live: LiveServer, sg: shotgun_api3.Shotgun) -> dict[str, dict[str, Any]]:
    """`_setup_db`, run twice: the second run must find everything the first created."""
    made: dict[str, dict[str, Any]] = {}
    for _ in range(2):
        project = find_or_create(sg, "Project", {"name": PROJECT_NAME}, ["name"])
        human = find_or_create(
            sg,
            "HumanUser",
            {
                "name": "Sg unittest human two",
                "login": "sgunittesthuman2",
                "password_proxy": HUMAN_PASSWORD,
                "locked_until": None,
            },
            ["name"],
        )
        asset = find_or_create(sg, "Asset", {"code": "ta", "project": project}, ["code"])
        version = find_or_create(
            sg,
            "Version",
            {
                "project": project,
                "code": "tv",
                "entity": asset,
                "user": human,
                "sg_frames_aspect_ratio": 13.3,
                "frame_count": 33,
            },
            ["code", "project"],
        )
        shot = find_or_create(sg, "Shot", {"code": "ts", "project": project}, ["code", "project"])
        note = find_or_create(
            sg,
            "Note",
            {"project": project, "user": human, "content": "anything"},
            ["project", "user"],
        )
        playlist = find_or_create(
            sg, "Playlist", {"project": project, "code": "tp"}, ["code", "project"]
        )
        step = find_or_create(
            sg,
            "Step",
            {"code": "wrapper test step", "entity_type": "Shot"},
            ["code", "entity_type"],
        )
        task = find_or_create(
            sg,
            "Task",
            {
                "project": project,
                "entity": asset,
                "content": "tt",
                "color": "Black",
                "due_date": "1968-10-13",
                "task_assignees": [human],
                "sg_status_list": "ip",
            },
            ["project", "entity", "content"],
        )
        storage = find_or_create(
            sg,
            "LocalStorage",
            {
                "code": "api wrapper test storage",
                "mac_path": "nowhere",
                "windows_path": "nowhere",
                "linux_path": "nowhere",
            },
            ["code"],
        )
        if made:
            assert made["project"]["id"] == project["id"] and made["task"]["id"] == task["id"]
        made = {
            "project": project,
            "human": human,
            "asset": asset,
            "version": version,
            "shot": shot,
            "note": note,
            "playlist": playlist,
            "step": step,
            "task": task,
            "storage": storage,
        }
    return made


def test_fixtures_read_back_as_created(sg: shotgun_api3.Shotgun, db: dict) -> None:
    task = sg.find_one(
        "Task", [["id", "is", db["task"]["id"]]], ["color", "due_date", "task_assignees"]
    )
    assert task["color"] == "Black" and task["due_date"] == "1968-10-13"
    assert [u["id"] for u in task["task_assignees"]] == [db["human"]["id"]]
    storage = sg.find_one("LocalStorage", [["id", "is", db["storage"]["id"]]], ["uuid"])
    assert "uuid" in storage
    version = sg.find_one(
        "Version", [["id", "is", db["version"]["id"]]], ["sg_frames_aspect_ratio", "frame_count"]
    )
    assert version["frame_count"] == 33 and version["sg_frames_aspect_ratio"] == 13.3


def test_created_human_logs_in_with_password_proxy(live: LiveServer, db: dict) -> None:
    person = live.person("sgunittesthuman2", HUMAN_PASSWORD)
    found = person.find_one("HumanUser", [["id", "is", db["human"]["id"]]], ["login"])
    assert found["login"] == "sgunittesthuman2"


def test_update_unicode_note_content_round_trips(sg: shotgun_api3.Shotgun, db: dict) -> None:
    sg.update("Note", db["note"]["id"], {"content": "La Pe\xf1a"})
    note = sg.find_one("Note", [["id", "is", db["note"]["id"]]], ["content"])
    assert note["content"] == "La Pe\xf1a"


def test_update_image_none_answers_exactly_the_field(sg: shotgun_api3.Shotgun, db: dict) -> None:
    version_id = db["version"]["id"]
    assert sg.update("Version", version_id, {"image": None}) == {
        "id": version_id,
        "image": None,
        "type": "Version",
    }


def test_locked_until_round_trips_as_utc(sg: shotgun_api3.Shotgun, db: dict) -> None:
    moment = dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    sg.update("HumanUser", db["human"]["id"], {"locked_until": moment})
    found = sg.find_one("HumanUser", [["id", "is", db["human"]["id"]]], ["locked_until"])
    assert found["locked_until"] == moment
    sg.update("HumanUser", db["human"]["id"], {"locked_until": None})


def test_created_by_reads_through_deep_link(sg: shotgun_api3.Shotgun, db: dict) -> None:
    shot = sg.find_one(
        "Shot",
        [["id", "is", db["shot"]["id"]]],
        ["created_by.ApiUser.generate_event_log_entries", "project.Project.name", "created_at"],
    )
    assert shot["project.Project.name"] == PROJECT_NAME
    assert isinstance(shot["created_at"], dt.datetime)


def test_find_pages_follow_entities_per_page(sg: shotgun_api3.Shotgun, db: dict) -> None:
    project = db["project"]
    sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "Shot",
                "data": {"code": f"page {n}", "project": project},
            }
            for n in range(7)
        ]
    )
    filters = [["code", "starts_with", "page "]]
    saved = sg.config.records_per_page
    sg.config._records_per_page = 2  # pages of 2: the has_next_page loop runs four times
    try:
        everything = sg.find("Shot", filters, ["code"], order=[{"field_name": "id"}])
    finally:
        sg.config._records_per_page = saved
    assert [s["code"] for s in everything] == [f"page {n}" for n in range(7)]
    second = sg.find("Shot", filters, ["code"], order=[{"field_name": "id"}], limit=3, page=2)
    assert [s["code"] for s in second] == ["page 3", "page 4", "page 5"]
    assert len(sg.find("Shot", filters, limit=4)) == 4


def test_read_legacy_paging_info_counts(sg: shotgun_api3.Shotgun, db: dict) -> None:
    answer = sg._call_rpc(
        "read",
        {
            "type": "Step",
            "return_fields": ["code"],
            "filters": {"logical_operator": "and", "conditions": []},
            "return_only": "active",
            "paging": {"entities_per_page": 3, "current_page": 1},
            "return_paging_info": True,
        },
    )
    assert len(answer["entities"]) == 3
    assert answer["paging_info"]["entity_count"] == len(sg.find("Step", []))


def test_delete_revive_and_batch_all_or_nothing(sg: shotgun_api3.Shotgun, db: dict) -> None:
    shot = sg.create("Shot", {"code": "doomed", "project": db["project"]})
    assert sg.delete("Shot", shot["id"]) is True
    assert sg.delete("Shot", shot["id"]) is False
    assert sg.revive("Shot", shot["id"]) is True
    assert sg.revive("Shot", shot["id"]) is False
    with pytest.raises(shotgun_api3.Fault):
        sg.delete("Shot", 99999999)
    before = len(sg.find("Shot", []))
    with pytest.raises(shotgun_api3.Fault):
        sg.batch(
            [
                {"request_type": "create", "entity_type": "Shot", "data": {"code": "kept?"}},
                {
                    "request_type": "update",
                    "entity_type": "Shot",
                    "entity_id": shot["id"],
                    "data": {"no_such_field": 1},
                },
            ]
        )
    assert len(sg.find("Shot", [])) == before
    results = sg.batch(
        [
            {
                "request_type": "update",
                "entity_type": "Playlist",
                "entity_id": db["playlist"]["id"],
                "data": {"versions": [db["version"]]},
                "multi_entity_update_modes": {"versions": "add"},
            },
            {"request_type": "delete", "entity_type": "Shot", "entity_id": shot["id"]},
        ]
    )
    assert results[0]["versions"][0]["id"] == db["version"]["id"] and results[1] is True


def test_summarize_and_archived_projects(sg: shotgun_api3.Shotgun, db: dict) -> None:
    project = sg.create("Project", {"name": "archived one"})
    sg.create("Shot", {"code": "in archive", "project": project})
    sg.update("Project", project["id"], {"archived": True})
    filters = [["project", "is", project]]
    counted = sg.summarize("Shot", filters, [{"field": "id", "type": "count"}])
    assert counted["summaries"]["id"] == 1
    hidden = sg.summarize(
        "Shot", filters, [{"field": "id", "type": "count"}], include_archived_projects=False
    )
    assert hidden["summaries"]["id"] == 0
    assert sg.find("Shot", filters, include_archived_projects=False) == []
    grouped = sg.summarize(
        "Task",
        [["project", "is", db["project"]]],
        [{"field": "id", "type": "count"}],
        grouping=[{"field": "sg_status_list", "type": "exact", "direction": "asc"}],
    )
    assert grouped["groups"][0]["group_value"] == "ip"


def test_text_search_terms_and_order(sg: shotgun_api3.Shotgun, db: dict) -> None:
    sg.create("Shot", {"code": "zebra text search", "project": db["project"]})
    sg.create("Asset", {"code": "zebra text search", "project": db["project"]})
    found = sg.text_search("zebra text search", {"Shot": [], "Asset": []}, limit=5)
    assert found["terms"] == ["zebra", "text", "search"]
    assert [m["type"] for m in found["matches"]] == ["Shot", "Asset"]


def test_bad_queries_are_faults(sg: shotgun_api3.Shotgun) -> None:
    for filters in ([["password_proxy", "is", "x"]], [["image", "is", "x"]]):
        with pytest.raises(shotgun_api3.Fault):
            sg.find("HumanUser", filters)
    for presets in (3, [3], [{}]):
        with pytest.raises(shotgun_api3.Fault):
            sg.find("Version", [], additional_filter_presets=presets)
    latest = sg.find(
        "Version",
        [],
        additional_filter_presets=[{"preset_name": "LATEST", "latest_by": "ENTITIES_CREATED_AT"}],
    )
    assert isinstance(latest, list)
    with pytest.raises(shotgun_api3.Fault, match="no_such_method"):
        sg._call_rpc("no_such_method", {})


def test_schema_methods_through_the_wire(sg: shotgun_api3.Shotgun, db: dict) -> None:
    name = sg.schema_field_create("Asset", "number", "e2e monkey count")
    assert name == "sg_e2e_monkey_count"
    project = db["project"]
    field = sg.schema_field_read("Asset", name, project)[name]
    assert field["visible"] == {"value": True, "editable": True}
    assert sg.schema_field_update("Asset", name, {"visible": False}, project) is True
    assert sg.schema_field_delete("Asset", name) is True
    assert "Shot" in sg.schema_read()
    assert "visible" not in sg.schema_read(project)
    assert sg.schema_entity_read()["ApiUser"]["name"]["value"] == "Script"
    assert "code" in sg.schema_field_read("Shot", project_entity={"type": "Project", "id": 0})


def test_last_accessed_page_and_project(
    live: LiveServer, sg: shotgun_api3.Shotgun, db: dict
) -> None:
    page = sg.find("Page", [["last_accessed", "is_not", None]], ["last_accessed"])
    assert isinstance(page[0]["last_accessed"], dt.datetime)
    person = live.person()
    person.update_project_last_accessed(db["project"])
    found = sg.find_one(
        "Project", [["id", "is", db["project"]["id"]]], ["last_accessed_by_current_user"]
    )
    assert isinstance(found["last_accessed_by_current_user"], dt.datetime)
    sg.update_project_last_accessed(db["project"], user=db["human"])


def test_human_fixture_name_matches_login_user(live: LiveServer) -> None:
    person = live.person()
    me = person.find_one("HumanUser", [["login", "is", HUMAN_LOGIN]], ["name"])
    assert me["name"] == HUMAN_NAME
