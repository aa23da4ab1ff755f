"""Upgrades in place: the layout version a database holds and the ordered steps that raise it.

Studios run a version for months, then upgrade. Every database records the version of Callsheet's
table layout it holds (`_cs_meta.layout_version`); a site made by v0.1.0 has no such row and holds
version 1. Opening a site runs the migrations it lacks, in order, in one transaction that also
records the new version, so an interrupted upgrade leaves the old layout whole and the next open
starts again. Several processes opening at once take turns (SQLite's write lock, PostgreSQL's
advisory lock) and the later ones find nothing left to do. A database newer than the code is
refused: an older Callsheet cannot know what a newer one stored.

A migration is written against the layout of its own version: a later migration that changes a
table declared in store/internal_tables.py must not assume an earlier migration created it with
today's columns (use `add_missing_columns`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.faults import SiteVersionFault
from callsheet.store import internal_tables, toolkit_seed
from callsheet.store.dialects import WRITE_OPTION, Dialect
from callsheet.store.indexes import FOLDED_TEXT_FIELDS, folded_index_name

VERSION_NAME = "layout_version"
# A v0.1.0 site: entity tables, _cs_schema, _cs_counters, _cs_links, _cs_tags, and bookkeeping
# tables created on first use (so any of them may be missing).
FIRST_VERSION = 1
# Any constant: the key of the advisory lock migrating PostgreSQL processes take turns on.
_PG_LOCK_KEY = 0x43534D49  # "CSMI"


@dataclass(frozen=True)
class Migration:
    """One step: the version a database holds after it, and what it changes."""

    version: int
    summary: str
    apply: Callable[[Connection], None]


def _declare_internal_tables(conn: Connection) -> None:
    # v0.1.0 created bookkeeping tables on first use; a site that never used a feature lacks
    # its table. From now on every internal table exists from the start.
    internal_tables.metadata.create_all(conn, checkfirst=True)


def _count_failures_per_source(conn: Connection) -> None:
    # Failed logins were counted per account, so anyone could lock any account out; they are
    # now counted per source address and login (site/auth.py), in a window. The old counters
    # are transient and keyed differently: they are dropped.
    table = internal_tables.login_attempts
    add_missing_columns(conn, table, "last_failure_at")
    for index in table.indexes:
        index.create(conn, checkfirst=True)
    conn.execute(sa.delete(table))


def _index_folded_text(conn: Connection) -> None:
    # Text filters compare lower(column) = value (case-insensitive, as ShotGrid), which the
    # plain index on code/login/event_type/content cannot serve: a find by code scanned the
    # table (1,000,000 Shots: 49x slower than 10,000, bench_scale.py). The store now declares an
    # index on lower(column) for those text fields; sites made before get it here.
    # (Index reflection is avoided: SQLAlchemy skips expression indexes on SQLite, with a
    # warning; IF NOT EXISTS makes the step safe to repeat.)
    inspector = sa.inspect(conn)
    for table_name in inspector.get_table_names():
        if table_name.startswith("_cs_"):
            continue
        for column in inspector.get_columns(table_name):
            name = column["name"]
            if name not in FOLDED_TEXT_FIELDS or not isinstance(column["type"], sa.String):
                continue
            table = sa.Table(table_name, sa.MetaData(), sa.Column(name, sa.Text))
            index = sa.Index(folded_index_name(table_name, name), sa.func.lower(table.c[name]))
            conn.execute(sa.schema.CreateIndex(index, if_not_exists=True))


def _add_transfer_progress(conn: Connection) -> None:
    # Issue 14: imports keep their progress next to the rows they copy (callsheet.transfer).
    internal_tables.transfer_progress.create(conn, checkfirst=True)


def _add_media_jobs(conn: Connection) -> None:
    # Issue 16: transcodes run as durable jobs (store/media_jobs.py).
    internal_tables.media_jobs.create(conn, checkfirst=True)


def _fill_kept_fields(conn: Connection) -> None:
    # Issue 12 §5: read-only fields the server now keeps (schema/system_fields.py) are filled
    # for the records made before, as the writes would have left them. Lightweight tables only
    # (no reflection: SQLite's expression indexes would warn).
    columns = {
        name: {c["name"] for c in sa.inspect(conn).get_columns(name)}
        for name in ("TaskDependency", "Tag", "TaskTemplate", "Ticket", "Playlist")
        if sa.inspect(conn).has_table(name)
    }
    deps = columns.get("TaskDependency", set())
    if {"task_id", "task__id", "dependent_task_id", "dependent_task__id"} <= deps:
        t = sa.table("TaskDependency", *map(sa.column, ("task_id", "task__id",
                     "dependent_task_id", "dependent_task__id")))  # fmt: skip
        conn.execute(
            t.update().values(task_id=t.c.task__id, dependent_task_id=t.c.dependent_task__id)
        )
    _fill_image_sources(conn)
    for target, field, source, link, summed, unless_set in (
        ("Ticket", "time_logs_sum", "TimeLog", "entity", "duration", None),
        ("TaskTemplate", "task_count", "Task", "task_template", None, None),
        ("Playlist", "external_share_count", "PlaylistShare", "playlist", None, "revoked_at"),
    ):
        if field not in columns.get(target, set()) or not sa.inspect(conn).has_table(source):
            continue
        names = ["id", f"{link}__type", f"{link}__id", "_retired_at", summed, unless_set]
        src = sa.table(source, *(sa.column(n) for n in names if n))
        owner = sa.table(target, sa.column("id"), sa.column(field))
        value = sa.func.coalesce(sa.func.sum(src.c[summed]), 0) if summed else sa.func.count()
        where = [
            src.c[f"{link}__type"] == target,
            src.c[f"{link}__id"] == owner.c.id,
            src.c._retired_at.is_(None),
        ]
        if unless_set:
            where.append(src.c[unless_set].is_(None))
        counted = sa.select(value).where(*where).scalar_subquery()
        conn.execute(owner.update().values({field: counted}))
    if "usage" in columns.get("Tag", set()):
        _fill_tag_usage(conn)


def _fill_image_sources(conn: Connection) -> None:
    """A record with a thumbnail and no image_source_entity shows its own upload."""
    inspector = sa.inspect(conn)
    for table_name in inspector.get_table_names():
        if table_name.startswith("_cs_"):
            continue
        names = {c["name"] for c in inspector.get_columns(table_name)}
        wanted = ("id", "image", "image_source_entity__type", "image_source_entity__id")
        if not set(wanted) <= names:
            continue
        t = sa.table(table_name, *map(sa.column, wanted))
        conn.execute(
            t.update()
            .where(t.c.image.is_not(None), t.c.image_source_entity__id.is_(None))
            .values(image_source_entity__type=table_name, image_source_entity__id=t.c.id)
        )


def _fill_tag_usage(conn: Connection) -> None:
    """Tag.usage: the live records of any type whose `tags` hold the Tag."""
    links = internal_tables.links
    tags = sa.table("Tag", sa.column("id"), sa.column("usage"))
    conn.execute(tags.update().values(usage=0))
    owner_types = conn.execute(
        sa.select(links.c.owner_type)
        .where(links.c.owner_field == "tags", links.c.target_type == "Tag")
        .distinct()
    ).scalars()
    counts: dict[int, int] = {}
    for owner_type in list(owner_types):
        if not sa.inspect(conn).has_table(owner_type):
            continue
        owner = sa.table(owner_type, sa.column("id"), sa.column("_retired_at"))
        rows = conn.execute(
            sa.select(links.c.target_id, sa.func.count())
            .select_from(links.join(owner, owner.c.id == links.c.owner_id))
            .where(
                links.c.owner_type == owner_type,
                links.c.owner_field == "tags",
                links.c.target_type == "Tag",
                owner.c._retired_at.is_(None),
            )
            .group_by(links.c.target_id)
        )
        for tag_id, count in rows:
            counts[tag_id] = counts.get(tag_id, 0) + count
    for tag_id, count in counts.items():
        conn.execute(tags.update().where(tags.c.id == tag_id).values(usage=count))


def _add_work_weeks(conn: Connection) -> None:
    # Issue 13: studio, project and person working weeks and the working-day length
    # (site/scheduling/calendar.py, site/preferences.py).
    internal_tables.work_weeks.create(conn, checkfirst=True)
    internal_tables.site_preferences.create(conn, checkfirst=True)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(2, "every internal table declared and created up front", _declare_internal_tables),
    Migration(
        3, "failed logins counted per source address, in a window", _count_failures_per_source
    ),
    Migration(4, "text filters served by indexes on lower(column)", _index_folded_text),
    Migration(5, "the progress of site imports, resumable", _add_transfer_progress),
    Migration(
        6,
        "Toolkit: generic entity links take any type; default Software records",
        toolkit_seed.add_toolkit_defaults,
    ),
    Migration(7, "media jobs: transcodes claimed by any server process", _add_media_jobs),
    Migration(8, "read-only fields the server keeps, filled for older records", _fill_kept_fields),
    Migration(9, "working weeks and changed site preferences", _add_work_weeks),
)
LAYOUT_VERSION = MIGRATIONS[-1].version


def add_missing_columns(conn: Connection, table: sa.Table, *names: str) -> None:
    """ALTER TABLE ... ADD COLUMN for each named column of `table` the database lacks."""
    present = {column["name"] for column in sa.inspect(conn).get_columns(table.name)}
    preparer = conn.dialect.identifier_preparer
    for name in names:
        if name in present:
            continue
        ddl = sa.schema.CreateColumn(table.c[name]).compile(dialect=conn.dialect)
        conn.execute(sa.text(f"ALTER TABLE {preparer.quote(table.name)} ADD COLUMN {ddl}"))


def stored_version(conn: Connection) -> int | None:
    """The layout version of the database; None for an empty database (no site yet)."""
    inspector = sa.inspect(conn)
    if not inspector.has_table(internal_tables.schema_table.name):
        return None
    if not inspector.has_table(internal_tables.site_meta.name):
        return FIRST_VERSION
    meta = internal_tables.site_meta
    value = conn.execute(
        sa.select(meta.c.value).where(meta.c.name == VERSION_NAME)
    ).scalar_one_or_none()
    return FIRST_VERSION if value is None else int(value)


def pending(version: int) -> list[Migration]:
    """The migrations a database of `version` lacks, in order (SiteVersionFault if too new)."""
    if version > LAYOUT_VERSION:
        raise SiteVersionFault(
            f"This site's database has layout version {version}, made by a newer Callsheet; "
            f"this Callsheet knows versions up to {LAYOUT_VERSION}. Upgrade Callsheet to open it "
            "(a database is never migrated backwards)."
        )
    return [m for m in MIGRATIONS if m.version > version]


def record_version(conn: Connection, version: int) -> None:
    """Write the layout version (inside the caller's transaction)."""
    meta = internal_tables.site_meta
    updated = conn.execute(
        sa.update(meta).where(meta.c.name == VERSION_NAME).values(value=str(version))
    ).rowcount
    if not updated:
        conn.execute(sa.insert(meta).values(name=VERSION_NAME, value=str(version)))


def migrate(dialect: Dialect) -> list[Migration]:
    """Bring an existing site up to LAYOUT_VERSION; returns the migrations that ran."""
    with dialect.serialized(), dialect.engine.connect() as conn:
        conn = conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            if not dialect.is_sqlite:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
            version = stored_version(conn)
            if version is None:
                return []
            steps = pending(version)
            for step in steps:
                step.apply(conn)
            if steps:
                record_version(conn, steps[-1].version)
            return steps


def check(dialect: Dialect) -> tuple[int | None, list[Migration]]:
    """The database's layout version and what opening it would run, changing nothing."""
    with dialect.serialized(), dialect.engine.connect() as conn:
        version = stored_version(conn)
    return version, [] if version is None else pending(version)
