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
    Migration(8, "working weeks and changed site preferences", _add_work_weeks),
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
