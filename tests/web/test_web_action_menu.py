"""Action Menu Items in a real browser: the right-click menu on a project's Shots page, and AMIs
firing at a small receiver started by the test, which checks each payload field and signature.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from ami_receiver import Receiver, reference_signature
from live_server import LiveServer
from playwright.sync_api import expect
from web_people import ADMIN_LOGIN, ARTIST_LOGIN, ARTIST_PASSWORD, sign_in

from callsheet.site.accounts import admin_actor, role_link
from callsheet.site.action_menu import set_secret_token
from callsheet.site.actor import SYSTEM

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SECRET = "farm-secret-token"
SHOT_COUNT = 30
BUILTINS = 4  # the grid's: Open detail, Edit <field>…, Delete <n> selected…, Refresh
ROOT_AMIS = [
    "Submit to farm",
    "Publish selected",
    "Farm",
    "Open in RV",
    "Review in overlay",
    "Fix statuses",
]
PAYLOAD_KEYS = {
    "user_id",
    "user_login",
    "entity_type",
    "selected_ids",
    "ids",
    "title",
    "page_id",
    "server_hostname",
    "referrer_path",
    "session_uuid",
    "cols",
    "column_display_names",
    "view",
    "sort_column",
    "sort_direction",
    "project_name",
    "project_id",
}


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


@pytest.fixture(scope="module")
def show(live: LiveServer, receiver: Receiver) -> dict[str, Any]:
    """A project with 30 Shots, another project, and AMIs of every kind (through the API)."""
    sg = live.script()
    project = sg.create("Project", {"name": "AMI Show"})
    other = sg.create("Project", {"name": "Other Show"})
    shots = sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "Shot",
                "data": {"code": f"SH{n:03d}", "project": project, "description": f"Shot {n}"},
            }
            for n in range(1, SHOT_COUNT + 1)
        ]
    )
    managers = role_link(live.site, "Manager", "HumanUser")

    def ami(title: str, path: str, **fields: Any) -> int:
        data = {"title": title, "url": f"{receiver.url}{path}", "entity_type": "Shot", **fields}
        return int(sg.create("ActionMenuItem", data)["id"])

    amis = {
        "submit": ami("Submit to farm", "/submit", list_order=1),
        "publish": ami("Publish selected", "/publish", list_order=2, selection_required=True),
        "render": ami("Render preview", "/render", list_order=3, folder="Farm"),
        "rv": ami("Open in RV", "", list_order=4, light_payload=True),
        "review": ami("Review in overlay", "/review", list_order=5, open_in_overlay=True),
        "fix": ami("Fix statuses", "/fix", list_order=6, poll_for_data_updates=True),
        "kill": ami("Kill jobs", "/kill", list_order=7, folder="Farm"),
        "other": ami("Other show only", "/other", list_order=0, projects=[other]),
        "managers": ami("Managers only", "/managers", list_order=0, permissions_groups=[managers]),
        "asset": ami("Asset tool", "/asset", entity_type="Asset", list_order=0),
    }
    sg.update("ActionMenuItem", amis["rv"], {"url": "rvlink://baked/play"})
    set_secret_token(live.site, admin_actor(live.site), amis["submit"], SECRET)
    return {"project": project, "other": other, "shots": shots, "amis": amis}


def open_shots(page: Any, project_id: int) -> int:
    """Open the project's Shots page; returns its Page id."""
    page.goto(f"/project/{project_id}")
    page.wait_for_url(re.compile(r"/page/\d+$"))
    expect(page.locator("#grid-table tbody tr").first).to_be_visible()
    return int(page.url.rsplit("/", 1)[1])


def open_menu_on_row(page: Any, index: int) -> Any:
    """Right-click a row (selecting it unless already selected); the menu once its AMIs are in."""
    page.locator("#grid-table tbody tr").nth(index).locator("td[data-field=code]").click(
        button="right"
    )
    menu = page.locator("#cs-context-menu")
    expect(menu).to_have_attribute("data-loaded", "true")
    return menu


def root_labels(menu: Any) -> list[str]:
    labels = menu.locator(
        ":scope > .cs-menu-item, :scope > .cs-menu-section > .cs-menu-item, "
        ":scope > .cs-menu-section > .cs-menu-folder > .cs-menu-folder-label"
    )
    return labels.evaluate_all(
        "items => items.map(i => i.querySelector('.cs-menu-label').textContent)"
    )


def row_ids(page: Any) -> list[int]:
    rows = page.locator("#grid-table tbody tr")
    return [int(x) for x in rows.evaluate_all("rows => rows.map(r => r.dataset.id)")]


def test_menu_lists_builtins_then_the_items_for_shots_in_order_with_folders(
    admin_page: Any, show: dict[str, Any]
) -> None:
    page = admin_page
    open_shots(page, show["project"]["id"])
    menu = open_menu_on_row(page, 0)
    labels = root_labels(menu)
    # the grid's builtins first ("Edit <field>…" and "Delete <n> selected…" name what they do)
    assert (labels[0], labels[3]) == ("Open detail", "Refresh")
    assert labels[4:] == ROOT_AMIS
    expect(menu.locator("[role=separator]")).to_have_count(1)
    # not offered: other project, a group the Admin is not in, another entity type
    for absent in ("Other show only", "Managers only", "Asset tool"):
        expect(menu.get_by_role("menuitem", name=absent)).to_have_count(0)
    # the folder holds its items in list_order, opened by hover
    farm = menu.locator(".cs-menu-folder[data-folder=Farm]")
    farm.locator(".cs-menu-folder-label").hover()
    submenu = farm.locator(".cs-submenu")
    expect(submenu).to_be_visible()
    expect(submenu.get_by_role("menuitem")).to_have_text(["Render preview", "Kill jobs"])
    expect(menu.get_by_role("menuitem", name="Publish selected")).to_be_enabled()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)


def test_selection_required_items_are_disabled_without_a_selection(
    admin_page: Any, show: dict[str, Any], receiver: Receiver
) -> None:
    page = admin_page
    open_shots(page, show["project"]["id"])
    # one row left, so the grid has empty space to right-click (nothing selected there)
    page.click("#grid-filter-toggle")
    page.locator(".filter-row .filter-field").select_option("code")
    page.locator(".filter-row .filter-op").select_option("is")
    page.locator(".filter-row input.filter-value").fill("SH001")
    page.click("#filter-apply")
    expect(page.locator("#grid-table tbody tr")).to_have_count(1)
    box = page.locator("#grid-scroll").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 6, button="right")
    menu = page.locator("#cs-context-menu")
    expect(menu).to_have_attribute("data-loaded", "true")
    assert page.evaluate("window.CallsheetGrid.state().selected_ids") == []
    publish = menu.get_by_role("menuitem", name="Publish selected")
    expect(publish).to_be_disabled()
    expect(menu.get_by_role("menuitem", name="Submit to farm")).to_be_enabled()
    publish.click(force=True)  # a disabled item does nothing
    expect(menu).to_be_visible()
    assert all(path != "/publish" for path, _ in receiver.posts)


def test_keyboard_moves_through_the_menu_and_runs_an_item(
    admin_page: Any, show: dict[str, Any], receiver: Receiver
) -> None:
    page = admin_page
    open_shots(page, show["project"]["id"])
    menu = open_menu_on_row(page, 1)
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    for _ in range(BUILTINS + 2):  # down to "Farm"
        page.keyboard.press("ArrowDown")
    farm_label = menu.locator(".cs-menu-folder-label")
    expect(farm_label).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(menu.get_by_role("menuitem", name="Render preview")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Kill jobs")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(farm_label).to_be_focused()
    expect(menu.locator(".cs-submenu")).to_be_hidden()
    page.keyboard.press("ArrowRight")
    with page.context.expect_page() as opened:
        page.keyboard.press("Enter")
    tab = opened.value
    expect(tab.locator("h1")).to_have_text("Received /render")
    form = receiver.last("/render")
    assert form["selected_ids"] == str(row_ids(page)[1])
    assert "signature" not in form and "timestamp" not in form
    tab.close()


def test_http_item_posts_every_payload_field_signed_to_a_new_tab(
    admin_page: Any, live: LiveServer, show: dict[str, Any], receiver: Receiver
) -> None:
    page = admin_page
    page_id = open_shots(page, show["project"]["id"])
    # a smaller page than the 30 Shots: `ids` must still hold every matching row
    page.locator("#grid-per-page").select_option("25")
    expect(page.locator("#grid-table tbody tr")).to_have_count(25)
    page.click("#grid-table th[data-field=code]")  # the page lists by code: now descending
    expect(page.locator("#grid-table th[data-field=code]")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(page.locator("#grid-table tbody tr").first.locator("td[data-field=code]")).to_have_text(
        f"SH{SHOT_COUNT:03d}"
    )
    rows = page.locator("#grid-table tbody tr")
    rows.nth(2).locator("td[data-field=code]").click()
    rows.nth(4).locator("td[data-field=code]").click(modifiers=["Control"])
    visible = row_ids(page)
    menu = open_menu_on_row(page, 4)
    with page.context.expect_page() as opened:
        menu.get_by_role("menuitem", name="Submit to farm").click()
    tab = opened.value
    expect(tab.locator("h1")).to_have_text("Received /submit")
    form = receiver.last("/submit")

    assert set(form) == PAYLOAD_KEYS | {"signature", "timestamp"}
    state = page.evaluate("window.CallsheetGrid.state()")
    by_code_desc = sorted(show["shots"], key=lambda s: s["code"], reverse=True)
    assert form["ids"] == ",".join(str(s["id"]) for s in by_code_desc)
    assert len(form["ids"].split(",")) == SHOT_COUNT > len(visible)
    assert sorted(map(int, form["selected_ids"].split(","))) == sorted([visible[2], visible[4]])
    person = live.site.find_one(SYSTEM, "HumanUser", [["login", "is", ADMIN_LOGIN]])
    assert (form["user_id"], form["user_login"]) == (str(person["id"]), ADMIN_LOGIN)
    assert form["entity_type"] == "Shot"
    assert form["page_id"] == str(page_id)
    assert form["title"] == state["title"]
    assert form["referrer_path"] == f"/page/{page_id}"
    assert form["server_hostname"] == urlsplit(live.base_url).netloc
    assert form["session_uuid"] == page.evaluate("Callsheet.sessionUuid()")
    assert form["cols"] == ",".join(c["field"] for c in state["columns"])
    assert form["column_display_names"] == ",".join(c["display_name"] for c in state["columns"])
    assert "code" in form["cols"].split(",")
    assert form["view"] == "Default"
    assert (form["sort_column"], form["sort_direction"]) == ("code", "desc")
    assert (form["project_name"], form["project_id"]) == ("AMI Show", str(show["project"]["id"]))
    # signed with the secret token, verifiable by the reference receiver, and fresh
    assert form["signature"] == reference_signature(form, SECRET)
    sent = dt.datetime.strptime(form["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert abs((dt.datetime.now(dt.UTC) - sent).total_seconds()) < 10
    # the token never reached the browser; the AMI's tab cannot steer this page
    assert SECRET not in page.content()
    assert tab.evaluate("window.opener") is None
    tab.close()


def test_custom_protocol_with_light_payload_passes_only_an_event_id(
    admin_page: Any, live: LiveServer, show: dict[str, Any]
) -> None:
    page = admin_page
    page_id = open_shots(page, show["project"]["id"])
    menu = open_menu_on_row(page, 3)
    selected = page.evaluate("window.CallsheetGrid.state().selected_ids")
    with page.expect_request(lambda request: request.url.startswith("rvlink:")) as asked:
        menu.get_by_role("menuitem", name="Open in RV").click()
    url = urlsplit(asked.value.url)
    assert (url.scheme, url.netloc, url.path) == ("rvlink", "baked", "/play")
    query = parse_qs(url.query)
    assert list(query) == ["event_log_entry_id"]
    entry = live.script().find_one(
        "EventLogEntry",
        [["id", "is", int(query["event_log_entry_id"][0])]],
        ["event_type", "meta", "user", "session_uuid"],
    )
    assert entry["event_type"] == "Shotgun_ActionMenuItem_Triggered"
    payload = entry["meta"]["ami_payload"]
    assert set(payload) == PAYLOAD_KEYS
    assert payload["selected_ids"] == ",".join(map(str, selected))
    assert payload["page_id"] == str(page_id)
    assert (
        payload["session_uuid"] == entry["session_uuid"] == page.evaluate("Callsheet.sessionUuid()")
    )
    assert entry["user"]["name"] == "Web Admin"
    expect(page).to_have_url(re.compile(rf"/page/{page_id}$"))  # the page stays


def test_modal_overlay_posts_into_an_iframe(
    admin_page: Any, show: dict[str, Any], receiver: Receiver
) -> None:
    page = admin_page
    open_shots(page, show["project"]["id"])
    menu = open_menu_on_row(page, 0)
    pages_before = len(page.context.pages)
    menu.get_by_role("menuitem", name="Review in overlay").click()
    overlay = page.locator("#cs-ami-overlay")
    expect(overlay).to_be_visible()
    expect(overlay.locator(".cs-ami-overlay-title")).to_have_text("Review in overlay")
    frame = page.frame_locator("#cs-ami-overlay iframe.cs-ami-frame")
    expect(frame.locator("h1")).to_have_text("Received /review")
    assert len(page.context.pages) == pages_before
    assert receiver.last("/review")["selected_ids"] == str(row_ids(page)[0])
    if os.environ.get("CALLSHEET_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / "ami-overlay.png"))
    overlay.get_by_role("button", name="Close").click()
    expect(overlay).to_have_count(0)


def test_poll_for_data_updates_refreshes_rows_the_script_changed(
    admin_page: Any, live: LiveServer, show: dict[str, Any], receiver: Receiver
) -> None:
    page = admin_page
    open_shots(page, show["project"]["id"])
    ids = row_ids(page)
    menu = open_menu_on_row(page, 5)
    with page.context.expect_page() as opened:
        menu.get_by_role("menuitem", name="Fix statuses").click()
    tab = opened.value
    expect(tab.locator("h1")).to_have_text("Received /fix")
    form = receiver.last("/fix")
    # the AMI's script works as shotgun_api3 does: set_session_uuid, then its changes
    script = live.script()
    script.set_session_uuid(form["session_uuid"])
    script.update("Shot", int(form["selected_ids"]), {"description": "Fixed by the farm"})
    elsewhere = live.script()
    elsewhere.update("Shot", ids[6], {"description": "Changed elsewhere"})
    cell = page.locator(
        f"#grid-table tbody tr[data-id='{form['selected_ids']}'] td[data-field=description]"
    )
    expect(cell).to_have_text("Fixed by the farm")
    # another session's change is not this window's: that row is not re-read
    other = page.locator(f"#grid-table tbody tr[data-id='{ids[6]}'] td[data-field=description]")
    expect(other).not_to_have_text("Changed elsewhere")
    assert page.evaluate("window.CallsheetMenu.isPolling()")
    tab.close()


def test_screenshot_of_the_menu(admin_page: Any, show: dict[str, Any]) -> None:
    """docs/screenshots/ami-menu.png, written only when CALLSHEET_SCREENSHOTS=1."""
    if os.environ.get("CALLSHEET_SCREENSHOTS") != "1":
        pytest.skip("screenshots only with CALLSHEET_SCREENSHOTS=1")
    page = admin_page
    open_shots(page, show["project"]["id"])
    rows = page.locator("#grid-table tbody tr")
    rows.nth(2).locator("td[data-field=code]").click()
    rows.nth(4).locator("td[data-field=code]").click(modifiers=["Shift"])
    menu = open_menu_on_row(page, 3)
    menu.locator(".cs-menu-folder-label").hover()
    expect(menu.locator(".cs-submenu")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "ami-menu.png"))


def test_an_artist_gets_their_items_and_runs_one(
    page: Any, live: LiveServer, show: dict[str, Any]
) -> None:
    artist = live.site.find_one(SYSTEM, "HumanUser", [["login", "is", ARTIST_LOGIN]], ["id"])
    live.script().update(
        "Project",
        show["project"]["id"],
        {"users": [{"type": "HumanUser", "id": artist["id"]}]},
        multi_entity_update_modes={"users": "add"},
    )
    sign_in(page, ARTIST_LOGIN, ARTIST_PASSWORD)
    open_shots(page, show["project"]["id"])
    menu = open_menu_on_row(page, 0)
    assert root_labels(menu)[-len(ROOT_AMIS) :] == ROOT_AMIS
    with page.expect_request(lambda request: request.url.startswith("rvlink:")) as asked:
        menu.get_by_role("menuitem", name="Open in RV").click()
    entry_id = int(parse_qs(urlsplit(asked.value.url).query)["event_log_entry_id"][0])
    entry = live.script().find_one("EventLogEntry", [["id", "is", entry_id]], ["user", "meta"])
    assert entry["user"]["id"] == artist["id"]
    assert entry["meta"]["ami_payload"]["user_login"] == ARTIST_LOGIN


def test_an_item_gone_since_the_menu_loaded_says_so(
    admin_page: Any, live: LiveServer, show: dict[str, Any], receiver: Receiver
) -> None:
    page = admin_page
    sg = live.script()
    doomed = sg.create(
        "ActionMenuItem",
        {"title": "Soon gone", "url": f"{receiver.url}/gone", "entity_type": "Shot"},
    )
    open_shots(page, show["project"]["id"])
    menu = open_menu_on_row(page, 0)
    expect(menu.get_by_role("menuitem", name="Soon gone")).to_be_visible()
    page.keyboard.press("Escape")
    sg.delete("ActionMenuItem", doomed["id"])
    menu = open_menu_on_row(page, 0)  # the menu is cached for the page
    popups: list[Any] = []
    page.on("popup", lambda popup: popups.append(popup))
    menu.get_by_role("menuitem", name="Soon gone").click()
    expect(page.locator("#toasts [role=alert]")).to_contain_text("is not offered")
    expect(page.locator("#cs-context-menu")).to_have_count(0)
    for popup in popups:  # the tab opened at the click is closed again
        if not popup.is_closed():
            popup.wait_for_event("close")
    assert all(path != "/gone" for path, _ in receiver.posts)


@pytest.mark.parametrize(
    ("url", "body", "message"),
    [
        ("/web/action-menu/run", {}, "ami_id"),
        ("/web/action-menu/run", {"ami_id": "one", "state": {}}, "ami_id"),
        ("/web/action-menu/run", {"ami_id": 1, "state": {"entity_type": "Nope"}}, "Unknown"),
        (
            "/web/action-menu/run",
            {"ami_id": 1, "state": {"entity_type": "Shot", "selected_ids": ["x"]}},
            "selected id",
        ),
        (
            "/web/action-menu/run",
            {"ami_id": 1, "state": {"entity_type": "Shot", "filters": {"conditions": "no"}}},
            "conditions",
        ),
        ("/web/action-menu/items", {"project_id": 1}, "entity type"),
        ("/web/action-menu/changes", {"entity_type": "Shot", "after": -1}, "event id"),
    ],
)
def test_bad_requests_get_a_message(
    admin_page: Any, show: dict[str, Any], url: str, body: dict[str, Any], message: str
) -> None:
    page = admin_page
    token = page.evaluate("Callsheet.csrfToken()")
    answer = page.request.post(url, data=body, headers={"X-CSRF-Token": token})
    assert answer.status == 200
    result = answer.json()
    assert result["exception"] is True
    assert message in result["message"]
