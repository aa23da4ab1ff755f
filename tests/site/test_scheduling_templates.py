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


def _edges_on(sg: Any, task_ids: list[int]) -> set[tuple[int, int, str, Any]]:
    found = sg.find(
        "TaskDependency",
        [["task", "in", [{"type": "Task", "id": i} for i in task_ids]]],
        ["task", "dependent_task", "dependency_type", "offset_days"],
    )
    return {
        (e["task"]["id"], e["dependent_task"]["id"], e["dependency_type"], e["offset_days"])
        for e in found
    }


def test_apply_makes_linked_tasks_upstream_edges_the_templates(
    sg: Any, project: dict, template: dict
) -> None:
    """sg-groundtruth 101, 102, 107, 109: the edges into a Task linked to the template become
    the template's; others are erased, not retired; a linked Task's downstream edge to a Task
    outside the template is kept."""
    shot = sg.create("Shot", {"project": project, "code": "050"})
    other_shot = sg.create("Shot", {"project": project, "code": "051"})

    def made(name: str, entity: dict) -> int:
        return int(sg.create("Task", {"project": project, "content": name, "entity": entity})["id"])

    a, b, x, w = (made(n, shot) for n in ("a", "b", "x", "w"))
    z = made("z", other_shot)
    for task_id, name in ((a, "a"), (b, "b")):  # claimed by hand (recipe: template_task)
        sg.update("Task", task_id, {"template_task": template["tasks"][name]})

    def edge(down: int, up: int, **data: Any) -> int:
        return int(
            sg.create(
                "TaskDependency",
                {"task": {"type": "Task", "id": down}, "dependent_task": {"type": "Task", "id": up}}
                | data,
            )["id"]
        )

    wrong_type = edge(b, a)  # the template has b on a start-to-start +2
    outside_up = edge(a, x)  # a linked Task depending on a Task outside the template
    other_entity = edge(b, z)
    kept = edge(w, b)  # an outside Task downstream of a linked one
    after = last_event_id(sg)
    sg.update("Shot", shot["id"], {"task_template": template["template"]})
    tasks = shot_tasks(sg, shot)
    assert sorted(tasks) == ["a", "b", "c", "w", "x"]
    c = tasks["c"]["id"]
    assert _edges_on(sg, [a, b, c, x, w, z]) == {
        (b, a, "start-to-start", 2),
        (c, b, "finish-to-start-next-day", None),
        (w, b, "finish-to-start-next-day", None),
    }
    assert sg.find_one("TaskDependency", [["id", "is", kept]]) is not None
    for erased in (wrong_type, outside_up, other_entity):
        assert sg.find("TaskDependency", [["id", "is", erased]]) == []
        assert sg.find("TaskDependency", [["id", "is", erased]], retired_only=True) == []
    assert sg.find_one("Task", [["id", "is", a]], ["upstream_tasks"])["upstream_tasks"] == []
    removed = [
        (e["entity"]["id"], [link["id"] for link in e["meta"]["removed"]])
        for e in events_after(sg, after)
        if e["attribute_name"] == "upstream_tasks" and e["meta"]["removed"]
    ]
    assert sorted(removed) == sorted([(b, [a]), (a, [x]), (b, [z])])
    # a write of another template, or null, touches none of these edges [GT 102]
    other = sg.create("TaskTemplate", {"code": "Other", "entity_type": "Shot"})
    sg.update("Shot", shot["id"], {"task_template": other})
    sg.update("Shot", shot["id"], {"task_template": None})
    assert len(_edges_on(sg, [a, b, c, x, w, z])) == 3


def test_apply_resyncs_the_tasks_already_linked_to_the_template(
    sg: Any, project: dict, template: dict
) -> None:
    """sg-groundtruth 102, 108: the template's values overwrite a linked Task's, except its
    status; assignees are only filled; dates and duration only on a Task without dates; a
    milestone collapses onto its due date; the cascade then places the Tasks."""
    other = sg.create("HumanUser", {"login": "oo", "name": "Oth Er"})
    shot = sg.create("Shot", {"project": project, "code": "060"})
    x = sg.create(
        "Task",
        {
            "project": project,
            "entity": shot,
            "content": "mine",
            "sg_sort_order": 77,
            "sg_status_list": "fin",
            "duration": 1920,
            "sg_description": "hand",
        },
    )
    y = sg.create(
        "Task",
        {
            "project": project,
            "entity": shot,
            "content": "b-ish",
            "start_date": "2026-05-04",
            "due_date": "2026-05-06",
            "task_assignees": [other],
        },
    )
    sg.update("Task", x["id"], {"template_task": template["tasks"]["a"]})
    sg.update("Task", y["id"], {"template_task": template["tasks"]["b"]})
    after = last_event_id(sg)
    sg.update("Shot", shot["id"], {"task_template": template["template"]})
    fields = [*TASK_FIELDS, "sg_description"]
    tasks = {t["id"]: t for t in sg.find("Task", [["entity", "is", shot]], fields)}
    assert len(tasks) == 3  # only c was missing
    a, b = tasks[x["id"]], tasks[y["id"]]
    assert (a["content"], a["sg_sort_order"], a["step"]["id"]) == ("a", 10, template["step"]["id"])
    assert a["sg_status_list"] == "fin" and a["sg_description"] == "hand"
    assert a["duration"] == 960 and a["start_date"] is None  # undated: the template's duration
    assert [p["id"] for p in a["task_assignees"]] == [template["person"]["id"]]  # filled
    assert b["content"] == "b" and b["milestone"] is True
    assert (b["start_date"], b["due_date"], b["duration"]) == ("2026-05-06", "2026-05-06", 0)
    assert [p["id"] for p in b["task_assignees"]] == [other["id"]]  # kept
    (c,) = (t for t in tasks.values() if t["content"] == "c")
    assert (c["start_date"], c["due_date"]) == ("2026-05-07", "2026-05-11")  # after b, FS
    changed = {
        (e["entity"]["id"], e["attribute_name"])
        for e in events_after(sg, after)
        if e["event_type"] == "Shotgun_Task_Change"
    }
    assert {(x["id"], "content"), (x["id"], "duration"), (y["id"], "milestone")} <= changed
    assert (x["id"], "sg_status_list") not in changed
