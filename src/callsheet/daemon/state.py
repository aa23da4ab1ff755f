"""The daemon's durable state: one cursor per callback in a SQLite file, one transaction per step.

A cursor is the id of the last event the callback is done with. Before each call the event is
recorded as in flight with its attempt number, so a crash re-delivers only that event (and the
callback can see it is a retry). Cursors never move backwards.

The file is in WAL mode. With `sync="normal"` (the default) a commit is written to the kernel
before the call it records, which survives the daemon being killed (kill -9, OOM, a crash) but
not a power cut or an OS crash, after which the last few commits may roll back: events are then
delivered again, never lost. `sync="full"` fsyncs every commit and survives a power cut too.
These are SQLite's documented guarantees for `PRAGMA synchronous` in WAL mode
(https://www.sqlite.org/pragma.html#pragma_synchronous); what each costs is measured by
bench/bench_daemon_latency.py (docs/benchmarks.md).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_MS = 30_000
SYNC_PRAGMAS = {"normal": "NORMAL", "full": "FULL"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS cursors (
    plugin TEXT NOT NULL,
    callback TEXT NOT NULL,
    cursor INTEGER NOT NULL,
    inflight_id INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    delivered INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_at REAL,
    updated_at REAL,
    PRIMARY KEY (plugin, callback)
);
CREATE TABLE IF NOT EXISTS plugins (
    plugin TEXT PRIMARY KEY,
    parked INTEGER NOT NULL DEFAULT 0,
    parked_callback TEXT,
    parked_event INTEGER,
    parked_reason TEXT,
    parked_at REAL
);
CREATE TABLE IF NOT EXISTS daemon (key TEXT PRIMARY KEY, value);
"""


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch the file to WAL, retrying while another process opens it at the same moment.

    Changing the journal mode does not wait on the busy timeout: a `callsheet daemon status` (or
    a second reader) opening a brand-new state file as the daemon starts made the daemon fail with
    "database is locked".
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class StateFile:
    """Cursors, parked plugins and the newest seen event id; safe to share between threads."""

    def __init__(self, path: str | Path, sync: str = "normal") -> None:
        self.path = Path(path)
        self._sync_pragma = SYNC_PRAGMAS[sync]
        self._local = threading.local()
        self._connection().executescript(SCHEMA)  # executescript commits on its own

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            _use_wal(db)
            db.execute(f"PRAGMA synchronous={self._sync_pragma}")  # per connection in SQLite
            db.row_factory = sqlite3.Row
            self._local.db = db
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # cursors ---------------------------------------------------------------------------------

    def cursors(self, plugin: str) -> dict[str, int]:
        """The plugin's cursors by callback name."""
        rows = self._connection().execute(
            "SELECT callback, cursor FROM cursors WHERE plugin = ?", (plugin,)
        )
        return {row["callback"]: row["cursor"] for row in rows}

    def ensure_cursor(self, plugin: str, callback: str, start: int) -> int:
        """The callback's cursor, created at `start` when the callback is new."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO cursors (plugin, callback, cursor, updated_at)"
                " VALUES (?, ?, ?, ?)",
                (plugin, callback, start, time.time()),
            )
            row = db.execute(
                "SELECT cursor FROM cursors WHERE plugin = ? AND callback = ?", (plugin, callback)
            ).fetchone()
        return int(row["cursor"])

    def begin_attempt(self, plugin: str, callback: str, event_id: int) -> int:
        """Record `event_id` as in flight for the callback; returns the attempt number (1, 2…)."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT inflight_id, attempts FROM cursors WHERE plugin = ? AND callback = ?",
                (plugin, callback),
            ).fetchone()
            attempt = row["attempts"] + 1 if row and row["inflight_id"] == event_id else 1
            db.execute(
                "UPDATE cursors SET inflight_id = ?, attempts = ?, updated_at = ?"
                " WHERE plugin = ? AND callback = ?",
                (event_id, attempt, time.time(), plugin, callback),
            )
        return attempt

    def finish(self, plugin: str, callback: str, event_id: int, delivered: bool = True) -> None:
        """The callback is done with `event_id`: move its cursor there, clear the in-flight mark."""
        with self._transaction() as db:
            db.execute(
                "UPDATE cursors SET cursor = MAX(cursor, ?), inflight_id = NULL, attempts = 0,"
                " delivered = delivered + ?, updated_at = ? WHERE plugin = ? AND callback = ?",
                (event_id, int(delivered), time.time(), plugin, callback),
            )

    def advance(self, plugin: str, callbacks: list[str], event_id: int) -> None:
        """Move several callbacks' cursors to `event_id` (events they do not match)."""
        if not callbacks:
            return
        with self._transaction() as db:
            db.executemany(
                "UPDATE cursors SET cursor = MAX(cursor, ?), updated_at = ?"
                " WHERE plugin = ? AND callback = ? AND inflight_id IS NULL",
                [(event_id, time.time(), plugin, name) for name in callbacks],
            )

    def record_error(self, plugin: str, callback: str, message: str) -> None:
        """Remember the callback's last error for `status`."""
        with self._transaction() as db:
            db.execute(
                "UPDATE cursors SET last_error = ?, last_error_at = ?"
                " WHERE plugin = ? AND callback = ?",
                (message, time.time(), plugin, callback),
            )

    # parking ---------------------------------------------------------------------------------

    def park(self, plugin: str, callback: str, event_id: int, reason: str) -> None:
        """Stop delivering to the plugin until `retry` or `skip`."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO plugins (plugin, parked, parked_callback, parked_event,"
                " parked_reason, parked_at) VALUES (?, 1, ?, ?, ?, ?)"
                " ON CONFLICT (plugin) DO UPDATE SET parked = 1, parked_callback = excluded."
                "parked_callback, parked_event = excluded.parked_event,"
                " parked_reason = excluded.parked_reason, parked_at = excluded.parked_at",
                (plugin, callback, event_id, reason, time.time()),
            )

    def is_parked(self, plugin: str) -> bool:
        """Whether the plugin waits for an operator."""
        row = (
            self._connection()
            .execute("SELECT parked FROM plugins WHERE plugin = ?", (plugin,))
            .fetchone()
        )
        return bool(row and row["parked"])

    def retry(self, plugin: str) -> bool:
        """Unpark: the failed event is delivered again. False when the plugin was not parked."""
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE plugins SET parked = 0 WHERE plugin = ? AND parked = 1", (plugin,)
            ).rowcount
        return bool(changed)

    def skip(self, plugin: str) -> int | None:
        """Unpark past the failed event; returns its id, None when the plugin was not parked."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT parked_callback, parked_event FROM plugins WHERE plugin = ? AND parked = 1",
                (plugin,),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE cursors SET cursor = MAX(cursor, ?), inflight_id = NULL, attempts = 0"
                " WHERE plugin = ? AND callback = ?",
                (row["parked_event"], plugin, row["parked_callback"]),
            )
            db.execute("UPDATE plugins SET parked = 0 WHERE plugin = ?", (plugin,))
        return int(row["parked_event"])

    # daemon-wide -----------------------------------------------------------------------------

    def note_newest(self, event_id: int) -> None:
        """Remember the newest event id seen on the server (for lag in `status`)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO daemon (key, value) VALUES ('newest_event_id', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
                (event_id,),
            )

    def newest(self) -> int | None:
        """The newest event id any worker has seen."""
        row = (
            self._connection()
            .execute("SELECT value FROM daemon WHERE key = 'newest_event_id'")
            .fetchone()
        )
        return None if row is None else int(row["value"])

    def rows(self) -> list[dict[str, Any]]:
        """Every callback's state joined with its plugin's parking, for `status`."""
        rows = self._connection().execute(
            "SELECT c.*, COALESCE(p.parked, 0) AS parked, p.parked_callback, p.parked_event,"
            " p.parked_reason FROM cursors c LEFT JOIN plugins p ON p.plugin = c.plugin"
            " ORDER BY c.plugin, c.rowid"
        )
        return [dict(row) for row in rows]
