"""Admin menu, Task Templates: make a template and its tasks in the browser, then a Shot
created with it through the API gets those Tasks."""

from __future__ import annotations

import uuid
from typing import Any

from live_server import LiveServer
from playwright.sync_api import expect


def test_make_a_template_and_apply_it(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    name = f"Shot basics {uuid.uuid4().hex[:6]}"
    page.goto("/admin/task-templates")
    form = page.locator("#new-task-template")
    form.locator("input[name=code]").fill(name)
    form.locator("select[name=entity_type]").select_option("Shot")
    form.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(name)
    add = page.locator("#add-template-task")
    add.locator("input[name=content]").fill("Layout")
    add.locator("input[name=days]").fill("2")
    add.locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_have_text("Task added.")
    add = page.locator("#add-template-task")
    add.locator("input[name=content]").fill("Anim")
    add.locator("input[name=days]").fill("3")
    add.locator("select[name=upstream]").select_option(label="Layout")
    add.locator("select[name=dependency_type]").select_option("start-to-start")
    add.locator("button[type=submit]").click()
    rows = page.locator("#template-tasks tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("Layout (start-to-start)")
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("3")

    sg = live.script()
    template = sg.find_one("TaskTemplate", [["code", "is", name]])
    project = sg.create("Project", {"name": f"Templated {uuid.uuid4().hex[:6]}"})
    shot = sg.create("Shot", {"project": project, "code": "TT010", "task_template": template})
    tasks = {
        t["content"]: t
        for t in sg.find(
            "Task", [["entity", "is", shot]], ["content", "duration", "upstream_tasks"]
        )
    }
    assert sorted(tasks) == ["Anim", "Layout"]
    assert tasks["Anim"]["duration"] == 3 * 480
    assert [u["id"] for u in tasks["Anim"]["upstream_tasks"]] == [tasks["Layout"]["id"]]

    # a task removed from the template is gone from the list, not from the Shot
    page.locator("#template-tasks tbody tr").nth(0).locator("button.danger").click()
    expect(page.locator(".notice.ok")).to_have_text("Task removed.")
    expect(page.locator("#template-tasks tbody tr")).to_have_count(1)
    assert len(sg.find("Task", [["entity", "is", shot]])) == 2
