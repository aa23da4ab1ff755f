"""Site preferences, user subscriptions, and when a project was last opened (per person)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from callsheet.faults import ValueFault
from callsheet.site.actor import Actor
from callsheet.site.following import live_entity
from callsheet.site.site import Site
from callsheet.store.internal_tables import (
    project_access,
    user_subscriptions,
)
from callsheet.store.store import now_utc

# A default ShotGrid site's answers (reference §9.4); the last two are opaque JSON strings.
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


def preferences_read(site: Site, actor: Actor, prefs: Any = None) -> dict[str, Any]:
    """The named preferences (all when none are named); unknown names are dropped."""
    if not prefs:
        return dict(PREFERENCES)
    if not isinstance(prefs, list):
        raise ValueFault(f"prefs must be a list of preference names, got {prefs!r}.")
    return {
        name: PREFERENCES[name] for name in prefs if isinstance(name, str) and name in PREFERENCES
    }


def user_subscriptions_read(site: Site, actor: Actor) -> list[dict[str, Any]]:
    """Every stored `{humanUserId, subscription}` pair."""
    with site.store.read() as conn:
        rows = conn.execute(
            sa.select(user_subscriptions).order_by(user_subscriptions.c.human_user_id)
        ).all()
    return [{"humanUserId": r.human_user_id, "subscription": r.subscription} for r in rows]


def user_subscriptions_create(site: Site, actor: Actor, users: Any) -> dict[str, str]:
    """Store subscriptions for people (`[{humanUserId, subscription}]`), replacing older ones."""
    if not isinstance(users, list):
        raise ValueFault(f"users must be a list of {{humanUserId, subscription}}, got {users!r}.")
    rows = []
    for item in users:
        if not isinstance(item, dict):
            raise ValueFault(f"Each user subscription must be an object, got {item!r}.")
        user_id, subscription = item.get("humanUserId"), item.get("subscription")
        live_entity(site, {"type": "HumanUser", "id": user_id}, "humanUserId")
        if not isinstance(subscription, str):
            raise ValueFault(f"subscription must be a string, got {subscription!r}.")
        rows.append({"human_user_id": user_id, "subscription": subscription})
    with site.store.write() as conn:
        for row in rows:
            conn.execute(
                sa.delete(user_subscriptions).where(
                    user_subscriptions.c.human_user_id == row["human_user_id"]
                )
            )
            conn.execute(sa.insert(user_subscriptions).values(**row))
    return {"status": "success"}


def update_project_last_accessed(
    site: Site, actor: Actor, project_id: Any, user_id: Any = None
) -> dict[str, Any]:
    """Record that a person (the caller by default) opened a project now.

    Each person's time is kept in `_cs_project_access`; `Project.last_accessed_by_current_user`
    holds the latest access by anyone, because reads do not yet know who is reading.
    """
    project = live_entity(site, {"type": "Project", "id": project_id}, "project_id")
    if user_id is None:
        user = {"type": actor.entity_type, "id": actor.id}
    else:
        user = live_entity(site, {"type": "HumanUser", "id": user_id}, "user_id")
    now = now_utc()
    key = {"project_id": project["id"], "user_type": user["type"], "user_id": user["id"]}
    projects = site.store.table("Project")
    with site.store.write() as conn:
        conn.execute(
            sa.delete(project_access).where(*(project_access.c[k] == v for k, v in key.items()))
        )
        conn.execute(sa.insert(project_access).values(accessed_at=now, **key))
        conn.execute(
            sa.update(projects)
            .where(projects.c.id == project["id"])
            .values(last_accessed_by_current_user=now)
        )
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
