"""Every credential or status change ends the account's sessions, in the same transaction.

The web page's cookie holds a session token too, so these cover it; tests/server/test_web_sessions
signs in through the page and the CLI test changes a password with `callsheet user password`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from callsheet.client import Shotgun
from callsheet.faults import AuthenticationFault
from callsheet.site.accounts import (
    admin_actor,
    create_script,
    create_user,
    regenerate_script_key,
    retire_script,
    set_password,
    set_person_status,
)
from callsheet.site.auth import authenticate, issue_session_token
from callsheet.site.site import Site

KEY = "a" * 64


@pytest.fixture
def site(sg: Shotgun) -> Site:
    return sg.site


def person_token(site: Site) -> tuple[int, str]:
    person = create_user(site, "tok", "To Ken", "password one")
    actor = authenticate(site, {"user_login": "tok", "user_password": "password one"})
    return person["id"], issue_session_token(site, actor)


def script_token(site: Site) -> tuple[int, str]:
    script, _ = create_script(site, "token tool", KEY)
    actor = authenticate(site, {"script_name": "token tool", "script_key": KEY})
    return script["id"], issue_session_token(site, actor)


def works(site: Site, token: str) -> bool:
    try:
        authenticate(site, {"session_token": token})
    except AuthenticationFault:
        return False
    return True


PERSON_CHANGES: dict[str, Callable[[Site, int], Any]] = {
    "password_proxy through the API": lambda site, id: site.update(
        admin_actor(site), "HumanUser", id, {"password_proxy": "password two"}
    ),
    "password in a batch": lambda site, id: site.batch(
        admin_actor(site),
        [
            {
                "request_type": "update",
                "entity_type": "HumanUser",
                "entity_id": id,
                "data": {"password_proxy": "password two"},
            }
        ],
    ),
    "set_password (the CLI's)": lambda site, id: set_password(site, "tok", "password two"),
    "deactivated through the API": lambda site, id: site.update(
        admin_actor(site), "HumanUser", id, {"sg_status_list": "dis"}
    ),
    "login renamed": lambda site, id: site.update(
        admin_actor(site), "HumanUser", id, {"login": "tok2"}
    ),
    "deactivated and activated (page)": lambda site, id: [
        set_person_status(site, admin_actor(site), id, active) for active in (False, True)
    ],
    "retired and revived": lambda site, id: [
        site.delete(admin_actor(site), "HumanUser", id),
        site.revive(admin_actor(site), "HumanUser", id),
    ],
}


@pytest.mark.parametrize("change", list(PERSON_CHANGES), ids=list(PERSON_CHANGES))
def test_person_change_ends_their_sessions(site: Site, change: str) -> None:
    person_id, token = person_token(site)
    assert works(site, token)
    PERSON_CHANGES[change](site, person_id)
    assert not works(site, token)


def test_other_changes_keep_the_sessions(site: Site) -> None:
    person_id, token = person_token(site)
    site.update(admin_actor(site), "HumanUser", person_id, {"email": "tok@example.com"})
    other, _ = create_script(site, "unrelated", "b" * 64)
    regenerate_script_key(site, admin_actor(site), other["id"])
    assert works(site, token)


def test_a_refused_change_keeps_the_sessions(site: Site) -> None:
    person_id, token = person_token(site)
    with pytest.raises(Exception):  # noqa: B017 - any Fault; the point is the rollback
        site.batch(
            admin_actor(site),
            [
                {
                    "request_type": "update",
                    "entity_type": "HumanUser",
                    "entity_id": person_id,
                    "data": {"password_proxy": "password two"},
                },
                {"request_type": "update", "entity_type": "NoSuchType", "entity_id": 1, "data": {}},
            ],
        )
    assert works(site, token)


SCRIPT_CHANGES: dict[str, Callable[[Site, int], Any]] = {
    "new key (Generate new key)": lambda site, id: regenerate_script_key(
        site, admin_actor(site), id
    ),
    "retired (page) and revived (API)": lambda site, id: [
        retire_script(site, admin_actor(site), id),
        site.revive(admin_actor(site), "ApiUser", id),
    ],
    "renamed": lambda site, id: site.update(
        admin_actor(site), "ApiUser", id, {"firstname": "renamed tool"}
    ),
}


@pytest.mark.parametrize("change", list(SCRIPT_CHANGES), ids=list(SCRIPT_CHANGES))
def test_script_change_ends_its_sessions(site: Site, change: str) -> None:
    script_id, token = script_token(site)
    assert works(site, token)
    SCRIPT_CHANGES[change](site, script_id)
    assert not works(site, token)


def test_a_new_key_stops_the_old_key_and_works_itself(site: Site) -> None:
    script_id, _ = script_token(site)
    key = regenerate_script_key(site, admin_actor(site), script_id)
    with pytest.raises(AuthenticationFault):
        authenticate(site, {"script_name": "token tool", "script_key": KEY})
    assert authenticate(site, {"script_name": "token tool", "script_key": key}).id == script_id
