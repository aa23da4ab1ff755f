"""Site preferences, user subscriptions, and when a project was last opened (per person)."""

from __future__ import annotations

from typing import Any

from callsheet.faults import ValueFault
from callsheet.site.actor import Actor
from callsheet.site.following import live_entity
from callsheet.site.site import Site
from callsheet.store import bookkeeping
from callsheet.store.store import now_utc
from callsheet.store.types import Connection

# A default ShotGrid site's answers (reference §9.4); the last two are opaque JSON strings. An
# admin may change `hours_per_day` (site/work_schedule.py); a changed value is stored in
# `_cs_site_preferences` and answered instead of the default.
PREFERENCES: dict[str, Any] = {
    "date_component_order": "month_day",
    "duration_units": "days",
    "format_currency_fields_decimal_options": "$1,000.99",
    "format_currency_fields_display_dollar_sign": False,
    "format_currency_fields_negative_options": "- $1,000",
    "format_date_fields": "08/04/22 OR 04/08/22 (depending on the Month order preference)",
    "format_float_fields": "9,999.99",
    "format_float_fields_rounding": "9.999999",
    "format_footage_fields": "10-05",
    "format_number_fields": "1,000",
    "format_time_hour_fields": "12 hour",
    "hours_per_day": 8.0,
    "support_local_storage": True,
    "enable_rv_integration": True,
    "enable_shotgun_review_for_rv": False,
    "view_master_settings": '{"status_groups": []}',
    "creative_review_settings": '{"enabled": false}',
}


def site_preferences(conn: Connection) -> dict[str, Any]:
    """Every preference: the defaults with the values an admin changed."""
    stored = bookkeeping.stored_preferences(conn)
    return {name: stored.get(name, default) for name, default in PREFERENCES.items()}


def hours_per_day(conn: Connection) -> float:
    """The length of a working day in hours: durations are minutes of working time, this many
    hours a day [shotgun_api3 cookbook, "Updating Task Dates"]."""
    return float(site_preferences(conn)["hours_per_day"])


def preferences_read(site: Site, actor: Actor, prefs: Any = None) -> dict[str, Any]:
    """The named preferences (all when none are named); unknown names are dropped."""
    with site.store.read() as conn:
        current = site_preferences(conn)
    if not prefs:
        return current
    if not isinstance(prefs, list):
        raise ValueFault(f"prefs must be a list of preference names, got {prefs!r}.")
    return {name: current[name] for name in prefs if isinstance(name, str) and name in current}


def user_subscriptions_read(site: Site, actor: Actor) -> list[dict[str, Any]]:
    """Every stored `{humanUserId, subscription}` pair."""
    return [
        {"humanUserId": person_id, "subscription": subscription}
        for person_id, subscription in bookkeeping.subscriptions(site.store)
    ]


def user_subscriptions_create(site: Site, actor: Actor, users: Any) -> dict[str, str]:
    """Store subscriptions for people (`[{humanUserId, subscription}]`), replacing older ones."""
    if not isinstance(users, list):
        raise ValueFault(f"users must be a list of {{humanUserId, subscription}}, got {users!r}.")
    by_person: dict[int, str] = {}
    for item in users:
        if not isinstance(item, dict):
            raise ValueFault(f"Each user subscription must be an object, got {item!r}.")
        user_id, subscription = item.get("humanUserId"), item.get("subscription")
        live_entity(site, {"type": "HumanUser", "id": user_id}, "humanUserId")
        if not isinstance(subscription, str):
            raise ValueFault(f"subscription must be a string, got {subscription!r}.")
        by_person[int(str(user_id))] = subscription  # a live HumanUser's id (checked above)
    bookkeeping.replace_subscriptions(site.store, by_person)
    return {"status": "success"}


def update_project_last_accessed(
    site: Site, actor: Actor, project_id: Any, user_id: Any = None
) -> dict[str, Any]:
    """Record that a person (the caller by default) opened a project now.

    Each person's time is kept in `_cs_project_access`; `Project.last_accessed_by_current_user`
    holds the latest access by anyone, because reads do not yet know who is reading.
    """
    project = live_entity(site, {"type": "Project", "id": project_id}, "project_id")
    user: dict[str, Any]
    if user_id is None:
        user = {"type": actor.entity_type, "id": actor.id}
    else:
        user = live_entity(site, {"type": "HumanUser", "id": user_id}, "user_id")
    now = now_utc()
    bookkeeping.record_project_access(site.store, project["id"], user["type"], user["id"], now)
    return {"type": "Project", "id": project["id"], "last_accessed_by_current_user": now}


def export_page(site: Site, actor: Actor, page_id: Any, export_format: Any, layout: Any) -> str:
    """A page as CSV. Not built yet: the exact faults ShotGrid gives (reference §4)."""
    if export_format is None:
        raise ValueFault("export_page: 'format' missing")
    if page_id is None:
        raise ValueFault("export_page: 'page_id' missing")
    if isinstance(page_id, bool) or not isinstance(page_id, int):
        raise ValueFault(f"Export for Page id={page_id} not available")
    from callsheet.site.actor import SYSTEM

    if site.find_one(SYSTEM, "Page", [["id", "is", page_id]]) is None:
        raise ValueFault(f"Export for Page id={page_id} not available")
    raise ValueFault("This functionality is currently not available")
