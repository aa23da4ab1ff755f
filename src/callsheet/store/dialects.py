"""What differs between SQLite and PostgreSQL, in one place.

- Engine set-up: SQLite gets WAL, a busy timeout, a Unicode-aware `cs_lower()` (`fold_case`)
  and `BEGIN IMMEDIATE` for write transactions (the store owns BEGIN, see the SQLAlchemy SQLite
  docs on pysqlite's transaction handling); a pathless database is one in-memory connection
  shared under a lock.
- Date buckets for summarize groupings.
- A time limit on the statements of one request: SQLite's progress handler interrupts a statement
  past its deadline, PostgreSQL's `statement_timeout` cancels it; either way the work stops (it
  does not go on after the client left) and the caller gets a LimitFault.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.functions import FunctionElement

from callsheet.faults import LimitFault

BUSY_TIMEOUT_S = 30.0
# SQLite calls the progress handler once per this many virtual-machine instructions.
PROGRESS_STEPS = 1_000
WRITE_OPTION = "callsheet_write"
READ_OPTION = "callsheet_read"


@dataclass
class Dialect:
    """The engine plus yes/no traits the shared code reads."""

    engine: Engine
    is_sqlite: bool
    in_memory: bool = False
    read_engine: Engine | None = None
    # One connection shared by all threads (in-memory SQLite) needs one transaction at a time.
    _lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def computes_skipped_rows(self) -> bool:
        """Whether an OFFSET's skipped rows get their select list computed: PostgreSQL
        evaluates it below the Limit node; SQLite skips the offset first (codeOffset before
        the result columns in select.c's inner loop). store/query.py pages by id first then."""
        return not self.is_sqlite

    def __post_init__(self) -> None:
        # Reads run without a transaction of their own: each statement sees a committed snapshot
        # (PostgreSQL's READ COMMITTED gives no more inside a transaction) and a point lookup
        # costs no BEGIN/COMMIT round trips. PostgreSQL reads get a pool of autocommit
        # connections of their own, so raw connections from it never hold a transaction open.
        if self.read_engine is None:
            self.read_engine = self.engine.execution_options(**{READ_OPTION: True})

    def dispose(self) -> None:
        """Close every pooled connection of both engines."""
        self.engine.dispose()
        if self.read_engine is not None:
            self.read_engine.dispose()

    def serialized(self) -> AbstractContextManager[Any]:
        """Held around each transaction where the database allows only one at a time."""
        return self._lock if self.in_memory else nullcontext()

    @contextmanager
    def time_limit(self, conn: sa.Connection, seconds: float, operation: str) -> Iterator[None]:
        """Stop the statements run on `conn` inside the block once `seconds` have passed.

        Past the limit the running statement is interrupted (SQLite) or cancelled (PostgreSQL)
        and a LimitFault naming `operation` is raised instead of the driver's error.
        """
        deadline = time.monotonic() + seconds
        if self.is_sqlite:
            raw: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
            raw.set_progress_handler(lambda: int(time.monotonic() >= deadline), PROGRESS_STEPS)
            try:
                yield
            except sa.exc.OperationalError as error:
                if time.monotonic() < deadline or "interrupted" not in str(error.orig):
                    raise
                raise _time_limit_fault(operation, seconds) from None
            finally:
                raw.set_progress_handler(None, 0)
            return
        # Inside a transaction the setting ends with it; on an autocommit connection (reads) it
        # is the session's, so it is put back afterwards.
        local = conn.in_transaction()
        milliseconds = max(1, int(seconds * 1000))  # 0 would mean "no limit"
        conn.execute(sa.select(sa.func.set_config("statement_timeout", f"{milliseconds}ms", local)))
        try:
            yield
        except sa.exc.OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != "57014":  # query_canceled
                raise
            raise _time_limit_fault(operation, seconds) from None
        finally:
            if not local:
                conn.execute(sa.select(sa.func.set_config("statement_timeout", "0", False)))

    def date_bucket(self, column: Any, unit: str) -> Any:
        """The first day of the day/week/month/quarter/year holding `column`, as 'YYYY-MM-DD'."""
        if self.is_sqlite:
            day = sa.func.date(column)
            if unit == "day":
                return day
            if unit == "week":
                return sa.func.date(column, "weekday 0", "-6 days")
            if unit == "month":
                return sa.func.strftime("%Y-%m-01", column)
            if unit == "year":
                return sa.func.strftime("%Y-01-01", column)
            month = sa.cast(sa.func.strftime("%m", column), sa.Integer)
            quarter_month = (
                sa.cast((month - 1) / 3, sa.Integer) * 3 + 1
            )  # SQLAlchemy's / is true division
            return sa.func.printf("%s-%02d-01", sa.func.strftime("%Y", column), quarter_month)
        trunc = {
            "day": "day",
            "week": "week",
            "month": "month",
            "quarter": "quarter",
            "year": "year",
        }[unit]
        return sa.func.to_char(sa.func.date_trunc(trunc, column), "YYYY-MM-DD")


def _time_limit_fault(operation: str, seconds: float) -> LimitFault:
    return LimitFault(
        f"API {operation} stopped after {seconds:g} s, the limit for one request: filter the "
        "rows first or ask for less."
    )


class UnicodeLower(FunctionElement[str]):
    """lower() that folds every language's letters; SQLite's own folds ASCII only."""

    type = sa.String()
    name = "unicode_lower"
    inherit_cache = True


@compiles(UnicodeLower)
def _unicode_lower_default(element: UnicodeLower, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(UnicodeLower, "sqlite")
def _unicode_lower_sqlite(element: UnicodeLower, compiler: Any, **kw: Any) -> str:
    return f"cs_lower({compiler.process(element.clauses, **kw)})"


def fold_case(column: Any, *needles: Any) -> Any:
    """`column` lower-cased for a case-insensitive comparison with `needles`.

    ASCII needles can only match rows whose letters they share as ASCII, and those the
    database's built-in lower() folds correctly and fast; any other needle needs the Unicode
    fold, which on SQLite is a Python function called per row.
    """
    if all(not isinstance(n, str) or n.isascii() for n in needles):
        return sa.func.lower(column)
    return UnicodeLower(column)


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        # SQLite's own lower() folds ASCII only; ShotGrid compares text case-insensitively in
        # every language ("La Peña" is "la peña").
        dbapi_connection.create_function("cs_lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def on_begin(conn: sa.Connection) -> None:
        options = conn.get_execution_options()
        if options.get(READ_OPTION):
            return  # statements of a read run in autocommit mode
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")


def normalize_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` as psycopg 3 URLs; leave others alone."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_dialect(url: str | None, *, pool_size: int = 10) -> Dialect:
    """An engine for a database URL, a SQLite file path, or (None) a private in-memory database."""
    if url is None or url in ("", ":memory:", "sqlite://", "sqlite:///:memory:"):
        name = f"callsheet_{uuid.uuid4().hex}"
        engine = sa.create_engine(
            f"sqlite:///file:{name}?mode=memory&cache=private&uri=true",
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
        _configure_sqlite(engine)
        return Dialect(engine, is_sqlite=True, in_memory=True)
    url = normalize_url(url)
    if "://" not in url:  # a plain file path
        url = f"sqlite:///{url}"
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        _configure_sqlite(engine)
        return Dialect(engine, is_sqlite=True)
    engine = sa.create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    read_engine = sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        isolation_level="AUTOCOMMIT",
    )
    return Dialect(engine, is_sqlite=False, read_engine=read_engine)
