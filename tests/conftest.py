"""Fixtures: every engine test runs on SQLite and on PostgreSQL.

A bootstrapped site is built once per worker and per database, then copied for each test (a file
copy for SQLite, `CREATE DATABASE ... TEMPLATE` for PostgreSQL), so each test starts from a fresh
new site without paying for 113 CREATE TABLEs; the copies are dropped in the background
(`DatabaseReaper`).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import callsheet
from callsheet.client import Shotgun
from callsheet.site.site import Site

POSTGRES_URL = os.environ.get(
    "CALLSHEET_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _admin_connection():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)


def _database_url(name: str) -> str:
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{name}"


class DatabaseReaper:
    """Drops the tests' PostgreSQL databases in the background, several at a time.

    Every DROP DATABASE waits for a checkpoint of the whole server (PostgreSQL's
    src/backend/commands/dbcommands.c, dropdb: `RequestCheckpoint(CHECKPOINT_IMMEDIATE |
    CHECKPOINT_FORCE | CHECKPOINT_WAIT)`), seconds on a busy server. Drops waiting together share
    the next checkpoint, and no test waits for its database's drop; the session waits for all.
    """

    AT_ONCE = 10  # concurrent drops (connections) per worker: the server allows 100 clients

    def __init__(self) -> None:
        self.errors: list[str] = []
        self._pool = ThreadPoolExecutor(self.AT_ONCE, thread_name_prefix="drop database")

    def drop(self, name: str) -> None:
        self._pool.submit(self._drop, name)

    def close(self) -> None:
        """Wait for every drop asked for so far."""
        self._pool.shutdown(wait=True)

    def _drop(self, name: str) -> None:
        try:
            with _admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception as error:
            self.errors.append(f"{name}: {error}")


@pytest.fixture(scope="session")
def database_reaper() -> Iterator[DatabaseReaper]:
    """Where fixtures hand the PostgreSQL databases they are done with."""
    reaper = DatabaseReaper()
    yield reaper
    reaper.close()
    assert not reaper.errors, f"test databases not dropped: {reaper.errors}"


@pytest.fixture(scope="session")
def postgres_template(worker_id: str) -> Iterator[str]:
    """A bootstrapped site in a template database, or a skip (a failure in CI) without a server."""
    try:
        admin = _admin_connection()
    except Exception as error:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but {POSTGRES_URL} is unreachable: {error}")
        pytest.skip(f"no PostgreSQL server at {POSTGRES_URL} ({error}); PostgreSQL tests skipped")
    name = f"cs_template_{worker_id}_{os.getpid()}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    Site.open(_database_url(name)).close()
    yield name
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "site.sqlite3"
    Site.open(str(path)).close()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, bootstrapped site database: a SQLite file or a PostgreSQL database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "site.sqlite3"
        shutil.copy(template, path)
        yield str(path)
        return
    template_name: str = request.getfixturevalue("postgres_template")
    name = f"cs_test_{uuid.uuid4().hex[:12]}"
    reaper: DatabaseReaper = request.getfixturevalue("database_reaper")
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    try:
        yield _database_url(name)
    finally:
        reaper.drop(name)


@pytest.fixture
def sg(database_url: str) -> Iterator[Shotgun]:
    """An in-process Shotgun on a fresh site (SQLite and PostgreSQL)."""
    connection = callsheet.connect(database_url)
    yield connection
    connection.close()


@pytest.fixture
def project(sg: Shotgun) -> dict:
    return sg.create("Project", {"name": "Test Project"})


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """xdist's worker name ("master" without xdist)."""
    workerinput = getattr(request.config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "master"


# Directories whose tests run real servers, browsers, daemons or subprocesses, in the order their
# run is scheduled: the costliest start first so that the many quick engine tests fill the end of
# the run instead of one worker finishing a slow module alone (README: `pytest -n auto`).
SLOW_FIRST = (
    "tests/transfer/",
    "tests/web/",
    "tests/examples/",
    "tests/e2e/",
    "tests/daemon/",
    "tests/server/",
    "tests/test_lint.py",
    "tests/test_cli.py",
    "tests/test_mockgun.py",
)
SHARED_SCOPES = ("module", "package", "class")


def _schedule_rank(item: pytest.Item) -> int:
    return next((n for n, p in enumerate(SLOW_FIRST) if item.nodeid.startswith(p)), len(SLOW_FIRST))


def _shares_a_fixture(item: pytest.Item) -> bool:
    fixtures = getattr(item, "_fixtureinfo", None)
    if fixtures is None:
        return False
    return any(
        definitions[-1].scope in SHARED_SCOPES for definitions in fixtures.name2fixturedefs.values()
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow directories first; a module's tests that share a module fixture stay on one worker.

    With `--dist loadgroup` (pyproject.toml) xdist keeps an `xdist_group` on one worker and hands
    out every other test alone, in this order (`--no-loadscope-reorder`). Without the group, plain
    load balancing sends a module's tests to several workers and each builds the module's live
    server (and its PostgreSQL database) again.
    """
    items.sort(key=_schedule_rank)  # stable: a module's own order (and fixture grouping) stays
    for item in items:
        if _shares_a_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.partition("::")[0]))


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than cores; browser, server and daemon tests mostly wait."""
    return (os.cpu_count() or 1) + 1
