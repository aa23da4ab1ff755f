"""Working days: the studio's, a project's and a person's working weeks and exceptions, and the
day's length.

ShotGrid has three kinds of work schedule, the studio default, a project's and a person's, each
a normal work week plus exceptions (ShotGrid help, "Work schedules"; the six `reason` codes of
shotgun_api3 `work_schedule_read`). A day is decided by `day_rule`: an exception first, the most
specific one (person, project, studio), then the most specific working week a scope has (person,
project, studio; the studio's is Monday to Friday until an admin changes it [sg-groundtruth
047]). So a studio holiday is off for a project that works Saturdays, and a person's day off is
off whatever their project says. Exceptions over weeks is Callsheet's reading of ShotGrid's help
(a project's schedule may override the default one; exceptions mark single days); ShotGrid does
not document the order between a studio exception and a project's week.

A Task with people assigned is worked on the days every assigned person works
(docs/scheduling.md). Durations are minutes of working time, `hours_per_day` long each day
[shotgun_api3 cookbook, "Updating Task Dates"].
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from callsheet.faults import ValueFault

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
DEFAULT_STUDIO_WEEK = frozenset(range(5))  # Monday..Friday [sg-groundtruth 047]
# A calendar with no working day in this many days has none: the search stops with a Fault.
MAX_SEARCH_DAYS = 366 * 20
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class CalendarScope:
    """One work schedule: the studio's, a project's or a person's."""

    exceptions: Mapping[dt.date, bool] = field(default_factory=dict)
    week: frozenset[int] | None = None  # worked weekdays (0 = Monday); None: the studio's


def week_from_text(weekdays: str) -> frozenset[int]:
    """The weekdays of a stored week ("1111100", Monday first)."""
    return frozenset(i for i, flag in enumerate(weekdays) if flag == "1")


def week_to_text(week: frozenset[int]) -> str:
    """The stored form of a week ("1111100", Monday first)."""
    return "".join("1" if i in week else "0" for i in range(7))


def day_rule(
    day: dt.date,
    studio: CalendarScope,
    project: CalendarScope | None = None,
    person: CalendarScope | None = None,
) -> tuple[bool, str]:
    """Whether `day` is worked and the `work_schedule_read` reason that decides it."""
    for scope, reason in (
        (person, "USER_EXCEPTION"),
        (project, "PROJECT_EXCEPTION"),
        (studio, "STUDIO_EXCEPTION"),
    ):
        if scope is not None and day in scope.exceptions:
            return scope.exceptions[day], reason
    for scope, reason in ((person, "USER_WORK_WEEK"), (project, "PROJECT_WORK_WEEK")):
        if scope is not None and scope.week is not None:
            return day.weekday() in scope.week, reason
    week = DEFAULT_STUDIO_WEEK if studio.week is None else studio.week
    return day.weekday() in week, "STUDIO_WORK_WEEK"


class WorkCalendar:
    """The working days of one Task: its project's calendar and its assigned people's."""

    def __init__(
        self,
        minutes_per_day: int,
        studio: CalendarScope,
        project: CalendarScope | None = None,
        people: Sequence[CalendarScope] = (),
    ) -> None:
        self.minutes_per_day = minutes_per_day
        self._studio, self._project, self._people = studio, project, list(people)
        self._known: dict[dt.date, bool] = {}

    def _scoped(self, day: dt.date, person: CalendarScope | None) -> bool:
        return day_rule(day, self._studio, self._project, person)[0]

    def is_working(self, day: dt.date) -> bool:
        known = self._known.get(day)
        if known is None:
            if self._people:
                known = all(self._scoped(day, person) for person in self._people)
            else:
                known = self._scoped(day, None)
            self._known[day] = known
        return known

    def days_for(self, minutes: int) -> int:
        """Working days a duration covers (a started day counts whole)."""
        if minutes <= 0:
            return 0
        return math.ceil(minutes / self.minutes_per_day)

    def working_days(self, start: dt.date, due: dt.date) -> int:
        """Working days from start to due, both included."""
        if due < start:
            raise ValueFault(
                f"Task.due_date {due.isoformat()} is before Task.start_date {start.isoformat()}."
            )
        count, day = 0, start
        while day <= due:
            count += self.is_working(day)
            day += ONE_DAY
        return count

    def span_minutes(self, start: dt.date, due: dt.date) -> int:
        """The duration (minutes of working time) of a Task from start to due."""
        return self.working_days(start, due) * self.minutes_per_day

    def _walk(self, day: dt.date, days: int, step: dt.timedelta) -> dt.date:
        """The `days`-th working day counted from `day` (included) in the direction of `step`."""
        if days <= 0:
            return day
        seen = 0
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_working(day):
                seen += 1
                if seen == days:
                    return day
            day += step
        raise ValueFault(
            f"The work schedule has no working day within {MAX_SEARCH_DAYS} days of {day}."
        )

    def end_for(self, start: dt.date, minutes: int) -> dt.date:
        """The due date of a Task starting on `start` that lasts `minutes` of working time."""
        return self._walk(start, self.days_for(minutes), ONE_DAY)

    def start_for(self, due: dt.date, minutes: int) -> dt.date:
        """The start date of a Task due on `due` that lasts `minutes` of working time."""
        return self._walk(due, self.days_for(minutes), -ONE_DAY)

    def shift(self, day: dt.date, working_days: int) -> dt.date:
        """The working day `working_days` after `day` (before it when negative; `day` for 0)."""
        if working_days == 0:
            return day
        step = ONE_DAY if working_days > 0 else -ONE_DAY
        return self._walk(day + step, abs(working_days), step)
