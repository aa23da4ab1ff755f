"""Admin menu, Action Menu Items: every field, and a secret token that is never shown again."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from live_server import LiveServer
from playwright.sync_api import expect

from callsheet.site.action_menu import has_secret_token, secret_token_of

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TOKEN = "tok-5e3c9a7f-never-shown-again"
OTHER_TOKEN = "tok-b81d2c44-second-one"


def tick(page: Any, form: str, name: str, label: str) -> None:
    """Tick the checkbox `name` whose label has `label` in the form."""
    page.locator(f"{form} .checklist-items label", has_text=label).locator(
        f"input[name={name}]"
    ).check()


def test_create_and_edit_every_field_with_a_write_only_token(
    admin_page: Any, live: LiveServer
) -> None:
    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/admin/action-menu-items")
    page.click("#new-ami")
    page.fill("#ami-title", "Submit to farm")
    page.select_option("#ami-entity-type", "Shot")
    page.fill("#ami-url", "https://farm.studio.example/submit")
    page.fill("#ami-order", "3")
    page.fill("#ami-folder", "Render")
    page.check("#ami-selection-required")
    page.check("#ami-overlay")
    page.check("#ami-poll")
    tick(page, "#ami-form", "permissions_groups", "Manager")
    tick(page, "#ami-form", "projects", "Template Project")
    page.fill("#ami-secret", TOKEN)
    page.click("#ami-save")
    expect(page.locator(".notice.ok")).to_contain_text("created")
    row = page.locator("#amis tr.highlight")
    expect(row).to_contain_text("Submit to farm")
    expect(row).to_contain_text("signed")
    assert TOKEN not in page.content()

    sg = live.script()
    item = sg.find_one(
        "ActionMenuItem",
        [["title", "is", "Submit to farm"]],
        [
            "entity_type",
            "url",
            "list_order",
            "folder",
            "selection_required",
            "open_in_overlay",
            "poll_for_data_updates",
            "light_payload",
            "permissions_groups",
            "projects",
            "secret_token",
        ],
    )
    assert item["entity_type"] == "Shot"
    assert item["url"] == "https://farm.studio.example/submit"
    assert item["list_order"] == 3
    assert item["folder"] == "Render"
    assert item["selection_required"] is True
    assert item["open_in_overlay"] is True
    assert item["poll_for_data_updates"] is True
    assert item["light_payload"] is False
    assert [g["name"] for g in item["permissions_groups"]] == ["Manager"]
    assert [p["name"] for p in item["projects"]] == ["Template Project"]
    assert item.get("secret_token") is None  # never readable (absent or None)
    assert secret_token_of(live.site, item["id"]) == TOKEN

    # the edit page says a token is set, and never shows it
    row.locator("a").click()
    expect(page.locator("#secret-state")).to_contain_text("A secret token is set")
    expect(page.locator("#ami-secret")).to_have_value("")
    assert TOKEN not in page.content()
    if os.environ.get("CALLSHEET_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "admin-action-menu-item.png"), full_page=True)

    page.fill("#ami-title", "Open in RV")
    page.fill("#ami-url", "rvlink://baked")
    page.uncheck("#ami-overlay")
    page.check("#ami-light")
    page.fill("#ami-folder", "")
    page.fill("#ami-secret", OTHER_TOKEN)
    page.click("#ami-save")
    expect(page.locator(".notice.ok")).to_contain_text("Saved")
    assert OTHER_TOKEN not in page.content()
    assert secret_token_of(live.site, item["id"]) == OTHER_TOKEN
    edited = sg.find_one(
        "ActionMenuItem",
        [["id", "is", item["id"]]],
        ["title", "url", "open_in_overlay", "light_payload", "folder", "list_order"],
    )
    assert edited["title"] == "Open in RV"
    assert edited["url"] == "rvlink://baked"
    assert edited["open_in_overlay"] is False
    assert edited["light_payload"] is True
    assert edited["folder"] is None
    assert edited["list_order"] == 3

    # saving without typing a token keeps it; the remove box clears it
    page.click("#ami-save")
    expect(page.locator(".notice.ok")).to_contain_text("Saved")
    assert has_secret_token(live.site, item["id"])
    page.check("#ami-remove-secret")
    page.click("#ami-save")
    expect(page.locator("#secret-state")).to_contain_text("No secret token")
    assert not has_secret_token(live.site, item["id"])

    # the event log shows the token changes masked
    page.goto(f"/admin/event-log?entity_type=ActionMenuItem&entity_id={item['id']}")
    expect(page.locator("#events")).to_contain_text("secret_token")
    for token in (TOKEN, OTHER_TOKEN):
        assert token not in page.content()

    page.goto(f"/admin/action-menu-items/{item['id']}")
    page.click("#ami-retire")
    expect(page.locator(".notice.ok")).to_contain_text("retired")
    assert sg.find_one("ActionMenuItem", [["id", "is", item["id"]]]) is None


def test_bad_values_keep_the_form_but_not_the_token(admin_page: Any) -> None:
    page = admin_page
    page.goto("/admin/action-menu-items/new")
    page.fill("#ami-title", "Broken")
    page.fill("#ami-url", "https://x.example/go")
    page.fill("#ami-order", "first")
    page.fill("#ami-secret", TOKEN)
    page.click("#ami-save")
    expect(page.locator(".notice.error")).to_contain_text("whole number")
    expect(page.locator("#ami-title")).to_have_value("Broken")
    expect(page.locator("#ami-secret")).to_have_value("")
    assert TOKEN not in page.content()
