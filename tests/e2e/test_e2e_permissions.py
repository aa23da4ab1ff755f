"""Permissions through the official client against a live server: the key cases.

A person in the Artist role signs in with login and password; the test script (API Admin) made
two projects and put the person on one. The Artist must not see the other project's rows, not even
through a deep link or a summary, must not write there, and nobody may change PermissionRuleSets
through the API.
"""

from __future__ import annotations

from typing import Any

import pytest
import shotgun_api3
from live_server import LiveServer

from callsheet.site.accounts import create_script, create_user

LOGIN, PASSWORD = "perm artist", "artist password"


@pytest.fixture(scope="module")
def studio(live: LiveServer) -> dict[str, Any]:
    sg = live.script()
    person = create_user(live.site, LOGIN, "Perm Artist", PASSWORD, "Artist")
    made: dict[str, Any] = {"person": person}
    for which, users in (("open", [person]), ("closed", [])):
        project = sg.create("Project", {"name": f"perm {which}", "users": users})
        shot = sg.create("Shot", {"code": f"perm {which} shot", "project": project})
        version = sg.create(
            "Version", {"code": f"perm {which} version", "project": project, "entity": shot}
        )
        made[which] = {"Project": project, "Shot": shot, "Version": version}
    made["cross"] = sg.create(
        "Version",
        {
            "code": "perm cross",
            "project": made["open"]["Project"],
            "entity": made["closed"]["Shot"],
        },
    )
    create_script(live.site, "perm reader", "perm-reader-key", "API Read Only")
    return made


@pytest.fixture(scope="module")
def artist(live: LiveServer, studio: dict[str, Any]) -> shotgun_api3.Shotgun:
    return live.person(LOGIN, PASSWORD)


def test_artist_sees_only_the_project_they_are_on(
    artist: shotgun_api3.Shotgun, studio: dict[str, Any]
) -> None:
    names = {p["name"] for p in artist.find("Project", [], ["name"])}
    assert names == {"perm open"}
    versions = {
        v["code"] for v in artist.find("Version", [["code", "starts_with", "perm"]], ["code"])
    }
    assert versions == {"perm open version", "perm cross"}
    hidden = studio["closed"]["Shot"]["id"]
    assert artist.find_one("Shot", [["id", "is", hidden]]) is None


def test_artist_reads_no_hidden_shot_through_a_deep_link_or_summary(
    artist: shotgun_api3.Shotgun, studio: dict[str, Any]
) -> None:
    cross = artist.find_one(
        "Version", [["id", "is", studio["cross"]["id"]]], ["entity", "entity.Shot.code"]
    )
    assert cross["entity"] is None and cross["entity.Shot.code"] is None
    assert artist.find("Version", [["entity.Shot.code", "is", "perm closed shot"]]) == []
    summary = artist.summarize(
        "Version",
        [["code", "starts_with", "perm"]],
        [{"field": "id", "type": "record_count"}],
        grouping=[{"field": "entity.Shot.code", "type": "exact", "direction": "asc"}],
    )
    assert summary["summaries"]["id"] == 2
    assert "perm closed shot" not in {g["group_name"] for g in summary["groups"]}
    found = artist.text_search("perm closed", {"Shot": [], "Version": []})
    assert found["matches"] == []


def test_artist_writes_are_refused_outside_their_rules(
    artist: shotgun_api3.Shotgun, studio: dict[str, Any]
) -> None:
    with pytest.raises(shotgun_api3.Fault, match="Can not create entity of type Shot"):
        artist.create("Shot", {"code": "x", "project": studio["open"]["Project"]})
    with pytest.raises(shotgun_api3.Fault, match="can not be accessed"):
        artist.create("Note", {"subject": "x", "project": studio["closed"]["Project"]})
    with pytest.raises(shotgun_api3.Fault, match="batch request 1"):
        artist.batch(
            [
                {
                    "request_type": "create",
                    "entity_type": "Note",
                    "data": {"subject": "ok", "project": studio["open"]["Project"]},
                },
                {
                    "request_type": "delete",
                    "entity_type": "Shot",
                    "entity_id": studio["open"]["Shot"]["id"],
                },
            ]
        )
    assert artist.find("Note", [["subject", "is", "ok"]]) == []
    note = artist.create("Note", {"subject": "mine", "project": studio["open"]["Project"]})
    assert artist.update("Note", note["id"], {"content": "edited"})["content"] == "edited"


@pytest.mark.parametrize("who", ["script", "artist"])
def test_permission_rule_sets_cannot_be_changed_through_the_api(
    live: LiveServer, artist: shotgun_api3.Shotgun, who: str
) -> None:
    client = live.script() if who == "script" else artist
    roles = client.find("PermissionRuleSet", [], ["display_name"])
    assert "Admin" in {r["display_name"] for r in roles}
    with pytest.raises(shotgun_api3.Fault, match="PermissionRuleSet"):
        client.create("PermissionRuleSet", {"code": "boss", "display_name": "Boss"})
    with pytest.raises(shotgun_api3.Fault, match="PermissionRuleSet"):
        client.update("PermissionRuleSet", roles[0]["id"], {"display_name": "Renamed"})
    with pytest.raises(shotgun_api3.Fault, match="PermissionRuleSet"):
        client.delete("PermissionRuleSet", roles[0]["id"])


def test_artist_cannot_promote_themself_or_sudo(
    live: LiveServer, artist: shotgun_api3.Shotgun, studio: dict[str, Any]
) -> None:
    admin_role = artist.find_one("PermissionRuleSet", [["code", "is", "admin"]])
    with pytest.raises(shotgun_api3.Fault, match=r"not editable for this user: \[HumanUser"):
        artist.update("HumanUser", studio["person"]["id"], {"permission_rule_set": admin_role})
    with pytest.raises(shotgun_api3.Fault, match="does not have permission to 'sudo'"):
        live.person(LOGIN, PASSWORD, sudo_as_login="admin").find_one("Shot", [])


def test_read_only_script_reads_but_never_writes(live: LiveServer, studio: dict[str, Any]) -> None:
    reader = live.client("perm reader", "perm-reader-key")
    assert reader.find_one("Shot", [["id", "is", studio["closed"]["Shot"]["id"]]]) is not None
    with pytest.raises(shotgun_api3.Fault, match="Rule: API Read Only"):
        reader.update("Shot", studio["closed"]["Shot"]["id"], {"code": "x"})
    me = reader.find_one("ApiUser", [["firstname", "is", "perm reader"]])
    api_admin = reader.find_one("PermissionRuleSet", [["code", "is", "api_admin"]])
    with pytest.raises(shotgun_api3.Fault, match="Rule: API Read Only"):
        reader.update("ApiUser", me["id"], {"permission_rule_set": api_admin})
