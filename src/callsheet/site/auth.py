"""Who is calling: script name + key, login + password, session tokens, sudo, lockout.

ShotGrid re-sends the credentials with every request (reference §8), so `authenticate` runs per
request; a verified secret is remembered by its hash (argon2 is slow on purpose) but the account
is looked up every time, so a retired, disabled or locked account stops working at once. Every
refusal is the same AuthenticationFault (102), whichever part was wrong. Failed attempts are
counted per login in the database: after `slow_after` the account must wait (doubling) between
attempts, after `lock_after` it is locked for `lock_s` seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from threading import Lock
from typing import Any

import sqlalchemy as sa

from callsheet.faults import AuthenticationFault, PermissionFault, ValueFault
from callsheet.site.actor import Actor
from callsheet.site.site import Site
from callsheet.store.internal_tables import (
    login_attempts,
    script_keys,
    sessions,
)
from callsheet.store.secrets import hash_secret, verify_secret
from callsheet.store.store import RETIRED_COLUMN, now_utc

AUTH_FAILED = "Can't authenticate: wrong credentials, or an expired or locked session."
_VERIFIED_MAX = 4096
MAX_CREDENTIAL_CHARS = 255


@dataclass(frozen=True)
class AuthPolicy:
    """Session lifetime and the failed-login throttle."""

    session_lifetime_s: int = 24 * 3600
    slow_after: int = 3
    lock_after: int = 10
    lock_s: int = 15 * 60
    max_backoff_s: int = 60


@dataclass(frozen=True)
class Principal:
    """An account found by its credentials: the stored secret hash and the actor it acts as."""

    entity_type: str
    id: int
    name: str | None
    secret_hash: str | None
    role_id: int | None
    generate_events: bool = True
    locked_until: dt.datetime | None = None

    def actor(self, session_uuid: str | None) -> Actor:
        return Actor(
            self.entity_type,
            self.id,
            self.name,
            session_uuid=session_uuid,
            generate_events=self.generate_events,
        )


class _VerifiedSecrets:
    """Remembers (account, stored hash, secret digest) triples argon2 already accepted."""

    def __init__(self) -> None:
        self._seen: OrderedDict[tuple[str, int, str, str], None] = OrderedDict()
        self._lock = Lock()

    def check(self, principal: Principal, secret: str) -> bool:
        if not principal.secret_hash:
            return False
        digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
        key = (principal.entity_type, principal.id, principal.secret_hash, digest)
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return True
        if not verify_secret(principal.secret_hash, secret):
            return False
        with self._lock:
            self._seen[key] = None
            while len(self._seen) > _VERIFIED_MAX:
                self._seen.popitem(last=False)
        return True


_verified = _VerifiedSecrets()


def _text(credentials: Mapping[str, Any], key: str) -> str | None:
    value = credentials.get(key)
    if value is None:
        return None
    # no account has such a name or secret; refuse before any SQL (PostgreSQL rejects NUL)
    if not isinstance(value, str) or "\x00" in value or len(value) > MAX_CREDENTIAL_CHARS:
        raise AuthenticationFault(AUTH_FAILED)
    return value


def authenticate(site: Site, credentials: Any, policy: AuthPolicy | None = None) -> Actor:
    """The Actor for one request's auth dict (reference §2); AuthenticationFault when refused."""
    policy = policy or AuthPolicy()
    if not isinstance(credentials, dict):
        raise AuthenticationFault(AUTH_FAILED)
    session_uuid = credentials.get("session_uuid")
    if session_uuid is not None and (
        not isinstance(session_uuid, str)
        or "\x00" in session_uuid
        or len(session_uuid) > MAX_CREDENTIAL_CHARS
    ):
        raise ValueFault(f"session_uuid must be a short string, got {session_uuid!r}.")
    login = _text(credentials, "user_login")
    script = _text(credentials, "script_name")
    token = _text(credentials, "session_token")
    if login is not None:
        principal = _checked_secret(
            site, policy, "HumanUser", login, _text(credentials, "user_password") or ""
        )
    elif script is not None:
        principal = _checked_secret(
            site, policy, "ApiUser", script, _text(credentials, "script_key") or ""
        )
    elif token is not None:
        principal = _session_principal(site, token)
    else:
        raise AuthenticationFault(AUTH_FAILED)
    actor = principal.actor(session_uuid)
    sudo_login = credentials.get("sudo_as_login")
    if sudo_login is not None:
        actor = _sudo(site, principal, actor, sudo_login, session_uuid)
    return actor


def _checked_secret(
    site: Site, policy: AuthPolicy, entity_type: str, name: str, secret: str
) -> Principal:
    key = f"{entity_type}:{name}"
    now = now_utc()
    with site.store.read() as conn:
        attempt = conn.execute(
            sa.select(login_attempts.c.failures, login_attempts.c.retry_after).where(
                login_attempts.c.principal == key
            )
        ).first()
    retry_after = attempt.retry_after if attempt is not None else None
    throttled = retry_after is not None and retry_after > now
    principal = _principal(site, entity_type, name)
    ok = principal is not None and _verified.check(principal, secret)
    if principal is not None and principal.locked_until is not None:
        ok = ok and principal.locked_until <= now
    if ok and not throttled:
        if attempt is not None:
            with site.store.write() as conn:
                conn.execute(sa.delete(login_attempts).where(login_attempts.c.principal == key))
        return principal  # type: ignore[return-value]
    if not ok:
        _record_failure(site, policy, key, attempt.failures if attempt else 0, now)
    raise AuthenticationFault(AUTH_FAILED)


def _record_failure(
    site: Site, policy: AuthPolicy, key: str, previous: int, now: dt.datetime
) -> None:
    failures = previous + 1
    retry_after = None
    if failures >= policy.lock_after:
        retry_after = now + dt.timedelta(seconds=policy.lock_s)
    elif failures >= policy.slow_after:
        wait = min(2 ** (failures - policy.slow_after), policy.max_backoff_s)
        retry_after = now + dt.timedelta(seconds=wait)
    values = {"failures": failures, "retry_after": retry_after}
    with site.store.write() as conn:
        updated = conn.execute(
            sa.update(login_attempts).where(login_attempts.c.principal == key).values(**values)
        ).rowcount
        if not updated:
            conn.execute(sa.insert(login_attempts).values(principal=key, **values))


def _principal(site: Site, entity_type: str, name: str) -> Principal | None:
    """The live account with this login (HumanUser, active only) or script name (ApiUser)."""
    table = site.store.table(entity_type)
    if entity_type == "HumanUser":
        statement = sa.select(
            table.c.id,
            table.c.name,
            table.c.password_proxy,
            table.c.permission_rule_set__id,
            table.c.locked_until,
        ).where(
            table.c.login == name,
            table.c.sg_status_list == "act",
            table.c[RETIRED_COLUMN].is_(None),
        )
        with site.store.read() as conn:
            row = conn.execute(statement.order_by(table.c.id)).first()
        if row is None:
            return None
        return Principal("HumanUser", row[0], row[1], row[2], row[3], locked_until=row[4])
    statement = (
        sa.select(
            table.c.id,
            table.c.firstname,
            script_keys.c.key_hash,
            table.c.permission_rule_set__id,
            table.c.generate_event_log_entries,
        )
        .join(script_keys, script_keys.c.script_id == table.c.id)
        .where(table.c.firstname == name, table.c[RETIRED_COLUMN].is_(None))
    )
    with site.store.read() as conn:
        row = conn.execute(statement.order_by(table.c.id)).first()
    if row is None:
        return None
    return Principal("ApiUser", row[0], row[1], row[2], row[3], row[4] is not False)


def _principal_by_id(site: Site, entity_type: str, entity_id: int) -> Principal | None:
    table = site.store.table(entity_type)
    name_column = table.c.name if entity_type == "HumanUser" else table.c.firstname
    statement = sa.select(table.c.id, name_column, table.c.permission_rule_set__id).where(
        table.c.id == entity_id, table.c[RETIRED_COLUMN].is_(None)
    )
    if entity_type == "HumanUser":
        statement = statement.where(table.c.sg_status_list == "act")
    with site.store.read() as conn:
        row = conn.execute(statement).first()
    if row is None:
        return None
    return Principal(entity_type, row[0], row[1], None, row[2])


def _session_principal(site: Site, token: str) -> Principal:
    digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
    with site.store.read() as conn:
        row = conn.execute(
            sa.select(sessions.c.user_type, sessions.c.user_id, sessions.c.expires_at).where(
                sessions.c.token_hash == digest
            )
        ).first()
    if row is None or row.expires_at <= now_utc():
        raise AuthenticationFault(AUTH_FAILED)
    principal = _principal_by_id(site, row.user_type, row.user_id)
    if principal is None:
        raise AuthenticationFault(AUTH_FAILED)
    return principal


def role_name(site: Site, role_id: int | None) -> str | None:
    """The display name of a PermissionRuleSet ("API Admin", "Artist", ...)."""
    if role_id is None:
        return None
    table = site.store.table("PermissionRuleSet")
    with site.store.read() as conn:
        return conn.execute(
            sa.select(table.c.display_name).where(table.c.id == role_id)
        ).scalar_one_or_none()


def _sudo(
    site: Site, principal: Principal, actor: Actor, login: Any, session_uuid: str | None
) -> Actor:
    """Act as another person, if the caller's role may sudo (site/permissions/). A role that may
    sudo but does not manage the site cannot become someone who does."""
    refused = PermissionFault(f"The user does not have permission to 'sudo': {login}")
    if not isinstance(login, str) or "\x00" in login or len(login) > MAX_CREDENTIAL_CHARS:
        raise refused
    permissions = site.permissions_for(actor)
    if not permissions.may_sudo:
        raise refused
    target = _principal(site, "HumanUser", login)
    if target is None:
        raise refused
    became = replace(target.actor(session_uuid), sudo_actual=actor)
    if site.permissions_for(became).is_admin and not permissions.is_admin:
        raise refused
    return became


def issue_session_token(site: Site, actor: Actor, policy: AuthPolicy | None = None) -> str:
    """A new random session token for the actor; only its SHA-256 is stored."""
    policy = policy or AuthPolicy()
    token = secrets.token_hex(32)
    now = now_utc()
    with site.store.write() as conn:
        conn.execute(sa.delete(sessions).where(sessions.c.expires_at <= now))
        conn.execute(
            sa.insert(sessions).values(
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                user_type=actor.entity_type,
                user_id=actor.id,
                created_at=now,
                expires_at=now + dt.timedelta(seconds=policy.session_lifetime_s),
            )
        )
    return token


def expire_session_token(site: Site, token: str) -> None:
    """End a session now (logout; tests of expiry)."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    with site.store.write() as conn:
        conn.execute(
            sa.update(sessions)
            .where(sessions.c.token_hash == digest)
            .values(expires_at=now_utc() - dt.timedelta(seconds=1))
        )


def unlock(site: Site, entity_type: str, name: str) -> None:
    """Forget the failed attempts of a login or script name."""
    with site.store.write() as conn:
        conn.execute(
            sa.delete(login_attempts).where(login_attempts.c.principal == f"{entity_type}:{name}")
        )


def set_script_key(site: Site, script_id: int, key: str) -> None:
    """Store a script's key, argon2-hashed, replacing any earlier key."""
    if not key:
        raise ValueFault("A script key must not be empty.")
    key_hash = hash_secret(key)
    with site.store.write() as conn:
        conn.execute(sa.delete(script_keys).where(script_keys.c.script_id == script_id))
        conn.execute(sa.insert(script_keys).values(script_id=script_id, key_hash=key_hash))


def new_script_key() -> str:
    """A strong random script key (256 bits), in the hex form ShotGrid keys have."""
    return secrets.token_hex(32)
