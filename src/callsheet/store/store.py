"""The Store: one database, its tables built from the schema, and its transactions.

It knows SQL, not Shotgun operations: the engine (callsheet.site) asks it for tables, columns and
transactions; store/query.py, store/filters.py and friends compile Shotgun reads to SQL over it.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.faults import NotFoundFault, SchemaFault, StaleSchemaFault
from callsheet.schema.links import LinkRegistry
from callsheet.schema.model import Field, Schema, field_to_data
from callsheet.store import internal_tables, migrations
from callsheet.store.dialects import WRITE_OPTION, Dialect, create_dialect
from callsheet.store.event_signals import EVENTS_CHANNEL, EventSignals, EventWatcher
from callsheet.store.indexes import value_indexes
from callsheet.store.kinds import kind_of
from callsheet.store.prepared import run_prepared, run_prepared_on
from callsheet.store.secrets import hash_secret

RETIRED_COLUMN = "_retired_at"
EVENT_COUNTER = "event_log"
# The `_cs_meta` row naming this site (Store.site_identity); its files folder carries it too.
SITE_IDENTITY_NAME = "site_identity"
# Store.holding_reads before its first read has taken a connection.
_NOT_YET = object()
# Raised by every schema change; each process reads it at most once per SCHEMA_REVALIDATE_S and
# reloads the schema when it moved (how a disabled entity type leaves every server process).
SCHEMA_COUNTER = "schema"
SCHEMA_REVALIDATE_S = 1.0

# What one summarize may cost (issue 10 §1.7): groups per grouping level, and the time all its
# statements may take. A Store attribute each, so a site (or a test) may set its own.
SUMMARY_GROUP_LIMIT = 10_000
READ_TIME_LIMIT_S = 60.0

# Table objects and link registries are pure functions of the schema: keyed by the schema's own
# text (its fingerprint), so stores opened on databases with the same schema (every test, every
# in-process connect()) share them, and no entry can describe anything but its key. Another
# process builds the same objects from the same schema; nothing here needs to be seen by it.
_TABLES: dict[tuple[str, str], sa.Table] = {}
_LINK_REGISTRIES: dict[int, LinkRegistry] = {}


class Store:
    """SQL storage for one site: tables, columns, transactions."""

    summary_group_limit: int = SUMMARY_GROUP_LIMIT
    read_time_limit_s: float = READ_TIME_LIMIT_S

    def __init__(self, dialect: Dialect, schema: Schema) -> None:
        self.dialect = dialect
        self.engine = dialect.engine
        self._local = threading.local()
        # Called after each commit that wrote event log rows (the event stream's wake-up).
        self.event_signals = EventSignals()
        self._watcher: EventWatcher | None = None
        # Callsheet's own tables (store/internal_tables.py), named here for the store's modules.
        self.schema_table = internal_tables.schema_table
        self.counter_table = internal_tables.counters
        self.link_table = internal_tables.links
        self.tag_table = internal_tables.tags
        self._tables: dict[str, sa.Table] = {}
        self._fingerprints: dict[str, str] = {}
        self._plans: dict[Any, Any] = {}
        self.schema = schema
        # Other processes' schema changes: the counter's value when this process last looked.
        self.schema_revalidate_s = SCHEMA_REVALIDATE_S
        self._schema_generation: int | None = None
        self._schema_checked_at = float("-inf")
        for entity in schema.stored_types():  # disabled custom entity slots too
            self._fingerprints[entity.name] = json.dumps(
                schema.type_data(entity.name), sort_keys=True
            )
        for entity in schema:
            self._tables[entity.name] = self._entity_table(entity.name)
        self.links = self._link_registry()

    def _link_registry(self) -> LinkRegistry:
        key = hash(tuple(sorted(self._fingerprints.items())))
        if key not in _LINK_REGISTRIES:
            _LINK_REGISTRIES[key] = LinkRegistry(self.schema)
        return _LINK_REGISTRIES[key]

    def memory_image(self) -> bytes:
        """The whole database as bytes (in-memory SQLite only), to start new sites from."""
        raw = self.engine.raw_connection()
        try:
            return raw.driver_connection.serialize()  # type: ignore[union-attr]
        finally:
            raw.close()

    @classmethod
    def from_memory_image(cls, image: bytes, schema: Schema | None = None) -> Store:
        """A new private in-memory database holding a copy of `image` (`schema`: the image's
        schema when the caller already holds it; schemas are immutable, so it can be shared)."""
        dialect = create_dialect(None)
        raw = dialect.engine.raw_connection()
        try:
            raw.driver_connection.deserialize(image)  # type: ignore[union-attr]
        finally:
            raw.close()
        return cls(dialect, schema if schema is not None else cls._load_schema(dialect))

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(
        cls, url: str | None, default_schema: Schema, *, pool_size: int = 10
    ) -> tuple[Store, bool]:
        """Open (creating if needed) the database; returns the store and whether it is new."""
        dialect = create_dialect(url, pool_size=pool_size)
        try:
            migrations.migrate(dialect)  # a site made by an earlier version, brought up to date
            with dialect.serialized(), dialect.engine.connect() as conn:
                exists = migrations.stored_version(conn) is not None
        except BaseException:
            dialect.dispose()
            raise
        if exists:
            generation = cls._stored_generation(dialect)  # before the rows: a later change shows
            store = cls(dialect, cls._load_schema(dialect))
            store._schema_generation = generation
            return store, False
        store = cls(dialect, default_schema)
        store._create()
        store._schema_generation = 0
        return store, True

    @staticmethod
    def _stored_generation(dialect: Dialect) -> int:
        table = internal_tables.counters
        with dialect.serialized(), dialect.engine.connect() as conn:
            value = conn.execute(
                sa.select(table.c.value).where(table.c.name == SCHEMA_COUNTER)
            ).scalar()
        return int(value or 0)

    @staticmethod
    def _load_schema(dialect: Dialect) -> Schema:
        with dialect.serialized(), dialect.engine.connect() as conn:
            table = internal_tables.schema_table
            rows = conn.execute(sa.select(table.c.entity_type, table.c.data)).all()
        return Schema.from_data({name: json.loads(data) for name, data in rows})

    def _create(self) -> None:
        with self.write() as conn:
            internal_tables.metadata.create_all(conn)
            migrations.record_version(conn, migrations.LAYOUT_VERSION)
            for table in self._tables.values():
                table.create(conn)
            conn.execute(
                sa.insert(self.schema_table),
                [
                    {"entity_type": t.name, "data": json.dumps(self._type_data(t.name))}
                    for t in self.schema.stored_types()
                ],
            )
            conn.execute(sa.insert(self.counter_table).values(name=EVENT_COUNTER, value=0))

    def _type_data(self, entity_type: str) -> dict[str, Any]:
        return self.schema.type_data(entity_type)

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None
        self.dialect.dispose()

    # -- other processes' commits (store/event_signals.py) ------------------------------------
    def event_watcher(self) -> EventWatcher | None:
        """The one watcher of other processes' commits, started on first use (a server's); None
        for an in-memory database, which no other process can write."""
        if self.dialect.in_memory:
            return None
        if self._watcher is None:
            listen_url = None
            if not self.dialect.is_sqlite:
                url = self.engine.url.set(drivername="postgresql")
                listen_url = url.render_as_string(hide_password=False)
            self._watcher = EventWatcher(
                self.event_signals, self.latest_event_id, listen_url=listen_url
            )
            self._watcher.start()
        return self._watcher

    def latest_event_id(self) -> int | None:
        """The id of the newest event row (None: none yet)."""
        table = self.table("EventLogEntry")
        with self.read() as conn:
            return conn.execute(sa.select(sa.func.max(table.c.id))).scalar()  # type: ignore[no-any-return]

    # -- tables -------------------------------------------------------------------------------
    def _entity_table(self, entity_type: str, schema: Schema | None = None) -> sa.Table:
        entity = (schema or self.schema).stored(entity_type)
        if entity is None:
            raise SchemaFault(f"Entity type {entity_type!r} doesn't exist.")
        key = (entity_type, self._fingerprints[entity_type])
        if key in _TABLES:
            return _TABLES[key]
        columns: list[Any] = [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(RETIRED_COLUMN, sa.DateTime, nullable=True),
        ]
        indexes = []
        for f in entity.fields.values():
            if f.name == "id":
                continue
            kind = kind_of(f)
            field_columns = kind.columns(f)
            columns.extend(field_columns)
            if len(field_columns) == 1:
                indexes += value_indexes(entity_type, f.name, kind, field_columns[0])
        key = (entity_type, self._fingerprints[entity_type])
        if key not in _TABLES:
            _TABLES[key] = sa.Table(entity_type, sa.MetaData(), *columns, *indexes)
        return _TABLES[key]

    # -- plans: the value-free parts of statements, reused per query shape ------------------
    MAX_PLANS = 2048

    def cached_plan(self, key: Any) -> Any:
        return self._plans.get(key)

    def cache_plan(self, key: Any, plan: Any) -> Any:
        # Plans of restricted readers are keyed per reader (store/scope.py), so the cache fills
        # faster on a busy site: drop the oldest plans, not all of them.
        plans = self._plans
        while len(plans) >= self.MAX_PLANS:
            try:
                plans.pop(next(iter(plans)))
            except (StopIteration, KeyError, RuntimeError):  # another thread got there first
                break
        plans[key] = plan
        return plan

    def table(self, entity_type: str) -> sa.Table:
        """The table of an entity type (SchemaFault when the type is unknown)."""
        try:
            return self._tables[entity_type]
        except KeyError:
            raise SchemaFault(f"Entity type {entity_type!r} doesn't exist.") from None

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading (autocommit statements; inside a write, the write's own)."""
        current = getattr(self._local, "conn", None)
        if current is not None:  # reads inside a write see the write's own rows
            yield current
            return
        if getattr(self._local, "held", None) is not None:
            with self._held_read() as conn:
                yield conn
            return
        with (
            self._stale_schema_refused(),
            self.dialect.serialized(),
            self.dialect.read_engine.connect() as conn,  # type: ignore[union-attr]
        ):
            yield conn

    @contextmanager
    def holding_reads(self) -> Iterator[None]:
        """Let every read of this thread until the block ends share one connection, taken
        from the pool at the first read and given back at the end.

        A request reads several times (the caller's key, the login throttle, the find); each
        pool checkout and return cost more than a point lookup itself (bench/bench_floor.py's
        find_one profile: 40% of a request's CPU), and on PostgreSQL each checkout is also a
        ping. Reads are autocommit statements (Dialect), so one connection sees exactly what
        separate ones would: every statement reads the latest commit. Not for in-memory SQLite,
        whose one connection is shared by every thread under a lock."""
        if getattr(self._local, "held", None) is not None or self.dialect.in_memory:
            yield  # already holding (a nested block), or nothing to gain
            return
        self._local.held = _NOT_YET
        try:
            yield
        finally:
            held, self._local.held = self._local.held, None
            if held is not _NOT_YET:
                held.close()

    @contextmanager
    def _held_read(self) -> Iterator[Connection]:
        """The connection `holding_reads` keeps (taken now if not yet); a read that fails
        gives it back, so what follows starts from a fresh one (say, after a disconnect)."""
        with self._stale_schema_refused():
            if self._local.held is _NOT_YET:
                self._local.held = self.dialect.read_engine.connect()  # type: ignore[union-attr]
            conn = self._local.held
            try:
                yield conn
            except BaseException:
                self._local.held = _NOT_YET
                conn.close()
                raise

    def raw_read(self) -> _RawRead:
        """A DB-API connection in autocommit mode, for prepared point lookups (a context
        manager; inside a write, the write's own connection)."""
        return _RawRead(self)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: all or nothing (SQLite: BEGIN IMMEDIATE, the one writer)."""
        if getattr(self._local, "conn", None) is not None:
            raise RuntimeError("nested write transaction")
        wrote_events = False
        with self._stale_schema_refused(), self.dialect.serialized(), self.engine.connect() as conn:
            conn = conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                self._local.conn = conn
                self._local.live = set()
                self._local.wrote_events = False
                try:
                    yield conn
                finally:
                    wrote_events = self._local.wrote_events
                    self._local.conn = None
                    self._local.live = None
        # Only reached after COMMIT: a rolled-back write raised out of the block above.
        if wrote_events:
            self.event_signals.notify()

    @contextmanager
    def _stale_schema_refused(self) -> Iterator[None]:
        """A statement refused for a name another process retired moments ago (this process's
        schema is at most `schema_revalidate_s` old) becomes a StaleSchemaFault, raised once the
        schema is reloaded, so that running the request again uses the current schema."""
        try:
            yield
        except Exception as error:
            self._refuse_stale_schema(error)
            raise

    def _refuse_stale_schema(self, error: Exception) -> None:
        """Raise StaleSchemaFault (after reloading the schema) when `error` is the database
        refusing a name another process retired; else return, and the caller raises `error`."""
        if self.dialect.is_stale_schema(error) and self.revalidate_schema(force=True):
            raise StaleSchemaFault(
                "The schema changed while this request ran (another process changed it); "
                "run it again."
            ) from None

    def site_identity(self) -> str:
        """This site's own random identity, made on first use and kept in the database: a
        copy of the database (a backup restored) is the same site; a new database is not."""
        meta = internal_tables.site_meta
        query = sa.select(meta.c.value).where(meta.c.name == SITE_IDENTITY_NAME)
        with self.read() as conn:
            found = conn.execute(query).scalar_one_or_none()
        if found is not None:
            return str(found)
        try:
            with self.write() as conn:
                conn.execute(
                    sa.insert(meta).values(name=SITE_IDENTITY_NAME, value=uuid.uuid4().hex)
                )
        except sa.exc.IntegrityError:
            pass  # another process made it first: theirs stands
        with self.read() as conn:
            return str(conn.execute(query).scalar_one())

    def allocate_event_ids(self, conn: Connection, count: int) -> int:
        """Reserve `count` event ids; returns the first. Dense and in commit order.

        Called last in a write transaction: the UPDATE locks the counter row until commit, so
        the next writer's ids come after ours and become visible after ours (DESIGN.md).
        """
        table = self.counter_table
        # One statement compiled once (store/prepared.py), on the write's own connection.
        ((last,),) = run_prepared_on(
            conn,
            self,
            ("allocate-event-ids",),
            lambda: (
                sa.update(table)
                .where(table.c.name == EVENT_COUNTER)
                .values(value=table.c.value + sa.bindparam("count", type_=sa.Integer))
                .returning(table.c.value)
            ),
            count=count,
        )
        self._local.wrote_events = True
        if not self.dialect.is_sqlite:
            # PostgreSQL delivers a transaction's NOTIFY at its commit, and never on rollback:
            # other server processes wake exactly when these rows become visible.
            conn.execute(sa.select(sa.func.pg_notify(EVENTS_CHANNEL, "")))
        return int(last) - count + 1

    # -- checks used while writing ------------------------------------------------------------
    def require_live(self, entity_type: str, entity_id: int, field: Field) -> None:
        """Fault unless the linked entity exists and is not retired."""
        live: set[tuple[str, int]] | None = getattr(self._local, "live", None)
        if live is not None and (entity_type, entity_id) in live:
            return
        if entity_type not in self._tables:
            raise NotFoundFault(
                f"{field.qualified_name} links to unknown entity type {entity_type!r}."
            )
        table = self._tables[entity_type]
        found = run_prepared(
            self,
            ("live", entity_type),
            lambda: sa.select(table.c.id).where(
                table.c.id == sa.bindparam("entity_id"), table.c[RETIRED_COLUMN].is_(None)
            ),
            entity_id=entity_id,
        )  # every link of every write asks: compiled once (store/prepared.py)
        if not found:
            raise NotFoundFault(
                f"{field.qualified_name} links to {entity_type} {entity_id}, which doesn't exist "
                "or is retired."
            )
        if live is not None:
            live.add((entity_type, entity_id))

    def note_live(self, entity_type: str, entity_id: int) -> None:
        """Remember an entity created in this transaction as linkable."""
        live = getattr(self._local, "live", None)
        if live is not None:
            live.add((entity_type, entity_id))

    def hash_secret(self, secret: str) -> str:
        return hash_secret(secret)

    def local_link(self, field: Field, value: dict[str, Any]) -> dict[str, Any]:
        from callsheet.store.local_links import resolve_local_link

        with self.read() as conn:
            return resolve_local_link(conn, self, field, value)

    def live_count(self, entity_type: str) -> int:
        """How many live records a stored type's table holds (a disabled slot's too)."""
        entity = self.schema.stored(entity_type)
        if entity is None:
            raise SchemaFault(f"Entity type {entity_type!r} doesn't exist.")
        table = self._entity_table(entity_type)
        with self.read() as conn:
            if not sa.inspect(conn).has_table(table.name):
                return 0
            count = conn.execute(
                sa.select(sa.func.count())
                .select_from(table)
                .where(table.c[RETIRED_COLUMN].is_(None))
            ).scalar()
        return int(count or 0)

    # -- schema changes -----------------------------------------------------------------------
    def add_field(self, conn: Connection, new_field: Field) -> None:
        """Add a field: its columns (ALTER TABLE) and its record in the stored schema."""
        table = self.table(new_field.entity_type)
        self.dialect.load_current_schema(conn)
        for column in kind_of(new_field).columns(new_field):
            ddl = sa.schema.CreateColumn(column).compile(dialect=conn.dialect)
            conn.execute(sa.text(f"ALTER TABLE {self._quoted(table.name)} ADD COLUMN {ddl}"))
        self._replace_schema(conn, self.schema.with_field(new_field), new_field.entity_type)

    def update_field(self, conn: Connection, changed: Field) -> None:
        self._replace_schema(conn, self.schema.with_field(changed), changed.entity_type)

    def remove_field(self, conn: Connection, entity_type: str, name: str) -> None:
        """Retire a field: its columns are renamed aside (data kept), its name becomes free."""
        table = self.table(entity_type)
        f = self.schema.field(entity_type, name)
        suffix = now_utc().strftime("%Y%m%d%H%M%S")
        self.dialect.load_current_schema(conn)
        for column in kind_of(f).columns(f):
            aside = f"_retired_{column.name}_{suffix}"
            conn.execute(
                sa.text(
                    f"ALTER TABLE {self._quoted(table.name)} RENAME COLUMN "
                    f"{self._quoted(column.name)} TO {self._quoted(aside)}"
                )
            )
        self._replace_schema(conn, self.schema.without_field(entity_type, name), entity_type)

    def _replace_schema(self, conn: Connection, schema: Schema, entity_type: str) -> None:
        data = schema.type_data(entity_type)
        conn.execute(
            sa.update(self.schema_table)
            .where(self.schema_table.c.entity_type == entity_type)
            .values(data=json.dumps(data))
        )
        self._bump_schema_generation(conn)
        self._install(schema, entity_type)

    def put_entity_types(self, conn: Connection, schema: Schema, entity_types: list[str]) -> None:
        """Store the records of some types of `schema` and make it this store's schema.

        A type stored for the first time (a custom entity slot enabled once) gets its row in
        the stored schema and its table; a disabled type keeps both, rows and all, so enabling
        it again brings its records back.
        """
        for entity_type in entity_types:
            data = json.dumps(schema.type_data(entity_type))
            updated = conn.execute(
                sa.update(self.schema_table)
                .where(self.schema_table.c.entity_type == entity_type)
                .values(data=data)
            ).rowcount
            if not updated:
                conn.execute(
                    sa.insert(self.schema_table).values(entity_type=entity_type, data=data)
                )
        self._bump_schema_generation(conn)
        for entity_type in entity_types:
            entity = schema.stored(entity_type)
            if entity is not None and entity.enabled:
                self._fingerprints[entity_type] = json.dumps(
                    schema.type_data(entity_type), sort_keys=True
                )
                self._entity_table(entity_type, schema).create(conn, checkfirst=True)
        for entity_type in entity_types:
            self._install(schema, entity_type)

    def lock_schema(self, conn: Connection) -> None:
        """Take the schema lock for the rest of the caller's write transaction and bring this
        process's schema up to what is stored (a change computed after this cannot lose
        another process's change; PostgreSQL: the counter row stays locked until commit)."""
        self._bump_schema_generation(conn)
        self.refresh_schema()
        table = self.counter_table
        value = conn.execute(
            sa.select(table.c.value).where(table.c.name == SCHEMA_COUNTER)
        ).scalar_one()
        self._schema_generation = int(value)

    def _bump_schema_generation(self, conn: Connection) -> None:
        table = self.counter_table
        updated = conn.execute(
            sa.update(table).where(table.c.name == SCHEMA_COUNTER).values(value=table.c.value + 1)
        ).rowcount
        if not updated:
            conn.execute(sa.insert(table).values(name=SCHEMA_COUNTER, value=1))
        value = conn.execute(
            sa.select(table.c.value).where(table.c.name == SCHEMA_COUNTER)
        ).scalar_one()
        # This process has the new schema already: when no other change came between, the next
        # look has nothing to reload. (After a rollback the counter is behind ours, so the next
        # look reloads the stored rows, which undoes the change installed here.)
        known = self._schema_generation
        self._schema_generation = int(value) if known is not None and value == known + 1 else -1

    def _install(self, schema: Schema, entity_type: str) -> None:
        self._plans = {}  # plans hold columns of the old tables
        self.schema = schema
        self._fingerprints[entity_type] = json.dumps(schema.type_data(entity_type), sort_keys=True)
        entity = schema.stored(entity_type)
        if entity is not None and entity.enabled:
            self._tables[entity_type] = self._entity_table(entity_type)
        else:  # a disabled custom entity slot: no statement may reach its rows
            self._tables.pop(entity_type, None)
        self.links = self._link_registry()

    def revalidate_schema(self, *, force: bool = False) -> bool:
        """Reload the schema when another process changed it since the last look (looks at most
        once per `schema_revalidate_s` unless `force`); True when it was reloaded."""
        if self.dialect.in_memory:  # no other process can reach this database
            return False
        now = time.monotonic()
        if not force and now - self._schema_checked_at < self.schema_revalidate_s:
            return False
        with self.read() as conn:
            value = conn.execute(
                sa.select(self.counter_table.c.value).where(
                    self.counter_table.c.name == SCHEMA_COUNTER
                )
            ).scalar()
        generation = int(value or 0)
        self._schema_checked_at = now
        if generation == self._schema_generation:
            return False
        self._schema_generation = generation
        return self.refresh_schema()

    def refresh_schema(self) -> bool:
        """Reload the schema if another process changed it; True when something changed."""
        with self.read() as conn:
            rows = conn.execute(
                sa.select(self.schema_table.c.entity_type, self.schema_table.c.data)
            ).all()
        data = {entity_type: json.loads(text) for entity_type, text in rows}
        changed = [
            entity_type
            for entity_type, type_data in data.items()
            if json.dumps(type_data, sort_keys=True) != self._fingerprints.get(entity_type)
        ]
        if not changed:
            return False
        schema = Schema.from_data(data)
        for entity_type in changed:
            self._install(schema, entity_type)
        return True

    def _quoted(self, name: str) -> str:
        return self.engine.dialect.identifier_preparer.quote(name)


class _RawRead:
    """`Store.raw_read`'s context: what `read` does, for the driver's connection. A class, not
    three nested generator context managers: a find_one by id spent 6 us (of ~80) entering and
    leaving those."""

    __slots__ = ("held", "lock", "raw", "store")

    def __init__(self, store: Store) -> None:
        self.store = store
        self.raw: Any = None
        self.lock: Any = None
        self.held: Any = None

    def __enter__(self) -> Any:
        store = self.store
        current = getattr(store._local, "conn", None)
        if current is not None:  # reads inside a write see the write's own rows
            return current.connection.driver_connection
        if getattr(store._local, "held", None) is not None:  # Store.holding_reads
            self.held = store._held_read()
            return self.held.__enter__().connection.driver_connection
        dialect = store.dialect
        if dialect.in_memory:  # one connection shared by every thread: one user at a time
            self.lock = dialect.serialized()
            self.lock.__enter__()
        try:
            self.raw = dialect.read_engine.raw_connection()  # type: ignore[union-attr]
            return self.raw.driver_connection
        except BaseException as error:
            self._release()
            if isinstance(error, Exception):
                self.store._refuse_stale_schema(error)
            raise

    def __exit__(self, kind: Any, error: BaseException | None, traceback: Any) -> None:
        held, self.held = self.held, None
        if held is not None:
            held.__exit__(kind, error, traceback)
            return
        self._release()
        if error is not None and isinstance(error, Exception):
            self.store._refuse_stale_schema(error)

    def _release(self) -> None:
        raw, lock = self.raw, self.lock
        self.raw = self.lock = None
        try:
            if raw is not None:
                raw.close()
        finally:
            if lock is not None:
                lock.__exit__(None, None, None)


def now_utc() -> dt.datetime:
    """Now, naive UTC, to the second: the stored form of created_at / updated_at."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


__all__ = ["RETIRED_COLUMN", "Store", "field_to_data", "now_utc"]
