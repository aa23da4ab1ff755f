"""A live server (the e2e fixture) for the daemon tests; the daemon side is in live_daemon.py."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from live_server import live_server


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """One SQLite server for the module."""
    with live_server(request, "sqlite", tmp_path_factory.mktemp("live")) as server:
        yield server
