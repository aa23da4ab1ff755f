"""Task start/due/duration over working days, against hand-computed calendars.

January 2026: Mon 5 .. Fri 9, Mon 12 .. Fri 16; the site's working day is 8 hours (480 minutes),
so a Monday-to-Friday Task lasts 2400 minutes (docs/scheduling.md).
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.site.conftest import events_after, last_event_id

from callsheet.faults import Fault
from callsheet.site.actor import SYSTEM
from callsheet.site.work_schedule import work_schedule_update

DAY = 480
SCHEDULE = ["start_date", "due_date", "duration", "milestone"]


def work_day(
    sg: Any, date: str, working: bool, description: str | None = None, **scope: Any
) -> None:
    """`work_schedule_update` as an admin would call it."""
    work_schedule_update(sg.site, SYSTEM, date, working, description, **scope)


def task(sg: Any, project: dict, **data: Any) -> dict:
    return sg.create("Task", {"project": project, "content": "t", **data})


def schedule(sg: Any, task_id: int) -> tuple[Any, Any, Any]:
    found = sg.find_one("Task", [["id", "is", task_id]], SCHEDULE)
    return found["start_date"], found["due_date"], found["duration"]


def test_create_start_and_due_gives_working_minutes(sg: Any, project: dict) -> None:
    created = task(sg, project, start_date="2026-01-05", due_date="2026-01-09")
    assert created["duration"] == 5 * DAY  # in the create's answer
    assert schedule(sg, created["id"]) == ("2026-01-05", "2026-01-09", 5 * DAY)
    # Thursday to Tuesday: the weekend does not count
    over_weekend = task(sg, project, start_date="2026-01-08", due_date="2026-01-13")
    assert over_weekend["duration"] == 4 * DAY


def test_create_start_and_duration_gives_due(sg: Any, project: dict) -> None:
    created = task(sg, project, start_date="2026-01-08", duration=3 * DAY)
    assert created["due_date"] == "2026-01-12"  # Thu, Fri, Mon


def test_create_due_and_duration_gives_start(sg: Any, project: dict) -> None:
    created = task(sg, project, due_date="2026-01-12", duration=3 * DAY)
    assert created["start_date"] == "2026-01-08"


def test_create_both_dates_ignore_a_sent_duration(sg: Any, project: dict) -> None:
    created = task(sg, project, start_date="2026-01-05", due_date="2026-01-06", duration=9999)
    assert created["duration"] == 2 * DAY


def test_create_partial_day_takes_the_day_it_ends_in(sg: Any, project: dict) -> None:
    created = task(sg, project, start_date="2026-01-09", duration=DAY + 60)
    assert created["due_date"] == "2026-01-12"


# The cookbook's "Updating Task Dates" cases, each from its starting shape (8-hour days).
UPDATE_CASES = [
    # (start, due, duration) before, the update, (start, due, duration) after
    ((None, None, None), {"start_date": "2026-01-05"}, ("2026-01-05", None, None)),
    (("2026-01-05", None, None), {"due_date": "2026-01-09"}, ("2026-01-05", "2026-01-09", 2400)),
    (("2026-01-05", None, None), {"duration": 960}, ("2026-01-05", "2026-01-06", 960)),
    ((None, "2026-01-09", None), {"start_date": "2026-01-07"}, ("2026-01-07", "2026-01-09", 1440)),
    ((None, "2026-01-09", None), {"duration": 960}, ("2026-01-08", "2026-01-09", 960)),
    ((None, None, 960), {"start_date": "2026-01-09"}, ("2026-01-09", "2026-01-12", 960)),
    ((None, None, 960), {"due_date": "2026-01-12"}, ("2026-01-09", "2026-01-12", 960)),
    ((None, None, 960), {"duration": 1440}, (None, None, 1440)),
    # start and due, no duration: a new start recomputes the duration
    (
        ("2026-01-05", "2026-01-09", None),
        {"start_date": "2026-01-08"},
        ("2026-01-08", "2026-01-09", 960),
    ),
    # all three: a new start moves the due date, the duration held
    (
        ("2026-01-05", "2026-01-09", 2400),
        {"start_date": "2026-01-07"},
        ("2026-01-07", "2026-01-13", 2400),
    ),
    # all three: a new due date recomputes the duration
    (
        ("2026-01-05", "2026-01-09", 2400),
        {"due_date": "2026-01-12"},
        ("2026-01-05", "2026-01-12", 2880),
    ),
    # all three: a new duration moves the due date
    (("2026-01-05", "2026-01-09", 2400), {"duration": 960}, ("2026-01-05", "2026-01-06", 960)),
    # due and duration together: the duration first, then the due date (so it is recomputed)
    (
        ("2026-01-05", "2026-01-09", 2400),
        {"due_date": "2026-01-06", "duration": 9999},
        ("2026-01-05", "2026-01-06", 960),
    ),
    # due and duration, no start: start = due - duration
    ((None, "2026-01-09", 960), {"duration": 1440}, ("2026-01-07", "2026-01-09", 1440)),
    # a null date holds the other two
    (("2026-01-05", "2026-01-09", 2400), {"start_date": None}, (None, "2026-01-09", 2400)),
]


@pytest.mark.parametrize(("before", "write", "after"), UPDATE_CASES)
def test_update_moves_the_field_shotgrid_moves(
    sg: Any, project: dict, before: tuple, write: dict, after: tuple
) -> None:
    created = task(sg, project)
    store = sg.site.store
    # set the starting shape directly: the write rules would recompute it
    table = store.table("Task")
    with store.write() as conn:
        conn.execute(
            table.update()
            .where(table.c.id == created["id"])
            .values(start_date=_date(before[0]), due_date=_date(before[1]), duration=before[2])
        )
    answer = sg.update("Task", created["id"], write)
    assert schedule(sg, created["id"]) == after
    for name in ("start_date", "due_date", "duration"):
        assert answer[name] == after[("start_date", "due_date", "duration").index(name)]


def _date(text: str | None) -> Any:
    import datetime as dt

    return None if text is None else dt.date.fromisoformat(text)


def test_update_logs_the_computed_duration(sg: Any, project: dict) -> None:
    created = task(sg, project, start_date="2026-01-05", due_date="2026-01-09")
    after = last_event_id(sg)
    sg.update("Task", created["id"], {"due_date": "2026-01-06"})
    changes = {
        e["attribute_name"]: e["meta"]
        for e in events_after(sg, after)
        if e["entity"]["id"] == created["id"]
    }
    assert changes["due_date"]["new_value"] == "2026-01-06"
    assert changes["duration"]["old_value"] == 2400
    assert changes["duration"]["new_value"] == 960


def test_create_logs_the_computed_duration(sg: Any, project: dict) -> None:
    after = last_event_id(sg)
    task(sg, project, start_date="2026-01-05", due_date="2026-01-06")
    rows = [e for e in events_after(sg, after) if e["attribute_name"] == "duration"]
    assert rows[0]["meta"]["new_value"] == 960 and rows[0]["meta"]["in_create"] is True


def test_due_before_start_is_refused_and_writes_nothing(sg: Any, project: dict) -> None:
    created = task(sg, project, start_date="2026-01-05", due_date="2026-01-06")
    with pytest.raises(Fault, match=r"due_date 2026-01-02 is before Task.start_date 2026-01-05"):
        sg.update("Task", created["id"], {"due_date": "2026-01-02"})
    assert schedule(sg, created["id"]) == ("2026-01-05", "2026-01-06", 960)


def test_milestone_is_one_day_without_duration(sg: Any, project: dict) -> None:
    created = task(sg, project, milestone=True, start_date="2026-01-07", duration=2400)
    assert schedule(sg, created["id"]) == ("2026-01-07", "2026-01-07", 0)
    sg.update("Task", created["id"], {"due_date": "2026-01-09"})
    assert schedule(sg, created["id"]) == ("2026-01-09", "2026-01-09", 0)


def test_milestone_with_two_different_dates_is_refused(sg: Any, project: dict) -> None:
    with pytest.raises(Fault, match="milestone"):
        task(sg, project, milestone=True, start_date="2026-01-07", due_date="2026-01-08")
    assert sg.find("Task", [["content", "is", "t"]]) == []


# -- calendars: holidays, project and person exceptions ---------------------------------------


def test_studio_holiday_is_not_a_working_day(sg: Any, project: dict) -> None:
    work_day(sg, "2026-01-07", False, "Holiday")
    created = task(sg, project, start_date="2026-01-05", due_date="2026-01-09")
    assert created["duration"] == 4 * DAY
    later = task(sg, project, start_date="2026-01-05", duration=5 * DAY)
    assert later["due_date"] == "2026-01-12"


def test_project_exception_only_changes_that_project(sg: Any, project: dict) -> None:
    other = sg.create("Project", {"name": "Other"})
    work_day(sg, "2026-01-08", False, project=project)
    # and a working Saturday for the other project
    work_day(sg, "2026-01-10", True, project=other)
    mine = task(sg, project, start_date="2026-01-05", due_date="2026-01-09")
    theirs = task(sg, other, start_date="2026-01-05", due_date="2026-01-11")
    assert mine["duration"] == 4 * DAY
    assert theirs["duration"] == 6 * DAY


def test_person_day_off_schedules_their_task(sg: Any, project: dict) -> None:
    person = sg.create("HumanUser", {"login": "ana", "name": "Ana Lee"})
    other = sg.create("HumanUser", {"login": "bo", "name": "Bo Lee"})
    work_day(sg, "2026-01-06", False, "Dentist", user=person)
    theirs = task(sg, project, task_assignees=[person], start_date="2026-01-05", duration=3 * DAY)
    assert theirs["due_date"] == "2026-01-08"  # Mon, (Tue off), Wed, Thu
    unassigned = task(sg, project, start_date="2026-01-05", duration=3 * DAY)
    assert unassigned["due_date"] == "2026-01-07"
    # assigning the person later and writing a date uses their calendar
    colleague = task(sg, project, task_assignees=[other], start_date="2026-01-05", duration=3 * DAY)
    assert colleague["due_date"] == "2026-01-07"
    moved = sg.update(
        "Task", colleague["id"], {"task_assignees": [person], "start_date": "2026-01-05"}
    )
    assert moved["due_date"] == "2026-01-08"


def test_person_exception_wins_over_the_project_holiday(sg: Any, project: dict) -> None:
    person = sg.create("HumanUser", {"login": "cy", "name": "Cy Lee"})
    work_day(sg, "2026-01-06", False, project=project)
    work_day(sg, "2026-01-06", True, user=person)
    assigned = task(
        sg, project, task_assignees=[person], start_date="2026-01-05", due_date="2026-01-06"
    )
    assert assigned["duration"] == 2 * DAY
    alone = task(sg, project, start_date="2026-01-05", due_date="2026-01-06")
    assert alone["duration"] == DAY


def test_batch_applies_the_same_rules(sg: Any, project: dict) -> None:
    results = sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "Task",
                "data": {
                    "project": project,
                    "content": f"b{n}",
                    "start_date": "2026-01-05",
                    "duration": n * DAY,
                },
            }
            for n in (1, 2, 6)
        ]
    )
    assert [r["due_date"] for r in results] == ["2026-01-05", "2026-01-06", "2026-01-12"]
    updated = sg.batch(
        [
            {
                "request_type": "update",
                "entity_type": "Task",
                "entity_id": results[0]["id"],
                "data": {"due_date": "2026-01-09"},
            }
        ]
    )
    assert updated[0]["duration"] == 5 * DAY


# -- a work schedule change recalculates the Tasks it touches ---------------------------------


def test_holiday_recalculates_duration_by_default(sg: Any, project: dict) -> None:
    created = task(sg, project, start_date="2026-01-05", due_date="2026-01-09")
    after = last_event_id(sg)
    work_day(sg, "2026-01-07", False, "Holiday")
    assert schedule(sg, created["id"]) == ("2026-01-05", "2026-01-09", 4 * DAY)
    rows = [e for e in events_after(sg, after) if e["attribute_name"] == "duration"]
    assert rows[0]["meta"]["old_value"] == 5 * DAY and rows[0]["meta"]["new_value"] == 4 * DAY


def test_holiday_can_move_due_dates_and_pushes_downstream(sg: Any, project: dict) -> None:
    created = task(sg, project, start_date="2026-01-05", due_date="2026-01-09")
    down = task(sg, project, duration=DAY, upstream_tasks=[{"type": "Task", "id": created["id"]}])
    assert schedule(sg, down["id"])[0] == "2026-01-12"
    untouched = task(sg, project, start_date="2026-01-12", due_date="2026-01-13")
    work_day(sg, "2026-01-07", False, "Holiday", recalculate_field="due_date")
    assert schedule(sg, created["id"]) == ("2026-01-05", "2026-01-12", 5 * DAY)
    assert schedule(sg, down["id"])[:2] == ("2026-01-13", "2026-01-13")
    assert schedule(sg, untouched["id"]) == ("2026-01-12", "2026-01-13", 2 * DAY)


def test_person_day_off_recalculates_only_their_tasks(sg: Any, project: dict) -> None:
    person = sg.create("HumanUser", {"login": "dee", "name": "Dee Lee"})
    theirs = task(
        sg, project, task_assignees=[person], start_date="2026-01-05", due_date="2026-01-09"
    )
    others = task(sg, project, start_date="2026-01-05", due_date="2026-01-09")
    work_day(sg, "2026-01-08", False, "Off", user=person)
    assert schedule(sg, theirs["id"])[2] == 4 * DAY
    assert schedule(sg, others["id"])[2] == 5 * DAY


def test_an_assignee_change_alone_recounts_the_duration(sg: Any, project: dict) -> None:
    # Ana is off Tue 6: her Mon 5 .. Fri 9 Task is four working days, not five; dates held
    person = sg.create("HumanUser", {"login": "eve", "name": "Eve Lee"})
    other = sg.create("HumanUser", {"login": "fay", "name": "Fay Lee"})
    work_day(sg, "2026-01-06", False, "Dentist", user=person)
    down = task(sg, project, start_date="2026-01-12", due_date="2026-01-12")
    created = task(sg, project, start_date="2026-01-05", due_date="2026-01-09")
    sg.update(
        "Task",
        down["id"],
        {"upstream_tasks": [{"type": "Task", "id": created["id"]}]},
    )
    after = last_event_id(sg)
    sg.update(
        "Task",
        created["id"],
        {"task_assignees": [person]},
        multi_entity_update_modes={"task_assignees": "add"},
    )
    assert schedule(sg, created["id"]) == ("2026-01-05", "2026-01-09", 4 * DAY)
    rows = [e for e in events_after(sg, after) if e["attribute_name"] == "duration"]
    assert [(e["meta"]["old_value"], e["meta"]["new_value"]) for e in rows] == [(5 * DAY, 4 * DAY)]
    # adding a colleague who works every day changes nothing; removing Ana gives five back
    sg.update(
        "Task",
        created["id"],
        {"task_assignees": [other]},
        multi_entity_update_modes={"task_assignees": "add"},
    )
    assert schedule(sg, created["id"])[2] == 4 * DAY
    sg.update(
        "Task",
        created["id"],
        {"task_assignees": [person]},
        multi_entity_update_modes={"task_assignees": "remove"},
    )
    assert schedule(sg, created["id"]) == ("2026-01-05", "2026-01-09", 5 * DAY)
    assert schedule(sg, down["id"])[:2] == ("2026-01-12", "2026-01-12")  # its dates never moved


def test_a_project_change_alone_recounts_the_duration(sg: Any, project: dict) -> None:
    other = sg.create("Project", {"name": "Holiday project"})
    work_day(sg, "2026-01-07", False, "Closed", project=other)
    created = task(sg, project, start_date="2026-01-05", due_date="2026-01-09")
    assert created["duration"] == 5 * DAY
    sg.update("Task", created["id"], {"project": other})
    assert schedule(sg, created["id"]) == ("2026-01-05", "2026-01-09", 4 * DAY)
    milestone = task(sg, project, start_date="2026-01-07", milestone=True)
    sg.update("Task", milestone["id"], {"project": other})
    assert schedule(sg, milestone["id"]) == ("2026-01-07", "2026-01-07", 0)
