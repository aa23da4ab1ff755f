"""Callsheet's own tables next to the entity tables (names start with `_cs_`), declared once.

The stored schema, counters (event ids, permission generations), multi-entity links and tags,
and the bookkeeping no entity field may expose: secrets (script keys, session tokens, Action Menu
Item tokens), failed-login counters, follows, work-schedule exceptions and working weeks, changed
site preferences, per-user project access times, user subscriptions and permission rules. A new
database gets all of them at once; a site made by an earlier version gains the ones it lacks
through store/migrations.py.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# The version of this layout a database holds (store/migrations.py); absent in v0.1.0 sites.
site_meta = sa.Table(
    "_cs_meta",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# One row per entity type: its fields and properties as JSON (callsheet.schema.model).
schema_table = sa.Table(
    "_cs_schema",
    metadata,
    sa.Column("entity_type", sa.String(64), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)

counters = sa.Table(
    "_cs_counters",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

# Multi-entity values that live in neither a connection entity nor an entity field
# (schema/links.py decides which).
links = sa.Table(
    "_cs_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("owner_type", sa.String(64), nullable=False),
    sa.Column("owner_field", sa.String(128), nullable=False),
    sa.Column("owner_id", sa.Integer, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("target_type", sa.String(64), nullable=False),
    sa.Column("target_id", sa.Integer, nullable=False),
    sa.Index("ix_cs_links_owner", "owner_type", "owner_field", "owner_id"),
    sa.Index("ix_cs_links_target", "target_type", "target_id"),
)

tags = sa.Table(
    "_cs_tags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("owner_type", sa.String(64), nullable=False),
    sa.Column("owner_field", sa.String(128), nullable=False),
    sa.Column("owner_id", sa.Integer, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("tag", sa.Text, nullable=False),
    sa.Index("ix_cs_tags_owner", "owner_type", "owner_field", "owner_id"),
)

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

# Failed authentications per key (a source address, a login, a login at an address; see
# store/credentials.py); rows whose window passed are deleted.
login_attempts = sa.Table(
    "_cs_login_attempts",
    metadata,
    sa.Column("principal", sa.String(300), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("retry_after", sa.DateTime, nullable=True),
    # layout 3: when the latest failure was counted (the window, and which rows to prune)
    sa.Column("last_failure_at", sa.DateTime, nullable=True, index=True),
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

# A working week: which weekdays are worked, as seven "1"/"0" from Monday to Sunday, for the
# studio (project 0, user 0), a project (p, 0) or a person (0, u). No row: the studio's week is
# Monday to Friday, and a project or person follows the studio (site/scheduling/calendar.py).
work_weeks = sa.Table(
    "_cs_work_weeks",
    metadata,
    sa.Column("project_id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, primary_key=True),
    sa.Column("weekdays", sa.String(7), nullable=False),
)

# Site preferences an admin changed (name -> JSON value); the others keep their defaults
# (site/preferences.py).
site_preferences = sa.Table(
    "_cs_site_preferences",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
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

# An import's progress (callsheet.transfer): one row per piece of work, written in the same
# transaction as the rows it copied, so an import killed at any point resumes where its last
# commit left it, with nothing missing or doubled. `phase` is what is copied ("live", "retired",
# "events", "files", ...); a row with phase "source" names the site copied from (in `note`).
transfer_progress = sa.Table(
    "_cs_transfer_progress",
    metadata,
    sa.Column("phase", sa.String(32), primary_key=True),
    sa.Column("entity_type", sa.String(64), primary_key=True),
    sa.Column("chunk_start", sa.Integer, primary_key=True),
    sa.Column("chunk_end", sa.Integer, nullable=False),
    sa.Column("last_id", sa.Integer, nullable=False),
    sa.Column("copied", sa.Integer, nullable=False),
    sa.Column("done", sa.Boolean, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# Background media work (issue 16): one row per job, claimed by any server process (FOR UPDATE
# SKIP LOCKED on PostgreSQL, the write lock on SQLite) and held by a lease its worker renews, so
# a job whose process died is claimed again once the lease has passed (store/media_jobs.py).
media_jobs = sa.Table(
    "_cs_media_jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("entity_type", sa.String(64), nullable=False),
    sa.Column("entity_id", sa.Integer, nullable=False),
    sa.Column("field_name", sa.String(128), nullable=False),
    sa.Column("attachment_id", sa.Integer, nullable=False),
    # who uploaded: the results are written as them (their event rows, their permissions)
    sa.Column("actor_type", sa.String(32), nullable=False),
    sa.Column("actor_id", sa.Integer, nullable=False),
    # queued, running, done, failed
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("worker", sa.String(128), nullable=True),
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index("ix_cs_media_jobs_state", "state", "lease_until"),
    sa.Index("ix_cs_media_jobs_entity", "entity_type", "entity_id"),
)
