"""Every Admin page and endpoint refuses people outside the Admin group with HTTP 403."""

from __future__ import annotations

import re
from typing import Any

from live_server import LiveServer
from playwright.sync_api import expect
from starlette.routing import Route
from web_people import ARTIST_LOGIN, ARTIST_PASSWORD, sign_in

from callsheet.server.web.admin import (
    action_menu_items,
    event_log,
    fields,
    people,
    scripts,
    task_templates,
)

SAMPLE_PARAMS = {
    "script_id": "1",
    "person_id": "1",
    "item_id": "1",
    "entity_type": "Shot",
    "template_id": "1",
    "task_id": "1",
}
OUR_PAGES = (scripts, people, action_menu_items, fields, event_log, task_templates)


def admin_urls() -> list[tuple[str, str]]:
    """(method, path) of every route of the Admin pages, with sample path parameters."""
    found = []
    for module in OUR_PAGES:
        for route in module.routes():
            assert isinstance(route, Route)
            path = re.sub(
                r"\{(\w+)(:\w+)?\}",
                lambda m: SAMPLE_PARAMS.get(m[1], "sg_anything"),
                route.path,
            )
            methods = sorted(set(route.methods or ()) - {"HEAD"})
            found.extend((method, path) for method in methods)
    return found


def test_an_artist_gets_403_everywhere(page: Any, live: LiveServer) -> None:
    sign_in(page, ARTIST_LOGIN, ARTIST_PASSWORD)
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    urls = admin_urls()
    assert len(urls) >= 20
    for method, path in urls:
        if method == "GET":
            answer = page.request.get(path)
        else:
            answer = page.request.post(
                path,
                form={"csrf_token": csrf, "name": "x", "login": "x", "password": "x"},
            )
        assert answer.status == 403, (method, path, answer.status)
        if path.endswith("/poll"):
            assert answer.json()["exception"] is True
        else:
            assert "Admin permission group" in answer.text()
    # and nothing was made or changed
    sg = live.script()
    assert sg.find("ApiUser", [["firstname", "is", "x"]]) == []
    assert sg.find("HumanUser", [["login", "is", "x"]]) == []
    assert sg.find_one("ApiUser", [["id", "is", 1]]) is not None


def test_an_artist_sees_the_403_page_in_the_browser(page: Any) -> None:
    sign_in(page, ARTIST_LOGIN, ARTIST_PASSWORD)
    answer = page.goto("/admin/scripts")
    assert answer is not None and answer.status == 403
    expect(page.locator("[role=alert]")).to_contain_text("Admin permission group")
    assert page.locator("details[data-menu=admin]").count() == 0


def test_signed_out_visitors_go_to_sign_in(page: Any) -> None:
    page.goto("/admin/event-log")
    assert "/signin?next=" in page.url
    answer = page.request.get("/admin/event-log/poll?after=0")
    assert answer.status == 401
