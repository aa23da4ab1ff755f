"""TimeLogs roll up into their Task: time_logs_sum, time_vs_est, time_percent_of_est."""

from __future__ import annotations

from typing import Any

from tests.site.conftest import events_after, last_event_id

ROLLUPS = ["time_logs_sum", "time_vs_est", "time_percent_of_est"]


def rollups(sg: Any, task_id: int) -> tuple:
    found = sg.find_one("Task", [["id", "is", task_id]], ROLLUPS)
    return tuple(found[name] for name in ROLLUPS)


def test_time_logs_roll_up_into_the_task(sg: Any, project: dict) -> None:
    person = sg.create("HumanUser", {"login": "tl", "name": "Time Logger"})
    made = sg.create("Task", {"project": project, "content": "comp", "est_in_mins": 600})
    link = {"type": "Task", "id": made["id"]}
    assert rollups(sg, made["id"])[0] in (0, None)
    after = last_event_id(sg)
    first = sg.create(
        "TimeLog",
        {"project": project, "entity": link, "user": person, "duration": 120, "date": "2026-03-02"},
    )
    assert rollups(sg, made["id"]) == (120, 480, 20)
    rows = [e for e in events_after(sg, after) if e["attribute_name"] == "time_logs_sum"]
    assert rows[0]["meta"]["new_value"] == 120
    second = sg.create(
        "TimeLog",
        {"project": project, "entity": link, "user": person, "duration": 60, "date": "2026-03-03"},
    )
    assert rollups(sg, made["id"]) == (180, 420, 30)
    sg.update("TimeLog", second["id"], {"duration": 240})
    assert rollups(sg, made["id"]) == (360, 240, 60)
    sg.delete("TimeLog", first["id"])
    assert rollups(sg, made["id"]) == (240, 360, 40)
    sg.revive("TimeLog", first["id"])
    assert rollups(sg, made["id"]) == (360, 240, 60)
    sg.update("Task", made["id"], {"est_in_mins": 720})
    assert rollups(sg, made["id"]) == (360, 360, 50)
    other = sg.create("Task", {"project": project, "content": "other"})
    sg.update("TimeLog", second["id"], {"entity": {"type": "Task", "id": other["id"]}})
    assert rollups(sg, made["id"]) == (120, 600, 17)
    assert rollups(sg, other["id"])[0] == 240
