"""One real server per test module and database (sharing keeps the suite fast)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_server import DIALECTS, LiveServer, live_server


@pytest.fixture(scope="module", params=DIALECTS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The module's server (SQLite and PostgreSQL)."""
    with live_server(request, request.param, tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture(scope="module")
def sg(live: LiveServer):  # type: ignore[no-untyped-def]
    """The official client, logged in as the test script."""
    return live.script()
