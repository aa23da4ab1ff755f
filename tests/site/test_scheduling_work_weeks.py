"""Working weeks (studio, project, person) and the working day's length, against hand-computed
calendars (docs/scheduling.md, "The calendar").

January 2026: Mon 5, Tue 6, Wed 7, Thu 8, Fri 9, Sat 10, Sun 11, Mon 12, Tue 13.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.site.conftest import events_after, last_event_id

from callsheet.faults import Fault
from callsheet.site.actor import SYSTEM
from callsheet.site.preferences import preferences_read
from callsheet.site.work_schedule import (
    work_schedule_read,
    work_schedule_update,
    work_week_update,
)

DAY = 480  # minutes in an 8-hour day, the default
SCHEDULE = ["start_date", "due_date", "duration"]


def week(sg: Any, days: list[str] | None, **scope: Any) -> dict[str, Any]:
    return work_week_update(sg.site, SYSTEM, days, **scope)


def task(sg: Any, project: dict, **data: Any) -> dict:
    return sg.create("Task", {"project": project, "content": "t", **data})


def schedule(sg: Any, task_id: int) -> tuple[Any, Any, Any]:
    found = sg.find_one("Task", [["id", "is", task_id]], SCHEDULE)
    return found["start_date"], found["due_date"], found["duration"]


def reasons(sg: Any, start: str, end: str, **scope: Any) -> dict[str, tuple[bool, str]]:
    answer = work_schedule_read(sg.site, SYSTEM, start, end, **scope)
    return {day: (rule["working"], rule["reason"]) for day, rule in answer.items()}


def test_a_four_day_studio_week(sg: Any, project: dict) -> None:
    answer = week(sg, ["mon", "tue", "wed", "thu"])
    assert answer["days"] == ["mon", "tue", "wed", "thu"]
    assert task(sg, project, start_date="2026-01-05", due_date="2026-01-09")["duration"] == 4 * DAY
    # Thu 8, (Fri, Sat, Sun off), Mon 12
    assert task(sg, project, start_date="2026-01-08", duration=2 * DAY)["due_date"] == "2026-01-12"
    read = reasons(sg, "2026-01-08", "2026-01-12")
    assert read == {
        "2026-01-08": (True, "STUDIO_WORK_WEEK"),
        "2026-01-09": (False, "STUDIO_WORK_WEEK"),
        "2026-01-10": (False, "STUDIO_WORK_WEEK"),
        "2026-01-11": (False, "STUDIO_WORK_WEEK"),
        "2026-01-12": (True, "STUDIO_WORK_WEEK"),
    }


def test_a_project_that_works_saturdays(sg: Any, project: dict) -> None:
    other = sg.create("Project", {"name": "Other"})
    week(sg, ["mon", "tue", "wed", "thu", "fri", "sat"], project=project)
    # Fri 9, Sat 10 in the project; Fri 9, Mon 12 elsewhere
    assert task(sg, project, start_date="2026-01-09", duration=2 * DAY)["due_date"] == "2026-01-10"
    assert task(sg, other, start_date="2026-01-09", duration=2 * DAY)["due_date"] == "2026-01-12"
    work_schedule_update(sg.site, SYSTEM, "2026-01-05", False, "Studio holiday")
    work_schedule_update(sg.site, SYSTEM, "2026-01-06", False, "Wrap party", project=project)
    read = reasons(sg, "2026-01-05", "2026-01-11", project=project)
    assert read == {
        "2026-01-05": (False, "STUDIO_EXCEPTION"),  # an exception over the project's week
        "2026-01-06": (False, "PROJECT_EXCEPTION"),
        "2026-01-07": (True, "PROJECT_WORK_WEEK"),
        "2026-01-08": (True, "PROJECT_WORK_WEEK"),
        "2026-01-09": (True, "PROJECT_WORK_WEEK"),
        "2026-01-10": (True, "PROJECT_WORK_WEEK"),
        "2026-01-11": (False, "PROJECT_WORK_WEEK"),
    }
    described = work_schedule_read(sg.site, SYSTEM, "2026-01-05", "2026-01-06", project=project)
    assert described["2026-01-05"]["description"] == "Studio holiday"
    assert described["2026-01-06"]["description"] == "Wrap party"
    # Mon 5 .. Sat 10 in the project: Wed, Thu, Fri, Sat
    dated = task(sg, project, start_date="2026-01-05", due_date="2026-01-10")
    assert dated["duration"] == 4 * DAY
    # the other project still follows the studio
    assert reasons(sg, "2026-01-10", "2026-01-10", project=other) == {
        "2026-01-10": (False, "STUDIO_WORK_WEEK")
    }


def test_a_person_with_another_week(sg: Any, project: dict) -> None:
    person = sg.create("HumanUser", {"login": "tue2sat", "name": "Tue Sat"})
    week(sg, ["mon", "tue", "wed", "thu", "fri", "sat"], project=project)
    week(sg, ["tue", "wed", "thu", "fri", "sat"], user=person)
    assigned = task(sg, project, task_assignees=[person], start_date="2026-01-10", duration=2 * DAY)
    assert assigned["due_date"] == "2026-01-13"  # Sat 10, (Sun, Mon off), Tue 13
    unassigned = task(sg, project, start_date="2026-01-10", duration=2 * DAY)
    assert unassigned["due_date"] == "2026-01-12"  # the project works Mondays
    work_schedule_update(sg.site, SYSTEM, "2026-01-07", False, "Dentist", user=person)
    read = reasons(sg, "2026-01-05", "2026-01-07", project=project, user=person)
    assert read == {
        "2026-01-05": (False, "USER_WORK_WEEK"),
        "2026-01-06": (True, "USER_WORK_WEEK"),
        "2026-01-07": (False, "USER_EXCEPTION"),
    }
    # a person's week alone (no project named) answers the same way
    assert reasons(sg, "2026-01-05", "2026-01-05", user=person) == {
        "2026-01-05": (False, "USER_WORK_WEEK")
    }
    # Tue 6 .. Sat 10 for the person: Tue, (Wed off), Thu, Fri, Sat
    span = task(
        sg,
        project,
        task_assignees=[person],
        start_date="2026-01-06",
        due_date="2026-01-10",
    )
    assert span["duration"] == 4 * DAY


def test_hours_per_day_ten(sg: Any, project: dict) -> None:
    before = task(sg, project, start_date="2026-01-05", due_date="2026-01-09")
    assert before["duration"] == 5 * DAY
    after = last_event_id(sg)
    answer = week(sg, None, hours_per_day=10)
    assert answer["hours_per_day"] == 10.0 and answer["days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert preferences_read(sg.site, SYSTEM, ["hours_per_day"]) == {"hours_per_day": 10.0}
    assert sg.preferences_read(["hours_per_day"]) == {"hours_per_day": 10.0}
    # stored durations and dates are kept (docs/scheduling.md), so no event row
    assert schedule(sg, before["id"]) == ("2026-01-05", "2026-01-09", 5 * DAY)
    assert events_after(sg, after) == []
    assert task(sg, project, start_date="2026-01-05", due_date="2026-01-09")["duration"] == 3000
    assert task(sg, project, start_date="2026-01-05", duration=1200)["due_date"] == "2026-01-06"
    # 21 hours: two days and one started day
    assert task(sg, project, start_date="2026-01-05", duration=1260)["due_date"] == "2026-01-07"
    assert task(sg, project, due_date="2026-01-09", duration=1800)["start_date"] == "2026-01-07"


def test_a_week_change_recalculates_durations_with_event_rows(sg: Any, project: dict) -> None:
    dated = task(sg, project, start_date="2026-01-05", due_date="2026-01-09")
    undated = task(sg, project, duration=2 * DAY)
    after = last_event_id(sg)
    week(sg, ["mon", "tue", "wed", "thu"])
    assert schedule(sg, dated["id"]) == ("2026-01-05", "2026-01-09", 4 * DAY)
    assert schedule(sg, undated["id"]) == (None, None, 2 * DAY)
    rows = events_after(sg, after)
    assert [(r["entity"]["id"], r["attribute_name"]) for r in rows] == [(dated["id"], "duration")]
    assert rows[0]["meta"]["old_value"] == 5 * DAY and rows[0]["meta"]["new_value"] == 4 * DAY
    # the same week again changes nothing
    again = last_event_id(sg)
    week(sg, ["Thursday", "wed", "TUE", "mon"])
    assert events_after(sg, again) == []


def test_a_week_change_can_move_due_dates_and_push_downstream(sg: Any, project: dict) -> None:
    up = task(sg, project, start_date="2026-01-05", duration=5 * DAY)
    down = task(sg, project, duration=DAY, upstream_tasks=[{"type": "Task", "id": up["id"]}])
    assert schedule(sg, down["id"])[:2] == ("2026-01-12", "2026-01-12")
    week(sg, ["mon", "tue", "wed", "thu"], recalculate_field="due_date")
    assert schedule(sg, up["id"]) == ("2026-01-05", "2026-01-12", 5 * DAY)  # Mon..Thu, Mon
    assert schedule(sg, down["id"])[:2] == ("2026-01-13", "2026-01-13")


def test_project_and_person_weeks_recalculate_only_their_tasks(sg: Any, project: dict) -> None:
    other = sg.create("Project", {"name": "Elsewhere"})
    person = sg.create("HumanUser", {"login": "wk", "name": "W K"})
    mine = task(sg, project, start_date="2026-01-05", due_date="2026-01-10")
    theirs = task(sg, other, start_date="2026-01-05", due_date="2026-01-10")
    assigned = task(
        sg, other, task_assignees=[person], start_date="2026-01-05", due_date="2026-01-10"
    )
    week(sg, ["mon", "tue", "wed", "thu", "fri", "sat"], project=project)
    assert schedule(sg, mine["id"])[2] == 6 * DAY
    assert schedule(sg, theirs["id"])[2] == 5 * DAY
    week(sg, ["mon", "wed", "fri"], user=person)
    assert schedule(sg, assigned["id"])[2] == 3 * DAY
    assert schedule(sg, theirs["id"])[2] == 5 * DAY
    # without days the project follows the studio's week again
    assert week(sg, None, project=project)["days"] is None
    assert schedule(sg, mine["id"])[2] == 5 * DAY
    assert reasons(sg, "2026-01-10", "2026-01-10", project=project) == {
        "2026-01-10": (False, "STUDIO_WORK_WEEK")
    }


@pytest.mark.parametrize(
    ("days", "scope", "message"),
    [
        ([], {}, "at least one working day"),
        (["mon", "funday"], {}, "Unknown weekday 'funday'"),
        (["monkey"], {}, "Unknown weekday 'monkey'"),
        ("mon", {}, "list of weekday names"),
        (["mon"], {"hours_per_day": 0}, "more than 0"),
        (["mon"], {"hours_per_day": "8"}, "must be a number"),
    ],
)
def test_bad_weeks_are_refused(
    sg: Any, project: dict, days: Any, scope: dict, message: str
) -> None:
    with pytest.raises(Fault, match=message):
        week(sg, days, **scope)
    assert work_schedule_read(sg.site, SYSTEM, "2026-01-09", "2026-01-09")["2026-01-09"]["working"]


def test_hours_per_day_is_the_studio_s(sg: Any, project: dict) -> None:
    with pytest.raises(Fault, match="site preference"):
        week(sg, ["mon"], project=project, hours_per_day=6)
    assert sg.preferences_read(["hours_per_day"]) == {"hours_per_day": 8.0}


def test_who_may_change_a_working_week(sg: Any, project: dict) -> None:
    from tests.site.roles import manager_role, role

    from callsheet.faults import PermissionFault
    from callsheet.site.actor import Actor

    artist = sg.create(
        "HumanUser",
        {"login": "art", "name": "Art Ist", "permission_rule_set": role(sg, "artist")},
    )
    manager = sg.create(
        "HumanUser",
        {"login": "man", "name": "Man Ager", "permission_rule_set": manager_role(sg)},
    )
    as_artist = Actor("HumanUser", artist["id"], "Art Ist")
    as_manager = Actor("HumanUser", manager["id"], "Man Ager")
    # a person sets their own week; not another's, a project's or the studio's
    work_week_update(sg.site, as_artist, ["sat", "sun"], user=artist)
    assert reasons(sg, "2026-01-10", "2026-01-10", user=artist) == {
        "2026-01-10": (True, "USER_WORK_WEEK")
    }
    for scope in ({"user": manager}, {"project": project}, {}):
        with pytest.raises(PermissionFault):
            work_week_update(sg.site, as_artist, ["mon"], **scope)
    # a manager sets a project's week, not the studio's or its day length
    work_week_update(sg.site, as_manager, ["mon", "tue"], project=project)
    with pytest.raises(PermissionFault):
        work_week_update(sg.site, as_manager, ["mon"])
    with pytest.raises(PermissionFault):
        work_week_update(sg.site, as_manager, None, hours_per_day=9)
    assert sg.preferences_read(["hours_per_day"]) == {"hours_per_day": 8.0}
    assert reasons(sg, "2026-01-09", "2026-01-09") == {"2026-01-09": (True, "STUDIO_WORK_WEEK")}
