"""Credentials in SQL: accounts by login or script name, script keys, session tokens, and the
counters of failed authentications. site/auth.py decides what they mean; this module only reads
and writes them.

Failure counters are one row per key (`_cs_login_attempts.principal`): a source address, a
login, a login at an address. Counting is one atomic upsert per key (`failures = failures + 1`
in the database), so concurrent failures are never lost, and the table is kept small: rows
whose window passed are deleted, and past `max_rows` the oldest rows go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from callsheet.store.internal_tables import login_attempts, script_keys, sessions
from callsheet.store.prepared import run_prepared
from callsheet.store.store import RETIRED_COLUMN, Store

# -- accounts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRow:
    """A live account as authentication sees it."""

    entity_type: str
    id: int
    name: str | None
    secret_hash: str | None
    role_id: int | None
    generate_events: bool = True
    locked_until: dt.datetime | None = None


def person_by_login(store: Store, login: str) -> AccountRow | None:
    """The active, live HumanUser with this login (the lowest id if several)."""

    def build() -> sa.Select[Any]:
        table = store.table("HumanUser")
        return (
            sa.select(
                table.c.id,
                table.c.name,
                table.c.password_proxy,
                table.c.permission_rule_set__id,
                table.c.locked_until,
            )
            .where(
                table.c.login == sa.bindparam("login"),
                table.c.sg_status_list == "act",
                table.c[RETIRED_COLUMN].is_(None),
            )
            .order_by(table.c.id)
            .limit(1)
        )

    rows = run_prepared(store, ("person-by-login",), build, login=login)
    if not rows:
        return None
    row = rows[0]
    return AccountRow("HumanUser", row[0], row[1], row[2], row[3], locked_until=row[4])


def script_by_name(store: Store, name: str) -> AccountRow | None:
    """The live ApiUser with this script name and a key (the lowest id if several)."""

    def build() -> sa.Select[Any]:
        table = store.table("ApiUser")
        return (
            sa.select(
                table.c.id,
                table.c.firstname,
                script_keys.c.key_hash,
                table.c.permission_rule_set__id,
                table.c.generate_event_log_entries,
            )
            .join(script_keys, script_keys.c.script_id == table.c.id)
            .where(table.c.firstname == sa.bindparam("name"), table.c[RETIRED_COLUMN].is_(None))
            .order_by(table.c.id)
            .limit(1)
        )

    rows = run_prepared(store, ("script-by-name",), build, name=name)
    if not rows:
        return None
    row = rows[0]
    return AccountRow("ApiUser", row[0], row[1], row[2], row[3], row[4] is not False)


def account_by_id(store: Store, entity_type: str, entity_id: int) -> AccountRow | None:
    """The live account (people: active) with this id, without its secret."""
    human = entity_type == "HumanUser"

    def build() -> sa.Select[Any]:
        table = store.table(entity_type)
        name_column = table.c.name if human else table.c.firstname
        columns = [table.c.id, name_column, table.c.permission_rule_set__id]
        if human:
            columns.append(table.c.locked_until)
        statement = sa.select(*columns).where(
            table.c.id == sa.bindparam("id"), table.c[RETIRED_COLUMN].is_(None)
        )
        if human:
            statement = statement.where(table.c.sg_status_list == "act")
        return statement

    rows = run_prepared(store, ("account-by-id", entity_type), build, id=entity_id)
    if not rows:
        return None
    row = rows[0]
    locked = row[3] if human else None
    return AccountRow(entity_type, row[0], row[1], None, row[2], locked_until=locked)


def role_display_name(store: Store, role_id: int) -> str | None:
    """The display name of a PermissionRuleSet."""
    table = store.table("PermissionRuleSet")
    with store.read() as conn:
        return conn.execute(  # type: ignore[no-any-return]
            sa.select(table.c.display_name).where(table.c.id == role_id)
        ).scalar_one_or_none()


def person_has_password(store: Store, login: str) -> bool | None:
    """Whether the person with this login has a password (None: no such person)."""
    table = store.table("HumanUser")
    with store.read() as conn:
        row = conn.execute(sa.select(table.c.password_proxy).where(table.c.login == login)).first()
    return None if row is None else bool(row[0])


# -- script keys and sessions ------------------------------------------------------------------


def replace_script_key(store: Store, script_id: int, key_hash: str) -> None:
    """Store a script's key hash, replacing any earlier key, and end the script's sessions
    in the same transaction (tools using the old key stop at once)."""
    with store.write() as conn:
        conn.execute(sa.delete(script_keys).where(script_keys.c.script_id == script_id))
        conn.execute(sa.insert(script_keys).values(script_id=script_id, key_hash=key_hash))
        end_account_sessions(conn, "ApiUser", script_id)


def end_account_sessions(conn: Connection, entity_type: str, entity_id: int) -> None:
    """Delete every session of an account, inside the caller's transaction."""
    conn.execute(
        sa.delete(sessions).where(
            sessions.c.user_type == entity_type, sessions.c.user_id == entity_id
        )
    )


def insert_session(
    store: Store,
    token_hash: str,
    entity_type: str,
    entity_id: int,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    """A new session row (expired rows are deleted on the way)."""
    with store.write() as conn:
        conn.execute(sa.delete(sessions).where(sessions.c.expires_at <= now))
        conn.execute(
            sa.insert(sessions).values(
                token_hash=token_hash,
                user_type=entity_type,
                user_id=entity_id,
                created_at=now,
                expires_at=expires_at,
            )
        )


def session_account(store: Store, token_hash: str, now: dt.datetime) -> tuple[str, int] | None:
    """(entity type, id) of the unexpired session with this token hash."""

    def build() -> sa.Select[Any]:
        return sa.select(sessions.c.user_type, sessions.c.user_id, sessions.c.expires_at).where(
            sessions.c.token_hash == sa.bindparam("token_hash")
        )

    rows = run_prepared(store, ("session-account",), build, token_hash=token_hash)
    if not rows:
        return None
    user_type, user_id, expires_at = rows[0]
    if expires_at <= now:
        return None
    return user_type, user_id


def expire_session(store: Store, token_hash: str, now: dt.datetime) -> None:
    """End one session now."""
    with store.write() as conn:
        conn.execute(
            sa.update(sessions)
            .where(sessions.c.token_hash == token_hash)
            .values(expires_at=now - dt.timedelta(seconds=1))
        )


def expire_account_sessions(store: Store, entity_type: str, entity_id: int) -> None:
    """End every session of an account now (sign out everywhere)."""
    with store.write() as conn:
        end_account_sessions(conn, entity_type, entity_id)


def count_sessions(store: Store, entity_type: str, entity_id: int, now: dt.datetime) -> int:
    """How many unexpired sessions an account has."""
    with store.read() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).where(
                    sessions.c.user_type == entity_type,
                    sessions.c.user_id == entity_id,
                    sessions.c.expires_at > now,
                )
            ).scalar_one()
        )


# -- failure counters --------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempts:
    """The failures counted for one key in the current window, and until when it must wait."""

    failures: int = 0
    retry_after: dt.datetime | None = None


NO_ATTEMPTS = Attempts()


def read_attempts(
    store: Store, keys: Iterable[str], window_start: dt.datetime
) -> dict[str, Attempts]:
    """The counters of `keys` (absent or outside the window: no failures)."""
    wanted = sorted(set(keys))
    found = dict.fromkeys(wanted, NO_ATTEMPTS)
    names = [f"key_{n}" for n in range(len(wanted))]

    def build() -> sa.Select[Any]:
        table = login_attempts
        return sa.select(
            table.c.principal, table.c.failures, table.c.retry_after, table.c.last_failure_at
        ).where(table.c.principal.in_([sa.bindparam(name) for name in names]))

    rows = run_prepared(
        store, ("attempts", len(wanted)), build, **dict(zip(names, wanted, strict=True))
    )
    for key, failures, retry_after, last in rows:
        counted = failures if last is not None and last >= window_start else 0
        found[key] = Attempts(counted, retry_after)
    return found


def _insert(store: Store, table: sa.Table) -> sqlite.Insert | postgresql.Insert:
    return (sqlite.insert if store.dialect.is_sqlite else postgresql.insert)(table)


def record_failures(
    store: Store,
    keys: Iterable[str],
    now: dt.datetime,
    window_start: dt.datetime,
    wait_s: Callable[[str, int], float | None],
    max_rows: int,
) -> dict[str, int]:
    """Count one failure on each key, atomically; returns each key's count in the window.

    `wait_s(key, failures)` says how long that key must wait from now (None: it need not); a
    later retry_after already set is kept. Expired rows are deleted and the table is held to
    `max_rows` (the rows with the oldest failures go first).
    """
    table = login_attempts
    counts: dict[str, int] = {}
    restart = sa.or_(table.c.last_failure_at.is_(None), table.c.last_failure_at < window_start)
    with store.write() as conn:
        for key in sorted(set(keys)):  # one order everywhere: concurrent writers never deadlock
            insert = _insert(store, table).values(
                principal=key, failures=1, retry_after=None, last_failure_at=now
            )
            upsert = insert.on_conflict_do_update(
                index_elements=[table.c.principal],
                set_={
                    "failures": sa.case((restart, 1), else_=table.c.failures + 1),
                    "last_failure_at": now,
                },
            ).returning(table.c.failures)
            failures = int(conn.execute(upsert).scalar_one())
            counts[key] = failures
            wait = wait_s(key, failures)
            if wait is not None:
                until = now + dt.timedelta(seconds=wait)
                conn.execute(
                    sa.update(table)
                    .where(
                        table.c.principal == key,
                        sa.or_(table.c.retry_after.is_(None), table.c.retry_after < until),
                    )
                    .values(retry_after=until)
                )
        _prune(conn, now, window_start, max_rows)
    return counts


def _prune(conn: Connection, now: dt.datetime, window_start: dt.datetime, max_rows: int) -> None:
    table = login_attempts
    conn.execute(
        sa.delete(table).where(
            sa.or_(table.c.last_failure_at.is_(None), table.c.last_failure_at < window_start),
            sa.or_(table.c.retry_after.is_(None), table.c.retry_after <= now),
        )
    )
    total = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    if total > max_rows:
        oldest = (
            sa.select(table.c.principal)
            .order_by(table.c.last_failure_at, table.c.principal)
            .limit(total - max_rows)
        )
        conn.execute(sa.delete(table).where(table.c.principal.in_(oldest)))


def clear_attempts(store: Store, keys: Iterable[str] = (), prefixes: Iterable[str] = ()) -> None:
    """Forget the counters of `keys` and of every key starting with one of `prefixes`."""
    table = login_attempts
    conditions: list[sa.ColumnElement[bool]] = [table.c.principal.in_(sorted(set(keys)))]
    conditions += [table.c.principal.startswith(prefix, autoescape=True) for prefix in prefixes]
    with store.write() as conn:
        conn.execute(sa.delete(table).where(sa.or_(*conditions)))


def attempt_rows(store: Store) -> Mapping[str, int]:
    """Every counter row and its failures (for tests and diagnostics)."""
    table = login_attempts
    with store.read() as conn:
        return {
            key: failures
            for key, failures in conn.execute(sa.select(table.c.principal, table.c.failures))
        }
