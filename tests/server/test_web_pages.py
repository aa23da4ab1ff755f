"""What a link from another site can make the web page do: no records created by a GET, no
`javascript:` link rendered as a link (server-rendered detail pages; the grid's are in
tests/web/test_web_grid.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from live_server import LiveServer, live_server

from callsheet.server.web.sessions import SESSION_COOKIE, csrf_token_for
from callsheet.site.accounts import create_user
from callsheet.site.actor import SYSTEM

LOGIN, PASSWORD = "pages_admin", "pages password"


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    with live_server(request, "sqlite", tmp_path_factory.mktemp("web_pages")) as server:
        create_user(server.site, LOGIN, "Pages Admin", PASSWORD, "Admin")
        yield server


@pytest.fixture
def browser_session(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url, follow_redirects=False) as client:
        client.get("/signin")
        signin = client.cookies.get("callsheet_signin") or ""
        answer = client.post(
            "/signin", data={"login": LOGIN, "password": PASSWORD, "csrf_token": signin}
        )
        assert answer.status_code == 303
        yield client


def pages_of(live: LiveServer, entity_type: str) -> list[dict]:
    return live.site.find(SYSTEM, "Page", [["entity_type", "is", entity_type]], ["project"])


def test_a_get_never_creates_a_page_record(live: LiveServer, browser_session: httpx.Client) -> None:
    project = live.script().create("Project", {"name": "Pages Show"})
    for path in (f"/project/{project['id']}/Asset", "/list/Step"):
        entity_type = path.rsplit("/", 1)[1]
        before = len(pages_of(live, entity_type))
        shown = browser_session.get(path)
        assert shown.status_code == 200
        assert "data-auto-submit" in shown.text and 'method="post"' in shown.text
        assert len(pages_of(live, entity_type)) == before  # a cross-site link made nothing
        # the page's own POST (with its CSRF token) creates it, once
        token = csrf_token_for(browser_session.cookies.get(SESSION_COOKIE) or "")
        opened = browser_session.post(path, data={"csrf_token": token})
        assert opened.status_code == 303
        assert re.fullmatch(r"/page/\d+", opened.headers["location"])
        assert len(pages_of(live, entity_type)) == before + 1
        again = browser_session.get(path)
        assert (again.status_code, again.headers["location"]) == (303, opened.headers["location"])


def test_the_post_without_the_csrf_token_creates_nothing(
    live: LiveServer, browser_session: httpx.Client
) -> None:
    before = len(pages_of(live, "Department"))
    refused = browser_session.post("/list/Department", data={})
    assert refused.status_code == 400
    assert len(pages_of(live, "Department")) == before


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "data:text/html,x"],
)
def test_unsafe_link_schemes_are_not_links(url: str) -> None:
    from callsheet.server.web.values import safe_href

    assert safe_href(url) is None


@pytest.mark.parametrize(
    "url", ["https://example.com/a", "http://x", "mailto:a@b.c", "/detail/Shot/1", "file:///mnt/a"]
)
def test_safe_links_stay_links(url: str) -> None:
    from callsheet.server.web.values import safe_href

    assert safe_href(url) == url


def test_detail_page_shows_a_javascript_link_as_text(
    live: LiveServer, browser_session: httpx.Client
) -> None:
    sg = live.script()
    project = sg.create("Project", {"name": "Link Show"})
    version = sg.create(
        "Version",
        {
            "code": "linked",
            "project": project,
            "sg_uploaded_movie": {"url": "javascript:alert(document.cookie)", "name": "click me"},
        },
    )
    page = browser_session.get(f"/detail/Version/{version['id']}")
    assert page.status_code == 200
    assert "click me" in page.text
    assert not re.search(r"""href=["']?\s*javascript:""", page.text, re.IGNORECASE)
