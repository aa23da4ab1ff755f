"""Admin menu, People: create people who can sign in, deactivate them, change their settings."""

from __future__ import annotations

from typing import Any

import shotgun_api3
from live_server import LiveServer
from playwright.sync_api import expect
from web_people import sign_in


def create_person_on_page(
    page: Any, login: str, password: str, group: str = "Artist", projects: tuple[str, ...] = ()
) -> None:
    """Fill the New person form and wait for the new row."""
    page.goto("/admin/people")
    page.click("#new-person summary")
    page.fill("#person-login", login)
    page.fill("#person-name", f"{login.title()} Person")
    page.fill("#person-email", f"{login}@studio.example")
    page.fill("#person-password", password)
    page.fill("#person-password-again", password)
    page.select_option("#person-group", label=group)
    for project in projects:
        page.locator("#new-person .checklist-items label", has_text=project).locator(
            "input"
        ).check()
    page.click("#new-person button[type=submit]")
    expect(page.locator(".notice.ok")).to_contain_text("Person created")
    expect(page.locator(f"#people tr[data-login={login}]")).to_be_visible()


def test_created_person_signs_in_and_deactivated_cannot(
    admin_page: Any, browser: Any, live: LiveServer
) -> None:
    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())
    create_person_on_page(page, "maya", "maya password 1", projects=("Template Project",))
    row = page.locator("#people tr[data-login=maya]")
    expect(row).to_contain_text("Artist")
    expect(row).to_contain_text("Template Project")
    expect(row).to_contain_text("Active")

    other = browser.new_context(base_url=live.base_url)
    other.set_default_timeout(15_000)
    try:
        tab = other.new_page()
        sign_in(tab, "maya", "maya password 1")
        expect(tab.locator("h1")).to_have_text("Projects")

        row.locator("a").click()
        page.click("#deactivate")
        expect(page.locator("#person-status")).to_have_text("Deactivated")
        # the open session ends at once, and signing in again is refused
        tab.goto("/")
        assert "/signin" in tab.url
        tab.fill("input[name=login]", "maya")
        tab.fill("input[name=password]", "maya password 1")
        tab.click("button[type=submit]")
        expect(tab.locator("[role=alert]")).to_contain_text("Wrong login or password")

        page.click("#activate")
        expect(page.locator("#person-status")).to_have_text("Active")
        sign_in(tab, "maya", "maya password 1")
        expect(tab.locator("h1")).to_have_text("Projects")
    finally:
        other.close()


def test_password_group_and_projects_change(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    create_person_on_page(page, "omar", "first password")
    page.locator("#people tr[data-login=omar] a").click()

    page.fill("#password", "second password")
    page.fill("#password-again", "second password")
    page.click("#set-password")
    expect(page.locator(".notice.ok")).to_contain_text("Password changed")
    live.person("omar", "second password").find_one("Project", [])

    page.select_option("#permission-group", label="Manager")
    page.click("#group-form button[type=submit]")
    expect(page.locator(".notice.ok")).to_contain_text("Permission group changed")

    page.locator("#projects-form label", has_text="Template Project").locator("input").check()
    page.click("#projects-form button[type=submit]")
    expect(page.locator(".notice.ok")).to_contain_text("Projects saved")

    person = live.script().find_one(
        "HumanUser", [["login", "is", "omar"]], ["permission_rule_set", "projects"]
    )
    assert person["permission_rule_set"]["name"] == "Manager"
    assert [p["name"] for p in person["projects"]] == ["Template Project"]
    # the changes were made by the signed-in admin, as the event log shows
    events = live.script().find(
        "EventLogEntry",
        [["entity", "is", {"type": "HumanUser", "id": person["id"]}]],
        ["user", "attribute_name"],
    )
    changed_by = {e["attribute_name"]: e["user"]["name"] for e in events if e["attribute_name"]}
    assert changed_by["permission_rule_set"] == "Web Admin"
    assert changed_by["projects"] == "Web Admin"


def test_bad_input_shows_a_message_and_keeps_the_form(admin_page: Any) -> None:
    page = admin_page
    page.goto("/admin/people")
    page.click("#new-person summary")
    page.fill("#person-login", "webadmin")  # taken
    page.fill("#person-password", "x password")
    page.fill("#person-password-again", "x password")
    page.click("#new-person button[type=submit]")
    expect(page.locator(".notice.error")).to_be_visible()
    expect(page.locator("#person-login")).to_have_value("webadmin")
    expect(page.locator("#person-password")).to_have_value("")


def test_admin_cannot_deactivate_themselves(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    page.goto("/admin/people?q=webadmin")
    page.locator("#people tr[data-login=webadmin] a").click()
    expect(page.locator("#deactivate")).to_be_disabled()


def test_wrong_password_refused_through_the_api_after_change(
    admin_page: Any, live: LiveServer
) -> None:
    page = admin_page
    create_person_on_page(page, "lena", "lena password 1")
    page.locator("#people tr[data-login=lena] a").click()
    page.fill("#password", "lena password 2")
    page.fill("#password-again", "lena password 2")
    page.click("#set-password")
    expect(page.locator(".notice.ok")).to_contain_text("Password changed")
    try:
        live.person("lena", "lena password 1").find_one("Project", [])
    except shotgun_api3.AuthenticationFault:
        pass
    else:
        raise AssertionError("the old password still works")
