"""Module-scoped sites for read tests: build a data set once per module and database, then read.

Read tests never write, so one site per module (copied from the session's bootstrapped template,
as tests/conftest.py does per test) keeps hundreds of filter cases fast on both databases.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import callsheet
from callsheet.client import Shotgun

POSTGRES_URL = os.environ.get(
    "CALLSHEET_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
DIALECTS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@contextmanager
def site_copy(request: pytest.FixtureRequest, dialect: str) -> Iterator[Shotgun]:
    """A fresh site copied from the session template of `dialect`, closed and dropped after."""
    if dialect == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        folder = request.getfixturevalue("tmp_path_factory").mktemp("reads")
        path = folder / "site.sqlite3"
        shutil.copy(template, path)
        connection = callsheet.connect(str(path))
        try:
            yield connection
        finally:
            connection.close()
        return
    import psycopg

    template_name = request.getfixturevalue("postgres_template")
    name = f"cs_reads_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    base, _, _ = POSTGRES_URL.rpartition("/")
    connection = callsheet.connect(f"{base}/{name}")
    try:
        yield connection
    finally:
        connection.close()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def codes(records: list[dict], key: str = "code") -> list:
    """The `key` of each record, in result order."""
    return [record.get(key) for record in records]


def code_set(records: list[dict], key: str = "code") -> set:
    return {record.get(key) for record in records}
