"""Browser tests: Playwright driving the machine's Chromium against a real `callsheet serve`.

Chromium is Debian's package (`/usr/bin/chromium`, installed by .ci/run when missing); outside CI
the browser tests are skipped, saying so, when it is not there. One server per test module; a
fresh browser context (no cookies) per test.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from live_server import LiveServer, live_server
from web_people import ADMIN_LOGIN, ADMIN_PASSWORD, ARTIST_LOGIN, ARTIST_PASSWORD, sign_in

from callsheet.site.accounts import create_user

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_NAMES = ("chromium", "chromium-browser")


def chromium_path() -> str | None:
    """The machine's Chromium (CALLSHEET_TEST_CHROMIUM overrides)."""
    override = os.environ.get("CALLSHEET_TEST_CHROMIUM")
    if override:
        return override
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium for the worker, or a skip (a failure in CI) without one."""
    executable = chromium_path()
    if executable is None:
        if IN_CI:
            pytest.fail("Chromium is required in CI (apt-get install chromium); it is not there.")
        pytest.skip("no Chromium on this machine (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A server for the module with an Admin and an Artist who can sign in."""
    with live_server(request, "sqlite", tmp_path_factory.mktemp("web")) as server:
        create_user(server.site, ADMIN_LOGIN, "Web Admin", ADMIN_PASSWORD, "Admin")
        create_user(server.site, ARTIST_LOGIN, "Web Artist", ARTIST_PASSWORD, "Artist")
        yield server


@pytest.fixture
def page(browser: Any, live: LiveServer) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies), base URL set to the server."""
    context = browser.new_context(base_url=live.base_url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def admin_page(page: Any) -> Any:
    """A page signed in as the Admin."""
    sign_in(page)
    return page
