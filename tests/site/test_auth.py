"""Authentication under attack: throttles by source address, slow-downs that never lock the owner
out, atomic counting, timing that does not tell the answer, a bounded counters table.

Timing equality is checked by structure (how many argon2 checks ran, what was written), never by
the clock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from callsheet.client import Shotgun
from callsheet.faults import AuthenticationFault
from callsheet.site import auth
from callsheet.site.accounts import create_script, create_user
from callsheet.site.auth import (
    AuthPolicy,
    LoginDelayFault,
    authenticate,
    key_address_key,
    login_address_key,
    login_key,
    unlock,
)
from callsheet.site.site import Site
from callsheet.store import credentials

KEY = "k" * 64
PASSWORD = "the right password"
ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"
# a throttled address waits ten minutes: no test can outlast it, however slow the machine
PATIENT = AuthPolicy(backoff_start_s=600, max_backoff_s=600)


@pytest.fixture
def site(sg: Shotgun) -> Site:
    create_script(sg.site, "render farm", KEY)
    create_user(sg.site, "ana", "Ana Lyst", PASSWORD)
    return sg.site


@pytest.fixture(autouse=True)
def argon2_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str | None]]:
    """Every argon2 verification authenticate runs (the stored hash it checked against).

    Only the right secrets are really checked: a wrong guess would cost a real argon2 run (half
    a second on a loaded machine) and these tests make hundreds; what they assert is that a
    check runs, not how long it takes.
    """
    seen: list[str | None] = []
    real = auth.verify_secret

    def counting(stored: str | None, secret: str) -> bool:
        seen.append(stored)
        return secret in (PASSWORD, KEY) and real(stored, secret)

    monkeypatch.setattr(auth, "verify_secret", counting)
    auth._verified._seen.clear()  # remembered secrets would skip argon2
    yield seen
    auth._verified._seen.clear()


def script(key: str) -> dict[str, Any]:
    return {"script_name": "render farm", "script_key": key}


def person(password: str, login: str = "ana") -> dict[str, Any]:
    return {"user_login": login, "user_password": password}


def refused(
    site: Site, credentials: dict[str, Any], policy: AuthPolicy | None = None, **kwargs: Any
) -> AuthenticationFault:
    with pytest.raises(AuthenticationFault) as raised:
        authenticate(site, credentials, policy, **kwargs)
    return raised.value


def failures(site: Site, key: str) -> int:
    return credentials.attempt_rows(site.store).get(key, 0)


# -- 3. no lock-out without credentials ------------------------------------------------------


def test_wrong_keys_throttle_their_address_not_the_script(site: Site) -> None:
    policy = PATIENT
    for _ in range(policy.key_failures_per_address + 2):
        refused(site, script("wrong"), policy, source=ATTACKER)
    # the attacker's address waits, even with the right key ...
    refused(site, script(KEY), policy, source=ATTACKER)
    # ... but the script itself works from anywhere else, at once
    assert authenticate(site, script(KEY), policy, source=OWNER).entity_type == "ApiUser"


def test_wrong_passwords_throttle_the_guesser_and_only_slow_the_owner(site: Site) -> None:
    policy = PATIENT
    for _ in range(policy.password_failures_per_login_and_address):
        refused(site, person("guess"), policy, source=ATTACKER)
    refused(site, person(PASSWORD), policy, source=ATTACKER)  # the guesser's address waits
    # the owner elsewhere is asked to wait a moment (the login is under attack) ...
    delay = refused(site, person(PASSWORD), policy, source=OWNER)
    assert isinstance(delay, LoginDelayFault)
    assert 0 < delay.seconds <= policy.max_delay_s
    # ... and is then let in: never refused with the right password
    actor = authenticate(site, person(PASSWORD), policy, source=OWNER, waited=True)
    assert actor.entity_type == "HumanUser"


def test_login_delay_never_grows_past_the_cap(site: Site) -> None:
    policy = AuthPolicy(max_delay_s=3.0)
    for number in range(40):  # a guesser spread over many addresses
        refused(site, person("guess"), policy, source=f"192.0.2.{number}", waited=True)
    delay = refused(site, person(PASSWORD), policy, source=OWNER)
    assert isinstance(delay, LoginDelayFault) and delay.seconds == 3.0
    assert authenticate(site, person(PASSWORD), policy, source=OWNER, waited=True)


def test_unlock_forgets_a_login_everywhere_and_an_address(site: Site) -> None:
    policy = PATIENT
    for _ in range(policy.password_failures_per_login_and_address + 1):
        refused(site, person("guess"), policy, source=ATTACKER, waited=True)
    for _ in range(policy.key_failures_per_address + 1):
        refused(site, script("wrong"), policy, source=ATTACKER)
    unlock(site, "ana")
    assert authenticate(site, person(PASSWORD), policy, source=ATTACKER)
    refused(site, script(KEY), policy, source=ATTACKER)
    unlock(site, address=ATTACKER)
    assert authenticate(site, script(KEY), policy, source=ATTACKER)
    assert credentials.attempt_rows(site.store) == {}


# -- 4. atomic counting, timing that tells nothing, a bounded table ---------------------------


def test_concurrent_wrong_guesses_are_all_counted(site: Site) -> None:
    policy = AuthPolicy(slow_after=1000, key_failures_per_address=1000)
    guesses = 40
    start = threading.Barrier(guesses)

    def guess(number: int) -> None:
        start.wait()
        with pytest.raises(AuthenticationFault):
            authenticate(site, person("guess"), policy, source=f"192.0.2.{number}")
        with pytest.raises(AuthenticationFault):
            authenticate(site, script("wrong"), policy, source=ATTACKER)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures(site, login_key("ana")) == guesses
    assert failures(site, key_address_key(ATTACKER)) == guesses


def test_throttled_attempts_are_refused_before_any_check_right_or_wrong(
    site: Site, argon2_checks: list[str | None]
) -> None:
    policy = PATIENT
    for _ in range(policy.password_failures_per_login_and_address):
        refused(site, person("guess"), policy, source=ATTACKER)
    for _ in range(policy.key_failures_per_address):
        refused(site, script("wrong"), policy, source=ATTACKER)
    counted = dict(credentials.attempt_rows(site.store))
    argon2_checks.clear()
    for secret in (PASSWORD, "another guess"):
        refused(site, person(secret), policy, source=ATTACKER)
    for key in (KEY, "another wrong key"):
        refused(site, script(key), policy, source=ATTACKER)
    assert argon2_checks == []  # no check ran, so neither answer can be slower
    assert credentials.attempt_rows(site.store) == counted  # and nothing was written


def test_unknown_login_runs_the_same_argon2_check_as_a_known_one(
    site: Site, argon2_checks: list[str | None]
) -> None:
    create_user(site, "nopass", "No Pass", "temporary")
    with site.store.write() as conn:  # a person without a password hash at all
        table = site.store.table("HumanUser")
        conn.execute(table.update().where(table.c.login == "nopass").values(password_proxy=None))
    for login in ("ana", "nobody at all", "nopass"):
        argon2_checks.clear()
        refused(site, person("guess", login), source=OWNER)
        assert len(argon2_checks) == 1 and argon2_checks[0], login
    argon2_checks.clear()
    refused(site, {"script_name": "no such script", "script_key": "x"}, source=OWNER)
    assert len(argon2_checks) == 1 and argon2_checks[0]


def test_unknown_login_is_counted_and_delayed_like_a_known_one(site: Site) -> None:
    policy = AuthPolicy()
    answers = {}
    for login in ("ana", "nobody at all"):
        for number in range(policy.slow_after):
            refused(site, person("guess", login), policy, source=f"192.0.2.{number}")
        answers[login] = refused(site, person("guess", login), policy, source=OWNER)
    assert all(isinstance(answer, LoginDelayFault) for answer in answers.values())
    assert len({answer.seconds for answer in answers.values()}) == 1  # type: ignore[attr-defined]


def test_the_delay_is_decided_before_the_password_is_checked(
    site: Site, argon2_checks: list[str | None]
) -> None:
    policy = AuthPolicy()
    for number in range(policy.slow_after):
        refused(site, person("guess"), policy, source=f"192.0.2.{number}")
    argon2_checks.clear()
    delays = [refused(site, person(secret), policy, source=OWNER) for secret in (PASSWORD, "x")]
    assert [type(delay) for delay in delays] == [LoginDelayFault, LoginDelayFault]
    assert delays[0].seconds == delays[1].seconds  # type: ignore[attr-defined]
    assert argon2_checks == []


def test_failures_under_made_up_names_keep_the_counters_table_bounded(site: Site) -> None:
    policy = AuthPolicy(max_attempt_rows=30)
    for number in range(60):
        refused(site, person("guess", f"made-up-{number}"), policy, source=f"192.0.2.{number}")
        refused(site, script("wrong"), policy, source=f"198.18.0.{number}")
    assert len(credentials.attempt_rows(site.store)) <= 30


def test_right_password_clears_only_its_own_address(site: Site) -> None:
    policy = AuthPolicy()
    refused(site, person("typo"), policy, source=OWNER)
    refused(site, person("guess"), policy, source=ATTACKER)
    assert authenticate(site, person(PASSWORD), policy, source=OWNER)
    assert failures(site, login_address_key("ana", OWNER)) == 0
    assert failures(site, login_address_key("ana", ATTACKER)) == 1
