"""Task dependencies: placement by type and offset, the push cascade, pinned, violations, loops.

Dates follow the shotgun_api3 cookbook's "Task Dependencies" page and sg-groundtruth 085/087
(8-hour days: a two-day Task lasts 960 minutes).
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.site.conftest import database_snapshot, events_after, last_event_id

from callsheet.faults import Fault

FIELDS = ["start_date", "due_date", "duration", "pinned", "dependency_violation"]


def task(sg: Any, project: dict, name: str, start: str | None, due: str | None, **data: Any) -> int:
    created = sg.create(
        "Task", {"project": project, "content": name, "start_date": start, "due_date": due, **data}
    )
    return int(created["id"])


def read(sg: Any, task_id: int) -> dict:
    return sg.find_one("Task", [["id", "is", task_id]], FIELDS)


def dates(sg: Any, task_id: int) -> tuple[str, str]:
    found = read(sg, task_id)
    return found["start_date"], found["due_date"]


def depend(sg: Any, down: int, up: int, dependency_type: str | None = None) -> None:
    link: dict[str, Any] = {"type": "Task", "id": up}
    if dependency_type:
        link["dependency_type"] = dependency_type
    sg.update(
        "Task",
        down,
        {"upstream_tasks": [link]},
        multi_entity_update_modes={"upstream_tasks": "add"},
    )


def test_cookbook_chain_push_violation_and_unpin(sg: Any, project: dict) -> None:
    layout = task(sg, project, "Layout", "2010-04-28", "2010-05-05")
    anm = task(sg, project, "Anm", "2010-05-06", "2010-05-12")
    depend(sg, anm, layout)
    assert dates(sg, anm) == ("2010-05-06", "2010-05-12")
    dependency = sg.find_one(
        "TaskDependency",
        [["task", "is", {"type": "Task", "id": anm}]],
        ["dependency_type", "dependent_task"],
    )
    assert dependency["dependency_type"] == "finish-to-start-next-day"
    assert dependency["dependent_task"]["id"] == layout
    # pushing Layout's end pushes Anm over the weekend, its duration held
    sg.update("Task", layout, {"due_date": "2010-05-07"})
    assert read(sg, anm) == {
        **read(sg, anm),
        "start_date": "2010-05-10",
        "due_date": "2010-05-14",
        "pinned": False,
        "dependency_violation": False,
    }
    # pulling Anm's start before Layout ends: a violation, and Anm is pinned
    sg.update("Task", anm, {"start_date": "2010-05-06"})
    found = read(sg, anm)
    assert (found["start_date"], found["due_date"]) == ("2010-05-06", "2010-05-12")
    assert found["dependency_violation"] is True and found["pinned"] is True
    # a pinned Task stays when the upstream moves
    sg.update("Task", layout, {"due_date": "2010-05-10"})
    assert dates(sg, anm) == ("2010-05-06", "2010-05-12")
    # unpinning places it behind Layout again and clears the violation
    sg.update("Task", anm, {"pinned": False})
    found = read(sg, anm)
    assert (found["start_date"], found["due_date"]) == ("2010-05-11", "2010-05-17")
    assert found["dependency_violation"] is False and found["pinned"] is False


def test_resolving_a_violation_keeps_the_pin(sg: Any, project: dict) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-06")
    down = task(sg, project, "down", "2026-03-09", "2026-03-10")
    depend(sg, down, up)
    sg.update("Task", down, {"start_date": "2026-03-03"})
    assert read(sg, down)["dependency_violation"] is True
    sg.update("Task", down, {"start_date": "2026-03-09"})
    found = read(sg, down)
    assert found["dependency_violation"] is False and found["pinned"] is True


# sg-groundtruth 085: the upstream runs Mon 2026-03-02 .. Fri 03-06; the dependent lasts two days.
PLACEMENTS = [
    ("finish-to-start-next-day", None, ("2026-03-09", "2026-03-10")),
    ("finish-to-start-next-day", 2, ("2026-03-11", "2026-03-12")),
    ("finish-to-start-next-day", -1, ("2026-03-06", "2026-03-09")),
    ("start-to-start", None, ("2026-03-02", "2026-03-03")),
    ("start-to-start", 2, ("2026-03-04", "2026-03-05")),
    ("start-to-start", -1, ("2026-02-27", "2026-03-02")),
    ("finish-to-finish", None, ("2026-03-05", "2026-03-06")),
    ("finish-to-finish", 2, ("2026-03-09", "2026-03-10")),
    ("finish-to-finish", -1, ("2026-03-04", "2026-03-05")),
    ("start-to-finish-next-day", None, ("2026-02-26", "2026-02-27")),
    ("start-to-finish-next-day", 2, ("2026-03-02", "2026-03-03")),
    ("start-to-finish-next-day", -1, ("2026-02-25", "2026-02-26")),
]


@pytest.mark.parametrize(("dependency_type", "offset", "expected"), PLACEMENTS)
def test_dependency_create_places_the_dependent_by_type_and_offset(
    sg: Any, project: dict, dependency_type: str, offset: int | None, expected: tuple
) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-06")
    down = task(sg, project, "down", "2026-02-16", "2026-02-17")
    data: dict[str, Any] = {
        "task": {"type": "Task", "id": down},
        "dependent_task": {"type": "Task", "id": up},
        "dependency_type": dependency_type,
    }
    if offset is not None:
        data["offset_days"] = offset
    sg.create("TaskDependency", data)
    assert dates(sg, down) == expected
    assert read(sg, down)["duration"] == 960


def test_dependency_update_reschedules_in_place(sg: Any, project: dict) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-06")
    down = task(sg, project, "down", "2026-02-16", "2026-02-17")
    edge = sg.create(
        "TaskDependency",
        {"task": {"type": "Task", "id": down}, "dependent_task": {"type": "Task", "id": up}},
    )
    sg.update("TaskDependency", edge["id"], {"offset_days": 3})
    assert dates(sg, down) == ("2026-03-12", "2026-03-13")
    sg.update("TaskDependency", edge["id"], {"dependency_type": "start-to-start"})
    assert dates(sg, down) == ("2026-03-05", "2026-03-06")
    sg.update("TaskDependency", edge["id"], {"offset_days": None})
    assert dates(sg, down) == ("2026-03-02", "2026-03-03")


def test_upstream_dict_dependency_type_is_stored(sg: Any, project: dict) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-06")
    down = task(sg, project, "down", "2026-02-16", "2026-02-17")
    depend(sg, down, up, "finish-to-finish")
    assert dates(sg, down) == ("2026-03-05", "2026-03-06")
    edge = sg.find_one(
        "TaskDependency", [["task", "is", {"type": "Task", "id": down}]], ["dependency_type"]
    )
    assert edge["dependency_type"] == "finish-to-finish"


@pytest.mark.parametrize("bad", ["zz_bogus", "START-TO-START", None])
def test_invalid_dependency_type_is_refused(sg: Any, project: dict, bad: Any) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-06")
    down = task(sg, project, "down", "2026-02-16", "2026-02-17")
    before = database_snapshot(sg)
    with pytest.raises(Fault, match="accepted values are finish-to-start-next-day"):
        sg.create(
            "TaskDependency",
            {
                "task": {"type": "Task", "id": down},
                "dependent_task": {"type": "Task", "id": up},
                "dependency_type": bad,
            },
        )
    with pytest.raises(Fault, match="accepted values"):
        depend(sg, down, up, bad or "x")
    assert database_snapshot(sg) == before


def test_cascade_pushes_and_pulls_the_chain_with_event_rows(sg: Any, project: dict) -> None:
    # sg-groundtruth 087: up -FS-> d1 -FS-> d2, up -FS-> pin (pinned), up -SS-> ss
    up = task(sg, project, "up", "2026-03-02", "2026-03-03")
    d1 = task(sg, project, "d1", "2026-03-02", "2026-03-03")
    d2 = task(sg, project, "d2", "2026-03-02", "2026-03-03")
    pin = task(sg, project, "pin", "2026-03-02", "2026-03-03")
    ss = task(sg, project, "ss", "2026-03-02", "2026-03-03")
    depend(sg, d1, up)
    depend(sg, d2, d1)
    depend(sg, pin, up)
    depend(sg, ss, up, "start-to-start")
    assert dates(sg, d2) == ("2026-03-06", "2026-03-09")
    sg.update("Task", pin, {"pinned": True})
    after = last_event_id(sg)
    sg.update("Task", up, {"due_date": "2026-03-05"})
    assert dates(sg, d1) == ("2026-03-06", "2026-03-09")
    assert dates(sg, d2) == ("2026-03-10", "2026-03-11")
    assert dates(sg, pin) == ("2026-03-04", "2026-03-05")
    assert read(sg, pin)["dependency_violation"] is True
    assert dates(sg, ss) == ("2026-03-02", "2026-03-03")
    moved = {(e["entity"]["id"], e["attribute_name"]): e["meta"] for e in events_after(sg, after)}
    assert moved[(d2, "start_date")]["old_value"] == "2026-03-06"
    assert moved[(d2, "start_date")]["new_value"] == "2026-03-10"
    assert moved[(pin, "dependency_violation")]["new_value"] is True
    # shortening the upstream pulls the chain back; the pinned Task is no longer violated
    sg.update("Task", up, {"due_date": "2026-03-02"})
    assert dates(sg, d1) == ("2026-03-03", "2026-03-04")
    assert dates(sg, d2) == ("2026-03-05", "2026-03-06")
    assert read(sg, pin)["dependency_violation"] is False
    # a new start moves the start-to-start dependent
    sg.update("Task", up, {"start_date": "2026-03-09"})
    assert dates(sg, ss) == ("2026-03-09", "2026-03-10")


def test_downstream_of_a_pinned_task_follows_it(sg: Any, project: dict) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-03")
    d1 = task(sg, project, "d1", "2026-03-02", "2026-03-03")
    d2 = task(sg, project, "d2", "2026-03-02", "2026-03-03")
    depend(sg, d1, up)
    depend(sg, d2, d1)
    sg.update("Task", d1, {"start_date": "2026-03-02", "due_date": "2026-03-03"})  # pins d1
    found = read(sg, d1)
    assert found["pinned"] is True and found["dependency_violation"] is True
    assert dates(sg, d2) == ("2026-03-04", "2026-03-05")


def test_duration_write_on_a_dependent_does_not_pin(sg: Any, project: dict) -> None:
    # sg-groundtruth 100
    up = task(sg, project, "up", "2026-03-02", "2026-03-03")
    down = task(sg, project, "down", "2026-03-02", "2026-03-03")
    down2 = task(sg, project, "down2", "2026-03-02", "2026-03-03")
    depend(sg, down, up)
    depend(sg, down2, down)
    sg.update("Task", down, {"duration": 1920})
    assert dates(sg, down) == ("2026-03-04", "2026-03-09")
    assert read(sg, down)["pinned"] is False
    assert dates(sg, down2) == ("2026-03-10", "2026-03-11")
    sg.update("Task", up, {"duration": 2880})
    assert dates(sg, up) == ("2026-03-02", "2026-03-09")
    assert dates(sg, down) == ("2026-03-10", "2026-03-13")
    assert dates(sg, down2) == ("2026-03-16", "2026-03-17")


def test_null_dates_pin_a_dependent_but_not_a_root(sg: Any, project: dict) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-03")
    down = task(sg, project, "down", "2026-03-02", "2026-03-03")
    depend(sg, down, up)
    sg.update("Task", down, {"start_date": None, "due_date": None})
    found = read(sg, down)
    assert found["pinned"] is True and found["duration"] == 960
    sg.update("Task", up, {"start_date": None, "due_date": None})
    assert read(sg, up)["pinned"] is False
    sg.update("Task", up, {"start_date": "2026-03-09", "due_date": "2026-03-10"})
    assert dates(sg, down) == (None, None)
    sg.update("Task", down, {"pinned": False})
    assert dates(sg, down) == ("2026-03-11", "2026-03-12")


def test_removing_the_edge_clears_the_violation(sg: Any, project: dict) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-06")
    down = task(sg, project, "down", "2026-03-09", "2026-03-10")
    depend(sg, down, up)
    sg.update("Task", down, {"start_date": "2026-03-03"})
    assert read(sg, down)["dependency_violation"] is True
    sg.update("Task", down, {"upstream_tasks": []})
    assert read(sg, down)["dependency_violation"] is False
    assert sg.find_one("Task", [["id", "is", up]], ["downstream_tasks"])["downstream_tasks"] == []


def test_downstream_tasks_side_places_the_other_task(sg: Any, project: dict) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-06")
    down = task(sg, project, "down", "2026-02-16", "2026-02-17")
    sg.update("Task", up, {"downstream_tasks": [{"type": "Task", "id": down}]})
    assert dates(sg, down) == ("2026-03-09", "2026-03-10")


def test_create_with_upstream_places_the_new_task(sg: Any, project: dict) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-06")
    down = task(
        sg,
        project,
        "down",
        "2026-02-16",
        None,
        duration=480,
        upstream_tasks=[{"type": "Task", "id": up}],
    )
    assert dates(sg, down) == ("2026-03-09", "2026-03-09")


@pytest.mark.parametrize("size", [1, 2, 3])
def test_loops_are_refused(sg: Any, project: dict, size: int) -> None:
    ring = [task(sg, project, f"r{n}", "2026-03-02", "2026-03-03") for n in range(size)]
    for down, up in zip(ring[1:], ring[:-1], strict=False):
        depend(sg, down, up)
    before = database_snapshot(sg)
    with pytest.raises(Fault, match="causes a loop"):
        depend(sg, ring[0], ring[-1])
    assert database_snapshot(sg) == before


def test_loop_inside_a_batch_rolls_the_batch_back(sg: Any, project: dict) -> None:
    s, t, u = (task(sg, project, n, "2026-03-02", "2026-03-03") for n in "stu")
    before = database_snapshot(sg)

    def edge(down: int, up: int) -> dict:
        return {
            "request_type": "create",
            "entity_type": "TaskDependency",
            "data": {
                "task": {"type": "Task", "id": down},
                "dependent_task": {"type": "Task", "id": up},
            },
        }

    with pytest.raises(Fault, match="causes a loop"):
        sg.batch([edge(t, s), edge(u, t), edge(s, u)])
    assert database_snapshot(sg) == before
    sg.batch([edge(t, s), edge(u, t)])
    assert dates(sg, u) == ("2026-03-06", "2026-03-09")


def test_dependency_violation_is_read_only(sg: Any, project: dict) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-06")
    with pytest.raises(Fault, match="dependency_violation"):
        sg.update("Task", up, {"dependency_violation": True})


def test_retiring_the_upstream_clears_the_violation_and_revive_restores_it(
    sg: Any, project: dict
) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-06")
    down = task(sg, project, "down", "2026-03-09", "2026-03-10")
    depend(sg, down, up)
    sg.update("Task", down, {"start_date": "2026-03-03"})
    assert read(sg, down)["dependency_violation"] is True
    sg.delete("Task", up)
    assert read(sg, down)["dependency_violation"] is False
    sg.revive("Task", up)
    assert read(sg, down)["dependency_violation"] is True


def _edge_rows(events: list[dict]) -> list[tuple]:
    """(event type, attribute, entity id, added ids, removed ids) of dependency-related rows."""
    shown = []
    for e in events:
        if e["attribute_name"] in ("start_date", "due_date", "duration", "pinned"):
            continue
        meta = e["meta"]
        shown.append(
            (
                e["event_type"],
                e["attribute_name"],
                e["entity"]["id"] if e["entity"] else meta.get("entity_id"),
                [link["id"] for link in meta.get("added", [])],
                [link["id"] for link in meta.get("removed", [])],
            )
        )
    return shown


def test_an_edge_written_on_a_task_logs_its_task_dependency_record(sg: Any, project: dict) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-06")
    down = task(sg, project, "down", "2026-03-09", "2026-03-10")
    after = last_event_id(sg)
    depend(sg, down, up, "start-to-start")
    record = sg.find_one(
        "TaskDependency",
        [["task", "is", {"type": "Task", "id": down}]],
        ["dependent_task", "dependency_type"],
    )
    assert record["dependent_task"]["id"] == up
    assert record["dependency_type"] == "start-to-start"
    events = events_after(sg, after)
    assert _edge_rows(events) == [
        ("Shotgun_Task_Change", "upstream_tasks", down, [up], []),
        ("Shotgun_Task_Change", "downstream_tasks", up, [down], []),
        ("Shotgun_TaskDependency_New", None, record["id"], [], []),
        ("Shotgun_TaskDependency_Change", "task", record["id"], [], []),
        ("Shotgun_TaskDependency_Change", "dependent_task", record["id"], [], []),
        ("Shotgun_TaskDependency_Change", "dependency_type", record["id"], [], []),
    ]
    made = {
        e["attribute_name"]: e["meta"] for e in events if e["entity"]["type"] == "TaskDependency"
    }
    assert made["task"]["new_value"]["id"] == down and made["task"]["in_create"] is True
    assert made["dependent_task"]["new_value"]["id"] == up
    assert made["dependency_type"]["new_value"] == "start-to-start"
    # a downstream_tasks write on the upstream Task, default type: the record logs no type row
    other = task(sg, project, "other", "2026-03-09", "2026-03-10")
    after = last_event_id(sg)
    sg.update(
        "Task",
        up,
        {"downstream_tasks": [{"type": "Task", "id": other}]},
        multi_entity_update_modes={"downstream_tasks": "add"},
    )
    second = sg.find_one("TaskDependency", [["task", "is", {"type": "Task", "id": other}]], [])
    assert _edge_rows(events_after(sg, after)) == [
        ("Shotgun_Task_Change", "downstream_tasks", up, [other], []),
        ("Shotgun_Task_Change", "upstream_tasks", other, [up], []),
        ("Shotgun_TaskDependency_New", None, second["id"], [], []),
        ("Shotgun_TaskDependency_Change", "task", second["id"], [], []),
        ("Shotgun_TaskDependency_Change", "dependent_task", second["id"], [], []),
    ]
    # removing the link erases the record: no retired row is left to revive [GT 095]
    sg.update("Task", other, {"upstream_tasks": []})
    assert sg.find("TaskDependency", [["id", "is", second["id"]]]) == []
    assert sg.find("TaskDependency", [["id", "is", second["id"]]], retired_only=True) == []


def test_a_task_dependency_record_logs_both_tasks_links(sg: Any, project: dict) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-06")
    down = task(sg, project, "down", "2026-03-09", "2026-03-10")
    after = last_event_id(sg)
    record = sg.create(
        "TaskDependency",
        {"task": {"type": "Task", "id": down}, "dependent_task": {"type": "Task", "id": up}},
    )
    assert _edge_rows(events_after(sg, after)) == [
        ("Shotgun_TaskDependency_New", None, record["id"], [], []),
        ("Shotgun_TaskDependency_Change", "task", record["id"], [], []),
        ("Shotgun_TaskDependency_Change", "dependent_task", record["id"], [], []),
        ("Shotgun_Task_Change", "upstream_tasks", down, [up], []),
        ("Shotgun_Task_Change", "downstream_tasks", up, [down], []),
    ]
    stored = sg.find_one("TaskDependency", [["id", "is", record["id"]]], ["dependency_type"])
    assert stored["dependency_type"] == "finish-to-start-next-day"
    assert [
        t["id"]
        for t in sg.find_one("Task", [["id", "is", down]], ["upstream_tasks"])["upstream_tasks"]
    ] == [up]
    # retiring the record removes the edge from both Tasks, reviving it brings it back
    after = last_event_id(sg)
    sg.delete("TaskDependency", record["id"])
    assert sg.find_one("Task", [["id", "is", down]], ["upstream_tasks"])["upstream_tasks"] == []
    assert sg.find_one("Task", [["id", "is", up]], ["downstream_tasks"])["downstream_tasks"] == []
    assert _edge_rows(events_after(sg, after)) == [
        ("Shotgun_Task_Change", "upstream_tasks", down, [], [up]),
        ("Shotgun_Task_Change", "downstream_tasks", up, [], [down]),
        ("Shotgun_TaskDependency_Change", "retirement_date", record["id"], [], []),
        ("Shotgun_TaskDependency_Retirement", None, record["id"], [], []),
    ]
    after = last_event_id(sg)
    sg.revive("TaskDependency", record["id"])
    assert [
        t["id"]
        for t in sg.find_one("Task", [["id", "is", up]], ["downstream_tasks"])["downstream_tasks"]
    ] == [down]
    assert _edge_rows(events_after(sg, after))[:2] == [
        ("Shotgun_Task_Change", "upstream_tasks", down, [up], []),
        ("Shotgun_Task_Change", "downstream_tasks", up, [down], []),
    ]


def test_moving_a_task_dependency_record_moves_the_edge(sg: Any, project: dict) -> None:
    up = task(sg, project, "up", "2026-03-02", "2026-03-06")
    first = task(sg, project, "first", "2026-03-09", "2026-03-10")
    second = task(sg, project, "second", "2026-03-09", "2026-03-10")
    record = sg.create(
        "TaskDependency",
        {"task": {"type": "Task", "id": first}, "dependent_task": {"type": "Task", "id": up}},
    )
    after = last_event_id(sg)
    sg.update("TaskDependency", record["id"], {"task": {"type": "Task", "id": second}})
    ups = {
        t["id"]: [u["id"] for u in t["upstream_tasks"]]
        for t in sg.find("Task", [["id", "in", [first, second]]], ["upstream_tasks"])
    }
    assert ups == {first: [], second: [up]}
    links = [row for row in _edge_rows(events_after(sg, after)) if row[0] == "Shotgun_Task_Change"]
    assert links == [
        ("Shotgun_Task_Change", "upstream_tasks", first, [], [up]),
        ("Shotgun_Task_Change", "downstream_tasks", up, [], [first]),
        ("Shotgun_Task_Change", "upstream_tasks", second, [up], []),
        ("Shotgun_Task_Change", "downstream_tasks", up, [second], []),
    ]
