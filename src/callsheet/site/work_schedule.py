"""Work days: working weeks and exceptions for the studio, a project or a person, and the
working day's length.

`work_schedule_read` answers each day with the rule that decides it and its `reason`
(site/scheduling/calendar.py `day_rule` says which); `work_schedule_update` stores an exception
and echoes exactly `date, description, project, user, working` (reference §3.6). The API has no
call for a working week or the day's length: `work_week_update` (the `callsheet schedule week`
command and Admin > Schedule) sets them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from callsheet.faults import PermissionFault, ValueFault
from callsheet.site.actor import Actor
from callsheet.site.following import live_entity
from callsheet.site.scheduling.calendar import (
    DEFAULT_STUDIO_WEEK,
    WEEKDAY_NAMES,
    CalendarScope,
    day_rule,
    week_from_text,
    week_to_text,
)
from callsheet.site.scheduling.recalculation import recalculate
from callsheet.site.site import Site
from callsheet.store import bookkeeping

STUDIO = 0
MAX_DAYS = 366 * 5
MAX_HOURS_PER_DAY = 24
FULL_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Which stored exception an exception reason comes from: (project?, user?).
EXCEPTION_SCOPES = {
    "STUDIO_EXCEPTION": (False, False),
    "PROJECT_EXCEPTION": (True, False),
    "USER_EXCEPTION": (False, True),
}


def _day(value: Any, what: str) -> dt.date:
    if not isinstance(value, str):
        raise ValueFault(f"{what} must be a 'YYYY-MM-DD' string, got {value!r}.")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueFault(f"{what} must be a 'YYYY-MM-DD' string, got {value!r}.") from None


def _link(site: Site, value: Any, entity_type: str, what: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") != entity_type:
        raise ValueFault(f"{what} must be a {entity_type} entity dict, got {value!r}.")
    found = live_entity(site, value, what, ["name"])
    return {"type": entity_type, "id": found["id"], "name": found.get("name")}


def work_schedule_read(
    site: Site, actor: Actor, start_date: Any, end_date: Any, project: Any = None, user: Any = None
) -> dict[str, dict[str, Any]]:
    """Each day from start to end: whether it is worked, why, and the exception's description."""
    start, end = _day(start_date, "start_date"), _day(end_date, "end_date")
    if start > end:
        raise ValueFault(f"start_date {start_date} is after end_date {end_date}.")
    if (end - start).days > MAX_DAYS:
        raise ValueFault(f"A work schedule covers at most {MAX_DAYS} days.")
    project_link = _link(site, project, "Project", "project")
    user_link = _link(site, user, "HumanUser", "user")
    project_id: int = project_link["id"] if project_link else STUDIO
    user_id: int = user_link["id"] if user_link else STUDIO
    rows = bookkeeping.work_day_exceptions(site.store, start.isoformat(), end.isoformat())
    exceptions = {(r.day, r.project_id, r.user_id): r for r in rows}
    wanted = [(STUDIO, STUDIO)]
    wanted += [(project_id, STUDIO)] if project_id else []
    wanted += [(STUDIO, user_id)] if user_id else []
    with site.store.read() as conn:
        weeks = bookkeeping.work_weeks_of(conn, wanted)

    def scope(key: tuple[int, int]) -> CalendarScope:
        days = {
            dt.date.fromisoformat(r.day): r.working
            for r in rows
            if (r.project_id, r.user_id) == key
        }
        week = weeks.get(key)
        return CalendarScope(days, None if week is None else week_from_text(week))

    studio = scope((STUDIO, STUDIO))
    project_scope = scope((project_id, STUDIO)) if project_id else None
    person_scope = scope((STUDIO, user_id)) if user_id else None
    schedule = {}
    day = start
    while day <= end:
        key = day.isoformat()
        working, reason = day_rule(day, studio, project_scope, person_scope)
        description = None
        if reason in EXCEPTION_SCOPES:
            by_project, by_user = EXCEPTION_SCOPES[reason]
            rule = exceptions[
                (key, project_id if by_project else STUDIO, user_id if by_user else STUDIO)
            ]
            description = rule.description
        schedule[key] = {"description": description, "reason": reason, "working": working}
        day += dt.timedelta(days=1)
    return schedule


def work_schedule_update(
    site: Site,
    actor: Actor,
    date: Any,
    working: Any,
    description: Any = None,
    project: Any = None,
    user: Any = None,
    recalculate_field: Any = None,
) -> dict[str, Any]:
    """Set one day's exception for the studio, a project or a person; echoes the rule."""
    day = _day(date, "date")
    if not isinstance(working, bool):
        raise ValueFault(f"working must be true or false, got {working!r}.")
    if description is not None and not isinstance(description, str):
        raise ValueFault(f"description must be a string, got {description!r}.")
    if recalculate_field not in (None, "due_date", "duration"):
        raise ValueFault(
            f"recalculate_field must be 'due_date' or 'duration', got {recalculate_field!r}."
        )
    project_link = _link(site, project, "Project", "project")
    user_link = _link(site, user, "HumanUser", "user")
    if project_link and user_link:
        raise ValueFault("A work day exception is for a project or a person, not both.")
    permissions = _may_change_schedule(site, actor, user_link)
    project_id = project_link["id"] if project_link else STUDIO
    user_id = user_link["id"] if user_link else STUDIO
    # The rule and the Tasks it reschedules (site/scheduling/recalculation.py), one transaction.
    with site.writing(actor, permissions=permissions) as ctx:
        rule = bookkeeping.WorkDayException(
            day.isoformat(), project_id, user_id, working, description
        )
        bookkeeping.set_work_day_exception(ctx.conn, rule)
        recalculate(ctx, day, project_id, user_id, recalculate_field)
    return {
        "date": day.isoformat(),
        "description": description,
        "project": project_link,
        "user": user_link,
        "working": working,
    }


def _may_change_schedule(site: Site, actor: Actor, user_link: dict[str, Any] | None) -> Any:
    """The actor's permissions, when they may change this work schedule (else a Fault)."""
    own = user_link is not None and (actor.entity_type, actor.id) == ("HumanUser", user_link["id"])
    permissions = site.permissions_for(actor)
    if not own and not permissions.may("Project", "update"):
        # a person may set their own days off; studio and project calendars are for managers
        raise PermissionFault(
            "The work schedule can not be changed by this user. "
            f"Rule: {permissions.role_name} -- DENY update_entity Project"
        )
    return permissions


def _weekday(name: str) -> int | None:
    """0 for "mon" or "Monday", ... 6 for "sun"; None for anything else."""
    name = name.strip().lower()
    for index, short in enumerate(WEEKDAY_NAMES):
        if name == short or name == FULL_WEEKDAY_NAMES[index]:
            return index
    return None


def _week(days: Any) -> frozenset[int]:
    if not isinstance(days, (list, tuple)) or not all(isinstance(d, str) for d in days):
        raise ValueFault(
            f"days must be a list of weekday names {list(WEEKDAY_NAMES)}, got {days!r}."
        )
    found = {day: _weekday(day) for day in days}
    unknown = [day for day, index in found.items() if index is None]
    if unknown:
        raise ValueFault(f"Unknown weekday {unknown[0]!r}: use {', '.join(WEEKDAY_NAMES)}.")
    week = frozenset(index for index in found.values() if index is not None)
    if not week:
        raise ValueFault("A working week needs at least one working day.")
    return week


def _day_names(stored: str | None, studio: bool) -> list[str] | None:
    """A scope's weekday names (None: a project or person following the studio's week)."""
    if stored is None:
        return [WEEKDAY_NAMES[i] for i in sorted(DEFAULT_STUDIO_WEEK)] if studio else None
    return [WEEKDAY_NAMES[i] for i in sorted(week_from_text(stored))]


def work_week_update(
    site: Site,
    actor: Actor,
    days: Any,
    project: Any = None,
    user: Any = None,
    hours_per_day: Any = None,
    recalculate_field: Any = None,
) -> dict[str, Any]:
    """Set the studio's, a project's or a person's working week (`days`: weekday names; None
    for a project or person: follow the studio's week again) and, for the studio, the working
    day's length in hours. The dated Tasks of the scope are recalculated in the same
    transaction, as for an exception (site/scheduling/recalculation.py); a new day length
    keeps every stored duration and date (docs/scheduling.md)."""
    project_link = _link(site, project, "Project", "project")
    user_link = _link(site, user, "HumanUser", "user")
    if project_link and user_link:
        raise ValueFault("A working week is for the studio, a project or a person, not two.")
    if recalculate_field not in (None, "due_date", "duration"):
        raise ValueFault(
            f"recalculate_field must be 'due_date' or 'duration', got {recalculate_field!r}."
        )
    studio = not project_link and not user_link
    week = None if days is None else _week(days)
    hours: float | None = None
    if hours_per_day is not None:
        if not studio:
            raise ValueFault("hours_per_day is a site preference: it has no project or person.")
        if isinstance(hours_per_day, bool) or not isinstance(hours_per_day, (int, float)):
            raise ValueFault(f"hours_per_day must be a number, got {hours_per_day!r}.")
        if not 0 < hours_per_day <= MAX_HOURS_PER_DAY:
            raise ValueFault(
                f"hours_per_day must be more than 0 and at most 24, got {hours_per_day}."
            )
        hours = float(hours_per_day)
    permissions = _may_change_schedule(site, actor, user_link)
    if studio and not permissions.is_admin:
        raise PermissionFault("The studio's working week and day length are set by an admin.")
    project_id = project_link["id"] if project_link else STUDIO
    user_id = user_link["id"] if user_link else STUDIO
    with site.writing(actor, permissions=permissions) as ctx:
        stored = bookkeeping.work_weeks_of(ctx.conn, [(project_id, user_id)]).get(
            (project_id, user_id)
        )
        # No days for the studio: only the day's length changes. For a project or a person:
        # their own week goes and they follow the studio's again.
        text = week_to_text(week) if week is not None else stored if studio else None
        if hours is not None:
            bookkeeping.set_preference(ctx.conn, "hours_per_day", hours)
        if text != stored:
            bookkeeping.set_work_week(ctx.conn, project_id, user_id, text)
            recalculate(ctx, None, project_id, user_id, recalculate_field)
    return {
        "days": _day_names(text, studio),
        "project": project_link,
        "user": user_link,
        "hours_per_day": hours,
    }


def work_weeks_read(site: Site, actor: Actor) -> dict[str, Any]:
    """The studio's week and day length, and every project's and person's own week."""
    from callsheet.site.preferences import hours_per_day

    with site.store.read() as conn:
        weeks = bookkeeping.work_weeks_of(conn)
        hours = hours_per_day(conn)
    own: dict[str, list[dict[str, Any]]] = {"Project": [], "HumanUser": []}
    for (project_id, user_id), stored in sorted(weeks.items()):
        if (project_id, user_id) == (STUDIO, STUDIO):
            continue
        entity_type = "Project" if project_id else "HumanUser"
        found = site.find_one(actor, entity_type, [["id", "is", project_id or user_id]], ["name"])
        if found is not None:  # a retired project or person keeps a week nobody sees
            own[entity_type].append({"entity": found, "days": _day_names(stored, False)})
    return {
        "days": _day_names(weeks.get((STUDIO, STUDIO)), True),
        "hours_per_day": hours,
        "projects": own["Project"],
        "people": own["HumanUser"],
    }
