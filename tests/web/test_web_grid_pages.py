"""Site-wide pages, other entity types' grids, the project navigation and bad addresses."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import LiveServer
from playwright.sync_api import expect
from web_people import ARTIST_LOGIN, ARTIST_PASSWORD, sign_in

from callsheet.site.actor import SYSTEM

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def show(live: LiveServer) -> dict[str, Any]:
    """A project with a shot, two tasks on it and an episode."""
    sg = live.script()
    project = sg.create("Project", {"name": "Pages Show"})
    shot = sg.create("Shot", {"code": "PG010", "project": project, "sg_status_list": "ip"})
    step = sg.find_one("Step", [["code", "is", "Anim"]]) or sg.find_one("Step", [])
    tasks = [
        sg.create(
            "Task",
            {
                "content": name,
                "entity": shot,
                "project": project,
                "step": step,
                "sg_status_list": "wtg",
                "start_date": "2025-03-03",
                "due_date": "2025-03-14",
            },
        )
        for name in ("Animation", "Lighting")
    ]
    sg.create("Episode", {"code": "EP01", "project": project})
    return {"project": project, "shot": shot, "tasks": tasks}


def _page_record(live: LiveServer, url: str) -> dict[str, Any]:
    page_id = int(url.rsplit("/", 1)[1])
    record = live.site.find_one(
        SYSTEM,
        "Page",
        [["id", "is", page_id]],
        ["name", "entity_type", "page_type", "project", "last_accessed"],
    )
    assert record is not None
    return record


def test_site_wide_people_page_is_a_page_without_project(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    page.goto("/")
    page.click(".main-nav a[href='/list/HumanUser']")
    page.wait_for_url(re.compile(r"/page/\d+$"))
    expect(page.locator(".main-nav a[aria-current=page]")).to_have_text("People & site")
    record = _page_record(live, page.url)
    assert record["entity_type"] == "HumanUser"
    assert record["project"] is None
    assert record["name"] == "People"
    expect(page.locator(".site-nav a[aria-current=page]")).to_have_text("People")
    expect(
        page.locator("#grid-table tbody td[data-field=name]", has_text="Web Admin")
    ).to_have_count(1)
    assert page.evaluate("window.CallsheetGrid.state().project") is None
    # the same address finds the same Page
    first = page.url
    page.goto("/list/HumanUser")
    page.wait_for_url(first)


def test_artist_opens_a_site_page_and_it_is_recorded(page: Any, live: LiveServer) -> None:
    sign_in(page, ARTIST_LOGIN, ARTIST_PASSWORD)
    page.goto("/list/Step")
    page.wait_for_url(re.compile(r"/page/\d+$"))
    expect(page.locator("#grid-table tbody tr").first).to_be_visible()
    record = _page_record(live, page.url)
    assert record["entity_type"] == "Step"
    assert record["last_accessed"] is not None


def test_more_menu_offers_every_other_project_type(admin_page: Any, show: dict[str, Any]) -> None:
    page = admin_page
    project_id = show["project"]["id"]
    page.goto(f"/project/{project_id}")
    page.wait_for_url(re.compile(r"/page/\d+$"))
    page.click("details[data-menu=project-more] summary")
    more = page.locator("details[data-menu=project-more] .menu-items")
    expect(more.get_by_role("menuitem", name="Episodes", exact=True)).to_be_visible()
    expect(more.get_by_role("menuitem", name="Time Logs")).to_be_visible()
    # link tables and the tabs themselves are not repeated under More
    assert more.get_by_role("menuitem", name="Shots", exact=True).count() == 0
    assert more.locator("a[data-entity-type$=Connection]").count() == 0
    more.get_by_role("menuitem", name="Episodes", exact=True).click()
    page.wait_for_url(re.compile(r"/page/\d+$"))
    expect(page.locator("details[data-menu=project-more] summary")).to_have_text("Episodes")
    expect(page.locator("#grid-table tbody td[data-field=code]")).to_have_text(["EP01"])


def test_task_page_edits_assignees_and_dates(
    admin_page: Any, live: LiveServer, show: dict[str, Any]
) -> None:
    page = admin_page
    sg = live.script()
    project_id = show["project"]["id"]
    task = show["tasks"][0]
    page.goto(f"/project/{project_id}/Task")
    page.wait_for_url(re.compile(r"/page/\d+$"))
    row = page.locator(f"#grid-table tbody tr[data-id='{task['id']}']")
    expect(row.locator("td[data-field=entity]")).to_have_text("PG010")
    # people are site-wide: the picker finds them from a project page
    assignees = row.locator("td[data-field=task_assignees]")
    assignees.dblclick()
    editor = page.locator(".cs-editor-multi_entity")
    editor.locator("input[type=search]").fill("Web Ad")
    editor.locator("li[role=option]", has_text="Web Admin").click()
    expect(editor.locator(".cs-chip")).to_have_count(1)
    editor.locator(".cs-save").click()
    expect(assignees).to_have_text("Web Admin")
    saved = sg.find_one("Task", [["id", "is", task["id"]]], ["task_assignees", "due_date"])
    assert [a["name"] for a in saved["task_assignees"]] == ["Web Admin"]
    # a date through the date editor
    due = row.locator("td[data-field=due_date]")
    due.dblclick()
    page.locator(".cs-editor-date input[type=date]").fill("2025-04-01")
    page.keyboard.press("Enter")
    expect(due).to_have_text("2025-04-01")
    saved = sg.find_one("Task", [["id", "is", task["id"]]], ["due_date"])
    assert saved["due_date"] == "2025-04-01"
    # the filter bar's date operators: due in the calendar month picks none of these tasks
    page.click("#grid-filter-toggle")
    filter_row = page.locator(".filter-row").first
    filter_row.locator(".filter-field").select_option("due_date")
    filter_row.locator(".filter-op").select_option("greater_than")
    filter_row.locator("input.filter-value").fill("2025-03-20")
    page.click("#filter-apply")
    expect(page.locator("#grid-table tbody tr")).to_have_count(1)
    expect(page.locator("#grid-table tbody td[data-field=content]")).to_have_text("Animation")


def test_filter_by_entity_picks_a_shot(admin_page: Any, show: dict[str, Any]) -> None:
    page = admin_page
    page.goto(f"/project/{show['project']['id']}/Task")
    page.wait_for_url(re.compile(r"/page/\d+$"))
    expect(page.locator("#grid-table tbody tr")).to_have_count(2)
    page.click("#grid-filter-toggle")
    filter_row = page.locator(".filter-row").first
    filter_row.locator(".filter-field").select_option("entity")
    filter_row.locator(".filter-op").select_option("is")
    filter_row.locator(".filter-pick").click()
    page.locator(".cs-editor-entity input[type=search]").fill("PG01")
    page.locator(".cs-editor-entity li[role=option]", has_text="PG010").click()
    expect(filter_row.locator(".cs-chip")).to_contain_text("PG010")
    page.click("#filter-apply")
    state = page.evaluate("window.CallsheetGrid.state()")
    assert state["filters"]["conditions"] == [
        {"path": "entity", "relation": "is", "values": [{"type": "Shot", "id": show["shot"]["id"]}]}
    ]
    expect(page.locator("#grid-count")).to_contain_text("of 2 Tasks")


def test_bad_addresses_show_a_message(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    answer = page.goto("/list/NoSuchType")
    assert answer.status == 400
    expect(page.locator("[role=alert]")).to_contain_text("NoSuchType")
    answer = page.goto("/page/99999999")
    assert answer.status == 404  # no such record: Not Found (issue 10 §1.8)
    expect(page.locator("[role=alert]")).to_contain_text("Page 99999999 doesn't exist")
    answer = page.goto("/project/99999999")
    assert answer.status == 404  # no such record: Not Found (issue 10 §1.8)
    # the grid's JSON endpoints answer faults, not tracebacks
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    token = page.evaluate("Callsheet.csrfToken()")
    for body in (
        {"entity_type": "Shot", "per_page": 7},
        {"entity_type": "Shot", "filters": {"logical_operator": "and", "conditions": "x"}},
        {"entity_type": "Shot", "sorts": "code"},
        {"entity_type": "Nope"},
    ):
        reply = httpx.post(
            f"{live.base_url}/web/grid/rows",
            json=body,
            cookies=cookies,
            headers={"X-CSRF-Token": token},
        ).json()
        assert reply["exception"] is True, body
        assert reply["message"]


def test_screenshots_of_the_grid(admin_page: Any, show: dict[str, Any]) -> None:
    """docs/screenshots/grid-*.png, written only with CALLSHEET_SCREENSHOTS=1."""
    if os.environ.get("CALLSHEET_SCREENSHOTS") != "1":
        pytest.skip("screenshots only with CALLSHEET_SCREENSHOTS=1")
    page = admin_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"/project/{show['project']['id']}/Task")
    page.wait_for_url(re.compile(r"/page/\d+$"))
    page.click("#grid-filter-toggle")
    filter_row = page.locator(".filter-row").first
    filter_row.locator(".filter-field").select_option("sg_status_list")
    filter_row.locator(".filter-op").select_option("in")
    filter_row.locator("input[value=wtg]").check()
    filter_row.locator("input[value=ip]").check()
    page.click("#filter-apply")
    page.locator("#grid-table tbody tr").first.locator("td[data-field=sg_status_list]").dblclick()
    expect(page.locator(".cs-editor-status_list")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "grid-tasks-filter-edit.png"))


def test_deep_pages_read_ids_first_in_the_same_order(
    live: LiveServer, show: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from callsheet.server.web.grid import rows

    sg = live.script()
    project = show["project"]
    sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "Shot",
                "data": {"code": f"DP{n:03d}", "project": project, "sg_cut_in": n % 7},
            }
            for n in range(60)
        ]
    )
    payload = {
        "entity_type": "Shot",
        "project_id": project["id"],
        "columns": ["code", "sg_cut_in", "sg_sequence"],
        "sorts": [{"field": "sg_cut_in", "direction": "desc"}],
        "per_page": 25,
        "page": 2,
    }
    near = rows.read_rows(live.site, SYSTEM, payload)
    monkeypatch.setattr(rows, "DEFERRED_OFFSET", 1)
    deep = rows.read_rows(live.site, SYSTEM, payload)
    assert [r["id"] for r in deep["rows"]] == [r["id"] for r in near["rows"]]
    assert deep["rows"] == near["rows"]
    assert deep["total"] == near["total"] == 61
