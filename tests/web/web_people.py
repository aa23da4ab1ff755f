"""The people web tests sign in as, and signing in through the form."""

from __future__ import annotations

from typing import Any

ADMIN_LOGIN, ADMIN_PASSWORD = "webadmin", "admin password 1"
ARTIST_LOGIN, ARTIST_PASSWORD = "webartist", "artist password 1"


def sign_in(page: Any, login: str = ADMIN_LOGIN, password: str = ADMIN_PASSWORD) -> None:
    """Sign in through the form and wait for the projects home."""
    page.goto("/signin")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/signin" not in url)
