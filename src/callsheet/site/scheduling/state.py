"""What the scheduling rules keep for one write transaction: calendars and the day's length."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from callsheet.site.scheduling.calendar import CalendarScope, WorkCalendar, week_from_text
from callsheet.store import bookkeeping
from callsheet.store import scheduling as store_scheduling
from callsheet.store.types import Connection

if TYPE_CHECKING:
    from callsheet.site.write_context import WriteContext

STUDIO = 0
MINUTES_PER_HOUR = 60


def minutes_per_day(conn: Connection) -> int:
    """The working day's length in minutes (the site's `hours_per_day` preference)."""
    from callsheet.site.preferences import hours_per_day  # site.preferences imports the Site

    return round(hours_per_day(conn) * MINUTES_PER_HOUR)


class SchedulingState:
    """Calendars of one transaction, loaded once per project and person."""

    def __init__(self, ctx: WriteContext) -> None:
        self.ctx = ctx
        self.minutes_per_day = minutes_per_day(ctx.conn)
        self._studio: CalendarScope | None = None
        self._projects: dict[int, CalendarScope] = {}
        self._people: dict[int, CalendarScope] = {}
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
        scopes = [(STUDIO, STUDIO)] if self._studio is None else []
        scopes += [(p, STUDIO) for p in projects] + [(STUDIO, u) for u in users]
        weeks = {
            scope: week_from_text(text)
            for scope, text in bookkeeping.work_weeks_of(self.ctx.conn, scopes).items()
        }
        exceptions: dict[tuple[int, int], dict[dt.date, bool]] = {scope: {} for scope in scopes}
        rows = store_scheduling.work_day_exceptions(self.ctx.conn, projects, users)
        for day, project_id, user_id, working in rows:
            if (project_id, user_id) in exceptions:
                exceptions[(project_id, user_id)][day] = working
        for scope in scopes:
            made = CalendarScope(exceptions[scope], weeks.get(scope))
            project_id, user_id = scope
            if scope == (STUDIO, STUDIO):
                self._studio = made
            elif user_id == STUDIO:
                self._projects[project_id] = made
            else:
                self._people[user_id] = made

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
                self._projects.get(project_id) if project_id else None,
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
