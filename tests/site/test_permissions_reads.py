"""Reads return only what the actor's role lets them see, compiled into the SQL.

Every read path: find (filters, deep links, sorts, paging), find_one by id (the prepared point
lookup), reverse and multi-entity fields, summarize, text_search, the event log. On SQLite and
PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from permission_world import World, build_world
from roles import role

from callsheet.client import Shotgun
from callsheet.faults import Fault, PermissionFault
from callsheet.site.action_menu import TRIGGERED_EVENT
from callsheet.site.permissions import RoleRules, set_role_rules

PROJECT_TYPES = ("Sequence", "Shot", "Asset", "Task", "Version", "Note")


@pytest.fixture
def world(sg: Shotgun) -> World:
    return build_world(sg)


def ids(records: list[dict[str, Any]]) -> set[int]:
    return {record["id"] for record in records}


# -- projects -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["artist", "vendor", "client"])
def test_find_project_assigned_only_sees_member_projects(world: World, code: str) -> None:
    found = world.as_role(code).find("Project", [], ["name"])
    assert ids(found) == world.ids("open", "Project")


@pytest.mark.parametrize("code", ["admin", "manager", "api_read_only"])
def test_find_project_unrestricted_roles_see_every_project(world: World, code: str) -> None:
    found = ids(world.as_role(code).find("Project", []))
    assert world.ids("open", "Project") | world.ids("closed", "Project") <= found


@pytest.mark.parametrize("entity_type", PROJECT_TYPES)
def test_find_artist_sees_rows_of_member_projects_only(world: World, entity_type: str) -> None:
    found = ids(world.as_role("artist").find(entity_type, []))
    assert world.ids("open", entity_type) <= found
    assert not world.ids("closed", entity_type) & found


@pytest.mark.parametrize("entity_type", PROJECT_TYPES)
def test_find_client_sees_rows_of_member_projects_only(world: World, entity_type: str) -> None:
    found = ids(world.as_role("client").find(entity_type, []))
    assert world.ids("open", entity_type) <= found
    assert not world.ids("closed", entity_type) & found


@pytest.mark.parametrize("entity_type", PROJECT_TYPES)
def test_find_manager_sees_both_projects(world: World, entity_type: str) -> None:
    found = ids(world.as_role("manager").find(entity_type, []))
    assert world.ids("open", entity_type) | world.ids("closed", entity_type) <= found


def test_find_membership_change_applies_at_once(world: World) -> None:
    artist = world.as_role("artist")
    assert not artist.find("Shot", [["code", "is", "closed_shot"]])
    world.sg.update(
        "Project",
        world.closed["Project"]["id"],
        {"users": [world.people["artist"]]},
        multi_entity_update_modes={"users": "add"},
    )
    assert ids(artist.find("Shot", [["code", "is", "closed_shot"]])) == world.ids("closed", "Shot")


# -- point lookups and the plan cache -------------------------------------------------------------


@pytest.mark.parametrize("entity_type", ["Shot", "Version", "Project"])
def test_find_one_by_id_hidden_row_is_none_for_artist_and_found_for_admin(
    world: World, entity_type: str
) -> None:
    hidden = world.closed[entity_type]["id"]
    fields = ["code", "project", "created_by"]
    for _ in range(2):  # the prepared statement is cached per role and actor, not shared
        assert world.sg.find_one(entity_type, [["id", "is", hidden]], fields) is not None
        assert world.as_role("artist").find_one(entity_type, [["id", "is", hidden]], fields) is None
        assert world.as_role("manager").find_one(entity_type, [["id", "is", hidden]]) is not None


def test_find_one_by_id_two_artists_do_not_share_a_plan(world: World) -> None:
    other = world.sg.create(
        "HumanUser",
        {"login": "other", "name": "Other Artist", "permission_rule_set": role(world.sg, "artist")},
    )
    world.sg.update("Project", world.closed["Project"]["id"], {"users": [other]})
    world.people["other"] = other
    shot = world.closed["Shot"]["id"]
    assert world.as_role("other").find_one("Shot", [["id", "is", shot]]) is not None
    assert world.as_role("artist").find_one("Shot", [["id", "is", shot]]) is None
    assert world.as_role("other").find_one("Shot", [["id", "is", shot]]) is not None


# -- deep links through a hidden project ----------------------------------------------------------


def test_find_deep_field_through_hidden_shot_reads_none(world: World) -> None:
    version = world.as_role("artist").find_one(
        "Version",
        [["id", "is", world.cross_version["id"]]],
        ["entity", "entity.Shot.code", "entity.Shot.project", "project"],
    )
    assert version["entity"] is None
    assert version["entity.Shot.code"] is None
    assert version["entity.Shot.project"] is None
    assert version["project"]["id"] == world.open["Project"]["id"]


def test_find_deep_field_through_hidden_shot_reads_none_in_lists(world: World) -> None:
    versions = world.as_role("artist").find(
        "Version", [], ["code", "entity.Shot.code", "entity.Shot.sg_sequence.Sequence.code"]
    )
    by_code = {v["code"]: v for v in versions}
    assert by_code["cross_version"]["entity.Shot.code"] is None
    assert by_code["cross_version"]["entity.Shot.sg_sequence.Sequence.code"] is None
    assert by_code["open_version"]["entity.Shot.code"] == "open_shot"
    assert "closed_version" not in by_code


@pytest.mark.parametrize(
    "filters",
    [
        [["entity.Shot.code", "is", "closed_shot"]],
        [["entity.Shot.code", "contains", "closed"]],
        [["entity", "name_contains", "closed"]],
        [["entity", "type_is", "Shot"], ["code", "is", "cross_version"]],
        [["entity.Shot.project.Project.name", "is", "Closed"]],
    ],
)
def test_find_filter_through_hidden_shot_matches_nothing(world: World, filters: list) -> None:
    assert world.as_role("artist").find("Version", filters) == []
    assert world.sg.find("Version", filters)  # the admin's script does match


def test_find_filter_on_hidden_link_target_matches_nothing(world: World) -> None:
    filters = [["entity", "is", world.closed["Shot"]]]
    assert world.as_role("artist").find("Version", filters) == []
    empty = world.as_role("artist").find("Version", [["entity", "is", None]], ["code"])
    assert "cross_version" in {v["code"] for v in empty}  # the link reads empty, so it is


def test_find_sort_by_hidden_deep_field_keeps_hidden_values_out(world: World) -> None:
    versions = world.as_role("artist").find(
        "Version",
        [],
        ["code", "entity.Shot.code"],
        order=[{"field_name": "entity.Shot.code", "direction": "desc"}],
    )
    assert {v["code"] for v in versions} >= {"open_version", "cross_version"}
    assert all(v["entity.Shot.code"] != "closed_shot" for v in versions)


def test_find_reverse_and_multi_entity_fields_drop_hidden_links(world: World) -> None:
    sg = world.sg
    shot = world.open["Shot"]["id"]
    sg.update("Shot", shot, {"assets": [world.open["Asset"], world.closed["Asset"]]})
    found = world.as_role("artist").find_one(
        "Shot", [["id", "is", shot]], ["assets", "sg_versions", "tasks", "notes"]
    )
    assert [a["id"] for a in found["assets"]] == [world.open["Asset"]["id"]]
    assert {v["id"] for v in found["sg_versions"]} == {
        world.open["Version"]["id"],
        world.vendor_version["id"],
    }
    closed_shot = world.sg.find_one(
        "Shot", [["id", "is", world.closed["Shot"]["id"]]], ["sg_versions"]
    )
    assert world.cross_version["id"] in {v["id"] for v in closed_shot["sg_versions"]}
    # the other way round: the Open project's Version on the Closed Shot, as the Artist sees it
    task = world.sg.create(
        "Task", {"content": "t", "project": world.closed["Project"], "entity": world.open["Shot"]}
    )
    tasks = world.as_role("artist").find_one("Shot", [["id", "is", shot]], ["tasks"])["tasks"]
    assert task["id"] not in {t["id"] for t in tasks}
    asset = world.as_role("artist").find_one(
        "Asset", [["id", "is", world.open["Asset"]["id"]]], ["shots"]
    )
    assert [s["id"] for s in asset["shots"]] == [shot]


def test_find_multi_entity_filter_matches_visible_links_only(world: World) -> None:
    sg = world.sg
    shot = world.open["Shot"]["id"]
    sg.update("Shot", shot, {"assets": [world.closed["Asset"]]})
    artist = world.as_role("artist")
    assert artist.find("Shot", [["assets", "is", world.closed["Asset"]]]) == []
    assert artist.find("Shot", [["assets.Asset.code", "is", "closed_asset"]]) == []
    assert shot in ids(artist.find("Shot", [["assets", "is", None]]))


# -- summaries and text search --------------------------------------------------------------------


def test_summarize_counts_visible_rows_only(world: World) -> None:
    artist = world.as_role("artist")
    counted = artist.summarize("Version", [], [{"field": "id", "type": "record_count"}])
    visible = len(artist.find("Version", []))
    assert counted["summaries"]["id"] == visible
    assert visible < len(world.sg.find("Version", []))


def test_summarize_grouping_by_hidden_link_has_no_name(world: World) -> None:
    result = world.as_role("artist").summarize(
        "Version",
        [],
        [{"field": "id", "type": "record_count"}],
        grouping=[{"field": "entity", "type": "exact", "direction": "asc"}],
    )
    names = {group["group_name"] for group in result["groups"]}
    assert "closed_shot" not in names
    assert "open_shot" in names


def test_summarize_deep_field_of_hidden_shot_is_empty(world: World) -> None:
    result = world.as_role("artist").summarize(
        "Version",
        [["code", "is", "cross_version"]],
        [{"field": "entity.Shot.code", "type": "count"}],
        grouping=[{"field": "entity.Shot.code", "type": "exact", "direction": "asc"}],
    )
    assert result["summaries"]["entity.Shot.code"] == 0
    assert [group["group_value"] for group in result["groups"]] == [None]


def test_summarize_filter_through_hidden_project_counts_nothing(world: World) -> None:
    result = world.as_role("artist").summarize(
        "Version",
        [["entity.Shot.project.Project.name", "is", "Closed"]],
        [{"field": "id", "type": "record_count"}],
    )
    assert result["summaries"]["id"] == 0


def test_summarize_multi_entity_count_ignores_hidden_links(world: World) -> None:
    shot = world.open["Shot"]
    world.sg.update("Shot", shot["id"], {"assets": [world.closed["Asset"]]})
    args = ("Shot", [["id", "is", shot["id"]]], [{"field": "assets", "type": "count"}])
    assert world.sg.summarize(*args)["summaries"]["assets"] == 1
    assert world.as_role("artist").summarize(*args)["summaries"]["assets"] == 0


def test_text_search_finds_visible_rows_only(world: World) -> None:
    found = world.as_role("artist").text_search("shot", {"Shot": [], "Version": []})
    assert {m["name"] for m in found["matches"]} == {"open_shot"}
    hidden_types = world.as_role("artist").text_search("cross", {"ApiUser": [], "Version": []})
    assert {m["name"] for m in hidden_types["matches"]} == {"cross_version"}


# -- hidden entity types --------------------------------------------------------------------------


def test_find_hidden_type_is_fault_naming_the_rule(world: World) -> None:
    with pytest.raises(Fault) as caught:
        world.as_role("artist").find("ApiUser", [])
    assert (
        str(caught.value) == "Entity of type ApiUser can not be accessed by this user. Rule: Artist"
    )
    assert isinstance(caught.value, PermissionFault)
    assert caught.value.error_code == 104


def test_find_link_to_hidden_type_reads_none(world: World) -> None:
    # the engine script (an ApiUser, hidden from artists) created the Shot
    shot = world.as_role("artist").find_one(
        "Shot",
        [["id", "is", world.open["Shot"]["id"]]],
        ["created_by", "created_by.ApiUser.firstname"],
    )
    assert shot["created_by"] is None
    assert shot["created_by.ApiUser.firstname"] is None


# -- the vendor's conditional rules ---------------------------------------------------------------


def test_find_vendor_sees_tasks_assigned_to_them_or_their_groups(world: World) -> None:
    sg = world.sg
    vendor = world.as_role("vendor")
    assert ids(vendor.find("Task", [])) == world.ids("open", "Task")
    group = sg.create("Group", {"code": "outsourcing", "users": [world.people["vendor"]]})
    extra = sg.create(
        "Task",
        {
            "content": "group_task",
            "project": world.open["Project"],
            "entity": world.open["Asset"],
            "task_assignees": [group],
        },
    )
    assert ids(vendor.find("Task", [])) == world.ids("open", "Task") | {extra["id"]}
    assert world.open["Asset"]["id"] in ids(vendor.find("Asset", []))


def test_find_vendor_sees_shots_of_their_tasks_and_their_own_versions(world: World) -> None:
    vendor = world.as_role("vendor")
    assert ids(vendor.find("Shot", [])) == world.ids("open", "Shot")
    assert ids(vendor.find("Asset", [])) == set()  # no Task on the Asset is theirs
    assert ids(vendor.find("Version", [])) == {world.vendor_version["id"]}
    with pytest.raises(PermissionFault):  # Sequences are not among the vendor's types
        vendor.find("Sequence", [])


def test_find_vendor_sees_notes_addressed_to_them_with_their_replies(world: World) -> None:
    sg = world.sg
    vendor = world.as_role("vendor")
    assert vendor.find("Note", []) == []
    note = sg.create(
        "Note",
        {
            "subject": "for the vendor",
            "project": world.open["Project"],
            "addressings_to": [world.people["vendor"]],
        },
    )
    reply = sg.create("Reply", {"entity": note, "content": "see above"})
    other_reply = sg.create("Reply", {"entity": world.open["Note"], "content": "not for you"})
    assert ids(vendor.find("Note", [])) == {note["id"]}
    replies = ids(vendor.find("Reply", []))
    assert reply["id"] in replies
    assert other_reply["id"] not in replies


def test_find_vendor_cannot_read_the_event_log(world: World) -> None:
    with pytest.raises(PermissionFault, match="EventLogEntry can not be accessed"):
        world.as_role("vendor").find("EventLogEntry", [])


# -- the event log --------------------------------------------------------------------------------


def test_find_event_log_artist_sees_events_of_member_projects_only(world: World) -> None:
    events = world.as_role("artist").find("EventLogEntry", [], ["project", "entity"])
    projects = {(e["project"] or {}).get("id") for e in events}
    assert world.open["Project"]["id"] in projects
    assert world.closed["Project"]["id"] not in projects
    closed_shot = world.closed["Shot"]["id"]
    assert not [
        e
        for e in events
        if e["entity"] and (e["entity"]["type"], e["entity"]["id"]) == ("Shot", closed_shot)
    ]
    assert not [e for e in events if e["entity"] and e["entity"]["type"] == "ApiUser"]


def test_find_event_log_action_menu_item_payload_only_for_its_user(world: World) -> None:
    sg = world.sg
    ami = sg.create("ActionMenuItem", {"title": "RV", "url": "rvlink://x", "light_payload": True})
    for code in ("artist", "client"):
        sg.create(
            "EventLogEntry",
            {
                "event_type": TRIGGERED_EVENT,
                "user": world.people[code],
                "project": world.open["Project"],
                "meta": {"type": "ami_triggered", "ami_id": ami["id"], "ami_payload": {"a": code}},
            },
        )
    filters = [["event_type", "is", TRIGGERED_EVENT]]
    found = world.as_role("artist").find("EventLogEntry", filters, ["user", "meta"])
    assert [e["user"]["id"] for e in found] == [world.people["artist"]["id"]]
    assert world.as_role("manager").find("EventLogEntry", filters) == []  # not theirs
    assert len(world.sg.find("EventLogEntry", filters)) == 2


# -- fields a role may not see --------------------------------------------------------------------


@pytest.fixture
def reviewer(world: World) -> Shotgun:
    """A person whose role is an Artist that may not see Shot.description."""
    artist = world.as_role("artist")
    data = RoleRules.from_data(
        "Reviewer",
        {
            "for": "people",
            "see_assigned_projects_only": True,
            "fields": {"Shot.description": {"see": False}},
        },
    )
    set_role_rules(world.sg.site, world.sg.actor, data)
    reviewer_role = world.sg.find_one("PermissionRuleSet", [["display_name", "is", "Reviewer"]])
    world.sg.update(
        "HumanUser", world.people["artist"]["id"], {"permission_rule_set": reviewer_role}
    )
    world.sg.update("Shot", world.open["Shot"]["id"], {"description": "secret plan"})
    return artist


def test_find_hidden_field_is_absent_from_reads(world: World, reviewer: Shotgun) -> None:
    shot = reviewer.find_one(
        "Shot", [["id", "is", world.open["Shot"]["id"]]], ["code", "description"]
    )
    assert shot == {"type": "Shot", "id": world.open["Shot"]["id"], "code": "open_shot"}
    task = reviewer.find_one(
        "Task", [["id", "is", world.open["Task"]["id"]]], ["entity.Shot.description"]
    )
    assert "entity.Shot.description" not in task


@pytest.mark.parametrize(
    ("entity_type", "filters"),
    [
        ("Shot", [["description", "contains", "secret"]]),
        ("Task", [["entity.Shot.description", "contains", "secret"]]),
        ("Shot", [{"filter_operator": "any", "filters": [["description", "is", None]]}]),
    ],
)
def test_find_filter_on_hidden_field_is_fault(
    world: World, reviewer: Shotgun, entity_type: str, filters: list
) -> None:
    with pytest.raises(PermissionFault, match=r"not visible for this user: \[Shot.description\]"):
        reviewer.find(entity_type, filters)


def test_find_sort_summary_and_grouping_on_hidden_field_are_faults(
    world: World, reviewer: Shotgun
) -> None:
    with pytest.raises(PermissionFault):
        reviewer.find("Shot", [], order=[{"field_name": "description", "direction": "asc"}])
    with pytest.raises(PermissionFault):
        reviewer.summarize("Shot", [], [{"field": "description", "type": "count"}])
    with pytest.raises(PermissionFault):
        reviewer.summarize(
            "Shot",
            [],
            [{"field": "id", "type": "record_count"}],
            grouping=[{"field": "description", "type": "exact", "direction": "asc"}],
        )
    with pytest.raises(PermissionFault):
        reviewer.text_search("open", {"Shot": [["description", "is", None]]})


def test_schema_reads_are_the_same_for_every_role(world: World, reviewer: Shotgun) -> None:
    # reference/data-model.md §6: reads filter rows, not fields; schema field counts identical
    assert reviewer.schema_field_read("Shot").keys() == world.sg.schema_field_read("Shot").keys()


# -- secrets --------------------------------------------------------------------------------------


def test_find_secret_fields_are_never_readable(world: World) -> None:
    sg = world.sg
    ami = sg.create("ActionMenuItem", {"title": "Signed", "url": "https://x", "secret_token": "s3"})
    found = sg.find_one("ActionMenuItem", [["id", "is", ami["id"]]], ["title", "secret_token"])
    assert "secret_token" not in found
    with pytest.raises(PermissionFault):
        sg.find("ActionMenuItem", [["secret_token", "is", "s3"]])
    with pytest.raises(PermissionFault):
        sg.find("ApiUser", [["salted_password", "is", None]])
    meta = [
        e["meta"]
        for e in sg.find("EventLogEntry", [["entity", "is", ami]], ["meta"])
        if e["meta"].get("attribute_name") == "secret_token"
    ]
    assert meta and all(m["new_value"] != "s3" for m in meta)


# -- ActionMenuItems ------------------------------------------------------------------------------


def test_find_action_menu_items_follow_permissions_groups(world: World) -> None:
    sg = world.sg
    everyone = sg.create("ActionMenuItem", {"title": "For all", "url": "https://a"})
    artists = sg.create(
        "ActionMenuItem",
        {"title": "For artists", "url": "https://b", "permissions_groups": [role(sg, "artist")]},
    )
    managers = sg.create(
        "ActionMenuItem",
        {"title": "For managers", "url": "https://c", "permissions_groups": [role(sg, "manager")]},
    )
    assert ids(world.as_role("artist").find("ActionMenuItem", [])) == {
        everyone["id"],
        artists["id"],
    }
    assert ids(world.as_role("manager").find("ActionMenuItem", [])) == {
        everyone["id"],
        managers["id"],
    }
    assert {everyone["id"], artists["id"], managers["id"]} <= ids(sg.find("ActionMenuItem", []))
