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

import re
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
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.functions import FunctionElement

from callsheet.faults import LimitFault

BUSY_TIMEOUT_S = 30.0
# SQLite calls the progress handler once per this many virtual-machine instructions.
PROGRESS_STEPS = 1_000
WRITE_OPTION = "callsheet_write"
READ_OPTION = "callsheet_read"


# SQLite's words for a statement naming a column or table the database lacks (reads, writes).
STALE_SQLITE_NAME = re.compile(r"no such (column|table)|table \S+ has no column named ")


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

    def load_current_schema(self, conn: Connection) -> None:
        """Before an ALTER TABLE: make the connection read the database's current schema.

        A pooled SQLite connection keeps the schema it last read; an ordinary statement notices
        another connection's change and prepares again, but ALTER TABLE ... RENAME COLUMN looks
        its column up while preparing and fails ("no such column") without that retry (alter.c
        sets no checkSchema). Reading sqlite_master first makes the statement's own schema check
        reload it. PostgreSQL has no such cache."""
        if self.is_sqlite:
            conn.exec_driver_sql("SELECT 1 FROM sqlite_master LIMIT 1").all()

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
        # is the session's, so it is put back afterwards. Asked of the driver: SQLAlchemy's
        # Connection reports a transaction on an autocommit connection too once it has run a
        # statement (a request's held read connection, Store.holding_reads), and there a local
        # setting would end with its own statement and limit nothing.
        driver = conn.connection.driver_connection
        local = driver is not None and not driver.autocommit
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

    def is_stale_schema(self, error: BaseException) -> bool:
        """Whether the database refused a statement for naming a column or table it lacks: what
        a process whose cached schema predates another process's change sees. `error` is
        SQLAlchemy's or the driver's own (prepared lookups run on the driver)."""
        orig = error.orig if isinstance(error, sa.exc.DBAPIError) else error
        if self.is_sqlite:
            return isinstance(orig, sqlite3.OperationalError) and bool(
                STALE_SQLITE_NAME.match(str(orig))
            )
        # undefined_column, undefined_table (PostgreSQL's error codes, appendix A)
        return getattr(orig, "sqlstate", None) in ("42703", "42P01")

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


def _unicode_upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


# -- calculated-field formulas (store/kinds/calculated.py) ----------------------------------------
# SQLite keeps dates as 'YYYY-MM-DD' text and date_times as SQLAlchemy's
# 'YYYY-MM-DD HH:MM:SS.ffffff' text; a computed date_time uses the same form so that it compares
# with stored ones and with bound filter values.
SQLITE_DATE_TIME = "%Y-%m-%d %H:%M:%S.000000"


class UnicodeUpper(FunctionElement[str]):
    """upper() of every language's letters (SQLite's own knows ASCII only)."""

    type = sa.String()
    name = "unicode_upper"
    inherit_cache = True


@compiles(UnicodeUpper)
def _unicode_upper_default(element: UnicodeUpper, compiler: Any, **kw: Any) -> str:
    return f"upper({compiler.process(element.clauses, **kw)})"


@compiles(UnicodeUpper, "sqlite")
def _unicode_upper_sqlite(element: UnicodeUpper, compiler: Any, **kw: Any) -> str:
    return f"cs_upper({compiler.process(element.clauses, **kw)})"


class UtcToday(FunctionElement[Any]):
    """Today's date in UTC."""

    type = sa.Date()
    name = "utc_today"
    inherit_cache = True


@compiles(UtcToday)
def _utc_today_default(element: UtcToday, compiler: Any, **kw: Any) -> str:
    return "CAST(timezone('UTC', now()) AS DATE)"


@compiles(UtcToday, "sqlite")
def _utc_today_sqlite(element: UtcToday, compiler: Any, **kw: Any) -> str:
    return "date('now')"


class UtcNow(FunctionElement[Any]):
    """The current UTC time to the second, as a naive date_time like stored ones."""

    type = sa.DateTime()
    name = "utc_now"
    inherit_cache = True


@compiles(UtcNow)
def _utc_now_default(element: UtcNow, compiler: Any, **kw: Any) -> str:
    return "date_trunc('second', timezone('UTC', now()))"


@compiles(UtcNow, "sqlite")
def _utc_now_sqlite(element: UtcNow, compiler: Any, **kw: Any) -> str:
    return f"strftime('{SQLITE_DATE_TIME}', 'now')"


class DatePart(FunctionElement[int]):
    """The year, month or day (an integer) of a date or date_time; one subclass per unit, so the
    unit is part of the statement cache key."""

    type = sa.Integer()
    name = "date_part_of"
    inherit_cache = True
    unit = "year"


class YearOf(DatePart):
    inherit_cache = True
    unit = "year"


class MonthOf(DatePart):
    inherit_cache = True
    unit = "month"


class DayOf(DatePart):
    inherit_cache = True
    unit = "day"


_SQLITE_PARTS = {"year": "%Y", "month": "%m", "day": "%d"}


@compiles(DatePart)
def _date_part_default(element: DatePart, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"CAST(EXTRACT({element.unit} FROM {value}) AS INTEGER)"


@compiles(DatePart, "sqlite")
def _date_part_sqlite(element: DatePart, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"CAST(strftime('{_SQLITE_PARTS[element.unit]}', {value}) AS INTEGER)"


class DayDifference(FunctionElement[int]):
    """Whole calendar days from the first date (or date_time's day) to the second."""

    type = sa.Integer()
    name = "day_difference"
    inherit_cache = True


@compiles(DayDifference)
def _day_difference_default(element: DayDifference, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({end} AS DATE) - CAST({start} AS DATE))"


@compiles(DayDifference, "sqlite")
def _day_difference_sqlite(element: DayDifference, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday(date({end})) - julianday(date({start})) AS INTEGER)"


class AddMinutes(FunctionElement[Any]):
    """A date_time moved by a number of minutes: AddMinutes(value, minutes)."""

    type = sa.DateTime()
    name = "add_minutes"
    inherit_cache = True


@compiles(AddMinutes)
def _add_minutes_default(element: AddMinutes, compiler: Any, **kw: Any) -> str:
    value, minutes = (compiler.process(c, **kw) for c in element.clauses)
    return f"({value} + make_interval(0, 0, 0, 0, 0, CAST({minutes} AS INTEGER)))"


@compiles(AddMinutes, "sqlite")
def _add_minutes_sqlite(element: AddMinutes, compiler: Any, **kw: Any) -> str:
    value, minutes = (compiler.process(c, **kw) for c in element.clauses)
    return f"strftime('{SQLITE_DATE_TIME}', {value}, ({minutes}) || ' minutes')"


class AddDays(FunctionElement[Any]):
    """A date moved by a number of days: AddDays(value, days)."""

    type = sa.Date()
    name = "add_days"
    inherit_cache = True


@compiles(AddDays)
def _add_days_default(element: AddDays, compiler: Any, **kw: Any) -> str:
    value, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({value} AS DATE) + CAST({days} AS INTEGER))"


@compiles(AddDays, "sqlite")
def _add_days_sqlite(element: AddDays, compiler: Any, **kw: Any) -> str:
    value, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({value}, ({days}) || ' days')"


class DateTimeOf(FunctionElement[Any]):
    """A date as the date_time of its midnight."""

    type = sa.DateTime()
    name = "date_time_of"
    inherit_cache = True


@compiles(DateTimeOf)
def _date_time_of_default(element: DateTimeOf, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TIMESTAMP)"


@compiles(DateTimeOf, "sqlite")
def _date_time_of_sqlite(element: DateTimeOf, compiler: Any, **kw: Any) -> str:
    return f"strftime('{SQLITE_DATE_TIME}', {compiler.process(element.clauses, **kw)})"


class DisplayText(FunctionElement[str]):
    """A formula value as text, the same on both databases; one subclass per value type.

    Whole numbers get thousands separators (ShotGrid's CONCAT({code}, {id}) reads "charA1,226",
    sg-groundtruth field_types/calculated.md); decimals at most 6 places without trailing zeros;
    date_times 'YYYY-MM-DD HH:MM:SS'; dates 'YYYY-MM-DD'.
    """

    type = sa.Text()
    name = "display_text"
    inherit_cache = True
    value_type = "text"


class NumberText(DisplayText):
    inherit_cache = True
    value_type = "number"


class FloatText(DisplayText):
    inherit_cache = True
    value_type = "float"


class DateTimeText(DisplayText):
    inherit_cache = True
    value_type = "date_time"


@compiles(DisplayText)
def _display_text_default(element: DisplayText, compiler: Any, **kw: Any) -> str:
    text = compiler.process(element.clauses, **kw)
    if element.value_type == "number":
        return f"to_char({text}, 'FM9,999,999,999,999,999,990')"
    if element.value_type == "float":
        return f"rtrim(rtrim(to_char({text}, 'FM999999999999999990.000000'), '0'), '.')"
    if element.value_type == "date_time":
        return f"to_char({text}, 'YYYY-MM-DD HH24:MI:SS')"
    return f"CAST({text} AS TEXT)"


@compiles(DisplayText, "sqlite")
def _display_text_sqlite(element: DisplayText, compiler: Any, **kw: Any) -> str:
    text = compiler.process(element.clauses, **kw)
    if element.value_type == "number":
        return f"printf('%,d', {text})"
    if element.value_type == "float":
        return f"rtrim(rtrim(printf('%.6f', {text}), '0'), '.')"
    if element.value_type == "date_time":
        return f"strftime('%Y-%m-%d %H:%M:%S', {text})"
    return f"CAST({text} AS TEXT)"


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
        dbapi_connection.create_function("cs_upper", 1, _unicode_upper, deterministic=True)

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
