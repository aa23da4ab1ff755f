"""Sign-in, sign-out, the session cookie, CSRF and the projects home, in a real browser."""

from __future__ import annotations

from typing import Any

import httpx
from live_server import LiveServer
from web_people import ADMIN_LOGIN, ADMIN_PASSWORD, ARTIST_LOGIN, ARTIST_PASSWORD, sign_in


def test_signin_shows_projects_and_sets_a_safe_cookie(page: Any, live: LiveServer) -> None:
    page.goto("/")
    assert "/signin" in page.url
    sign_in(page)
    assert page.locator("h1").inner_text() == "Projects"
    assert page.locator(".project-card .name", has_text="Template Project").count() == 1
    cookie = next(c for c in page.context.cookies() if c["name"] == "callsheet_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # plain http on loopback


def test_wrong_password_is_refused_with_a_message(page: Any) -> None:
    page.goto("/signin")
    page.fill("input[name=login]", ADMIN_LOGIN)
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text().startswith("Wrong login or password")
    assert not [c for c in page.context.cookies() if c["name"] == "callsheet_session"]


def test_signin_returns_to_the_page_asked_for(page: Any) -> None:
    page.goto("/?from=test")
    assert "/signin?next=" in page.url
    page.fill("input[name=login]", ARTIST_LOGIN)
    page.fill("input[name=password]", ARTIST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/?from=test")


def test_signout_ends_the_session(page: Any, live: LiveServer) -> None:
    sign_in(page)
    token = next(c for c in page.context.cookies() if c["name"] == "callsheet_session")["value"]
    page.click("details[data-menu=user] summary")
    page.click("#signout")
    page.wait_for_url("**/signin")
    # the old cookie no longer opens a page, even if a copy was kept
    answer = httpx.get(f"{live.base_url}/", cookies={"callsheet_session": token})
    assert answer.status_code == 303 or "/signin" in str(answer.url)


def test_admin_menu_only_for_admins(page: Any) -> None:
    sign_in(page, ARTIST_LOGIN, ARTIST_PASSWORD)
    assert page.locator("details[data-menu=admin]").count() == 0


def test_state_changing_calls_need_the_csrf_token(live: LiveServer) -> None:
    with httpx.Client(base_url=live.base_url, follow_redirects=False) as client:
        form = client.get("/signin")
        signin_token = form.cookies.get("callsheet_signin")
        assert signin_token
        # no token: refused
        refused = client.post("/signin", data={"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD})
        assert refused.status_code == 400
        answer = client.post(
            "/signin",
            data={"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD, "csrf_token": signin_token},
        )
        assert answer.status_code == 303
        call = {
            "method": "create",
            "params": {"type": "Shot", "fields": [{"field_name": "code", "value": "X"}]},
        }
        missing = client.post("/web/rpc", json=call)
        assert missing.json()["exception"] is True
        assert "security token" in missing.json()["message"]
        foreign = client.post("/web/rpc", json=call, headers={"Origin": "http://evil.example"})
        assert "another origin" in foreign.json()["message"]


def test_admin_menu_follows_the_roles_admin_setting_not_its_name(
    page: Any, live: LiveServer
) -> None:
    from callsheet.site.accounts import admin_actor, create_user
    from callsheet.site.permissions import copy_role

    copy_role(live.site, admin_actor(live.site), "Admin", "Studio Admins")
    create_user(live.site, "studioadmin", "Studio Admin", "studio password", "Studio Admins")
    sign_in(page, "studioadmin", "studio password")
    assert page.locator("details[data-menu=admin]").count() == 1
    page.goto("/admin/scripts")
    assert page.locator("h1").first.inner_text() == "Scripts"
