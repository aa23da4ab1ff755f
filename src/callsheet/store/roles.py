"""Permission roles as rows: PermissionRuleSet records, their rules documents, the generation.

The engine's permissions (site/permissions/) decide what a role's rules mean; here they are only
stored and found: one JSON document per role in `_cs_permission_rules`, and a counter in
`_cs_counters` that every change of who may do what bumps in its own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.store.internal_tables import counters, permission_rules
from callsheet.store.store import RETIRED_COLUMN, Store

ROLE_TYPE = "PermissionRuleSet"
ROLE_FIELD = "permission_rule_set"
GENERATION_COUNTER = "permissions"


@dataclass(frozen=True)
class RoleRow:
    """A live PermissionRuleSet: its id, display name, code and the type it is for."""

    id: int
    display_name: str | None
    code: str | None
    entity_type: str | None


def _role(row: Any) -> RoleRow:  # a Row of _role_columns
    return RoleRow(row.id, row.display_name, row.code, row.entity_type)


def _role_columns(store: Store) -> tuple[sa.Table, tuple[sa.ColumnElement[object], ...]]:
    roles = store.table(ROLE_TYPE)
    return roles, (roles.c.id, roles.c.display_name, roles.c.code, roles.c.entity_type)


def role_id_of(store: Store, actor_type: str, actor_id: int) -> int | None:
    """The PermissionRuleSet id a HumanUser or ApiUser row names (None: none)."""
    table = store.table(actor_type)
    with store.read() as conn:
        return conn.execute(  # type: ignore[no-any-return]
            sa.select(table.c[f"{ROLE_FIELD}__id"]).where(table.c.id == actor_id)
        ).scalar()


def live_role(store: Store, role_id: int) -> RoleRow | None:
    roles, columns = _role_columns(store)
    with store.read() as conn:
        row = conn.execute(
            sa.select(*columns).where(roles.c.id == role_id, roles.c[RETIRED_COLUMN].is_(None))
        ).first()
    return _role(row) if row is not None else None


def role_by_code(store: Store, code: str) -> RoleRow | None:
    """The oldest live role with this code (the default role of a type)."""
    roles, columns = _role_columns(store)
    with store.read() as conn:
        row = conn.execute(
            sa.select(*columns)
            .where(roles.c.code == code, roles.c[RETIRED_COLUMN].is_(None))
            .order_by(roles.c.id)
        ).first()
    return _role(row) if row is not None else None


def live_roles(store: Store) -> list[RoleRow]:
    """Every live role, in id order."""
    roles, columns = _role_columns(store)
    with store.read() as conn:
        rows = conn.execute(
            sa.select(*columns).where(roles.c[RETIRED_COLUMN].is_(None)).order_by(roles.c.id)
        ).all()
    return [_role(row) for row in rows]


def rules_document(store: Store, role_id: int) -> str | None:
    """The stored rules of one role (JSON), or None when it has none."""
    with store.read() as conn:
        return conn.execute(  # type: ignore[no-any-return]
            sa.select(permission_rules.c.rules).where(permission_rules.c.role_id == role_id)
        ).scalar()


def rules_documents(store: Store) -> Mapping[int, str]:
    """Every stored rules document by role id."""
    with store.read() as conn:
        rows = conn.execute(sa.select(permission_rules.c.role_id, permission_rules.c.rules))
        return {role_id: rules for role_id, rules in rows}


def write_rules_document(conn: Connection, role_id: int, document: str, now: dt.datetime) -> None:
    """Replace a role's rules in the caller's transaction (the caller bumps the generation)."""
    values = {"rules": document, "updated_at": now}
    updated = conn.execute(
        sa.update(permission_rules).where(permission_rules.c.role_id == role_id).values(values)
    ).rowcount
    if not updated:
        conn.execute(sa.insert(permission_rules).values(role_id=role_id, **values))


def generation(store: Store) -> int:
    """The permissions counter: it changes whenever who may do what changes."""
    with store.read() as conn:
        value = conn.execute(
            sa.select(counters.c.value).where(counters.c.name == GENERATION_COUNTER)
        ).scalar()
    return int(value or 0)


def bump_generation(conn: Connection) -> None:
    """Raise the permissions counter in the caller's transaction."""
    updated = conn.execute(
        sa.update(counters)
        .where(counters.c.name == GENERATION_COUNTER)
        .values(value=counters.c.value + 1)
    ).rowcount
    if not updated:
        conn.execute(sa.insert(counters).values(name=GENERATION_COUNTER, value=1))
