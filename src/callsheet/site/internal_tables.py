"""Callsheet's own bookkeeping tables next to the entity tables (names start with `_cs_`).

Secrets (script keys, session tokens, Action Menu Item secret tokens), failed-login counters,
follows, work-schedule exceptions, per-user project access times and user subscriptions live
here: none of them is an entity field a caller could read. The tables are created on first use,
so sites made before they existed gain them without a migration.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from callsheet.store.store import Store

metadata = sa.MetaData()

script_keys = sa.Table(
    "_cs_script_keys",
    metadata,
    sa.Column("script_id", sa.Integer, primary_key=True),
    sa.Column("key_hash", sa.Text, nullable=False),
)

sessions = sa.Table(
    "_cs_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_type", sa.String(32), nullable=False),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
)

login_attempts = sa.Table(
    "_cs_login_attempts",
    metadata,
    sa.Column("principal", sa.String(300), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("retry_after", sa.DateTime, nullable=True),
)

follows = sa.Table(
    "_cs_follows",
    metadata,
    sa.Column("user_id", sa.Integer, primary_key=True),
    sa.Column("entity_type", sa.String(64), primary_key=True),
    sa.Column("entity_id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

work_days = sa.Table(
    "_cs_work_days",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    # 0 for the studio-wide rule; a project or user id otherwise
    sa.Column("project_id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, primary_key=True),
    sa.Column("working", sa.Boolean, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
)

project_access = sa.Table(
    "_cs_project_access",
    metadata,
    sa.Column("project_id", sa.Integer, primary_key=True),
    sa.Column("user_type", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.Integer, primary_key=True),
    sa.Column("accessed_at", sa.DateTime, nullable=False),
)

user_subscriptions = sa.Table(
    "_cs_user_subscriptions",
    metadata,
    sa.Column("human_user_id", sa.Integer, primary_key=True),
    sa.Column("subscription", sa.Text, nullable=False),
)

# An Action Menu Item's secret token: kept in clear because it is the HMAC key that signs the
# item's payloads (site/action_menu.py); never an entity field, so no read can return it.
ami_secrets = sa.Table(
    "_cs_ami_secrets",
    metadata,
    sa.Column("ami_id", sa.Integer, primary_key=True),
    sa.Column("token", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# The rules of each permission role (PermissionRuleSet id), as the JSON of
# callsheet.site.permissions.rules.RoleRules.to_data(); the API cannot read or write them.
permission_rules = sa.Table(
    "_cs_permission_rules",
    metadata,
    sa.Column("role_id", sa.Integer, primary_key=True),
    sa.Column("rules", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

_ready: weakref.WeakSet[Store] = weakref.WeakSet()
_lock = threading.Lock()


def ensure_internal_tables(store: Store) -> None:
    """Create the bookkeeping tables if this database lacks them (once per store object)."""
    if store in _ready:
        return
    with _lock:
        if store in _ready:
            return
        try:
            with store.write() as conn:
                metadata.create_all(conn, checkfirst=True)
        except sa.exc.DBAPIError:
            # another process created them at the same moment (PostgreSQL); check again
            with store.write() as conn:
                metadata.create_all(conn, checkfirst=True)
        _ready.add(store)
