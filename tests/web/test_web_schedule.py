"""The Schedule (Gantt) and My Tasks pages in a real browser: a drag, a key and a resize go
through the engine's scheduling rules; status and time log edits on My Tasks."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from live_server import LiveServer
from playwright.sync_api import expect
from web_people import ADMIN_LOGIN

DAY_PX = 24  # schedule.css --day


@pytest.fixture
def show(live: LiveServer) -> dict[str, Any]:
    """A project with a shot and two dependent Tasks, the first assigned to the Admin."""
    sg = live.script()
    admin = sg.find_one("HumanUser", [["login", "is", ADMIN_LOGIN]])
    project = sg.create("Project", {"name": f"Schedule Show {uuid.uuid4().hex[:8]}"})
    shot = sg.create("Shot", {"code": "SC010", "project": project})
    up = sg.create(
        "Task",
        {
            "content": "Layout",
            "entity": shot,
            "project": project,
            "task_assignees": [admin],
            "start_date": "2026-03-02",
            "due_date": "2026-03-03",
        },
    )
    down = sg.create(
        "Task",
        {
            "content": "Anim",
            "entity": shot,
            "project": project,
            "duration": 960,
            "upstream_tasks": [{"type": "Task", "id": up["id"]}],
        },
    )
    return {"sg": sg, "project": project, "up": up, "down": down}


def dates(show: dict[str, Any], name: str) -> tuple[str, str]:
    found = show["sg"].find_one(
        "Task", [["id", "is", show[name]["id"]]], ["start_date", "due_date"]
    )
    return found["start_date"], found["due_date"]


def open_schedule(page: Any, show: dict[str, Any]) -> None:
    page.goto(f"/project/{show['project']['id']}/schedule")
    expect(page.locator(f".gantt-bar[data-task-id='{show['up']['id']}']")).to_be_visible()


def drag(page: Any, locator: Any, dx: int, x_at: float = 0.5) -> None:
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] * x_at, box["y"] + box["height"] / 2
    with page.expect_navigation():
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + dx / 2, y, steps=4)
        page.mouse.move(x + dx, y, steps=4)
        page.mouse.up()


def test_schedule_shows_bars_weekends_and_arrows(admin_page: Any, show: dict[str, Any]) -> None:
    page = admin_page
    open_schedule(page, show)
    assert dates(show, "down") == ("2026-03-04", "2026-03-05")
    assert page.locator(".gantt-day.off").count() >= 2  # the weekend of 7-8 March
    expect(page.locator(".gantt-arrows path")).to_have_count(1)
    expect(page.locator(".gantt-group-title")).to_contain_text("SC010")
    expect(page.locator(".project-nav a[aria-current=page]")).to_have_text("Schedule")


def test_schedule_drag_moves_the_task_and_pushes_downstream(
    admin_page: Any, show: dict[str, Any]
) -> None:
    page = admin_page
    open_schedule(page, show)
    bar = page.locator(f".gantt-bar[data-task-id='{show['up']['id']}']")
    drag(page, bar, 7 * DAY_PX)
    assert dates(show, "up") == ("2026-03-09", "2026-03-10")
    assert dates(show, "down") == ("2026-03-11", "2026-03-12")  # pushed by the engine
    expect(page.locator(f".gantt-bar[data-task-id='{show['down']['id']}']")).to_have_attribute(
        "data-start", "2026-03-11"
    )


def test_schedule_resize_the_due_end(admin_page: Any, show: dict[str, Any]) -> None:
    page = admin_page
    open_schedule(page, show)
    handle = page.locator(f".gantt-bar[data-task-id='{show['up']['id']}'] .handle.due")
    drag(page, handle, 2 * DAY_PX)
    assert dates(show, "up") == ("2026-03-02", "2026-03-05")
    assert dates(show, "down") == ("2026-03-06", "2026-03-09")


def test_schedule_keyboard_moves_a_day(admin_page: Any, show: dict[str, Any]) -> None:
    page = admin_page
    open_schedule(page, show)
    bar = page.locator(f".gantt-bar[data-task-id='{show['down']['id']}']")
    bar.focus()
    with page.expect_navigation():
        page.keyboard.press("ArrowRight")
    # a dependent Task's own date write pins it [cookbook]
    found = show["sg"].find_one(
        "Task", [["id", "is", show["down"]["id"]]], ["start_date", "pinned"]
    )
    assert found == {**found, "start_date": "2026-03-05", "pinned": True}
    expect(page.locator(f".gantt-bar[data-task-id='{show['down']['id']}']")).to_be_focused()


def test_my_tasks_lists_status_edit_and_time_log(admin_page: Any, show: dict[str, Any]) -> None:
    page = admin_page
    page.goto("/my-tasks")
    row = page.locator(f"tr[data-task-id='{show['up']['id']}']")
    expect(row).to_contain_text("Layout")
    expect(page.locator(f"tr[data-task-id='{show['down']['id']}']")).to_have_count(0)
    row.locator("select.task-status").select_option("ip")
    expect(page.locator(".toast").last).to_contain_text("Status saved")
    sg = show["sg"]
    assert (
        sg.find_one("Task", [["id", "is", show["up"]["id"]]], ["sg_status_list"])["sg_status_list"]
        == "ip"
    )
    row.locator("input[name=hours]").fill("1.5")
    row.locator("input[name=description]").fill("blocking")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    found = sg.find_one("Task", [["id", "is", show["up"]["id"]]], ["time_logs_sum"])
    assert found["time_logs_sum"] == 90
    expect(page.locator(f"tr[data-task-id='{show['up']['id']}'] .time-logged")).to_contain_text(
        "1.5 h"
    )


def test_schedule_groups_by_assignee(admin_page: Any, show: dict[str, Any]) -> None:
    page = admin_page
    open_schedule(page, show)
    with page.expect_navigation():
        page.locator(".schedule-grouping select").select_option("assignee")
    titles = page.locator(".gantt-group-title")
    expect(titles).to_have_count(2)
    expect(titles.nth(0)).to_contain_text("Assigned To: none")
    expect(titles.nth(1)).to_contain_text("Web Admin")
    layout_row = page.locator(".gantt-group").nth(1).locator(".gantt-row")
    expect(layout_row).to_have_attribute("data-task-id", str(show["up"]["id"]))
