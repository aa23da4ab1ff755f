"""Task templates: an entity created or updated with `task_template` gets the template's Tasks
(sg-groundtruth 083, 084, 090)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.site.conftest import events_after, last_event_id

TASK_FIELDS = [
    "content",
    "step",
    "sg_status_list",
    "sg_sort_order",
    "duration",
    "milestone",
    "task_assignees",
    "start_date",
    "due_date",
    "template_task",
    "task_template",
    "project",
    "upstream_tasks",
]


@pytest.fixture
def template(sg: Any) -> dict:
    """a -> b start-to-start offset 2, b -> c finish-to-start-next-day (083's template)."""
    person = sg.create("HumanUser", {"login": "tt", "name": "Tem Plate"})
    step = sg.create("Step", {"code": "Anim", "entity_type": "Shot"})
    found = sg.create("TaskTemplate", {"code": "3D Shot", "entity_type": "Shot"})
    link = {"type": "TaskTemplate", "id": found["id"]}
    a = sg.create(
        "Task",
        {
            "content": "a",
            "task_template": link,
            "step": step,
            "sg_status_list": "ip",
            "sg_sort_order": 10,
            "duration": 960,
            "task_assignees": [person],
        },
    )
    b = sg.create(
        "Task", {"content": "b", "task_template": link, "milestone": True, "duration": 480}
    )
    c = sg.create(
        "Task",
        {
            "content": "c",
            "task_template": link,
            "start_date": "2026-03-02",
            "due_date": "2026-03-04",
        },
    )
    sg.create(
        "TaskDependency",
        {"task": b, "dependent_task": a, "dependency_type": "start-to-start", "offset_days": 2},
    )
    sg.create("TaskDependency", {"task": c, "dependent_task": b})
    return {"template": found, "tasks": {"a": a, "b": b, "c": c}, "step": step, "person": person}


def shot_tasks(sg: Any, shot: dict) -> dict[str, dict]:
    found = sg.find("Task", [["entity", "is", shot]], TASK_FIELDS)
    return {t["content"]: t for t in found}


def test_create_with_template_makes_its_tasks(sg: Any, project: dict, template: dict) -> None:
    after = last_event_id(sg)
    shot = sg.create(
        "Shot", {"project": project, "code": "010", "task_template": template["template"]}
    )
    tasks = shot_tasks(sg, shot)
    assert sorted(tasks) == ["a", "b", "c"]
    a, b, c = tasks["a"], tasks["b"], tasks["c"]
    assert a["step"]["id"] == template["step"]["id"]
    assert a["sg_status_list"] == "ip" and a["sg_sort_order"] == 10 and a["duration"] == 960
    assert [p["id"] for p in a["task_assignees"]] == [template["person"]["id"]]
    assert b["milestone"] is True and b["duration"] == 0
    assert (c["start_date"], c["due_date"], c["duration"]) == ("2026-03-02", "2026-03-04", 1440)
    for name, made in tasks.items():
        assert made["template_task"]["id"] == template["tasks"][name]["id"]
        assert made["task_template"] is None
        assert made["project"]["id"] == project["id"]
    assert [u["id"] for u in b["upstream_tasks"]] == [a["id"]]
    assert [u["id"] for u in c["upstream_tasks"]] == [b["id"]]
    edges = sg.find(
        "TaskDependency",
        [["task", "in", [{"type": "Task", "id": t["id"]} for t in tasks.values()]]],
        ["task", "dependent_task", "dependency_type", "offset_days"],
    )
    shapes = {
        (e["task"]["id"], e["dependent_task"]["id"], e["dependency_type"], e["offset_days"])
        for e in edges
    }
    assert shapes == {
        (b["id"], a["id"], "start-to-start", 2),
        (c["id"], b["id"], "finish-to-start-next-day", None),
    }
    events = events_after(sg, after)
    new_tasks = [e for e in events if e["event_type"] == "Shotgun_Task_New"]
    assert len(new_tasks) == 3
    assert len([e for e in events if e["event_type"] == "Shotgun_TaskDependency_New"]) == 2
    template_rows = [e for e in events if e["attribute_name"] == "template_task"]
    assert len(template_rows) == 3 and all(e["meta"]["in_create"] for e in template_rows)
    shot_rows = [
        e
        for e in events
        if e["entity"] and e["entity"]["type"] == "Shot" and e["attribute_name"] == "tasks"
    ]
    assert len(shot_rows) == 3


def test_batch_of_shots_with_template(sg: Any, project: dict, template: dict) -> None:
    shots = sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "Shot",
                "data": {
                    "project": project,
                    "code": f"s{n}",
                    "task_template": template["template"],
                },
            }
            for n in range(3)
        ]
    )
    for shot in shots:
        assert sorted(shot_tasks(sg, shot)) == ["a", "b", "c"]


def test_template_dependencies_place_dated_copies(sg: Any, project: dict, template: dict) -> None:
    # a dated upstream in the template: its copy places the copied dependent
    a = template["tasks"]["a"]
    sg.update("Task", a["id"], {"start_date": "2026-03-02"})
    shot = sg.create(
        "Shot", {"project": project, "code": "020", "task_template": template["template"]}
    )
    tasks = shot_tasks(sg, shot)
    assert (tasks["a"]["start_date"], tasks["a"]["due_date"]) == ("2026-03-02", "2026-03-03")
    assert (tasks["b"]["start_date"], tasks["b"]["due_date"]) == ("2026-03-04", "2026-03-04")
    assert (tasks["c"]["start_date"], tasks["c"]["due_date"]) == ("2026-03-05", "2026-03-09")


def test_changing_the_template_only_adds_missing_tasks(
    sg: Any, project: dict, template: dict
) -> None:
    other = sg.create("TaskTemplate", {"code": "Other", "entity_type": "Shot"})
    link = {"type": "TaskTemplate", "id": other["id"]}
    sg.create("Task", {"content": "a", "task_template": link})
    sg.create("Task", {"content": "extra", "task_template": link})
    shot = sg.create(
        "Shot", {"project": project, "code": "030", "task_template": template["template"]}
    )
    hand_made = sg.create("Task", {"project": project, "content": "mine", "entity": shot})
    sg.update("Shot", shot["id"], {"task_template": link})
    contents = sorted(t["content"] for t in sg.find("Task", [["entity", "is", shot]], ["content"]))
    assert contents == ["a", "a", "b", "c", "extra", "mine"]  # a duplicate 'a', nothing removed
    sg.update("Shot", shot["id"], {"task_template": link})  # the same value again: nothing
    sg.update("Shot", shot["id"], {"task_template": None})
    assert len(sg.find("Task", [["entity", "is", shot]])) == 6
    # a deleted generated Task comes back on the next apply (clear first, then set)
    extra = sg.find_one("Task", [["entity", "is", shot], ["content", "is", "extra"]])
    sg.delete("Task", extra["id"])
    sg.update("Shot", shot["id"], {"task_template": link})
    assert len(sg.find("Task", [["entity", "is", shot]])) == 6
    assert sg.find_one("Task", [["id", "is", hand_made["id"]]]) is not None


def test_create_without_template_makes_no_tasks(sg: Any, project: dict, template: dict) -> None:
    shot = sg.create("Shot", {"project": project, "code": "040", "task_template": None})
    assert shot_tasks(sg, shot) == {}
