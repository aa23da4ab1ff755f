"""Every way to log in through the official client, and every way to be refused."""

from __future__ import annotations

import pytest
import shotgun_api3
from live_server import HUMAN_LOGIN, HUMAN_NAME, HUMAN_PASSWORD, SCRIPT_NAME, LiveServer

from callsheet import faults
from callsheet.site.accounts import create_user
from callsheet.site.auth import AuthPolicy, authenticate, expire_session_token, login_key, unlock
from callsheet.store import credentials


def test_script_name_and_key_log_in(live: LiveServer) -> None:
    assert live.script().find_one("Project", [], ["name"]) is not None


def test_login_and_password_log_in(live: LiveServer) -> None:
    me = live.person().find_one("HumanUser", [["login", "is", HUMAN_LOGIN]], ["name"])
    assert me["name"] == HUMAN_NAME


@pytest.mark.parametrize(
    "credentials",
    [
        {"script_name": "not_real_script_name", "api_key": "e2e-script-key"},
        {"script_name": SCRIPT_NAME, "api_key": "notrealapikey"},
        {"login": HUMAN_LOGIN, "password": "not a real password"},
        {"login": "nobody at all", "password": HUMAN_PASSWORD},
        {"login": "nul\x00login", "password": HUMAN_PASSWORD},
        {"login": "x" * 5000, "password": HUMAN_PASSWORD},
    ],
    ids=["bad script name", "bad key", "bad password", "bad login", "NUL login", "huge login"],
)
def test_bad_credentials_are_authentication_faults(live: LiveServer, credentials: dict) -> None:
    client = live.client(**credentials)
    with pytest.raises(shotgun_api3.AuthenticationFault) as refused:
        client.find_one("Shot", [])
    assert "script" not in str(refused.value) and "password" not in str(refused.value)


def test_wrong_credentials_all_give_the_same_message(live: LiveServer) -> None:
    messages = set()
    for client in (
        live.client("not_real_script_name", "e2e-script-key"),
        live.client(login=HUMAN_LOGIN, password="nope"),
    ):
        with pytest.raises(shotgun_api3.AuthenticationFault) as refused:
            client.find_one("Shot", [])
        messages.add(str(refused.value))
    assert len(messages) == 1


def test_session_token_logs_in_and_expired_token_is_refused(live: LiveServer) -> None:
    token = live.person().get_session_token()
    by_token = live.client(session_token=token)
    assert by_token.find_one("HumanUser", [["login", "is", HUMAN_LOGIN]]) is not None
    expire_session_token(live.site, token)
    with pytest.raises(shotgun_api3.AuthenticationFault):
        live.client(session_token=token).find_one("Shot", [])
    with pytest.raises(shotgun_api3.AuthenticationFault):
        live.client(session_token="made up").find_one("Shot", [])


def test_script_sudo_acts_as_the_person(live: LiveServer) -> None:
    # The person is an Artist: they see the projects they are on and create their own Versions.
    script = live.script()
    project = script.create("Project", {"name": "sudo project"})
    person = script.find_one("HumanUser", [["login", "is", HUMAN_LOGIN]])
    script.update("Project", project["id"], {"users": [person]})
    sudo = live.script(sudo_as_login=HUMAN_LOGIN)
    sudo.set_session_uuid("e2e-session-1")
    project = sudo.find_one("Project", [["name", "is", "sudo project"]], ["name"])
    shot = sudo.create("Version", {"code": "made by sudo", "project": project}, ["created_by"])
    assert shot["created_by"]["name"] == HUMAN_NAME
    event = live.script().find_one(
        "EventLogEntry",
        [
            ["entity", "is", {"type": "Version", "id": shot["id"]}],
            ["event_type", "is", "Shotgun_Version_New"],
        ],
        ["meta", "session_uuid", "user"],
    )
    assert event["user"]["name"] == HUMAN_NAME
    assert event["session_uuid"] == "e2e-session-1"
    assert event["meta"]["sudo_actual_user"]["type"] == "ApiUser"


def test_person_without_admin_role_cannot_sudo(live: LiveServer) -> None:
    client = live.person(sudo_as_login="admin")
    with pytest.raises(shotgun_api3.Fault) as refused:
        client.find_one("Shot", [])
    assert str(refused.value).startswith("The user does not have permission to 'sudo':")


def test_sudo_to_unknown_login_is_refused(live: LiveServer) -> None:
    with pytest.raises(shotgun_api3.Fault, match="does not have permission to 'sudo'"):
        live.script(sudo_as_login="blah").find_one("Shot", [])


def test_inactive_person_cannot_log_in(live: LiveServer) -> None:
    person = create_user(live.site, "leaver", "Left Already", "pw-leaver")
    live.script().update("HumanUser", person["id"], {"sg_status_list": "dis"})
    with pytest.raises(shotgun_api3.AuthenticationFault):
        live.person("leaver", "pw-leaver").find_one("Shot", [])


def test_wrong_passwords_are_counted_and_unlock_forgets_them(live: LiveServer) -> None:
    create_user(live.site, "forgetful", "Forget Ful", "right-password")
    for _ in range(3):
        with pytest.raises(shotgun_api3.AuthenticationFault):
            live.person("forgetful", "wrong").find_one("Shot", [])
    assert credentials.attempt_rows(live.site.store)[login_key("forgetful")] == 3
    unlock(live.site, "forgetful")
    assert login_key("forgetful") not in credentials.attempt_rows(live.site.store)
    assert live.person("forgetful", "right-password").find("Shot", []) is not None


def test_login_under_attack_waits_then_lets_the_owner_in(live: LiveServer) -> None:
    create_user(live.site, "targeted", "Tar Geted", "right-password")
    policy = AuthPolicy()
    for number in range(policy.slow_after):  # guesses from many addresses, none throttled
        with pytest.raises(faults.AuthenticationFault):
            authenticate(
                live.site,
                {"user_login": "targeted", "user_password": "guess"},
                source=f"192.0.2.{number}",
                waited=True,
            )
    # the server waits out the delay (off its threads), then checks: the owner gets in
    assert live.person("targeted", "right-password").find("Shot", []) is not None


def test_password_proxy_update_changes_the_password(live: LiveServer) -> None:
    person = create_user(live.site, "changer", "Chan Ger", "old-password")
    live.script().update("HumanUser", person["id"], {"password_proxy": "new-password"})
    assert live.person("changer", "new-password").find("Shot", []) is not None
    with pytest.raises(shotgun_api3.AuthenticationFault):
        live.person("changer", "old-password").find_one("Shot", [])


def test_script_key_is_never_readable(live: LiveServer) -> None:
    script = live.script().find_one(
        "ApiUser", [["firstname", "is", SCRIPT_NAME]], ["salted_password"]
    )
    assert script.get("salted_password") is None  # a secret field: never read, not even by admins
    person = live.script().find_one("HumanUser", [["login", "is", HUMAN_LOGIN]], ["password_proxy"])
    assert person["password_proxy"] in (None, "*******")
