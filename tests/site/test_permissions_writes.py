"""Writes the role refuses fail whole, name the rule, and leave nothing behind (no event rows).

Roles by operations by entity types on SQLite and PostgreSQL; batches with one refused request;
the rules the API cannot touch (PermissionRuleSet, roles, project membership); sudo.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from permission_world import World, build_world
from roles import role

from callsheet.client import Shotgun
from callsheet.faults import PermissionFault
from callsheet.site.auth import authenticate, set_script_key


@pytest.fixture
def world(sg: Shotgun, snapshot_of: Callable[[Shotgun], dict[str, Any]]) -> World:
    made = build_world(sg)
    made.snapshot = lambda: snapshot_of(sg)
    return made


def refused(world: World, write: Callable[[], Any], *needles: str) -> PermissionFault:
    """Run a write that must be refused; check nothing changed and the message."""
    before = world.snapshot()
    with pytest.raises(PermissionFault) as caught:
        write()
    assert world.snapshot() == before
    for needle in needles:
        assert needle in str(caught.value)
    assert caught.value.error_code == 104
    return caught.value


# -- creates --------------------------------------------------------------------------------------

CREATES = {
    "Shot": lambda w, p: {"code": "new shot", "project": p},
    "Asset": lambda w, p: {"code": "new asset", "project": p},
    "Task": lambda w, p: {"content": "new task", "project": p, "entity": w.open["Shot"]},
    "Version": lambda w, p: {"code": "new version", "project": p},
    "Note": lambda w, p: {"subject": "new note", "project": p},
    "TimeLog": lambda w, p: {"duration": 60, "project": p, "entity": w.open["Task"]},
}
# role -> entity types it may create in a project it is on
MAY_CREATE = {
    "admin": set(CREATES),
    "manager": set(CREATES),
    "artist": {"Version", "Note", "TimeLog"},
    "vendor": {"Version", "Note", "TimeLog"},
    "client": set(),
    "api_read_only": set(),
}


@pytest.mark.parametrize("code", sorted(MAY_CREATE))
def test_create_matrix_follows_each_role(world: World, code: str) -> None:
    client = world.as_role(code)
    for entity_type, data in CREATES.items():
        values = data(world, world.open["Project"])
        if entity_type in MAY_CREATE[code]:
            created = client.create(entity_type, values)
            assert world.sg.find_one(entity_type, [["id", "is", created["id"]]]) is not None
        else:
            refused(
                world,
                lambda c=client, t=entity_type, v=values: c.create(t, v),
                f"Can not create entity of type {entity_type}",
            )


@pytest.mark.parametrize("code", ["artist", "vendor"])
def test_create_in_a_project_the_person_is_not_on_is_refused(world: World, code: str) -> None:
    client = world.as_role(code)
    refused(
        world,
        lambda: client.create("Note", {"subject": "x", "project": world.closed["Project"]}),
        "Entity of type Project with id",
        "can not be linked",
    )


def test_create_linking_a_hidden_entity_is_refused(world: World) -> None:
    artist = world.as_role("artist")
    refused(
        world,
        lambda: artist.create(
            "Note",
            {
                "subject": "x",
                "project": world.open["Project"],
                "note_links": [world.closed["Shot"]],
            },
        ),
        "Entity of type Shot",
    )


def test_create_with_created_by_is_for_admins_only(world: World) -> None:
    artist = world.as_role("artist")
    refused(
        world,
        lambda: artist.create(
            "Note",
            {"subject": "x", "project": world.open["Project"], "created_by": world.people["admin"]},
        ),
        "The field is not editable for this user: [Note.created_by]",
    )
    made = world.as_role("admin").create(
        "Note",
        {"subject": "x", "project": world.open["Project"], "created_by": world.people["artist"]},
        ["created_by"],
    )
    assert made["created_by"]["id"] == world.people["artist"]["id"]


# -- updates --------------------------------------------------------------------------------------


def test_update_artist_sets_status_of_their_task_only(world: World) -> None:
    artist = world.as_role("artist")
    task = world.open["Task"]["id"]
    assert artist.update("Task", task, {"sg_status_list": "ip"})["sg_status_list"] == "ip"
    refused(
        world,
        lambda: artist.update("Task", task, {"content": "renamed"}),
        "The field is not editable for this user: [Task.content]",
        "Rule: Artist",
    )
    other = world.sg.create(
        "Task",
        {"content": "not theirs", "project": world.open["Project"], "entity": world.open["Shot"]},
    )
    refused(
        world,
        lambda: artist.update("Task", other["id"], {"sg_status_list": "ip"}),
        "Can not update entity of type Task for this user. Rule: Artist -- ALLOW only where",
    )


def test_update_artist_edits_what_they_created_only(world: World) -> None:
    artist = world.as_role("artist")
    mine = artist.create("Version", {"code": "mine", "project": world.open["Project"]})
    assert artist.update("Version", mine["id"], {"description": "v2"})["description"] == "v2"
    refused(
        world,
        lambda: artist.update("Version", world.open["Version"]["id"], {"description": "x"}),
        "Can not update entity of type Version",
    )


def test_update_hidden_row_is_refused(world: World) -> None:
    manager_made = world.closed["Note"]["id"]
    refused(
        world,
        lambda: world.as_role("artist").update("Note", manager_made, {"content": "x"}),
        "Can not update entity of type Note",
    )


@pytest.mark.parametrize("code", ["client", "api_read_only"])
def test_update_read_only_roles_change_nothing(world: World, code: str) -> None:
    refused(
        world,
        lambda: world.as_role(code).update("Shot", world.open["Shot"]["id"], {"code": "x"}),
        "Can not update entity of type Shot",
        "DENY update_entity Shot",
    )


def test_update_manager_edits_any_project(world: World) -> None:
    manager = world.as_role("manager")
    assert (
        manager.update("Shot", world.closed["Shot"]["id"], {"code": "renamed"})["code"] == "renamed"
    )


def test_update_person_edits_own_record_but_not_their_role(world: World) -> None:
    artist = world.as_role("artist")
    me = world.people["artist"]["id"]
    assert artist.update("HumanUser", me, {"email": "a@b.c"})["email"] == "a@b.c"
    for data in (
        {"permission_rule_set": role(world.sg, "admin")},
        {"projects": [world.closed["Project"]]},
    ):
        refused(
            world,
            lambda d=data: artist.update("HumanUser", me, d),
            "The field is not editable for this user: [HumanUser.",
        )
    refused(
        world,
        lambda: artist.update("HumanUser", world.people["admin"]["id"], {"email": "x@y.z"}),
        "Can not update entity of type HumanUser",
    )
    refused(
        world,
        lambda: artist.update(
            "Project", world.open["Project"]["id"], {"users": [world.people["artist"]]}
        ),
        "Can not update entity of type Project",
    )


def test_update_manager_cannot_change_roles(world: World) -> None:
    refused(
        world,
        lambda: world.as_role("manager").update(
            "HumanUser",
            world.people["artist"]["id"],
            {"permission_rule_set": role(world.sg, "admin")},
        ),
        "[HumanUser.permission_rule_set]",
    )


def test_update_script_roles_and_membership_need_a_role_that_may(world: World) -> None:
    read_only = world.as_role("api_read_only")
    script_id = world.scripts["api_read_only"]["id"]
    for entity_type, entity_id, data in (
        ("ApiUser", script_id, {"permission_rule_set": role(world.sg, "api_admin")}),
        ("ApiUser", script_id, {"projects": [world.open["Project"]]}),
        (
            "HumanUser",
            world.people["client"]["id"],
            {"permission_rule_set": role(world.sg, "admin")},
        ),
        ("Project", world.open["Project"]["id"], {"users": []}),
    ):
        refused(world, lambda t=entity_type, i=entity_id, d=data: read_only.update(t, i, d))
    # API Admin may: the engine's own script promotes the person, and that applies at once
    client = world.as_role("client")
    assert client.find("Project", [["id", "is", world.closed["Project"]["id"]]]) == []
    world.sg.update(
        "HumanUser",
        world.people["client"]["id"],
        {"permission_rule_set": role(world.sg, "manager")},
    )
    assert client.find("Project", [["id", "is", world.closed["Project"]["id"]]]) != []


# -- retire and revive ----------------------------------------------------------------------------


def test_delete_and_revive_follow_the_retire_rule(world: World) -> None:
    artist = world.as_role("artist")
    mine = artist.create("Note", {"subject": "mine", "project": world.open["Project"]})
    assert artist.delete("Note", mine["id"]) is True
    assert artist.revive("Note", mine["id"]) is True
    refused(
        world,
        lambda: artist.delete("Note", world.open["Note"]["id"]),
        "Can not retire entity of type Note",
    )
    refused(
        world, lambda: artist.delete("Shot", world.open["Shot"]["id"]), "DENY retire_entity Shot"
    )
    world.sg.delete("Shot", world.open["Shot"]["id"])
    refused(world, lambda: artist.revive("Shot", world.open["Shot"]["id"]), "Can not revive")


# -- batch ----------------------------------------------------------------------------------------


def test_batch_with_one_refused_request_writes_nothing(world: World) -> None:
    artist = world.as_role("artist")
    project = world.open["Project"]
    requests = [
        {
            "request_type": "create",
            "entity_type": "Note",
            "data": {"subject": "a", "project": project},
        },
        {
            "request_type": "create",
            "entity_type": "Note",
            "data": {"subject": "b", "project": project},
        },
        {
            "request_type": "update",
            "entity_type": "Task",
            "entity_id": world.open["Task"]["id"],
            "data": {"sg_status_list": "ip"},
        },
        {
            "request_type": "create",
            "entity_type": "Shot",
            "data": {"code": "no", "project": project},
        },
    ]
    fault = refused(world, lambda: artist.batch(requests), "batch request 3", "Shot")
    assert "Rule: Artist" in str(fault)
    assert world.sg.find("Note", [["subject", "in", ["a", "b"]]]) == []


def test_batch_with_one_refused_field_in_a_create_run_writes_nothing(world: World) -> None:
    artist = world.as_role("artist")
    project = world.open["Project"]
    requests = [
        {
            "request_type": "create",
            "entity_type": "Version",
            "data": {"code": f"v{n}", "project": project},
        }
        for n in range(3)
    ]
    requests[1]["data"]["created_by"] = world.people["admin"]
    refused(world, lambda: artist.batch(requests), "batch request 1", "[Version.created_by]")


# -- the API cannot touch permissions -------------------------------------------------------------


@pytest.mark.parametrize("code", ["admin", "manager", "artist"])
def test_permission_rule_sets_are_read_only_through_the_api(world: World, code: str) -> None:
    client = world.as_role(code)
    admin_role = role(world.sg, "admin")["id"]
    for write in (
        lambda: client.create("PermissionRuleSet", {"code": "x", "display_name": "X"}),
        lambda: client.update("PermissionRuleSet", admin_role, {"display_name": "Boss"}),
        lambda: client.delete("PermissionRuleSet", admin_role),
        lambda: client.batch(
            [
                {
                    "request_type": "delete",
                    "entity_type": "PermissionRuleSet",
                    "entity_id": admin_role,
                }
            ]
        ),
    ):
        refused(world, write, "PermissionRuleSet")
    assert {r["display_name"] for r in client.find("PermissionRuleSet", [], ["display_name"])} >= {
        "Admin",
        "Artist",
    }


def test_permission_rule_sets_are_read_only_for_the_engine_script_too(world: World) -> None:
    refused(
        world,
        lambda: world.sg.create("PermissionRuleSet", {"code": "x", "display_name": "X"}),
        "permission rules are read-only through the API",
    )


def test_schema_changes_are_for_admins_only(world: World) -> None:
    manager = world.as_role("manager")
    with pytest.raises(PermissionFault, match="only allowed for admins"):
        manager.schema_field_create("Shot", "text", "Budget Notes")
    assert world.as_role("admin").schema_field_create("Shot", "text", "Budget Notes")


# -- sudo -----------------------------------------------------------------------------------------


def _script_credentials(world: World, code: str) -> dict[str, str]:
    script = world.scripts.get(code) or world.sg.create(
        "ApiUser", {"firstname": code, "permission_rule_set": role(world.sg, code)}
    )
    set_script_key(world.sg.site, script["id"], f"{code}-key")
    return {"script_name": code, "script_key": f"{code}-key"}


def test_sudo_as_artist_reads_as_the_artist_and_events_show_both(world: World) -> None:
    site = world.sg.site
    credentials = {**_script_credentials(world, "api_admin"), "sudo_as_login": "artist"}
    actor = authenticate(site, credentials)
    assert actor.id == world.people["artist"]["id"]
    assert actor.sudo_actual is not None and actor.sudo_actual.entity_type == "ApiUser"
    client = Shotgun(site, actor, owns_site=False)
    assert client.find("Project", [["id", "is", world.closed["Project"]["id"]]]) == []
    note = client.create("Note", {"subject": "via sudo", "project": world.open["Project"]})
    event = world.sg.find_one(
        "EventLogEntry",
        [
            ["entity", "is", {"type": "Note", "id": note["id"]}],
            ["event_type", "is", "Shotgun_Note_New"],
        ],
        ["user", "meta"],
    )
    assert event["user"]["id"] == world.people["artist"]["id"]
    assert event["meta"]["sudo_actual_user"]["type"] == "ApiUser"


@pytest.mark.parametrize("code", ["api_read_only"])
def test_sudo_refused_for_script_roles_that_may_not(world: World, code: str) -> None:
    credentials = {**_script_credentials(world, code), "sudo_as_login": "artist"}
    with pytest.raises(PermissionFault, match="does not have permission to 'sudo': artist"):
        authenticate(world.sg.site, credentials)


def test_sudo_refused_for_people_roles_that_may_not(world: World) -> None:
    from callsheet.site.accounts import create_user

    create_user(world.sg.site, "painter", "Pain Ter", "pw", "Manager")
    with pytest.raises(PermissionFault, match="does not have permission to 'sudo'"):
        authenticate(
            world.sg.site,
            {"user_login": "painter", "user_password": "pw", "sudo_as_login": "artist"},
        )
    create_user(world.sg.site, "boss", "Bo Ss", "pw", "Admin")
    actor = authenticate(
        world.sg.site, {"user_login": "boss", "user_password": "pw", "sudo_as_login": "artist"}
    )
    assert actor.id == world.people["artist"]["id"]


# -- the public interface -------------------------------------------------------------------------

EXPECTED = {
    # code: (role name, is_admin, may_sudo, may_see_event_log)
    "admin": ("Admin", True, True, True),
    "manager": ("Manager", False, False, True),
    "artist": ("Artist", False, False, True),
    "vendor": ("Vendor", False, False, False),
    "client": ("Client", False, False, False),
    "api_read_only": ("API Read Only", False, False, True),
}


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_permissions_for_answers_per_role(world: World, code: str) -> None:
    permissions = world.sg.site.permissions_for(world.actor(code))
    name, admin, sudo, events = EXPECTED[code]
    assert (permissions.role_name, permissions.is_admin) == (name, admin)
    assert (permissions.may_sudo, permissions.may_see_event_log) == (sudo, events)
    assert permissions.may("Shot", "see")  # the vendor's only where a Task is theirs
    assert permissions.may("PermissionRuleSet", "create") is False
    assert permissions.field_visible("ActionMenuItem", "secret_token") is False
    assert permissions.field_visible("Shot", "code") is True


def test_permissions_for_artist_details(world: World) -> None:
    artist = world.sg.site.permissions_for(world.actor("artist"))
    assert artist.may("Note", "create") and not artist.may("Shot", "create")
    assert artist.may("Task", "update") and artist.may("Note", "revive")
    assert not artist.may("ApiUser", "see")
    assert artist.field_editable("Task", "sg_status_list")
    assert not artist.field_editable("Note", "created_by")
    engine = world.sg.site.permissions_for(world.sg.actor)
    assert (engine.role_name, engine.is_admin, engine.sees_everything) == ("API Admin", True, True)
