"""Rows Callsheet keeps beside the entities that no entity field exposes.

Follows, user subscriptions, per-person project access times, work-day exceptions, working
weeks, changed site preferences and Action Menu Item secret tokens (tables in
store/internal_tables.py). The engine (site/) decides who may change them; these functions only
read and write the rows. Each opens its own transaction unless it takes the caller's connection
(written together with an entity change).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.store.internal_tables import (
    ami_secrets,
    follows,
    permission_rules,
    project_access,
    site_preferences,
    user_subscriptions,
    work_days,
    work_weeks,
)
from callsheet.store.store import Store, now_utc


# -- follows ------------------------------------------------------------------------------------
def add_follow(store: Store, user_id: int, entity_type: str, entity_id: int) -> None:
    """`user_id` follows the entity (again: nothing changes)."""
    key = {"user_id": user_id, "entity_type": entity_type, "entity_id": entity_id}
    with store.write() as conn:
        exists = conn.execute(
            sa.select(follows.c.user_id).where(*(follows.c[k] == v for k, v in key.items()))
        ).first()
        if exists is None:
            conn.execute(sa.insert(follows).values(created_at=now_utc(), **key))


def remove_follow(store: Store, user_id: int, entity_type: str, entity_id: int) -> None:
    with store.write() as conn:
        conn.execute(
            sa.delete(follows).where(
                follows.c.user_id == user_id,
                follows.c.entity_type == entity_type,
                follows.c.entity_id == entity_id,
            )
        )


def follower_ids(store: Store, entity_type: str, entity_id: int) -> list[int]:
    """The ids of the people following the entity."""
    with store.read() as conn:
        return list(
            conn.execute(
                sa.select(follows.c.user_id).where(
                    follows.c.entity_type == entity_type, follows.c.entity_id == entity_id
                )
            ).scalars()
        )


def followed_by(
    store: Store, user_id: int, entity_type: str | None = None
) -> list[tuple[str, int]]:
    """(entity type, id) of what the person follows, oldest follow first."""
    statement = sa.select(follows.c.entity_type, follows.c.entity_id).where(
        follows.c.user_id == user_id
    )
    if entity_type is not None:
        statement = statement.where(follows.c.entity_type == entity_type)
    with store.read() as conn:
        rows = conn.execute(statement.order_by(follows.c.created_at)).all()
    return [(row.entity_type, row.entity_id) for row in rows]


# -- user subscriptions -------------------------------------------------------------------------
def subscriptions(store: Store) -> list[tuple[int, str]]:
    """Every (HumanUser id, subscription) pair, by person."""
    with store.read() as conn:
        rows = conn.execute(
            sa.select(user_subscriptions).order_by(user_subscriptions.c.human_user_id)
        ).all()
    return [(row.human_user_id, row.subscription) for row in rows]


def replace_subscriptions(store: Store, by_person: Mapping[int, str]) -> None:
    """Each person's subscription becomes the one given (one transaction)."""
    with store.write() as conn:
        for person_id, subscription in by_person.items():
            conn.execute(
                sa.delete(user_subscriptions).where(user_subscriptions.c.human_user_id == person_id)
            )
            conn.execute(
                sa.insert(user_subscriptions).values(
                    human_user_id=person_id, subscription=subscription
                )
            )


# -- project access -----------------------------------------------------------------------------
def record_project_access(
    store: Store, project_id: int, user_type: str, user_id: int, when: dt.datetime
) -> None:
    """The person opened the project at `when`; the Project row keeps the latest access."""
    key = {"project_id": project_id, "user_type": user_type, "user_id": user_id}
    projects = store.table("Project")
    with store.write() as conn:
        conn.execute(
            sa.delete(project_access).where(*(project_access.c[k] == v for k, v in key.items()))
        )
        conn.execute(sa.insert(project_access).values(accessed_at=when, **key))
        conn.execute(
            sa.update(projects)
            .where(projects.c.id == project_id)
            .values(last_accessed_by_current_user=when)
        )


# -- work-day exceptions ------------------------------------------------------------------------
@dataclass(frozen=True)
class WorkDayException:
    """One day's rule for the studio (project 0, user 0), a project or a person."""

    day: str  # YYYY-MM-DD
    project_id: int
    user_id: int
    working: bool
    description: str | None


def work_day_exceptions(store: Store, first_day: str, last_day: str) -> list[WorkDayException]:
    """Every exception between the two days (inclusive, YYYY-MM-DD)."""
    with store.read() as conn:
        rows = conn.execute(
            sa.select(work_days).where(work_days.c.day >= first_day, work_days.c.day <= last_day)
        ).all()
    return [
        WorkDayException(r.day, r.project_id, r.user_id, bool(r.working), r.description)
        for r in rows
    ]


def set_work_day_exception(conn: Connection, rule: WorkDayException) -> None:
    """Replace the exception of that day and scope, in the caller's transaction (the Tasks it
    reschedules are written in the same one: site/scheduling/recalculation.py)."""
    key = {"day": rule.day, "project_id": rule.project_id, "user_id": rule.user_id}
    conn.execute(sa.delete(work_days).where(*(work_days.c[k] == v for k, v in key.items())))
    conn.execute(
        sa.insert(work_days).values(working=rule.working, description=rule.description, **key)
    )


# -- working weeks -----------------------------------------------------------------------------
def work_weeks_of(
    conn: Connection, scopes: Iterable[tuple[int, int]] | None = None
) -> dict[tuple[int, int], str]:
    """(project id, user id) -> the stored week ("1111100": Monday..Sunday) of the scopes named
    (every stored week when None), in the caller's transaction."""
    query = sa.select(work_weeks.c.project_id, work_weeks.c.user_id, work_weeks.c.weekdays)
    wanted = None if scopes is None else set(scopes)
    if wanted is not None:
        if not wanted:
            return {}
        query = query.where(
            sa.or_(
                *(
                    sa.and_(work_weeks.c.project_id == p, work_weeks.c.user_id == u)
                    for p, u in sorted(wanted)
                )
            )
        )
    return {(r.project_id, r.user_id): r.weekdays for r in conn.execute(query)}


def set_work_week(conn: Connection, project_id: int, user_id: int, weekdays: str | None) -> None:
    """Store a scope's week (None removes it: the scope follows the studio again), in the
    caller's transaction (the Tasks it reschedules are written in the same one)."""
    key = (work_weeks.c.project_id == project_id, work_weeks.c.user_id == user_id)
    conn.execute(sa.delete(work_weeks).where(*key))
    if weekdays is not None:
        conn.execute(
            sa.insert(work_weeks).values(project_id=project_id, user_id=user_id, weekdays=weekdays)
        )


# -- site preferences ---------------------------------------------------------------------------
def stored_preferences(conn: Connection) -> dict[str, Any]:
    """The site preferences an admin changed (name -> value)."""
    rows = conn.execute(sa.select(site_preferences.c.name, site_preferences.c.value))
    return {name: json.loads(value) for name, value in rows}


def set_preference(conn: Connection, name: str, value: Any) -> None:
    """Store one changed preference, in the caller's transaction."""
    conn.execute(sa.delete(site_preferences).where(site_preferences.c.name == name))
    conn.execute(sa.insert(site_preferences).values(name=name, value=json.dumps(value)))


# -- all of it at once (archives) ----------------------------------------------------------------
# What an archive carries besides entities (transfer/archive.py), row for row: the studio's
# settings (working weeks, work-day exceptions, changed preferences), the permission roles'
# rules, and each person's follows, subscriptions and project visits. The ids these rows name
# are entity ids, which an archive keeps. Not carried: secrets (script keys, sessions, Action
# Menu Item tokens) and login throttling.
ARCHIVED_TABLES = {
    "work_weeks": work_weeks,
    "work_days": work_days,
    "preferences": site_preferences,
    "permission_rules": permission_rules,
    "follows": follows,
    "user_subscriptions": user_subscriptions,
    "project_access": project_access,
}


def archived_rows(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every row of the ARCHIVED_TABLES, in key order, as JSON values (times as ISO text)."""
    return {
        name: [
            {
                key: value.isoformat() if isinstance(value, dt.datetime) else value
                for key, value in row.items()
            }
            for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns))
            .mappings()
            .all()
        ]
        for name, table in ARCHIVED_TABLES.items()
    }


def replace_archived_rows(conn: Connection, tables: Mapping[str, Any]) -> None:
    """Make the ARCHIVED_TABLES hold exactly `tables` (as `archived_rows` gives them), in the
    caller's transaction; a table the mapping does not name is left alone. ValueError for a
    row that does not fit its table."""
    for name, table in ARCHIVED_TABLES.items():
        if name not in tables:
            continue
        rows = tables[name]
        columns = set(table.c.keys())
        times = {c.name for c in table.c if isinstance(c.type, sa.DateTime)}
        if not isinstance(rows, list):
            raise ValueError(f"{name} must be a list of rows, got {type(rows).__name__}")
        stored = []
        for row in rows:
            if not isinstance(row, Mapping) or set(row) != columns:
                raise ValueError(f"a {name} row must have exactly {sorted(columns)}: {row!r}")
            stored.append(
                {
                    key: dt.datetime.fromisoformat(value)
                    if key in times and isinstance(value, str)
                    else value
                    for key, value in row.items()
                }
            )
        conn.execute(sa.delete(table))
        if stored:
            conn.execute(sa.insert(table), stored)


# -- Action Menu Item secrets -------------------------------------------------------------------
def write_ami_secret(
    conn: Connection, ami_id: int, token: str | None, now: dt.datetime
) -> str | None:
    """Store (or with None remove) an AMI's token in the caller's transaction; the old one."""
    old = conn.execute(
        sa.select(ami_secrets.c.token).where(ami_secrets.c.ami_id == ami_id)
    ).scalar()
    if old != token:
        conn.execute(sa.delete(ami_secrets).where(ami_secrets.c.ami_id == ami_id))
        if token is not None:
            conn.execute(sa.insert(ami_secrets).values(ami_id=ami_id, token=token, updated_at=now))
    return old  # type: ignore[no-any-return]


def ami_secret(store: Store, ami_id: int) -> str | None:
    with store.read() as conn:
        return conn.execute(  # type: ignore[no-any-return]
            sa.select(ami_secrets.c.token).where(ami_secrets.c.ami_id == ami_id)
        ).scalar()
