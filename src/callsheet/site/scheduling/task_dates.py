"""Start, due and duration of a Task as one triple, the way ShotGrid recomputes it on a write.

The rules are those of the shotgun_api3 cookbook, "Updating Task Dates: How Flow Production
Tracking Thinks" (docs/cookbook/tasks/updating_tasks.rst), table in docs/scheduling.md:
milestone first, then start_date, then due_date; start + due give the duration (a sent duration
is ignored); a date written alone moves the due date when there is a duration, else recomputes it;
a null date holds the other two [sg-groundtruth 093, 097].
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from callsheet.faults import ValueFault
from callsheet.site.scheduling.calendar import WorkCalendar

SCHEDULE_FIELDS = ("milestone", "start_date", "due_date", "duration")


@dataclass(frozen=True)
class Schedule:
    """A Task's start, due, duration (minutes) and milestone flag."""

    start: dt.date | None
    due: dt.date | None
    duration: int | None
    milestone: bool = False


def _span(calendar: WorkCalendar, start: dt.date, due: dt.date) -> int:
    return calendar.span_minutes(start, due)


def _milestone(old: Schedule, written: dict[str, Any]) -> Schedule:
    """A milestone is one day long: due = start, duration 0; a sent duration is ignored."""
    start, due = old.start, old.due
    if "start_date" in written and "due_date" in written:
        start, due = written["start_date"], written["due_date"]
        if start is not None and due is not None and start != due:
            raise ValueFault(
                f"Task is a milestone: start_date {start.isoformat()} and due_date "
                f"{due.isoformat()} must be the same day."
            )
        start = start or due
        due = due or start
    elif "start_date" in written:
        start = due = written["start_date"]
    elif "due_date" in written:
        start = due = written["due_date"]
    elif start is not None or due is not None:  # turned into a milestone: keep its first day
        start = due = start or due
    return Schedule(start, due, 0, True)  # a milestone reads duration 0 [sg-groundtruth 083]


def apply_written(old: Schedule, written: dict[str, Any], calendar: WorkCalendar) -> Schedule:
    """The Task's schedule after writing the `written` schedule fields (stored values)."""
    milestone = bool(written["milestone"]) if "milestone" in written else old.milestone
    if milestone:
        return _milestone(old, written)
    start, due, duration = old.start, old.due, old.duration
    if "start_date" in written and "due_date" in written:
        start, due = written["start_date"], written["due_date"]
        if "duration" in written and (start is None or due is None):
            duration = written["duration"]
        if start is not None and due is not None:
            duration = _span(calendar, start, due)
    elif "start_date" in written:
        start = written["start_date"]
        if "duration" in written:
            duration = written["duration"]
        if start is not None:
            if duration is not None:
                due = calendar.end_for(start, duration)
            elif due is not None:
                duration = _span(calendar, start, due)
    elif "due_date" in written:
        if "duration" in written:  # duration first, then the due date [cookbook]
            duration = written["duration"]
            if start is not None and duration is not None:
                due = calendar.end_for(start, duration)
        due = written["due_date"]
        if due is not None:
            if start is not None:
                duration = _span(calendar, start, due)
            elif duration is not None:
                start = calendar.start_for(due, duration)
    elif "duration" in written:
        duration = written["duration"]
        if duration is not None:
            if start is not None:
                due = calendar.end_for(start, duration)
            elif due is not None:
                start = calendar.start_for(due, duration)
    return Schedule(start, due, duration, False)


def recalendar(old: Schedule, calendar: WorkCalendar) -> Schedule:
    """The Task's schedule on another calendar (a new project or new assignees): its dates
    held, its working time counted again; a milestone or an undated Task is unchanged."""
    if old.milestone or old.start is None or old.due is None or old.due < old.start:
        return old
    return replace(old, duration=_span(calendar, old.start, old.due))


def with_dates(schedule: Schedule, start: dt.date | None, due: dt.date | None) -> Schedule:
    return replace(schedule, start=start, due=due)
