"""The methods beyond find and write, through the official client (reference §3.6, §9.4)."""

from __future__ import annotations

import gzip
import http.client
import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import shotgun_api3
from live_server import HUMAN_LOGIN, HUMAN_NAME, LiveServer

EXPECTED_PREFERENCES = {
    "date_component_order": "month_day",
    "duration_units": "days",
    "format_currency_fields_decimal_options": "$1,000.99",
    "format_currency_fields_display_dollar_sign": False,
    "format_currency_fields_negative_options": "- $1,000",
    "format_date_fields": "08/04/22 OR 04/08/22 (depending on the Month order preference)",
    "format_float_fields": "9,999.99",
    "format_float_fields_rounding": "9.999999",
    "format_footage_fields": "10-05",
    "format_number_fields": "1,000",
    "format_time_hour_fields": "12 hour",
    "hours_per_day": 8.0,
    "support_local_storage": True,
    "enable_rv_integration": True,
    "enable_shotgun_review_for_rv": False,
}


@pytest.fixture(scope="module")
def world(sg: shotgun_api3.Shotgun) -> dict[str, Any]:
    project = sg.create("Project", {"name": "methods project"})
    human = sg.find_one("HumanUser", [["login", "is", HUMAN_LOGIN]], ["name"])
    shot = sg.create("Shot", {"code": "stream shot", "project": project})
    note = sg.create("Note", {"content": "Test!", "project": project, "note_links": [shot]})
    task = sg.create("Task", {"content": "t", "project": project, "entity": shot})
    return {"project": project, "human": human, "shot": shot, "note": note, "task": task}


def post(live: LiveServer, body: bytes, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    parts = urlsplit(live.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "POST", "/api3/json", body, {"content-type": "application/json", **(headers or {})}
        )
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def rpc(method: str, *params: Any) -> bytes:
    auth = {"script_name": "e2e tests", "script_key": "e2e-script-key"}
    return json.dumps({"method_name": method, "params": [auth, *params]}).encode()


def test_activity_stream_shows_entity_and_note_creation(
    sg: shotgun_api3.Shotgun, world: dict
) -> None:
    stream = sg.activity_stream_read("Shot", world["shot"]["id"])
    assert set(stream) == {
        "earliest_update_id",
        "entity_id",
        "entity_type",
        "latest_update_id",
        "updates",
    }
    assert [u["meta"]["entity_type"] for u in stream["updates"]] == ["Note", "Shot"]
    assert set(stream["updates"][1]["primary_entity"]) == {"id", "name", "status", "type"}
    limited = sg.activity_stream_read("Shot", world["shot"]["id"], limit=1)
    assert len(limited["updates"]) == 1
    extra = sg.activity_stream_read("Shot", world["shot"]["id"], entity_fields={"Shot": ["code"]})
    assert extra["updates"][1]["primary_entity"]["code"] == "stream shot"


def test_follow_unfollow_followers_following(sg: shotgun_api3.Shotgun, world: dict) -> None:
    human, shot, task = world["human"], world["shot"], world["task"]
    assert sg.follow(human, shot)["followed"] is True
    assert [f["id"] for f in sg.followers(shot)] == [human["id"]]
    sg.follow(human, task)
    assert {(f["type"], f["id"]) for f in sg.following(human)} >= {
        ("Shot", shot["id"]),
        ("Task", task["id"]),
    }
    assert sg.following(human, entity_type="Task") == [{"type": "Task", "id": task["id"]}]
    assert len(sg.following(human, project=world["project"])) == 2
    assert sg.unfollow(human, shot)["unfollowed"] is True
    assert sg.followers(shot) == []


def test_note_thread_read_starts_with_the_note(sg: shotgun_api3.Shotgun, world: dict) -> None:
    sg.create("Reply", {"entity": world["note"], "content": "a reply"})
    thread = sg.note_thread_read(world["note"]["id"], entity_fields={"Note": ["subject"]})
    assert [item["type"] for item in thread] == ["Note", "Reply"]
    assert thread[0]["content"] == "Test!"


def test_preferences_read_is_the_default_sites(sg: shotgun_api3.Shotgun) -> None:
    preferences = sg.preferences_read()
    preferences.pop("view_master_settings")
    preferences.pop("creative_review_settings")
    assert preferences == EXPECTED_PREFERENCES
    assert sg.preferences_read(["date_component_order", "format_float_fields", "foo"]) == {
        "date_component_order": "month_day",
        "format_float_fields": "9,999.99",
    }


def test_work_schedule_exceptions_by_scope(sg: shotgun_api3.Shotgun, world: dict) -> None:
    project = world["project"]
    user = {"type": "HumanUser", "id": world["human"]["id"], "name": HUMAN_NAME}
    schedule = sg.work_schedule_read("2012-01-01", "2012-01-07", project, user)
    assert sg.work_schedule_update("2012-01-02", False, "Studio Holiday") == {
        "date": "2012-01-02",
        "description": "Studio Holiday",
        "project": None,
        "user": None,
        "working": False,
    }
    schedule["2012-01-02"] = {
        "reason": "STUDIO_EXCEPTION",
        "working": False,
        "description": "Studio Holiday",
    }
    assert sg.work_schedule_read("2012-01-01", "2012-01-07", project, user) == schedule
    echo = sg.work_schedule_update("2012-01-03", False, "Project Holiday", project)
    assert echo["project"] == project
    schedule["2012-01-03"] = {
        "reason": "PROJECT_EXCEPTION",
        "working": False,
        "description": "Project Holiday",
    }
    assert sg.work_schedule_read("2012-01-01", "2012-01-07", project, user) == schedule
    echo = sg.work_schedule_update("2012-01-04", False, "Artist Holiday", user=user)
    assert echo == {
        "date": "2012-01-04",
        "description": "Artist Holiday",
        "project": None,
        "user": user,
        "working": False,
    }
    schedule["2012-01-04"] = {
        "reason": "USER_EXCEPTION",
        "working": False,
        "description": "Artist Holiday",
    }
    assert sg.work_schedule_read("2012-01-01", "2012-01-07", project, user) == schedule
    with pytest.raises(shotgun_api3.Fault):
        sg.work_schedule_read("2012-01-07", "2012-01-01")


def test_user_subscriptions_create_and_read(sg: shotgun_api3.Shotgun, world: dict) -> None:
    users = [{"humanUserId": world["human"]["id"], "subscription": "SG_ONLY"}]
    assert sg.user_subscriptions_create(users) is True
    assert users[0] in sg.user_subscriptions_read()


def test_export_page_faults_name_what_is_missing(sg: shotgun_api3.Shotgun) -> None:
    with pytest.raises(shotgun_api3.Fault, match="Export for Page id=99999 not available"):
        sg.export_page(99999, "csv")
    with pytest.raises(shotgun_api3.Fault, match="'format' missing"):
        sg._call_rpc("export_page", {"page_id": 1, "format": None})
    with pytest.raises(shotgun_api3.Fault, match="'page_id' missing"):
        sg._call_rpc("export_page", {"format": "csv"})
    page = sg.find_one("Page", [])
    with pytest.raises(shotgun_api3.Fault, match="This functionality is currently not available"):
        sg.export_page(page["id"], "csv")


def test_nav_methods_answer_the_hierarchy_through_the_official_client(
    sg: shotgun_api3.Shotgun, world: dict
) -> None:
    # tk-framework-shotgunutils' hierarchy models walk these (site/navigation.py).
    project = world["project"]
    root = sg.nav_expand("/")
    assert f"/Project/{project['id']}" in [child["path"] for child in root["children"]]
    found = sg.nav_search_string(f"/Project/{project['id']}", "stream sh")
    assert [r["label"] for r in found] == ["stream shot"]
    assert found[0]["incremental_path"][-1].endswith(f"/Shot/{world['shot']['id']}")
    by_entity = sg.nav_search_entity("/", world["shot"])
    assert by_entity and by_entity[0]["incremental_path"][-1] == found[0]["incremental_path"][-1]
    with pytest.raises(shotgun_api3.Fault, match="Nope"):
        sg.nav_expand(f"/Project/{project['id']}/Nope")


def test_datetimes_leave_in_utc_z_form(live: LiveServer, world: dict) -> None:
    status, headers, body = post(
        live,
        rpc(
            "read",
            {
                "type": "Shot",
                "return_fields": ["created_at"],
                "filters": {"logical_operator": "and", "conditions": []},
                "paging": {"entities_per_page": 1, "current_page": 1},
            },
        ),
    )
    assert status == 200 and headers["content-type"].startswith("application/json")
    created = json.loads(body)["results"]["entities"][0]["created_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created)


def test_large_answers_are_gzipped_when_asked(live: LiveServer) -> None:
    status, headers, body = post(live, rpc("schema_read"), {"accept-encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    assert "Shot" in json.loads(gzip.decompress(body))["results"]


def test_garbage_is_a_fault_with_status_200(live: LiveServer) -> None:
    for body in (b"", b"{", b"[]", b'{"method_name": 3}', rpc("read", "not a dict")):
        status, _, answer = post(live, body)
        decoded = json.loads(answer)
        assert status == 200 and decoded["exception"] is True and decoded["message"]
