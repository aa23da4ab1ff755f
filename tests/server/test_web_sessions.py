"""Changes made on the web page's Admin pages end the sessions of the account they change: its
API session tokens and its web page cookie (the page's cookie holds a session token)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import shotgun_api3
from live_server import LiveServer, live_server

from callsheet.server.web.sessions import SESSION_COOKIE, csrf_token_for
from callsheet.site.accounts import create_script, create_user

ADMIN, ADMIN_PASSWORD = "sessions_admin", "admin password 2"


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    with live_server(request, "sqlite", tmp_path_factory.mktemp("web_sessions")) as server:
        create_user(server.site, ADMIN, "Sessions Admin", ADMIN_PASSWORD, "Admin")
        yield server


_clients: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


def signed_in(live: LiveServer, login: str, password: str) -> httpx.Client:
    """An HTTP client signed in to the web page through its form (closed after the test)."""
    client = httpx.Client(base_url=live.base_url, follow_redirects=False)
    _clients.append(client)
    client.get("/signin")
    answer = client.post(
        "/signin",
        data={
            "login": login,
            "password": password,
            "csrf_token": client.cookies.get("callsheet_signin") or "",
        },
    )
    assert answer.status_code == 303, answer.text
    return client


def page_works(client: httpx.Client) -> bool:
    return client.get("/").status_code == 200


def admin_post(admin: httpx.Client, path: str, fields: dict[str, str]) -> httpx.Response:
    token = admin.cookies.get(SESSION_COOKIE) or ""
    return admin.post(path, data={**fields, "csrf_token": csrf_token_for(token)})


def token_works(live: LiveServer, token: str) -> bool:
    try:
        live.client(session_token=token).find_one("Project", [])
    except shotgun_api3.AuthenticationFault:
        return False
    return True


@pytest.mark.parametrize(
    "change",
    [
        {"change": "password", "password": "new one", "password_again": "new one"},
        {"change": "deactivate"},
    ],
    ids=["password", "deactivate"],
)
def test_people_page_change_ends_the_persons_sessions(
    live: LiveServer, change: dict[str, str]
) -> None:
    login = f"changed_{change['change']}"
    person = create_user(live.site, login, "Chan Ged", "old password")
    web = signed_in(live, login, "old password")
    token = live.person(login, "old password").get_session_token()
    assert page_works(web) and token_works(live, token)
    admin = signed_in(live, ADMIN, ADMIN_PASSWORD)
    answer = admin_post(admin, f"/admin/people/{person['id']}", change)
    assert answer.status_code == 303, answer.text
    assert not page_works(web)
    assert not token_works(live, token)


def test_scripts_page_new_key_ends_the_scripts_sessions(live: LiveServer) -> None:
    script, key = create_script(live.site, "page tool", "page-tool-key")
    token = live.client("page tool", key).get_session_token()
    assert token_works(live, token)
    admin = signed_in(live, ADMIN, ADMIN_PASSWORD)
    answer = admin_post(admin, f"/admin/scripts/{script['id']}/key", {})
    assert answer.status_code == 200, answer.text
    assert not token_works(live, token)


def test_signing_out_of_one_browser_keeps_the_other(live: LiveServer) -> None:
    create_user(live.site, "two_browsers", "Two Browsers", "pw two")
    first = signed_in(live, "two_browsers", "pw two")
    second = signed_in(live, "two_browsers", "pw two")
    token: Any = first.cookies.get(SESSION_COOKIE)
    first.post("/signout", data={"csrf_token": csrf_token_for(token)})
    assert not page_works(first) and page_works(second)
