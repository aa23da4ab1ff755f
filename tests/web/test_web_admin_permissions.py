"""Admin menu, Permissions: roles, the matrix, saving rules, export and import, in a browser."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import shotgun_api3
import yaml
from live_server import LiveServer
from playwright.sync_api import expect
from web_people import ARTIST_LOGIN, ARTIST_PASSWORD, sign_in

from callsheet.site.accounts import admin_actor, create_user
from callsheet.site.permissions import RuleCondition, export_rules, roles, set_role_rules

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def role_id(live: LiveServer, name: str) -> int:
    return roles(live.site)[name][0]


def role_rules(live: LiveServer, name: str) -> Any:
    return roles(live.site)[name][1]


def copy_role_on_page(page: Any, source: str, name: str) -> None:
    """Copy a role through the list's form; lands on the new role's matrix."""
    page.goto("/admin/permissions")
    page.click("#copy-role summary")
    page.select_option("#copy-source", label=source)
    page.fill("#copy-name", name)
    page.click("#copy-submit")
    expect(page.locator("h1#role-name")).to_have_text(name)
    expect(page.locator(".notice.ok")).to_contain_text("copy")


def cell(page: Any, entity_type: str, action: str) -> Any:
    return page.locator(
        f"#matrix tr.type-row[data-type='{entity_type}'] button.cell[data-action={action}]"
    )


def save(page: Any) -> None:
    page.click("#save")
    expect(page.locator("#save-state")).to_have_text("Saved.")


def upload(page: Any, name: str, content: str) -> None:
    page.goto("/admin/permissions")
    page.set_input_files(
        "#import-file", files=[{"name": name, "mimeType": "text/plain", "buffer": content.encode()}]
    )
    page.click("#import-submit")


def screenshot(page: Any, name: str, **options: Any) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), **options)


def take_matrix_screenshots(page: Any) -> None:
    """The saved matrix (scrolled to the table) and a type's conditions and field rules."""
    page.reload()
    page.locator("#matrix-title").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, document.querySelector('.matrix-card').offsetTop - 60)")
    screenshot(page, "admin-permissions.png")
    page.locator("#matrix tr.type-row[data-type=Task] .expander").click()
    page.locator("#matrix tr.detail-row .field-filter").fill("status")
    task = page.locator("#matrix tr.type-row[data-type=Task]")
    page.evaluate(
        "(row) => { row.scrollIntoView({block: 'start'}); window.scrollBy(0, -90); }",
        task.element_handle(),
    )
    screenshot(page, "admin-permissions-detail.png")


def test_an_artist_is_refused_every_permissions_page(page: Any, live: LiveServer) -> None:
    sign_in(page, ARTIST_LOGIN, ARTIST_PASSWORD)
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    artist = role_id(live, "Artist")
    for path in (
        "/admin/permissions",
        f"/admin/permissions/{artist}",
        "/admin/permissions/export?format=yaml",
    ):
        answer = page.request.get(path)
        assert answer.status == 403, path
        assert "Admin permission group" in answer.text()
        assert "callsheet-permissions" not in answer.text()
    for path in ("/admin/permissions/copy", "/admin/permissions/import"):
        answer = page.request.post(path, form={"csrf_token": csrf, "source": "Admin", "name": "x"})
        assert answer.status == 403, path
    for path, body in (
        (f"/admin/permissions/{artist}/rules", {"rules": {"admin": True}}),
        ("/admin/permissions/condition", {"entity_type": "Shot", "action": "see", "rule": {}}),
    ):
        answer = page.request.post(path, data=body, headers={"X-CSRF-Token": csrf})
        assert answer.status == 403, path
        assert answer.json()["exception"] is True
    page.goto("/admin/permissions")
    expect(page.locator("main")).to_contain_text("Admin permission group")
    # nothing was made or changed
    assert "x" not in roles(live.site)
    assert role_rules(live, "Artist").admin is False


def test_roles_list_shows_each_role_and_who_holds_it(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    page.goto("/admin/permissions")
    people = page.locator("#people-roles")
    for name in ("Admin", "Manager", "Artist", "Vendor", "Client"):
        expect(people.locator(f"tr[data-role-name='{name}']")).to_be_visible()
    scripts = page.locator("#script-roles")
    for name in ("API Admin", "API Read Only"):
        expect(scripts.locator(f"tr[data-role-name='{name}']")).to_be_visible()
    admins = live.site.find(
        admin_actor(live.site),
        "HumanUser",
        [
            [
                "permission_rule_set",
                "is",
                {"type": "PermissionRuleSet", "id": role_id(live, "Admin")},
            ]
        ],
        ["id"],
    )
    admin_row = people.locator("tr[data-role-name=Admin]")
    expect(admin_row.locator(".holders")).to_have_text(re.compile(rf"^{len(admins)}\b"))
    expect(people.locator("tr[data-role-name=Artist] .role-summary")).to_contain_text(
        "Every type: see only"
    )
    expect(admin_row.locator(".role-summary")).to_contain_text("full access")

    if os.environ.get("CALLSHEET_SCREENSHOTS") == "1":
        screenshot(page, "admin-permissions-roles.png", full_page=True)
    page.click("tr[data-role-name=Artist] >> text=Open matrix")
    expect(page.locator("h1#role-name")).to_have_text("Artist")
    expect(page.locator("#held-by")).to_contain_text("Web Artist")


def test_artist_matrix_reads_conditions_and_settings(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    page.goto(f"/admin/permissions/{role_id(live, 'Artist')}")
    expect(page.locator("#flag-assigned")).to_be_checked()
    expect(page.locator("#flag-sudo")).not_to_be_checked()
    expect(page.locator("#flag-event-log")).to_be_checked()
    expect(page.locator("#flag-admin")).not_to_be_checked()
    # common types first, the rest behind "Show all"
    first = page.locator("#matrix tr.type-row").nth(1)
    expect(first).to_have_attribute("data-type", "Project")
    expect(page.locator("#matrix tr.type-row[data-type=CustomEntity02]")).to_have_count(0)
    page.check("#show-all")
    expect(page.locator("#matrix tr.type-row[data-type=CustomEntity02]")).to_have_count(1)
    page.uncheck("#show-all")
    # every other type: see only
    expect(cell(page, "*", "see")).to_have_attribute("data-state", "allow")
    expect(cell(page, "*", "create")).to_have_attribute("data-state", "deny")
    # conditions read as sentences
    task = page.locator("#matrix tr.type-row[data-type=Task]")
    expect(cell(page, "Task", "update")).to_have_attribute("data-state", "cond")
    expect(task.locator(".rule-notes")).to_contain_text(
        "Update only those assigned to them or their groups (only the fields Status)"
    )
    expect(cell(page, "Note", "create")).to_have_attribute("data-state", "allow")
    expect(page.locator("#matrix tr.type-row[data-type=Note] .rule-notes")).to_contain_text(
        "only those they created"
    )
    # the filter box finds any type, common or not
    page.fill("#type-filter", "published file")
    expect(page.locator("#matrix tr.type-row[data-type=PublishedFile]")).to_be_visible()
    expect(page.locator("#matrix tr.type-row[data-type=PublishedFileType]")).to_be_visible()
    expect(page.locator("#matrix tr.type-row[data-type=Shot]")).to_have_count(0)
    # a conditional cell opens its condition
    page.fill("#type-filter", "task")
    cell(page, "Task", "update").click()
    detail = page.locator("#matrix tr.detail-row[data-detail-for=Task]")
    expect(detail.locator(".action-editor[data-action=update] select.rule-choice")).to_have_value(
        "cond"
    )
    expect(detail.locator(".action-editor[data-action=update] textarea.filters")).to_have_value(
        re.compile(r"task_assignees")
    )
    expect(detail.locator(".fields-table tr[data-field=sg_status_list]")).to_be_visible()
    expect(page.locator("#save")).to_be_disabled()  # looking changes nothing


def test_copied_role_without_note_create_refuses_notes_through_the_api(
    admin_page: Any, live: LiveServer
) -> None:
    page = admin_page
    copy_role_on_page(page, "Artist", "Artist No Notes")
    expect(page.locator("#held-by")).to_contain_text("Nobody holds this role yet")
    page.fill("#type-filter", "note")
    create = cell(page, "Note", "create")
    expect(create).to_have_attribute("data-state", "allow")
    create.click()
    expect(create).to_have_attribute("data-state", "deny")
    expect(page.locator("#save-state")).to_have_text("Unsaved changes.")
    save(page)
    rules = role_rules(live, "Artist No Notes")
    assert rules.entity("Note").create is False
    assert rules.entity("Note").see is True
    assert isinstance(rules.entity("Task").update, RuleCondition)  # the rest is the Artist's
    assert rules.assigned_projects_only is True
    if os.environ.get("CALLSHEET_SCREENSHOTS") == "1":
        take_matrix_screenshots(page)

    # give the role to a person on the People page
    person = create_user(live.site, "nonotes", "No Notes", "no notes password 1", "Artist")
    page.goto(f"/admin/people/{person['id']}")
    page.select_option("#permission-group", label="Artist No Notes")
    page.click("#group-form button[type=submit]")
    expect(page.locator(".notice.ok")).to_contain_text("Permission group changed")
    page.goto(f"/admin/permissions/{role_id(live, 'Artist No Notes')}")
    expect(page.locator("#held-by")).to_contain_text("No Notes")

    sg = shotgun_api3.Shotgun(live.base_url, login="nonotes", password="no notes password 1")
    try:
        with pytest.raises(shotgun_api3.Fault) as refused:
            sg.create("Note", {"subject": "not allowed", "content": "refused"})
        message = str(refused.value)
        assert "Can not create entity of type Note" in message
        assert "Rule: Artist No Notes" in message
        assert "DENY create_entity Note" in message
        assert sg.find("Note", [["subject", "is", "not allowed"]]) == []
    finally:
        sg.close()
    # an Artist (the role it was copied from) still may
    artist = shotgun_api3.Shotgun(live.base_url, login=ARTIST_LOGIN, password=ARTIST_PASSWORD)
    try:
        assert artist.create("Note", {"subject": "allowed", "content": "ok"})["id"]
    finally:
        artist.close()


def test_conditions_settings_and_field_rules_save_all_or_nothing(
    admin_page: Any, live: LiveServer
) -> None:
    page = admin_page
    copy_role_on_page(page, "Client", "Client Plus")
    # types without rules of their own follow "Every other type" as it changes
    expect(cell(page, "Playlist", "create")).to_have_attribute("data-state", "deny")
    cell(page, "*", "create").click()
    expect(cell(page, "Playlist", "create")).to_have_attribute("data-state", "allow")
    expect(cell(page, "ApiUser", "create")).to_have_attribute("data-state", "deny")  # its own
    cell(page, "*", "create").click()
    expect(page.locator("#save")).to_be_disabled()  # back as it was: nothing to save
    # the keyboard: arrows move between cells, space toggles
    cell(page, "Playlist", "see").focus()
    page.keyboard.press("ArrowRight")
    expect(cell(page, "Playlist", "create")).to_be_focused()
    page.keyboard.press("Space")
    expect(cell(page, "Playlist", "create")).to_have_attribute("data-state", "allow")
    expect(cell(page, "Playlist", "create")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(cell(page, "Reply", "create")).to_be_focused()
    page.check("#flag-sudo")
    page.uncheck("#flag-assigned")
    page.fill("#type-filter", "shot")
    page.locator("#matrix tr.type-row[data-type=Shot] .expander").click()
    detail = page.locator("#matrix tr.detail-row[data-detail-for=Shot]")
    update = detail.locator(".action-editor[data-action=update]")
    update.locator("select.rule-choice").select_option("cond")
    # a filter the engine cannot run is refused at once, naming the field
    update.locator("select.preset").select_option("custom")
    update.locator("textarea.filters").fill('[["sg_nope", "is", "$me"]]')
    update.locator("button.apply").click()
    expect(update.locator(".cond-error")).to_contain_text("Shot.sg_nope doesn't exist")
    update.locator("textarea.filters").fill('[["created_by", "is", "bob"]]')
    update.locator("button.apply").click()
    expect(update.locator(".cond-error")).to_contain_text("expects an entity")
    # a preset reads as words
    update.locator("select.preset").select_option("created")
    expect(cell(page, "Shot", "update")).to_have_attribute("data-state", "cond")
    expect(page.locator("#matrix tr.type-row[data-type=Shot] .rule-notes")).to_contain_text(
        "Update only those they created"
    )
    # field rules: hide the description, make the status read-only
    fields = detail.locator(".fields-editor")
    fields.locator(".field-filter").fill("description")
    fields.locator("tr[data-field=description] input[aria-label^=See]").uncheck()
    fields.locator(".field-filter").fill("sg_status_list")
    fields.locator("tr[data-field=sg_status_list] input[aria-label^=Edit]").uncheck()
    expect(page.locator("#matrix tr.type-row[data-type=Shot] .rule-notes")).to_contain_text(
        "2 field rules"
    )
    save(page)

    rules = role_rules(live, "Client Plus")
    assert rules.may_sudo is True
    assert rules.assigned_projects_only is False
    assert rules.entity("Playlist").create is True
    assert rules.entity("Sequence").create is False
    update_rule = rules.entity("Shot").update
    assert isinstance(update_rule, RuleCondition)
    assert update_rule.filters == [["created_by", "is", "$me"]]
    assert rules.field("Shot", "description").see is False
    assert rules.field("Shot", "sg_status_list").see is True
    assert rules.field("Shot", "sg_status_list").edit is False

    # reload: the page shows what was stored
    page.reload()
    expect(page.locator("#flag-sudo")).to_be_checked()
    expect(cell(page, "Shot", "update")).to_have_attribute("data-state", "cond")

    # a malformed role sent to the endpoint is a message, and nothing changes
    before = export_rules(live.site)
    answer = page.evaluate(
        """async (id) => {
            try {
                await Callsheet.post(`/admin/permissions/${id}/rules`, {rules: {
                    admin: false, entities: {"*": true, Shot: {see: true},
                    NoSuchType: {see: false}}, fields: {}}});
                return "saved";
            } catch (error) { return error.message; }
        }""",
        role_id(live, "Client Plus"),
    )
    assert "NoSuchType" in answer
    answer = page.evaluate(
        """async (id) => {
            try {
                await Callsheet.post(`/admin/permissions/${id}/rules`, {rules: {
                    may_sudo: "yes", entities: {"*": true}, fields: {}}});
                return "saved";
            } catch (error) { return error.message; }
        }""",
        role_id(live, "Client Plus"),
    )
    assert "may_sudo must be true or false" in answer
    answer = page.evaluate(
        """async (id) => {
            try {
                await Callsheet.post(`/admin/permissions/${id}/rules`, {rules: {
                    entities: {Shot: {see: true}}, fields: {}}});
                return "saved";
            } catch (error) { return error.message; }
        }""",
        role_id(live, "Client Plus"),
    )
    assert "must include '*'" in answer
    assert export_rules(live.site) == before


def test_a_role_changed_elsewhere_is_not_overwritten(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    copy_role_on_page(page, "Vendor", "Vendor Two")
    # another admin (here: the engine) changes the role while the page is open
    changed = replace(role_rules(live, "Vendor Two"), may_sudo=True)
    set_role_rules(live.site, admin_actor(live.site), changed)
    cell(page, "Group", "create").click()
    page.click("#save")
    expect(page.locator("#save-error")).to_contain_text("changed elsewhere")
    expect(page.locator("#save-state")).to_have_text("Unsaved changes.")
    rules = role_rules(live, "Vendor Two")
    assert rules.may_sudo is True
    assert rules.entity("Group").create is False


def test_an_admin_cannot_take_admin_off_their_own_role(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    admin = role_id(live, "Admin")
    page.goto(f"/admin/permissions/{admin}")
    expect(page.locator("#flag-admin")).to_be_checked()
    expect(page.locator("#flag-admin")).to_be_disabled()
    answer = page.evaluate(
        """async (id) => {
            try {
                await Callsheet.post(`/admin/permissions/${id}/rules`, {rules: {
                    admin: false, may_sudo: true, may_see_event_log: true,
                    see_assigned_projects_only: false, entities: {"*": true}, fields: {}}});
                return "saved";
            } catch (error) { return error.message; }
        }""",
        admin,
    )
    assert "lock you out" in answer
    assert role_rules(live, "Admin").admin is True


def test_export_then_import_round_trips(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/admin/permissions")
    with page.expect_download() as download:
        page.click("#export-yaml")
    assert download.value.suggested_filename == "callsheet-permissions.yaml"
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    document = yaml.safe_load(exported)
    assert document == export_rules(live.site)
    assert document["format"] == "callsheet-permissions/1"
    with page.expect_download() as download:
        page.click("#export-json")
    assert download.value.suggested_filename == "callsheet-permissions.json"

    # the same file back changes nothing
    upload(page, "callsheet-permissions.yaml", exported)
    expect(page.locator(".notice.ok")).to_contain_text(
        f"Imported the rules of {len(document['roles'])} roles"
    )
    assert export_rules(live.site) == document

    # an edited file: a new role (as in a reviewed pull request)
    edited = dict(document["roles"])
    edited["Reviewer"] = {**document["roles"]["Client"], "code": "reviewer", "may_sudo": False}
    edited["Reviewer"]["entities"] = {**edited["Reviewer"]["entities"], "Note": {"create": True}}
    upload(page, "reviewed.yaml", yaml.safe_dump({**document, "roles": edited}, sort_keys=False))
    expect(page.locator(".notice.ok")).to_contain_text("Reviewer")
    expect(page.locator("#people-roles tr[data-role-name=Reviewer]")).to_be_visible()
    assert role_rules(live, "Reviewer").entity("Note").create is True
    assert role_rules(live, "Reviewer").entity("Shot").create is False
    assert export_rules(live.site)["roles"]["Reviewer"] == edited["Reviewer"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.yaml", "roles: [1, 2\n", "Not a readable YAML document"),
        ("broken.json", '{"roles": ', "Not a readable JSON document"),
        ("list.yaml", "- a\n- b\n", "a mapping with a 'roles' mapping"),
        (
            "unknown.yaml",
            "format: callsheet-permissions/1\nroles:\n  Odd:\n    entities:\n"
            "      NoSuchType: true\n",
            "NoSuchType",
        ),
        (
            "bad_action.yaml",
            "roles:\n  Odd:\n    entities:\n      Shot: {see: true, fly: true}\n",
            "unknown actions ['fly']",
        ),
        (
            "bad_condition.yaml",
            "roles:\n  Odd:\n    entities:\n      Shot: {update: {when: [[code, bogus, 1]]}}\n",
            "bogus",
        ),
    ],
)
def test_a_malformed_import_is_a_clear_message_and_changes_nothing(
    admin_page: Any, live: LiveServer, name: str, content: str, message: str
) -> None:
    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())
    before = export_rules(live.site)
    upload(page, name, content)
    error = page.locator(".notice.error")
    expect(error).to_contain_text(f"Nothing imported from {name}")
    expect(error).to_contain_text(message)
    assert export_rules(live.site) == before
