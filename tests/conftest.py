"""Fixtures: every engine test runs on SQLite and on PostgreSQL.

A bootstrapped site is built once per worker and per database, then copied for each test (a file
copy for SQLite, `CREATE DATABASE ... TEMPLATE` for PostgreSQL), so each test starts from a fresh
new site without paying for 113 CREATE TABLEs.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
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
    admin = _admin_connection()
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    try:
        yield _database_url(name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


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


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than cores; browser, server and daemon tests mostly wait."""
    return (os.cpu_count() or 1) + 1
