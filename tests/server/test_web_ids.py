"""Issue 10 §1.8: an id in a page URL beyond 64 bits is a page that does not exist (404)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from live_server import LiveServer, live_server

from callsheet.server.web.sessions import SESSION_COOKIE, csrf_token_for
from callsheet.site.accounts import create_user

LOGIN, PASSWORD = "ids_admin", "ids password"
HUGE = "99999999999999999999"


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    with live_server(request, "sqlite", tmp_path_factory.mktemp("web_ids")) as server:
        create_user(server.site, LOGIN, "Ids Admin", PASSWORD, "Admin")
        yield server


@pytest.fixture(scope="module")
def browser(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url, follow_redirects=False) as client:
        client.get("/signin")
        signin = client.cookies.get("callsheet_signin") or ""
        answer = client.post(
            "/signin", data={"login": LOGIN, "password": PASSWORD, "csrf_token": signin}
        )
        assert answer.status_code == 303
        yield client


@pytest.mark.parametrize(
    "path",
    [
        f"/page/{HUGE}",
        f"/project/{HUGE}",
        f"/admin/scripts/{HUGE}",
        f"/admin/people/{HUGE}",
        f"/admin/action-menu-items/{HUGE}",
        f"/admin/permissions/{HUGE}",
        f"/detail/Shot/{HUGE}",
    ],
)
def test_get_of_an_oversized_id_is_404(browser: httpx.Client, path: str) -> None:
    answer = browser.get(path)
    assert answer.status_code == 404, answer.text[:300]


@pytest.mark.parametrize(
    "path",
    [f"/admin/scripts/{HUGE}", f"/admin/people/{HUGE}", f"/admin/action-menu-items/{HUGE}"],
)
def test_post_to_an_oversized_id_is_404(browser: httpx.Client, path: str) -> None:
    token = csrf_token_for(browser.cookies.get(SESSION_COOKIE) or "")
    answer = browser.post(path, data={"csrf_token": token, "name": "x"})
    assert answer.status_code == 404, answer.text[:300]
