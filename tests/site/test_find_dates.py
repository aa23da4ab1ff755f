"""find() relative date filters: in_last / not_in_last / in_next / not_in_next with every unit, and
in_calendar_day/week/month/year, on date and date_time fields (reference/data-model.md §3.2).

Rows sit well inside or outside each window (30 minutes or a day away from a boundary), so the
tests do not depend on when they run. Calendar buckets are UTC-aligned, weeks start on Monday.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import pytest
from read_sites import DIALECTS, code_set, site_copy

from callsheet.faults import Fault

DAY_OFFSETS = [-400, -40, -10, -7, -1, 0, 1, 7, 10, 40, 400]
HOUR_OFFSETS = [-9600.0, -960.0, -240.0, -30.0, -2.0, -0.5, 0.5, 2.0, 30.0, 240.0, 960.0, 9600.0]


def day_name(offset: int) -> str:
    return f"d{offset:+d}"


def hour_name(offset: float) -> str:
    return f"h{offset:+g}"


@pytest.fixture(scope="module", params=DIALECTS)
def tasks(request: pytest.FixtureRequest) -> Any:
    """(sg, date_time field, today, now): Tasks named by their offset from today / now (UTC)."""
    with site_copy(request, request.param) as sg:
        when = sg.schema_field_create("Task", "date_time", "When")
        project = sg.create("Project", {"name": "Dates"})
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        today = now.date()
        batch = [
            {
                "request_type": "create",
                "entity_type": "Task",
                "data": {
                    "content": day_name(o),
                    "project": project,
                    "due_date": today + dt.timedelta(days=o),
                },
            }
            for o in DAY_OFFSETS
        ]
        batch += [
            {
                "request_type": "create",
                "entity_type": "Task",
                "data": {
                    "content": hour_name(o),
                    "project": project,
                    when: now + dt.timedelta(hours=o),
                },
            }
            for o in HOUR_OFFSETS
        ]
        batch.append(
            {
                "request_type": "create",
                "entity_type": "Task",
                "data": {"content": "empty", "project": project},
            }
        )
        sg.batch(batch)
        yield sg, when, today, now


def matching(sg: Any, field: str, operator: str, *values: Any) -> set[str]:
    return code_set(sg.find("Task", [[field, operator, *values]], ["content"]), "content")


# Every Task: the date rows leave the date_time empty and the other way round, so a negative
# operator on one field also matches all rows of the other kind.
ALL_ROWS = {day_name(o) for o in DAY_OFFSETS} | {hour_name(o) for o in HOUR_OFFSETS} | {"empty"}


@pytest.mark.parametrize(
    ("unit", "inside"),
    [
        ("DAY", [-1, 0]),
        ("WEEK", [-7, -1, 0]),
        ("MONTH", [-10, -7, -1, 0]),
        ("YEAR", [-40, -10, -7, -1, 0]),
    ],
)
def test_find_date_in_last_includes_today_and_not_in_last_includes_empty(
    tasks: Any, unit: str, inside: list[int]
) -> None:
    sg, _, _, _ = tasks
    expected = {day_name(o) for o in inside}
    assert matching(sg, "due_date", "in_last", 1, unit) == expected
    assert matching(sg, "due_date", "in_last", [1, unit]) == expected
    assert matching(sg, "due_date", "not_in_last", 1, unit) == ALL_ROWS - expected


@pytest.mark.parametrize(
    ("unit", "inside"),
    [
        ("DAY", [0, 1]),
        ("WEEK", [0, 1, 7]),
        ("MONTH", [0, 1, 7, 10]),
        ("YEAR", [0, 1, 7, 10, 40]),
    ],
)
def test_find_date_in_next_includes_today_and_not_in_next_includes_empty(
    tasks: Any, unit: str, inside: list[int]
) -> None:
    sg, _, _, _ = tasks
    expected = {day_name(o) for o in inside}
    assert matching(sg, "due_date", "in_next", 1, unit) == expected
    assert matching(sg, "due_date", "not_in_next", 1, unit) == ALL_ROWS - expected


def test_find_date_in_last_hours_collapses_to_whole_days(tasks: Any) -> None:
    sg, _, _, _ = tasks
    result = matching(sg, "due_date", "in_last", 2, "HOUR")
    assert "d+0" in result
    assert result <= {"d+0", "d-1"}


@pytest.mark.parametrize(
    ("unit", "inside"),
    [
        ("HOUR", [-0.5]),
        ("DAY", [-2.0, -0.5]),
        ("WEEK", [-30.0, -2.0, -0.5]),
        ("MONTH", [-240.0, -30.0, -2.0, -0.5]),
        ("YEAR", [-960.0, -240.0, -30.0, -2.0, -0.5]),
    ],
)
def test_find_date_time_in_last_counts_back_from_now(
    tasks: Any, unit: str, inside: list[float]
) -> None:
    sg, when, _, _ = tasks
    expected = {hour_name(o) for o in inside}
    assert matching(sg, when, "in_last", 1, unit) == expected
    assert matching(sg, when, "not_in_last", 1, unit) == ALL_ROWS - expected


@pytest.mark.parametrize(
    ("unit", "inside"),
    [
        ("HOUR", [0.5]),
        ("DAY", [0.5, 2.0]),
        ("WEEK", [0.5, 2.0, 30.0]),
        ("MONTH", [0.5, 2.0, 30.0, 240.0]),
        ("YEAR", [0.5, 2.0, 30.0, 240.0, 960.0]),
    ],
)
def test_find_date_time_in_next_counts_forward_from_now(
    tasks: Any, unit: str, inside: list[float]
) -> None:
    sg, when, _, _ = tasks
    expected = {hour_name(o) for o in inside}
    assert matching(sg, when, "in_next", 1, unit) == expected
    assert matching(sg, when, "not_in_next", 1, unit) == ALL_ROWS - expected


def _bucket(unit: str, today: dt.date, offset: int) -> tuple[dt.date, dt.date]:
    """[start, end) of the UTC calendar bucket `offset` buckets from the one holding today."""
    if unit == "day":
        start = today + dt.timedelta(days=offset)
        return start, start + dt.timedelta(days=1)
    if unit == "week":
        start = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=offset)
        return start, start + dt.timedelta(weeks=1)
    if unit == "month":
        index = today.year * 12 + today.month - 1 + offset
        start = dt.date(index // 12, index % 12 + 1, 1)
        days = calendar.monthrange(start.year, start.month)[1]
        return start, start + dt.timedelta(days=days)
    start = dt.date(today.year + offset, 1, 1)
    return start, dt.date(start.year + 1, 1, 1)


@pytest.mark.parametrize("unit", ["day", "week", "month", "year"])
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_find_date_in_calendar_bucket_matches_dates_inside_it(
    tasks: Any, unit: str, offset: int
) -> None:
    sg, _, today, _ = tasks
    start, end = _bucket(unit, today, offset)
    expected = {day_name(o) for o in DAY_OFFSETS if start <= today + dt.timedelta(days=o) < end}
    assert matching(sg, "due_date", f"in_calendar_{unit}", offset) == expected


@pytest.mark.parametrize("unit", ["day", "week", "month", "year"])
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_find_date_time_in_calendar_bucket_matches_moments_inside_it(
    tasks: Any, unit: str, offset: int
) -> None:
    sg, when, _, now = tasks
    start, end = _bucket(unit, now.date(), offset)
    expected = {
        hour_name(o) for o in HOUR_OFFSETS if start <= (now + dt.timedelta(hours=o)).date() < end
    }
    assert matching(sg, when, f"in_calendar_{unit}", offset) == expected


def test_find_date_time_is_matches_the_exact_second(tasks: Any) -> None:
    sg, when, _, now = tasks
    moment = now + dt.timedelta(hours=2)
    assert matching(sg, when, "is", moment) == {"h+2"}
    assert matching(sg, when, "greater_than", moment) == {"h+30", "h+240", "h+960", "h+9600"}
    assert matching(sg, when, "is", None) == {day_name(o) for o in DAY_OFFSETS} | {"empty"}


@pytest.mark.parametrize(
    "values",
    [[1, "day"], [1], ["1", "DAY"], [1, "FORTNIGHT"], [1, "DAY", 2]],
)
def test_find_in_last_with_bad_arguments_is_fault_naming_units(tasks: Any, values: list) -> None:
    sg, _, _, _ = tasks
    with pytest.raises(Fault, match=r"Task\.due_date 'in_last' expects \[count, unit\]"):
        sg.find("Task", [["due_date", "in_last", *values]])


def test_find_in_calendar_with_text_offset_is_fault(tasks: Any) -> None:
    sg, _, _, _ = tasks
    with pytest.raises(Fault, match="integer offset"):
        sg.find("Task", [["due_date", "in_calendar_month", "0"]])


def test_find_relative_operator_on_number_is_fault(tasks: Any) -> None:
    sg, _, _, _ = tasks
    with pytest.raises(Fault, match="'in_last'"):
        sg.find("Task", [["duration", "in_last", 1, "DAY"]])
