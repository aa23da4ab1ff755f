"""Scheduling through the official client on the wire: the cookbook's Task Dependencies example,
a holiday from work_schedule_update, and a Shot created from a task template."""

from __future__ import annotations

import uuid

import shotgun_api3


def test_cookbook_dependencies_over_the_wire(sg: shotgun_api3.Shotgun) -> None:
    project = sg.create("Project", {"name": f"sched {uuid.uuid4().hex[:6]}"})
    shot = sg.create("Shot", {"code": "bunny_010_0010", "project": project})
    layout = sg.create(
        "Task",
        {
            "project": project,
            "content": "Layout",
            "entity": shot,
            "start_date": "2010-04-28",
            "due_date": "2010-05-05",
        },
    )
    assert layout["duration"] == 6 * 480
    anm = sg.create(
        "Task",
        {
            "project": project,
            "content": "Anm",
            "entity": shot,
            "start_date": "2010-05-06",
            "due_date": "2010-05-12",
        },
    )
    answer = sg.update(
        "Task",
        anm["id"],
        {
            "upstream_tasks": [
                {"type": "Task", "id": layout["id"], "dependency_type": "finish-to-start-next-day"}
            ]
        },
    )
    assert [t["id"] for t in answer["upstream_tasks"]] == [layout["id"]]
    sg.update("Task", layout["id"], {"due_date": "2010-05-07"})
    fields = ["start_date", "due_date", "pinned", "dependency_violation"]
    assert sg.find_one("Task", [["id", "is", anm["id"]]], fields) == {
        "type": "Task",
        "id": anm["id"],
        "start_date": "2010-05-10",
        "due_date": "2010-05-14",
        "pinned": False,
        "dependency_violation": False,
    }
    sg.update("Task", anm["id"], {"start_date": "2010-05-06"})
    found = sg.find_one("Task", [["id", "is", anm["id"]]], fields)
    assert found["pinned"] is True and found["dependency_violation"] is True
    try:
        sg.update("Task", anm["id"], {"dependency_violation": False})
    except shotgun_api3.Fault as fault:
        assert "dependency_violation" in str(fault)
    else:
        raise AssertionError("dependency_violation was written")


def test_holiday_and_template_over_the_wire(sg: shotgun_api3.Shotgun) -> None:
    project = sg.create("Project", {"name": f"tmpl {uuid.uuid4().hex[:6]}"})
    sg.work_schedule_update("2031-01-08", False, "Holiday", project=project)
    task = sg.create(
        "Task",
        {"project": project, "content": "t", "start_date": "2031-01-06", "duration": 3 * 480},
    )
    assert task["due_date"] == "2031-01-09"  # Mon, Tue, (Wed off), Thu
    template = sg.create(
        "TaskTemplate", {"code": f"tt {uuid.uuid4().hex[:6]}", "entity_type": "Shot"}
    )
    first = sg.create("Task", {"content": "first", "task_template": template, "duration": 480})
    second = sg.create("Task", {"content": "second", "task_template": template})
    sg.create("TaskDependency", {"task": second, "dependent_task": first})
    shot = sg.create("Shot", {"project": project, "code": "T010", "task_template": template})
    made = sg.find("Task", [["entity", "is", shot]], ["content", "template_task", "upstream_tasks"])
    by_name = {t["content"]: t for t in made}
    assert sorted(by_name) == ["first", "second"]
    assert by_name["second"]["template_task"]["id"] == second["id"]
    assert [u["id"] for u in by_name["second"]["upstream_tasks"]] == [by_name["first"]["id"]]
