"""Working days: the studio's week, studio, project and person exceptions, the day's length.

A day is worked Monday to Friday unless an exception says otherwise; exceptions apply from the
least to the most specific (studio, project, person), as `work_schedule_read` answers them. A Task
with people assigned is worked on the days every assigned person works (docs/scheduling.md).
Durations are minutes of working time, `hours_per_day` long each day [shotgun_api3 cookbook,
"Updating Task Dates"].
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from callsheet.faults import ValueFault

WORKING_WEEKDAYS = frozenset(range(5))  # Monday..Friday [sg-groundtruth 047]
# A calendar with no working day in this many days has none: the search stops with a Fault.
MAX_SEARCH_DAYS = 366 * 20
ONE_DAY = dt.timedelta(days=1)


class WorkCalendar:
    """The working days of one Task: its project's calendar and its assigned people's."""

    def __init__(
        self,
        minutes_per_day: int,
        studio: Mapping[dt.date, bool],
        project: Mapping[dt.date, bool],
        people: Sequence[Mapping[dt.date, bool]] = (),
    ) -> None:
        self.minutes_per_day = minutes_per_day
        self._studio, self._project, self._people = studio, project, list(people)
        self._known: dict[dt.date, bool] = {}

    def _scoped(self, day: dt.date, person: Mapping[dt.date, bool] | None) -> bool:
        for rules in (person or {}, self._project, self._studio):  # most specific first
            if day in rules:
                return rules[day]
        return day.weekday() in WORKING_WEEKDAYS

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
