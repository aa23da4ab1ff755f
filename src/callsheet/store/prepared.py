"""Statements compiled once and run on the raw driver: the point lookups every request makes.

A lookup by id or by name through SQLAlchemy builds the statement, computes its cache key, finds
the compiled form and sets up a result for every call; for one row that is most of the cost.
`PreparedLookup` does that work once; `prepared` keeps one per name on the store (its plan cache,
which a schema change clears, so no statement outlives the tables it was built on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callsheet.store.store import Store


@dataclass
class PreparedLookup:
    """A statement compiled once, run on the raw driver with SQLAlchemy's result processors.

    Point lookups are where a query's fixed cost shows: this skips building, caching and
    compiling the statement on every call (reference: issue #2's point-lookup benchmark).
    """

    sql: str
    positional: tuple[str, ...] | None
    params: dict[str, Any]
    processors: list[Any]
    # (row position, processor) of the columns that have one: what `run` converts per row
    converted: tuple[tuple[int, Any], ...] = ()

    def __post_init__(self) -> None:
        self.converted = tuple((i, p) for i, p in enumerate(self.processors) if p is not None)

    @classmethod
    def compile(cls, statement: Any, dialect: Any) -> PreparedLookup:
        compiled = statement.compile(dialect=dialect)
        # SQLite hands back text for dates, times and JSON and ints for booleans, so its values
        # need SQLAlchemy's processors; psycopg already returns Python types.
        processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            if dialect.name == "sqlite"
            else None
            for column in statement.exported_columns  # a SELECT's columns, or RETURNING's
        ]
        positional = tuple(compiled.positiontup) if compiled.positional else None
        return cls(str(compiled), positional, dict(compiled.params), processors)

    def run(self, driver_connection: Any, **values: Any) -> list[tuple[Any, ...]]:
        params = {**self.params, **values}
        arguments: Any = [params[name] for name in self.positional] if self.positional else params
        cursor = driver_connection.cursor()
        try:
            cursor.execute(self.sql, arguments)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        converted = self.converted
        if not converted:  # psycopg, or SQLite with only text and numbers
            return rows  # type: ignore[no-any-return]
        result = []
        for row in rows:
            row_values = list(row)
            for index, processor in converted:
                value = row_values[index]
                if value is not None:
                    row_values[index] = processor(value)
            result.append(tuple(row_values))
        return result


def prepared(store: Store, key: tuple[Any, ...], build: Callable[[], Any]) -> PreparedLookup:
    """The lookup cached under `key`, compiled from `build()` (a SELECT, or a statement with
    RETURNING, with bindparams) once."""
    lookup = store.cached_plan(("prepared", *key))
    if lookup is None:
        lookup = store.cache_plan(
            ("prepared", *key), PreparedLookup.compile(build(), store.engine.dialect)
        )
    return lookup  # type: ignore[no-any-return]


def run_prepared(
    store: Store, key: tuple[Any, ...], build: Callable[[], Any], **values: Any
) -> list[tuple[Any, ...]]:
    """The rows of the lookup under `key` for `values`, on a raw connection (inside a write:
    the write's own, so it sees the write's rows)."""
    lookup = prepared(store, key, build)
    with store.raw_read() as driver_connection:
        return lookup.run(driver_connection, **values)


def run_prepared_on(
    conn: Any, store: Store, key: tuple[Any, ...], build: Callable[[], Any], **values: Any
) -> list[tuple[Any, ...]]:
    """`run_prepared` in `conn`'s own transaction (its driver connection): for statements
    that must be part of the caller's write, whichever connection that is."""
    return prepared(store, key, build).run(conn.connection.driver_connection, **values)


@dataclass
class PreparedWrite:
    """An INSERT (or UPDATE) compiled once, run on the raw driver: the statement each write
    transaction makes whatever it writes (its event rows). Values go through the same bind
    processors SQLAlchemy would apply (SQLite's text form of datetimes, JSON), so the rows are
    byte for byte those an `execute` would write."""

    sql: str
    names: tuple[str, ...]
    positional: bool
    processors: dict[str, Any]

    @classmethod
    def compile(cls, statement: Any, dialect: Any) -> PreparedWrite:
        compiled = statement.compile(dialect=dialect)
        positional = bool(compiled.positional)
        names = tuple(compiled.positiontup) if positional else tuple(compiled.binds)
        return cls(str(compiled), names, positional, dict(compiled._bind_processors))

    def run_many(self, driver_connection: Any, rows: list[dict[str, Any]]) -> None:
        processors = self.processors
        arguments: list[Any] = []
        for row in rows:
            values = {
                name: processors[name](row[name])
                if name in processors and row[name] is not None
                else row[name]
                for name in self.names
            }
            arguments.append(tuple(values[n] for n in self.names) if self.positional else values)
        cursor = driver_connection.cursor()
        try:
            cursor.executemany(self.sql, arguments)
        finally:
            cursor.close()


def run_prepared_write(
    conn: Any,
    store: Store,
    key: tuple[Any, ...],
    build: Callable[[], Any],
    rows: list[dict[str, Any]],
) -> None:
    """Run the write cached under `key` (compiled from `build()`, whose bind parameters are
    named as the rows' keys) for every row, in `conn`'s transaction (its driver connection)."""
    write = store.cached_plan(("prepared-write", *key))
    if write is None:
        write = store.cache_plan(
            ("prepared-write", *key), PreparedWrite.compile(build(), store.engine.dialect)
        )
    write.run_many(conn.connection.driver_connection, rows)
