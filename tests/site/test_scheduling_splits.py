"""Split Tasks: segments with gaps, against hand-computed calendars (shotgun_api3 cookbook
"Split Tasks"; its examples assume 10-hour days, this site's day is 8 hours).

December 2012: Mon 10 .. Fri 14, Mon 17 .. Fri 21.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.site.conftest import database_snapshot

from callsheet.faults import Fault

DAY = 480
FIELDS = ["start_date", "due_date", "duration", "splits"]


def split(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"start": start, "end": end} for start, end in pairs]


def read(sg: Any, task_id: int) -> tuple[Any, Any, Any, Any]:
    found = sg.find_one("Task", [["id", "is", task_id]], FIELDS)
    return found["start_date"], found["due_date"], found["duration"], found["splits"]


@pytest.fixture
def split_task(sg: Any, project: dict) -> int:
    """The cookbook's first example: the dates and duration sent with splits are ignored."""
    created = sg.create(
        "Task",
        {
            "project": project,
            "content": "split",
            "start_date": "2012-12-06",
            "due_date": "2012-12-23",
            "duration": 3600,
            "splits": split(("2012-12-11", "2012-12-12"), ("2012-12-18", "2012-12-19")),
        },
    )
    assert (created["start_date"], created["due_date"], created["duration"]) == (
        "2012-12-11",
        "2012-12-19",
        4 * DAY,
    )
    return int(created["id"])


def test_a_split_task_is_worked_only_in_its_segments(sg: Any, split_task: int) -> None:
    # moving the start moves every segment; the gap keeps its three working days (Thu, Fri, Mon)
    sg.update("Task", split_task, {"start_date": "2012-12-10"})
    assert read(sg, split_task) == (
        "2012-12-10",
        "2012-12-18",
        4 * DAY,
        split(("2012-12-10", "2012-12-11"), ("2012-12-17", "2012-12-18")),
    )
    # a later due date: the last segment ends on it
    sg.update("Task", split_task, {"due_date": "2012-12-19"})
    assert read(sg, split_task) == (
        "2012-12-10",
        "2012-12-19",
        5 * DAY,
        split(("2012-12-10", "2012-12-11"), ("2012-12-17", "2012-12-19")),
    )
    # a longer duration adds days to the end of the last segment
    sg.update("Task", split_task, {"duration": 7 * DAY})
    assert read(sg, split_task) == (
        "2012-12-10",
        "2012-12-21",
        7 * DAY,
        split(("2012-12-10", "2012-12-11"), ("2012-12-17", "2012-12-21")),
    )
    # a shorter one takes days from the latest segments first
    answer = sg.update("Task", split_task, {"duration": 3 * DAY})
    assert (answer["start_date"], answer["due_date"]) == ("2012-12-10", "2012-12-17")
    assert read(sg, split_task)[3] == split(
        ("2012-12-10", "2012-12-11"), ("2012-12-17", "2012-12-17")
    )


def test_a_due_date_in_a_gap_is_a_day_of_work(sg: Any, split_task: int) -> None:
    sg.update("Task", split_task, {"start_date": "2012-12-10"})  # 10..11, 17..18
    sg.update("Task", split_task, {"due_date": "2012-12-13"})
    assert read(sg, split_task) == (
        "2012-12-10",
        "2012-12-13",
        3 * DAY,
        split(("2012-12-10", "2012-12-11"), ("2012-12-13", "2012-12-13")),
    )


def test_removing_splits_keeps_the_dates_and_counts_the_duration(sg: Any, split_task: int) -> None:
    sg.update("Task", split_task, {"splits": None})
    assert read(sg, split_task) == ("2012-12-11", "2012-12-19", 7 * DAY, None)
    sg.update(
        "Task",
        split_task,
        {"splits": split(("2012-12-11", "2012-12-11"), ("2012-12-13", "2012-12-13"))},
    )
    sg.update("Task", split_task, {"splits": []})
    assert read(sg, split_task) == ("2012-12-11", "2012-12-13", 3 * DAY, None)


@pytest.mark.parametrize(
    "segments",
    [
        # the cookbook's refused example: 11 and 12 are consecutive days
        split(
            ("2012-12-10", "2012-12-11"), ("2012-12-12", "2012-12-14"), ("2012-12-19", "2012-12-20")
        ),
        # a weekend is not a gap
        split(("2012-12-12", "2012-12-14"), ("2012-12-17", "2012-12-18")),
    ],
)
def test_segments_without_a_working_day_between_are_refused(
    sg: Any, split_task: int, segments: list[dict[str, str]]
) -> None:
    before = database_snapshot(sg)
    with pytest.raises(Fault, match="only one calendar day away"):
        sg.update("Task", split_task, {"splits": segments})
    assert database_snapshot(sg) == before


def test_segments_out_of_order_are_refused(sg: Any, split_task: int) -> None:
    with pytest.raises(Fault, match="eldest to newest"):
        sg.update(
            "Task",
            split_task,
            {"splits": split(("2012-12-18", "2012-12-19"), ("2012-12-10", "2012-12-11"))},
        )
    with pytest.raises(Fault, match="segment 1"):
        sg.update("Task", split_task, {"splits": [{"start": "2012-12-18"}]})


def test_a_dependency_moves_a_split_task_whole(sg: Any, project: dict, split_task: int) -> None:
    up = sg.create(
        "Task",
        {"project": project, "content": "up", "start_date": "2012-12-10", "due_date": "2012-12-13"},
    )
    sg.update("Task", split_task, {"upstream_tasks": [up]})
    # it starts the working day after Thu 13; its two 2-day segments and 3-day gap are kept
    assert read(sg, split_task) == (
        "2012-12-14",
        "2012-12-24",
        4 * DAY,
        split(("2012-12-14", "2012-12-17"), ("2012-12-21", "2012-12-24")),
    )


def test_a_holiday_in_a_segment_shortens_the_split_task(sg: Any, split_task: int) -> None:
    from callsheet.site.actor import SYSTEM
    from callsheet.site.work_schedule import work_schedule_update

    work_schedule_update(sg.site, SYSTEM, "2012-12-12", False, "Holiday")
    assert read(sg, split_task)[:3] == ("2012-12-11", "2012-12-19", 3 * DAY)
    # in a gap it changes nothing: the Task is not worked that day
    work_schedule_update(sg.site, SYSTEM, "2012-12-14", False, "Holiday")
    assert read(sg, split_task)[:3] == ("2012-12-11", "2012-12-19", 3 * DAY)
    # recalculating due dates instead: the lost day is added to the end of the last segment
    work_schedule_update(
        sg.site, SYSTEM, "2012-12-18", False, "Holiday", recalculate_field="due_date"
    )
    assert read(sg, split_task) == (
        "2012-12-11",
        "2012-12-20",
        3 * DAY,
        split(("2012-12-11", "2012-12-12"), ("2012-12-18", "2012-12-20")),
    )


def test_no_splits_written_on_a_task_without_any(sg: Any, project: dict) -> None:
    created = sg.create(
        "Task",
        {
            "project": project,
            "content": "plain",
            "start_date": "2012-12-10",
            "due_date": "2012-12-14",
            "splits": None,
        },
    )
    assert created["duration"] == 5 * DAY
    sg.update("Task", created["id"], {"splits": [], "due_date": "2012-12-17"})
    assert read(sg, created["id"]) == ("2012-12-10", "2012-12-17", 6 * DAY, None)
    sg.update("Task", created["id"], {"duration": 2 * DAY, "splits": None})
    assert read(sg, created["id"]) == ("2012-12-10", "2012-12-11", 2 * DAY, None)
