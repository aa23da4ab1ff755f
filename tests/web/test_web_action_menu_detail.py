"""Action Menu Items on a detail page: the Action menu lists them after the page's own actions,
the entity itself is the selection, and a polling AMI's changes re-read the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ami_receiver import Receiver, reference_signature
from live_server import LiveServer
from playwright.sync_api import expect

from callsheet.site.accounts import admin_actor
from callsheet.site.action_menu import set_secret_token

SECRET = "detail-secret"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


@pytest.fixture(scope="module")
def show(live: LiveServer, receiver: Receiver) -> dict[str, Any]:
    sg = live.script()
    project = sg.create("Project", {"name": "Detail AMI Show"})
    shot = sg.create("Shot", {"code": "DT010", "project": project, "description": "Before"})
    sg.create("Shot", {"code": "DT020", "project": project})

    def ami(title: str, path: str, **fields: Any) -> int:
        data = {"title": title, "url": f"{receiver.url}{path}", "entity_type": "Shot", **fields}
        return int(sg.create("ActionMenuItem", data)["id"])

    submit = ami("Send to editorial", "/editorial", list_order=1, selection_required=True)
    ami("Refresh from farm", "/farm", list_order=2, poll_for_data_updates=True)
    ami("Asset only", "/asset", entity_type="Asset")
    set_secret_token(live.site, admin_actor(live.site), submit, SECRET)
    return {"project": project, "shot": shot}


def open_action_menu(page: Any) -> Any:
    page.click("#detail-actions")
    menu = page.locator("#cs-context-menu")
    expect(menu).to_have_attribute("data-loaded", "true")
    return menu


def test_detail_action_menu_posts_the_entity_as_the_selection(
    admin_page: Any, live: LiveServer, show: dict[str, Any], receiver: Receiver
) -> None:
    page = admin_page
    shot = show["shot"]
    page.goto(f"/detail/Shot/{shot['id']}")
    menu = open_action_menu(page)
    labels = menu.locator(".cs-menu-label").all_inner_texts()
    assert labels[-2:] == ["Send to editorial", "Refresh from farm"]
    assert "Asset only" not in labels
    assert labels.index("Refresh") < labels.index("Send to editorial")  # the page's own first
    # the entity is the selection, so an item that needs one is enabled
    expect(menu.get_by_role("menuitem", name="Send to editorial")).to_be_enabled()
    with page.context.expect_page() as opened:
        menu.get_by_role("menuitem", name="Send to editorial").click()
    expect(opened.value.locator("h1")).to_have_text("Received /editorial")
    form = receiver.last("/editorial")
    assert form["entity_type"] == "Shot"
    assert form["selected_ids"] == form["ids"] == str(shot["id"])
    assert form["referrer_path"] == f"/detail/Shot/{shot['id']}"
    assert (form["project_name"], form["project_id"]) == (
        "Detail AMI Show",
        str(show["project"]["id"]),
    )
    assert form["title"] == page.evaluate("window.CallsheetDetail.state().title")
    assert form["session_uuid"] == page.evaluate("Callsheet.sessionUuid()")
    assert form["signature"] == reference_signature(form, SECRET)
    opened.value.close()


def test_right_click_on_the_header_opens_the_same_menu(
    admin_page: Any, show: dict[str, Any]
) -> None:
    page = admin_page
    page.goto(f"/detail/Shot/{show['shot']['id']}")
    page.locator("#detail-title").click(button="right")
    menu = page.locator("#cs-context-menu")
    expect(menu).to_have_attribute("data-loaded", "true")
    expect(menu.get_by_role("menuitem", name="Refresh from farm")).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)


def test_polling_item_rereads_the_detail_page(
    admin_page: Any, live: LiveServer, show: dict[str, Any], receiver: Receiver
) -> None:
    page = admin_page
    shot = show["shot"]
    page.goto(f"/detail/Shot/{shot['id']}")
    menu = open_action_menu(page)
    with page.context.expect_page() as opened:
        menu.get_by_role("menuitem", name="Refresh from farm").click()
    expect(opened.value.locator("h1")).to_have_text("Received /farm")
    form = receiver.last("/farm")
    script = live.script()
    script.set_session_uuid(form["session_uuid"])
    script.update("Shot", shot["id"], {"description": "Farm says done"})
    description = page.locator('.field-row[data-field="description"] .field-value')
    expect(description).to_have_text("Farm says done")
    opened.value.close()
