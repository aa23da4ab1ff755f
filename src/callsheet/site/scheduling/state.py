"""What the scheduling rules keep for one write transaction: calendars and the day's length."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from callsheet.site.scheduling.calendar import WorkCalendar
from callsheet.store import scheduling as store_scheduling

if TYPE_CHECKING:
    from callsheet.site.write_context import WriteContext

STUDIO = 0
MINUTES_PER_HOUR = 60


def minutes_per_day() -> int:
    """The working day's length in minutes (the site's `hours_per_day` preference)."""
    from callsheet.site.preferences import PREFERENCES  # site.preferences imports the Site

    return round(float(PREFERENCES["hours_per_day"]) * MINUTES_PER_HOUR)


class SchedulingState:
    """Calendars of one transaction, loaded once per project and person."""

    def __init__(self, ctx: WriteContext) -> None:
        self.ctx = ctx
        self.minutes_per_day = minutes_per_day()
        self._studio: dict[dt.date, bool] | None = None
        self._projects: dict[int, dict[dt.date, bool]] = {}
        self._people: dict[int, dict[dt.date, bool]] = {}
        self._calendars: dict[tuple[int | None, tuple[int, ...]], WorkCalendar] = {}
        # While a template is applied: the Tasks to reconsider once, at its end (a Reschedule).
        self.deferred: Any = None
        # (down, up) edges copied between Tasks the same template apply made: no loop check.
        self.trusted_edges: set[tuple[int, int]] = set()
        # TaskTemplate id -> its tasks as read once (templates.Template); a Task or dependency
        # written outside a template apply drops them.
        self.templates: dict[int, Any] = {}

    def _load(self, project_ids: Iterable[int], user_ids: Iterable[int]) -> None:
        projects = {p for p in project_ids if p not in self._projects}
        users = {u for u in user_ids if u not in self._people}
        if self._studio is not None and not projects and not users:
            return
        rows = store_scheduling.work_day_exceptions(self.ctx.conn, projects, users)
        if self._studio is None:
            self._studio = {}
        for project_id in projects:
            self._projects[project_id] = {}
        for user_id in users:
            self._people[user_id] = {}
        for day, project_id, user_id, working in rows:
            if project_id == STUDIO and user_id == STUDIO:
                self._studio[day] = working
            elif user_id == STUDIO and project_id in projects:
                self._projects[project_id][day] = working
            elif project_id == STUDIO and user_id in users:
                self._people[user_id][day] = working

    def calendar(self, project_id: int | None, user_ids: Iterable[int] = ()) -> WorkCalendar:
        """The calendar of a Task in `project_id` assigned to the HumanUsers `user_ids`."""
        people = tuple(sorted(set(user_ids)))
        key = (project_id, people)
        found = self._calendars.get(key)
        if found is None:
            self._load([project_id] if project_id else [], people)
            assert self._studio is not None
            found = WorkCalendar(
                self.minutes_per_day,
                self._studio,
                self._projects.get(project_id, {}) if project_id else {},
                [self._people[p] for p in people],
            )
            self._calendars[key] = found
        return found


def state_of(ctx: WriteContext) -> SchedulingState:
    """The transaction's scheduling state, made on first use."""
    if ctx.scheduling is None:
        ctx.scheduling = SchedulingState(ctx)
    state: SchedulingState = ctx.scheduling
    return state
