"""Admin menu, Scripts: create a script in the browser and use its key with shotgun_api3."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import shotgun_api3
from live_server import LiveServer
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PROJECT = {"type": "Project", "id": 1}


def create_script_on_page(page: Any, name: str, description: str = "") -> str:
    """Create a script through the Scripts page; the key shown once."""
    page.goto("/admin/scripts")
    page.click("#new-script summary")
    page.fill("#script-name", name)
    page.fill("#script-description", description)
    page.select_option("#script-group", label="API Admin")
    page.click("#new-script button[type=submit]")
    expect(page.locator(".warning")).to_contain_text("you will not see it again")
    return page.input_value("#script-key")


def refused(live: LiveServer, name: str, key: str) -> bool:
    """Whether the server refuses this script name and key."""
    client = live.client(name, key)
    try:
        client.find_one("Project", [])
    except shotgun_api3.AuthenticationFault:
        return True
    return False


def test_created_script_key_works_with_shotgun_api3_and_its_event_shows(
    admin_page: Any, live: LiveServer
) -> None:
    page = admin_page
    key = create_script_on_page(page, "farm_submit", "Submits renders to the farm")
    assert len(key) >= 32
    if os.environ.get("CALLSHEET_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "admin-script-key.png"))
    page.click("#copy-key")
    expect(page.locator(".toast")).to_contain_text("Cop")

    sg = live.client("farm_submit", key)
    shot = sg.create("Shot", {"code": "farm_sh010", "project": PROJECT})
    assert shot["id"]

    page.click("text=Done: go to the script")
    expect(page.locator("h1")).to_have_text("farm_submit")
    events = page.locator("#script-events")
    expect(events).to_contain_text("Shotgun_Shot_New")
    expect(events).to_contain_text("farm_sh010")
    assert key not in page.content()  # shown once: never again

    page.goto("/admin/scripts")
    row = page.locator("#scripts tr[data-script-name=farm_submit]")
    expect(row).to_contain_text("API Admin")
    expect(row).to_contain_text("Submits renders to the farm")
    assert key not in page.content()
    if os.environ.get("CALLSHEET_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "admin-scripts.png"), full_page=True)


def test_new_key_replaces_the_old_one(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())
    old_key = create_script_on_page(page, "rv_publish")
    assert not refused(live, "rv_publish", old_key)
    page.click("text=Done: go to the script")
    page.click("#new-key")
    expect(page.locator(".warning")).to_contain_text("you will not see it again")
    new_key = page.input_value("#script-key")
    assert new_key != old_key
    assert refused(live, "rv_publish", old_key)
    assert not refused(live, "rv_publish", new_key)


def test_retired_script_is_refused(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())
    key = create_script_on_page(page, "old_tool")
    assert not refused(live, "old_tool", key)
    page.click("text=Done: go to the script")
    page.click("#retire")
    expect(page.locator(".notice.ok")).to_contain_text("Script retired")
    expect(page.locator("#scripts tr[data-script-name=old_tool]")).to_have_count(0)
    assert refused(live, "old_tool", key)


def test_permission_group_and_description_change(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    create_script_on_page(page, "reader")
    page.click("text=Done: go to the script")
    page.select_option("#permission-group", label="API Read Only")
    page.click("#group-form button[type=submit]")
    expect(page.locator(".notice.ok")).to_contain_text("Permission group changed")
    page.fill("#description", "Reads only")
    page.click("text=Save")
    expect(page.locator("#description")).to_have_value("Reads only")
    record = live.script().find_one(
        "ApiUser", [["firstname", "is", "reader"]], ["permission_rule_set", "description"]
    )
    assert record["permission_rule_set"]["name"] == "API Read Only"
    assert record["description"] == "Reads only"


def test_duplicate_name_is_refused_with_a_message(admin_page: Any) -> None:
    page = admin_page
    create_script_on_page(page, "twice")
    page.goto("/admin/scripts")
    page.click("#new-script summary")
    page.fill("#script-name", "twice")
    page.click("#new-script button[type=submit]")
    expect(page.locator(".notice.error")).to_contain_text("already exists")
    expect(page.locator("#script-name")).to_have_value("twice")


def test_callsheet_own_script_cannot_be_retired(admin_page: Any) -> None:
    page = admin_page
    page.goto("/admin/scripts")
    page.click("#scripts a:text-is('callsheet')")
    expect(page.locator("#retire")).to_have_count(0)
    expect(page.locator("#new-key")).to_have_count(0)
