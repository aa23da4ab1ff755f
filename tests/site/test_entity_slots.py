"""Custom entity slots: absent until enabled, named and linked when enabled, kept when disabled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.site.conftest import database_snapshot

import callsheet
from callsheet.client import Shotgun
from callsheet.faults import Fault, PermissionFault, SchemaFault, ValueFault
from callsheet.schema.slots import slot_names
from callsheet.site.accounts import admin_actor, create_user
from callsheet.site.entity_slots import (
    disable_slot,
    enable_slot,
    list_slots,
    rename_slot,
)

SEASON = "CustomEntity07"


def admin(sg: Shotgun) -> Any:
    return admin_actor(sg.site)


def valid_types(sg: Shotgun, entity_type: str, field: str) -> list[str]:
    answer = sg.schema_field_read(entity_type, field)[field]
    return list(answer["properties"]["valid_types"]["value"])


def test_site_has_every_slot_of_a_current_shotgrid_site(sg: Shotgun) -> None:
    names = slot_names()
    assert len(names) == 150
    assert sum(n.startswith("CustomEntity") for n in names) == 75
    assert sum(n.startswith("CustomNonProjectEntity") for n in names) == 60
    assert sum(n.startswith("CustomThreadedEntity") for n in names) == 15
    assert {"CustomEntity75", "CustomNonProjectEntity60", "CustomThreadedEntity15"} <= set(names)
    states = {s.name: s for s in list_slots(sg.site, admin(sg))}
    enabled = sorted(name for name, state in states.items() if state.enabled)
    # the default site's slots, as the reference site answers (CustomEntity01-05, 3 site-wide)
    assert enabled == [*(f"CustomEntity0{n}" for n in range(1, 6)), "CustomNonProjectEntity01",
                       "CustomNonProjectEntity02", "CustomNonProjectEntity03"]  # fmt: skip
    assert states["CustomThreadedEntity03"].threaded and not states["CustomEntity40"].threaded


CALLS: dict[str, Callable[[Shotgun, dict[str, Any]], Any]] = {
    "find": lambda sg, p: sg.find(SEASON, [], ["code"]),
    "find_one": lambda sg, p: sg.find_one(SEASON, [["id", "is", 1]]),
    "create": lambda sg, p: sg.create(SEASON, {"code": "S1", "project": p}),
    "update": lambda sg, p: sg.update(SEASON, 1, {"code": "S2"}),
    "delete": lambda sg, p: sg.delete(SEASON, 1),
    "revive": lambda sg, p: sg.revive(SEASON, 1),
    "summarize": lambda sg, p: sg.summarize(SEASON, [], [{"field": "id", "type": "count"}]),
    "batch": lambda sg, p: sg.batch(
        [{"request_type": "create", "entity_type": SEASON, "data": {"code": "S1"}}]
    ),
    "schema_field_read": lambda sg, p: sg.schema_field_read(SEASON),
    "schema_field_create": lambda sg, p: sg.schema_field_create(SEASON, "text", "Arc"),
    "link": lambda sg, p: sg.create(
        "Note", {"project": p, "note_links": [{"type": SEASON, "id": 1}]}
    ),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_slot_not_enabled_is_absent_and_faults_when_used(
    sg: Shotgun, project: dict[str, Any], call: str
) -> None:
    assert SEASON not in sg.schema_read()
    assert SEASON not in sg.schema_entity_read()
    before = database_snapshot(sg)
    with pytest.raises(Fault, match=SEASON):
        CALLS[call](sg, project)
    assert database_snapshot(sg) == before


def test_enable_adds_the_type_with_its_default_fields(sg: Shotgun, project: dict) -> None:
    state = enable_slot(sg.site, admin(sg), SEASON, "Season")
    assert (state.enabled, state.display_name, state.plural_name) == (True, "Season", "Seasons")
    assert sg.schema_entity_read()[SEASON] == {
        "name": {"editable": False, "value": "Season"},
        "visible": {"editable": False, "value": True},
    }
    fields = sg.schema_field_read(SEASON)
    assert {"code", "description", "sg_status_list", "project", "notes", "tags"} <= set(fields)
    assert fields["code"]["name"]["value"] == "Season Name"
    assert all(f["entity_type"]["value"] == SEASON for f in fields.values())
    assert SEASON in sg.schema_read()
    season = sg.create(SEASON, {"code": "S01", "project": project, "sg_status_list": "ip"})
    assert sg.find(SEASON, [["project", "is", project]], ["code", "sg_status_list"]) == [
        {"type": SEASON, "id": season["id"], "code": "S01", "sg_status_list": "ip"}
    ]


def test_site_wide_and_threaded_slots_have_their_own_fields(sg: Shotgun, project: dict) -> None:
    enable_slot(sg.site, admin(sg), "CustomNonProjectEntity09", "Vendor")
    assert "project" not in sg.schema_field_read("CustomNonProjectEntity09")
    sg.create("CustomNonProjectEntity09", {"code": "ACME"})
    with pytest.raises(Fault, match=r"CustomNonProjectEntity09\.project"):
        sg.create("CustomNonProjectEntity09", {"code": "x", "project": project})

    enable_slot(sg.site, admin(sg), "CustomThreadedEntity02", "Render Job")
    fields = sg.schema_field_read("CustomThreadedEntity02")
    assert {"replies", "reply_content", "addressings_to", "addressings_cc", "project"} <= set(
        fields
    )
    job = sg.create("CustomThreadedEntity02", {"code": "job 1", "project": project})
    reply = sg.create("Reply", {"entity": job, "content": "started"})
    found = sg.find_one("CustomThreadedEntity02", [["id", "is", job["id"]]], ["replies"])
    assert [r["id"] for r in found["replies"]] == [reply["id"]]
    assert "CustomThreadedEntity02" in valid_types(sg, "Reply", "entity")


def test_options_add_the_type_to_the_link_fields(sg: Shotgun, project: dict) -> None:
    links = [
        ("Task", "entity"),
        ("Version", "entity"),
        ("Note", "note_links"),
        ("PublishedFile", "entity"),
    ]
    assert not any(SEASON in valid_types(sg, *link) for link in links)
    enable_slot(
        sg.site,
        admin(sg),
        SEASON,
        "Season",
        options=["tasks", "versions", "notes", "published_files"],
    )
    assert all(SEASON in valid_types(sg, *link) for link in links)
    assert {"tasks", "sg_versions", "sg_published_files", "notes"} <= set(
        sg.schema_field_read(SEASON)
    )

    season = sg.create(SEASON, {"code": "S01", "project": project})
    task = sg.create("Task", {"content": "plan", "entity": season, "project": project})
    version = sg.create("Version", {"code": "v1", "entity": season, "project": project})
    note = sg.create("Note", {"subject": "hi", "note_links": [season], "project": project})
    found = sg.find_one(SEASON, [["id", "is", season["id"]]], ["tasks", "sg_versions", "notes"])
    assert [t["id"] for t in found["tasks"]] == [task["id"]]
    assert [v["id"] for v in found["sg_versions"]] == [version["id"]]
    assert [n["id"] for n in found["notes"]] == [note["id"]]

    # without Versions: Version.entity no longer takes the type
    enable_slot(sg.site, admin(sg), SEASON, "Season", options=["tasks", "notes"])
    assert SEASON not in valid_types(sg, "Version", "entity")
    assert SEASON in valid_types(sg, "Task", "entity")
    assert "sg_versions" not in sg.schema_field_read(SEASON)
    with pytest.raises(Fault, match="cannot link to a CustomEntity07"):
        sg.create("Version", {"code": "v2", "entity": season, "project": project})


def test_disable_keeps_the_data_and_enable_brings_it_back(sg: Shotgun, project: dict) -> None:
    enable_slot(sg.site, admin(sg), SEASON, "Season", "Seasons", ["tasks"])
    sg.schema_field_create(SEASON, "number", "Episodes")
    season = sg.create(SEASON, {"code": "S01", "project": project, "sg_episodes": 10})
    task = sg.create("Task", {"content": "plan", "entity": season, "project": project})

    with pytest.raises(SchemaFault, match="has 1 record"):
        disable_slot(sg.site, admin(sg), SEASON)
    assert SEASON in sg.schema_entity_read()
    state = disable_slot(sg.site, admin(sg), SEASON, force=True)
    assert (state.enabled, state.records) == (False, 1)
    assert SEASON not in sg.schema_entity_read()
    assert SEASON not in valid_types(sg, "Task", "entity")
    assert sg.find_one("Task", [["id", "is", task["id"]]], ["entity"])["entity"] is None
    with pytest.raises(Fault, match=SEASON):
        sg.find(SEASON, [])
    with pytest.raises(Fault):
        sg.update("Task", task["id"], {"entity": season})

    state = enable_slot(sg.site, admin(sg), SEASON, "Season")  # no options given: kept
    assert state.options == ("tasks",) and state.plural_name == "Seasons"
    assert sg.find(SEASON, [], ["code", "sg_episodes", "tasks"]) == [
        {
            "type": SEASON,
            "id": season["id"],
            "code": "S01",
            "sg_episodes": 10,
            "tasks": [{"type": "Task", "id": task["id"], "name": "plan"}],
        }
    ]
    assert (
        sg.find_one("Task", [["id", "is", task["id"]]], ["entity"])["entity"]["id"] == season["id"]
    )


def test_rename_changes_names_only(sg: Shotgun) -> None:
    enable_slot(sg.site, admin(sg), SEASON, "Season", options=["tasks"])
    state = rename_slot(sg.site, admin(sg), SEASON, "Series", "Serieses")
    assert (state.display_name, state.plural_name, state.options) == (
        "Series",
        "Serieses",
        ("tasks",),
    )
    assert sg.schema_entity_read()[SEASON]["name"]["value"] == "Series"
    assert sg.schema_field_read(SEASON, "code")["code"]["name"]["value"] == "Series Name"
    with pytest.raises(SchemaFault, match="not enabled"):
        rename_slot(sg.site, admin(sg), "CustomEntity30", "Level Pack")


def test_each_change_writes_its_event_rows(sg: Shotgun) -> None:
    first = sg.find_one(
        "EventLogEntry", [], ["id"], order=[{"field_name": "id", "direction": "desc"}]
    )
    enable_slot(sg.site, admin(sg), SEASON, "Season", options=["tasks"])
    disable_slot(sg.site, admin(sg), SEASON)
    events = sg.find(
        "EventLogEntry",
        [["id", "greater_than", first["id"]]],
        ["event_type", "attribute_name", "meta", "user", "entity"],
        order=[{"field_name": "id"}],
    )
    kinds = [
        (e["event_type"], e["meta"].get("entity_type"), e["meta"].get("field_name")) for e in events
    ]
    assert kinds == [
        ("Shotgun_Preferences_Change", SEASON, None),
        ("Shotgun_DisplayColumn_New", SEASON, "tasks"),
        ("Shotgun_DisplayColumn_Change", "EventLogEntry", "entity"),
        ("Shotgun_DisplayColumn_Change", "Task", "entity"),
        ("Shotgun_Preferences_Change", SEASON, None),
        ("Shotgun_DisplayColumn_Change", "EventLogEntry", "entity"),
        ("Shotgun_DisplayColumn_Change", "Task", "entity"),
    ]
    enabled = events[0]["meta"]
    assert enabled["pref"] == "custom_entities"
    assert enabled["old"] == {
        "enabled": False,
        "display_name": "Custom Entity07",
        "plural_name": "Custom Entity07s",
        "options": [],
    }
    assert enabled["new"] == {
        "enabled": True,
        "display_name": "Season",
        "plural_name": "Seasons",
        "options": ["tasks"],
    }
    task_change = events[3]["meta"]
    assert SEASON not in task_change["old_value"] and SEASON in task_change["new_value"]
    assert all(e["user"]["type"] == "ApiUser" and e["entity"] is None for e in events)


@pytest.mark.parametrize(
    ("change", "fault"),
    [
        (lambda sg, a: enable_slot(sg.site, a, "CustomEntity76", "Too far"), SchemaFault),
        (lambda sg, a: enable_slot(sg.site, a, "Shot", "Shot"), SchemaFault),
        (lambda sg, a: enable_slot(sg.site, a, SEASON, "  "), ValueFault),
        (lambda sg, a: enable_slot(sg.site, a, SEASON, "Asset"), ValueFault),
        (lambda sg, a: enable_slot(sg.site, a, SEASON, "Season", options=["shots"]), ValueFault),
        (lambda sg, a: enable_slot(sg.site, a, SEASON, "S" * 256), ValueFault),
        (lambda sg, a: disable_slot(sg.site, a, SEASON), SchemaFault),
    ],
)
def test_refused_changes_change_nothing(sg: Shotgun, change: Any, fault: type) -> None:
    before = database_snapshot(sg)
    with pytest.raises(fault):
        change(sg, admin(sg))
    assert database_snapshot(sg) == before
    assert SEASON not in sg.schema_entity_read()


def test_only_admins_change_entity_types(sg: Shotgun) -> None:
    person = create_user(sg.site, "art", "Art Ist", "pw-123456789", "Artist")
    artist = sg.site.actor_for("HumanUser", person["id"])
    with pytest.raises(PermissionFault, match="only allowed for admins"):
        enable_slot(sg.site, artist, SEASON, "Season")
    with pytest.raises(PermissionFault):
        list_slots(sg.site, artist)


def test_another_process_sees_enable_rename_and_disable(sg: Shotgun, database_url: str) -> None:
    other = callsheet.connect(database_url)  # another server process on the same database
    try:
        other.site.store.schema_revalidate_s = 0.0
        assert SEASON not in other.schema_entity_read()
        enable_slot(sg.site, admin(sg), SEASON, "Season", options=["tasks"])
        assert other.schema_entity_read()[SEASON]["name"]["value"] == "Season"
        assert SEASON in valid_types(other, "Task", "entity")
        rename_slot(sg.site, admin(sg), SEASON, "Series")
        assert other.schema_entity_read()[SEASON]["name"]["value"] == "Series"
        disable_slot(sg.site, admin(sg), SEASON)
        assert SEASON not in other.schema_entity_read()
        with pytest.raises(Fault, match=SEASON):
            other.find(SEASON, [])
    finally:
        other.close()


def test_two_processes_enabling_slots_at_once_keep_both_links(
    sg: Shotgun, database_url: str
) -> None:
    other = callsheet.connect(database_url)  # a process that last looked before the change
    try:
        other.schema_entity_read()
        other.site.store.schema_revalidate_s = 3600.0
        enable_slot(sg.site, admin(sg), SEASON, "Season", options=["tasks"])
        enable_slot(other.site, admin(other), "CustomEntity08", "Episode Pack", options=["tasks"])
        sg.site.store.schema_revalidate_s = 0.0
        task_types = valid_types(sg, "Task", "entity")
        assert SEASON in task_types and "CustomEntity08" in task_types
        assert {SEASON, "CustomEntity08"} <= set(other.schema_entity_read())
    finally:
        other.close()
