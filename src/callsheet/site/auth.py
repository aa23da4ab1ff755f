"""Who is calling: script name + key, login + password, session tokens, sudo, and the throttle.

ShotGrid re-sends the credentials with every request (reference §8), so `authenticate` runs per
request; a verified secret is remembered by its hash (argon2 is slow on purpose) but the account
is looked up every time, so a retired, disabled or locked account stops working at once. Every
refusal is the same AuthenticationFault (102), whichever part was wrong.

Guessing is slowed down without letting anyone lock an account out (the rows live in the
database, store/credentials.py, so every server process sees them):
- Script keys are 256-bit random, so guessing one is hopeless; failures are counted per source
  address, and an address with `key_failures_per_address` failures in the window must wait
  (doubling, up to `max_backoff_s`) before its next key is even checked. The right key from
  another address always works.
- Passwords: a login at one address gets `password_failures_per_login_and_address` tries, an
  address `password_failures_per_address` tries over all logins (spraying), then they wait the
  same way. Against guessers spread over many addresses, each login's failures in the window
  (from anywhere) delay every later check of that login, right or wrong, by up to
  `max_delay_s`; the right password is then accepted, so the owner is slowed, never locked out.
  The delay happens in the server, off the worker threads (LoginDelayFault asks for it).
- Timing does not tell the answer: unknown logins and accounts without a password are checked
  against a dummy argon2 hash; a throttled attempt is refused before any check, whatever it
  holds; the delay is decided before the check. Failures are counted with one atomic upsert per
  counter, so concurrent guesses are all counted.
The source address is the caller's (the server passes it in; the engine knows no HTTP).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from threading import Lock
from typing import Any

from callsheet.faults import AuthenticationFault, PermissionFault, ValueFault
from callsheet.site.actor import Actor
from callsheet.site.site import Site
from callsheet.store import credentials
from callsheet.store.credentials import AccountRow, Attempts
from callsheet.store.secrets import hash_secret, verify_secret
from callsheet.store.store import now_utc

AUTH_FAILED = "Can't authenticate: wrong credentials, or an expired or locked session."
_VERIFIED_MAX = 4096
MAX_CREDENTIAL_CHARS = 255
# Where a caller's address is unknown (in-process calls, tests without a server).
UNKNOWN_SOURCE = "-"


@dataclass(frozen=True)
class AuthPolicy:
    """Session lifetime and the throttle of failed authentications (module docstring)."""

    session_lifetime_s: int = 24 * 3600
    # failures older than this are forgotten
    failure_window_s: int = 15 * 60
    key_failures_per_address: int = 10
    password_failures_per_login_and_address: int = 5
    password_failures_per_address: int = 100
    # after this many failures of one login (from anywhere) each check of it waits 1, 2, 4 ... s
    slow_after: int = 5
    max_delay_s: float = 4.0
    # a throttled address (or login at an address) waits this long, doubling, up to the max
    backoff_start_s: float = 1.0
    max_backoff_s: float = 60.0
    # the counters table never holds more rows than this
    max_attempt_rows: int = 50_000

    def delay_s(self, login_failures: int) -> float:
        """How long a check of a login waits after this many failures from anywhere."""
        if login_failures < self.slow_after:
            return 0.0
        return float(min(2 ** (login_failures - self.slow_after), self.max_delay_s))

    def backoff_s(self, failures: int, allowed: int) -> float | None:
        """How long an address (or login at an address) waits after `failures` (None: no)."""
        if failures < allowed:
            return None
        return min(self.backoff_start_s * 2 ** min(failures - allowed, 30), self.max_backoff_s)


class LoginDelayFault(AuthenticationFault):
    """This login is under attack: wait `seconds`, then ask again with `waited=True`.

    An AuthenticationFault, so a caller that does not wait simply sees a refusal.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(AUTH_FAILED)
        self.seconds = seconds


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

    @classmethod
    def of(cls, row: AccountRow) -> Principal:
        return cls(
            row.entity_type,
            row.id,
            row.name,
            row.secret_hash,
            row.role_id,
            row.generate_events,
            row.locked_until,
        )

    def actor(self, session_uuid: str | None) -> Actor:
        return Actor(
            self.entity_type,
            self.id,
            self.name,
            session_uuid=session_uuid,
            generate_events=self.generate_events,
        )

    def locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


@cache
def _dummy_hash() -> str:
    """An argon2 hash nobody's secret matches, with the same cost as real ones."""
    return hash_secret(secrets.token_hex(32))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class _VerifiedSecrets:
    """Remembers the secrets argon2 already accepted: (account, stored hash, secret digest,
    source address). A password is remembered per address, so a guesser elsewhere never gets
    a fast answer for the right password while every wrong one waits."""

    def __init__(self) -> None:
        self._seen: OrderedDict[tuple[str, int, str, str, str], None] = OrderedDict()
        self._lock = Lock()

    def _key(
        self, principal: Principal, secret: str, source: str
    ) -> tuple[str, int, str, str, str]:
        return (
            principal.entity_type,
            principal.id,
            principal.secret_hash or "",
            _digest(secret),
            source,
        )

    def seen(self, principal: Principal, secret: str, source: str) -> bool:
        if not principal.secret_hash:
            return False
        key = self._key(principal, secret, source)
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return True
        return False

    def remember(self, principal: Principal, secret: str, source: str) -> None:
        with self._lock:
            self._seen[self._key(principal, secret, source)] = None
            while len(self._seen) > _VERIFIED_MAX:
                self._seen.popitem(last=False)


# A memo of argon2's answer, a pure function of (stored hash, secret): keyed by the stored hash,
# so a changed secret misses it; another process without it just runs argon2 itself.
_verified = _VerifiedSecrets()


def _check_secret(principal: Principal | None, secret: str) -> bool:
    """One argon2 verification, whether or not the account exists or has a secret."""
    stored = principal.secret_hash if principal is not None else None
    matched = verify_secret(stored or _dummy_hash(), secret)
    return matched and principal is not None and bool(stored)


def _text(credentials: Mapping[str, Any], key: str) -> str | None:
    value = credentials.get(key)
    if value is None:
        return None
    # no account has such a name or secret; refuse before any SQL (PostgreSQL rejects NUL)
    if not isinstance(value, str) or "\x00" in value or len(value) > MAX_CREDENTIAL_CHARS:
        raise AuthenticationFault(AUTH_FAILED)
    return value


def _source(source: str | None) -> str:
    if not source:
        return UNKNOWN_SOURCE
    return source[:64]


def authenticate(
    site: Site,
    credentials: Any,
    policy: AuthPolicy | None = None,
    *,
    source: str | None = None,
    waited: bool = False,
) -> Actor:
    """The Actor for one request's auth dict (reference §2); AuthenticationFault when refused.

    `source` is the caller's address. LoginDelayFault asks the caller to wait its `seconds`
    and call again with `waited=True` (the server waits on its event loop).
    """
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
    address = _source(source)
    if login is not None:
        password = _text(credentials, "user_password") or ""
        principal = _password_principal(site, policy, login, password, address, waited)
    elif script is not None:
        key = _text(credentials, "script_key") or ""
        principal = _key_principal(site, policy, script, key, address)
    elif token is not None:
        principal = _session_principal(site, token)
    else:
        raise AuthenticationFault(AUTH_FAILED)
    actor = principal.actor(session_uuid)
    sudo_login = credentials.get("sudo_as_login")
    if sudo_login is not None:
        actor = _sudo(site, principal, actor, sudo_login, session_uuid)
    return actor


# -- counter keys ------------------------------------------------------------------------------


def key_address_key(address: str) -> str:
    """The counter of wrong script keys from one address."""
    return f"key-address:{address}"


def password_address_key(address: str) -> str:
    """The counter of wrong passwords from one address, over all logins."""
    return f"password-address:{address}"


def login_key(login: str) -> str:
    """The counter of wrong passwords for one login, from anywhere."""
    return f"login:{login}"


def _login_prefix(login: str) -> str:
    return f"login-address:{_digest(login)[:32]}:"


def login_address_key(login: str, address: str) -> str:
    """The counter of wrong passwords for one login from one address."""
    return _login_prefix(login) + address


def _throttled(attempts: Attempts, now: dt.datetime) -> bool:
    return attempts.retry_after is not None and attempts.retry_after > now


def _window_start(policy: AuthPolicy, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=policy.failure_window_s)


def _password_principal(
    site: Site, policy: AuthPolicy, login: str, password: str, address: str, waited: bool
) -> Principal:
    now = now_utc()
    pair, per_login, per_address = (
        login_address_key(login, address),
        login_key(login),
        password_address_key(address),
    )
    attempts = credentials.read_attempts(
        site.store, (pair, per_login, per_address), _window_start(policy, now)
    )
    if _throttled(attempts[pair], now) or _throttled(attempts[per_address], now):
        raise AuthenticationFault(AUTH_FAILED)  # before any check: the answer tells nothing
    row = credentials.person_by_login(site.store, login)
    principal = Principal.of(row) if row is not None else None
    if (
        principal is not None
        and not principal.locked(now)
        and _verified.seen(principal, password, address)
    ):
        return principal
    delay = policy.delay_s(attempts[per_login].failures)
    if delay and not waited:
        raise LoginDelayFault(delay)  # decided before the check, so right and wrong wait alike
    if _check_secret(principal, password) and principal is not None and not principal.locked(now):
        if attempts[pair].failures:
            credentials.clear_attempts(site.store, [pair])
        _verified.remember(principal, password, address)
        return principal
    limits = {
        pair: policy.password_failures_per_login_and_address,
        per_address: policy.password_failures_per_address,
    }
    _count_failure(site, policy, limits, [per_login], now)
    raise AuthenticationFault(AUTH_FAILED)


def _key_principal(site: Site, policy: AuthPolicy, name: str, key: str, address: str) -> Principal:
    now = now_utc()
    counter = key_address_key(address)
    attempts = credentials.read_attempts(site.store, [counter], _window_start(policy, now))
    if _throttled(attempts[counter], now):
        raise AuthenticationFault(AUTH_FAILED)
    row = credentials.script_by_name(site.store, name)
    principal = Principal.of(row) if row is not None else None
    if principal is not None and _verified.seen(principal, key, UNKNOWN_SOURCE):
        return principal
    if _check_secret(principal, key) and principal is not None:
        _verified.remember(principal, key, UNKNOWN_SOURCE)  # 256-bit keys: any address
        return principal
    _count_failure(site, policy, {counter: policy.key_failures_per_address}, [], now)
    raise AuthenticationFault(AUTH_FAILED)


def _count_failure(
    site: Site,
    policy: AuthPolicy,
    limits: Mapping[str, int],
    delayed: list[str],
    now: dt.datetime,
) -> None:
    def wait_s(key: str, failures: int) -> float | None:
        return policy.backoff_s(failures, limits[key]) if key in limits else None

    credentials.record_failures(
        site.store,
        [*limits, *delayed],
        now,
        _window_start(policy, now),
        wait_s,
        policy.max_attempt_rows,
    )


def _session_principal(site: Site, token: str) -> Principal:
    now = now_utc()
    found = credentials.session_account(site.store, _digest(token), now)
    if found is None:
        raise AuthenticationFault(AUTH_FAILED)
    row = credentials.account_by_id(site.store, *found)
    if row is None or (row.locked_until is not None and row.locked_until > now):
        raise AuthenticationFault(AUTH_FAILED)
    return Principal.of(row)


def role_name(site: Site, role_id: int | None) -> str | None:
    """The display name of a PermissionRuleSet ("API Admin", "Artist", ...)."""
    if role_id is None:
        return None
    return credentials.role_display_name(site.store, role_id)


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
    row = credentials.person_by_login(site.store, login)
    if row is None:
        raise refused
    became = replace(Principal.of(row).actor(session_uuid), sudo_actual=actor)
    if site.permissions_for(became).is_admin and not permissions.is_admin:
        raise refused
    return became


def issue_session_token(site: Site, actor: Actor, policy: AuthPolicy | None = None) -> str:
    """A new random session token for the actor; only its SHA-256 is stored."""
    policy = policy or AuthPolicy()
    token = secrets.token_hex(32)
    now = now_utc()
    expires = now + dt.timedelta(seconds=policy.session_lifetime_s)
    credentials.insert_session(
        site.store, _digest(token), actor.entity_type, actor.id, now, expires
    )
    return token


def expire_session_token(site: Site, token: str) -> None:
    """End a session now (logout; tests of expiry)."""
    credentials.expire_session(site.store, _digest(token), now_utc())


def unlock(site: Site, login: str | None = None, *, address: str | None = None) -> None:
    """Forget the failed attempts of a login (from every address) and/or of an address."""
    keys, prefixes = [], []
    if login is not None:
        keys.append(login_key(login))
        prefixes.append(_login_prefix(login))
    if address is not None:
        keys += [key_address_key(address), password_address_key(address)]
    credentials.clear_attempts(site.store, keys, prefixes)


def set_script_key(site: Site, script_id: int, key: str) -> None:
    """Store a script's key, argon2-hashed, replacing any earlier key; the script's sessions
    end in the same transaction (every tool using the old key stops)."""
    if not key:
        raise ValueFault("A script key must not be empty.")
    credentials.replace_script_key(site.store, script_id, hash_secret(key))


def new_script_key() -> str:
    """A strong random script key (256 bits), in the hex form ShotGrid keys have."""
    return secrets.token_hex(32)
