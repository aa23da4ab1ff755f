"""Admin menu, Entities: enable, rename and disable custom entity slots; the API sees each step."""

from __future__ import annotations

from typing import Any

import pytest
import shotgun_api3
from live_server import LiveServer
from playwright.sync_api import expect

PROJECT = {"type": "Project", "id": 1}


def show_remaining(page: Any) -> None:
    """Open "Show remaining Custom Entities" (a redirect to a disabled slot opens it itself)."""
    page.locator("#remaining").evaluate("details => { details.open = true; }")


def test_enable_rename_and_disable_a_custom_entity(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())
    sg = live.script()
    assert "CustomEntity07" not in sg.schema_entity_read()

    page.goto("/admin/entities")
    expect(page.locator("#entities tr[data-entity-type=CustomEntity02]")).to_have_count(1)
    expect(page.locator("#entities tr[data-entity-type=CustomEntity07]")).to_have_count(0)
    show_remaining(page)
    row = page.locator("#remaining-entities tr[data-entity-type=CustomEntity07]")
    row.locator("summary", has_text="Enable").click()
    row.locator("input[name=name]").fill("Season")
    row.locator("input[name=plural]").fill("Seasons")
    row.locator("input[name=options][value=tasks]").check()
    row.locator("input[name=options][value=notes]").check()
    row.locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_contain_text("Entity type enabled")
    row = page.locator("#entities tr[data-entity-type=CustomEntity07]")
    expect(row).to_contain_text("Season")
    expect(row.locator(".slot-links")).to_contain_text("Tasks")
    expect(row.locator(".slot-links")).to_contain_text("Notes")

    assert sg.schema_entity_read()["CustomEntity07"]["name"]["value"] == "Season"
    task_types = sg.schema_field_read("Task", "entity")["entity"]["properties"]["valid_types"]
    assert "CustomEntity07" in task_types["value"]
    season = sg.create("CustomEntity07", {"code": "S01", "project": PROJECT})
    sg.create("Task", {"content": "plan", "entity": season, "project": PROJECT})

    row.locator("summary", has_text="Edit").click()
    row.locator("input[name=name]").fill("Series")
    row.locator("input[name=options][value=notes]").uncheck()
    row.locator(".slot-form button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_contain_text("Entity type saved")
    expect(page.locator("#entities tr[data-entity-type=CustomEntity07]")).to_contain_text("Series")
    assert sg.schema_entity_read()["CustomEntity07"]["name"]["value"] == "Series"
    note_types = sg.schema_field_read("Note", "note_links")["note_links"]["properties"]
    assert "CustomEntity07" not in note_types["valid_types"]["value"]

    row = page.locator("#entities tr[data-entity-type=CustomEntity07]")
    expect(row.locator(".records")).to_have_text("1")
    row.locator("summary", has_text="Edit").click()
    row.locator(".disable-form button").click()
    expect(page.locator(".notice.ok")).to_contain_text("disabled")
    expect(page.locator("#entities tr[data-entity-type=CustomEntity07]")).to_have_count(0)
    expect(
        page.locator("#remaining-entities tr[data-entity-type=CustomEntity07] .records")
    ).to_have_text("1")
    assert "CustomEntity07" not in sg.schema_entity_read()
    with pytest.raises(shotgun_api3.Fault, match="CustomEntity07"):
        sg.find("CustomEntity07", [])

    # enabled again: the record and its Task link come back
    show_remaining(page)
    row = page.locator("#remaining-entities tr[data-entity-type=CustomEntity07]")
    row.locator("summary", has_text="Enable").click()
    expect(row.locator("input[name=name]")).to_have_value("Series")
    expect(row.locator("input[name=options][value=tasks]")).to_be_checked()
    row.locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_contain_text("Entity type enabled")
    found = sg.find("CustomEntity07", [], ["code", "tasks"])
    assert [(s["code"], [t["name"] for t in s["tasks"]]) for s in found] == [("S01", ["plan"])]


def test_enable_with_a_taken_name_shows_the_error(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    page.goto("/admin/entities")
    show_remaining(page)
    row = page.locator("#remaining-entities tr[data-entity-type=CustomEntity20]")
    row.locator("summary", has_text="Enable").click()
    row.locator("input[name=name]").fill("Shot")
    row.locator("button[type=submit]").click()
    expect(page.locator(".notice.error")).to_contain_text("already named 'Shot'")
    assert "CustomEntity20" not in live.script().schema_entity_read()


def test_entities_page_is_for_admins_only(page: Any, live: LiveServer) -> None:
    from web_people import ARTIST_LOGIN, ARTIST_PASSWORD, sign_in

    sign_in(page, ARTIST_LOGIN, ARTIST_PASSWORD)
    response = page.goto("/admin/entities")
    assert response is not None and response.status == 403
