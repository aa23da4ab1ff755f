"""Admin menu, Schedule: set the studio's week and day length and a project's week in the
browser; the API then schedules Tasks on them (January 2026: Mon 5 .. Sun 11)."""

from __future__ import annotations

import uuid
from typing import Any

from live_server import LiveServer
from playwright.sync_api import expect


def test_set_working_weeks_in_the_browser(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    sg = live.script()
    project = sg.create("Project", {"name": f"Saturdays {uuid.uuid4().hex[:6]}"})
    dated = sg.create(
        "Task",
        {"project": project, "content": "t", "start_date": "2026-01-05", "due_date": "2026-01-09"},
    )
    assert dated["duration"] == 5 * 480

    page.goto("/admin/schedule")
    studio = page.locator("#studio-week")
    expect(studio.locator("#studio-fri")).to_be_checked()
    studio.locator("#studio-fri").uncheck()
    studio.locator("#hours-per-day").fill("10")
    studio.locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_contain_text("Saved.")
    expect(page.locator("#studio-fri")).not_to_be_checked()
    expect(page.locator("#hours-per-day")).to_have_value("10")

    assert sg.preferences_read(["hours_per_day"]) == {"hours_per_day": 10.0}
    # the week changed, so the existing Task keeps its dates and its duration is recounted:
    # Mon..Thu, at the day length saved with it (10 hours)
    found = sg.find_one("Task", [["id", "is", dated["id"]]], ["duration", "due_date"])
    assert found == {
        "type": "Task",
        "id": dated["id"],
        "duration": 4 * 600,
        "due_date": "2026-01-09",
    }
    friday = sg.work_schedule_read("2026-01-09", "2026-01-09")["2026-01-09"]
    assert (friday["working"], friday["reason"]) == (False, "STUDIO_WORK_WEEK")

    form = page.locator("#project-week")
    form.locator("select[name=entity_id]").select_option(label=project["name"])
    for day in ("mon", "tue", "wed", "thu", "fri", "sat"):
        form.locator(f"#project-{day}").check()
    form.locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_contain_text("Saved.")
    row = page.locator(f"#own-weeks tr[data-entity='Project-{project['id']}']")
    expect(row).to_contain_text("mon, tue, wed, thu, fri, sat")
    saturday = sg.work_schedule_read("2026-01-10", "2026-01-10", project)["2026-01-10"]
    assert (saturday["working"], saturday["reason"]) == (True, "PROJECT_WORK_WEEK")
    created = sg.create(
        "Task", {"project": project, "content": "u", "start_date": "2026-01-09", "duration": 1200}
    )
    assert created["due_date"] == "2026-01-10"  # Fri 9, Sat 10 in the project, 10-hour days

    # a bad week shows the engine's message and changes nothing
    form = page.locator("#user-week")
    form.locator("button[type=submit]").click()
    expect(page.locator(".notice.error")).to_contain_text("at least one working day")
