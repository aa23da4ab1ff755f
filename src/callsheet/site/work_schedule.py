"""Work days: the studio's week plus exceptions for the studio, a project or a person.

`work_schedule_read` answers each day with the most specific rule (person, then project, then
studio exception, then the Monday-to-Friday week); `work_schedule_update` stores an exception
and echoes exactly `date, description, project, user, working` (reference §3.6).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from callsheet.faults import PermissionFault, ValueFault
from callsheet.site.actor import Actor
from callsheet.site.following import live_entity
from callsheet.site.scheduling.recalculation import recalculate
from callsheet.site.site import Site
from callsheet.store import bookkeeping

STUDIO = 0
MAX_DAYS = 366 * 5
WORKING_WEEKDAYS = frozenset(range(5))  # Monday..Friday


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
    scopes = [(STUDIO, STUDIO, "STUDIO_EXCEPTION")]
    if project_link:
        scopes.append((project_link["id"], STUDIO, "PROJECT_EXCEPTION"))
    if user_link:
        scopes.append((STUDIO, user_link["id"], "USER_EXCEPTION"))
    rows = bookkeeping.work_day_exceptions(site.store, start.isoformat(), end.isoformat())
    exceptions = {(r.day, r.project_id, r.user_id): r for r in rows}
    schedule = {}
    day = start
    while day <= end:
        key = day.isoformat()
        answer = {
            "description": None,
            "reason": "STUDIO_WORK_WEEK",
            "working": day.weekday() in WORKING_WEEKDAYS,
        }
        for project_id, user_id, reason in scopes:  # later scopes are more specific
            rule = exceptions.get((key, project_id, user_id))
            if rule is not None:
                answer = {
                    "description": rule.description,
                    "reason": reason,
                    "working": rule.working,
                }
        schedule[key] = answer
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
    own = user_link is not None and (actor.entity_type, actor.id) == ("HumanUser", user_link["id"])
    permissions = site.permissions_for(actor)
    if not own and not permissions.may("Project", "update"):
        # a person may set their own days off; studio and project calendars are for managers
        raise PermissionFault(
            "The work schedule can not be changed by this user. "
            f"Rule: {permissions.role_name} -- DENY update_entity Project"
        )
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
