"""A populated source server and a fresh destination site, for the import tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from live_server import DIALECTS, LiveServer, fresh_database, live_server
from transfer_helpers import populate

from callsheet.files import FileRoom
from callsheet.server import Settings
from callsheet.site.site import Site


@contextmanager
def populated_source(
    request: pytest.FixtureRequest, dialect: str, folder: Path
) -> Iterator[LiveServer]:
    """A populated Callsheet server to copy from, its files and database under `folder`."""
    # One transcode worker, as `callsheet serve` runs: the source's movie is done with (here:
    # refused, it is no movie) before the copy, as on a site whose uploads have settled.
    settings = Settings(
        threads=8,
        thumbnail_delay_s=0,
        data_dir=folder / "source-data",
        media_workers=1,
        media_poll_s=0.2,
    )
    served = folder / "source"
    served.mkdir()
    with live_server(request, dialect, served, settings) as server:
        server.populated = populate(server.script(), folder, server.site)  # type: ignore[attr-defined]
        yield server


@pytest.fixture(params=DIALECTS)
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """A populated source of the test's own, for tests that change it."""
    with populated_source(request, request.param, tmp_path) as server:
        yield server


@pytest.fixture(scope="module", params=DIALECTS)
def unchanged_source(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One populated source for a module whose tests only read it (populating is the slow part)."""
    with populated_source(request, request.param, tmp_path_factory.mktemp("source")) as server:
        yield server


@pytest.fixture
def destination(
    request: pytest.FixtureRequest, source: LiveServer, tmp_path: Path
) -> Iterator[Site]:
    """A new site on the same kind of database as the source, with a file store."""
    folder = tmp_path / "destination"
    folder.mkdir()
    with fresh_database(request, source.dialect, folder) as url:
        site = Site.open(url, pool_size=8)
        site.use_files(FileRoom(folder / "files"))
        site.database_url = url  # type: ignore[attr-defined]
        try:
            yield site
        finally:
            site.close()
