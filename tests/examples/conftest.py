"""A live server (SQLite and PostgreSQL, with a file store) for the examples of
examples/first_projects/; running them is in example_runs.py."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from example_runs import Run, runner
from live_server import DIALECTS, LiveServer, live_server

from callsheet.server import Settings


@pytest.fixture(scope="module", params=DIALECTS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The module's server, its files in a temporary data folder, thumbnails resized at once."""
    folder = tmp_path_factory.mktemp("examples")
    settings = Settings(data_dir=folder, threads=8, thumbnail_delay_s=0.05)
    with live_server(request, request.param, folder, settings) as server:
        yield server


@pytest.fixture(scope="module")
def sg(live: LiveServer):  # type: ignore[no-untyped-def]
    """The test's own official client (the examples make theirs)."""
    return live.script()


@pytest.fixture
def run(live: LiveServer) -> Run:
    """The examples as subprocesses, with credentials for the module's server."""
    return runner(live)
