"""A real Callsheet server on a port the OS picks, in a thread (STYLE.md §h), plus its site."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import shotgun_api3
import uvicorn

from callsheet.cli import KEEP_ALIVE_S
from callsheet.server import Settings, create_app
from callsheet.site.accounts import create_script, create_user
from callsheet.site.site import Site

POSTGRES_URL = os.environ.get(
    "CALLSHEET_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SCRIPT_NAME, SCRIPT_KEY = "e2e tests", "e2e-script-key"
HUMAN_LOGIN, HUMAN_NAME, HUMAN_PASSWORD = "sgunittesthuman", "Sg unittest human", "human password"
STARTUP_DEADLINE_S = 90  # a failure bound for a loaded machine


@dataclass
class LiveServer:
    """Where the server listens and the credentials made for it."""

    base_url: str
    site: Site
    dialect: str
    clients: list[shotgun_api3.Shotgun] = field(default_factory=list)

    def client(self, *args: object, **kwargs: object) -> shotgun_api3.Shotgun:
        """An official client for this server, closed when the server stops."""
        made = shotgun_api3.Shotgun(self.base_url, *args, **kwargs)  # type: ignore[arg-type]
        self.clients.append(made)
        return made

    def script(self, **kwargs: object) -> shotgun_api3.Shotgun:
        """An official client logged in as the test script."""
        return self.client(SCRIPT_NAME, SCRIPT_KEY, **kwargs)

    def person(
        self, login: str = HUMAN_LOGIN, password: str = HUMAN_PASSWORD, **kwargs: object
    ) -> shotgun_api3.Shotgun:
        """An official client logged in as a person."""
        return self.client(login=login, password=password, **kwargs)

    def close_clients(self) -> None:
        for made in self.clients:
            made.close()


@contextmanager
def fresh_database(request: pytest.FixtureRequest, dialect: str, folder: Path) -> Iterator[str]:
    """A new bootstrapped site database, copied from the session's template."""
    if dialect == "sqlite":
        path = folder / "site.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield str(path)
        return
    import psycopg

    template = request.getfixturevalue("postgres_template")
    reaper = request.getfixturevalue("database_reaper")  # tests/conftest.py: drops it later
    name = f"cs_e2e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield f"{POSTGRES_URL.rpartition('/')[0]}/{name}"
    finally:
        reaper.drop(name)


@contextmanager
def serving(site: Site, folder: Path, settings: Settings | None = None) -> Iterator[str]:
    """Run the app for `site`, its files kept in `folder`, until the block ends; yields the
    base URL.

    The files folder is never the default `callsheet-data/` of the working directory: every
    test site numbers its Attachments from 1, so two servers sharing that folder overwrite
    each other's files (a flake seen in CI: one test downloaded another's thumbnail)."""
    if settings is None:
        settings = Settings(threads=8, data_dir=folder)
    elif not settings.data_dir.is_absolute():
        raise ValueError(
            f"a test server keeps its files in a folder of its own, not {settings.data_dir}"
        )
    sock = socket.create_server(("127.0.0.1", 0))
    app = create_app(site, settings)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            ws="none",
            lifespan="on",
            loop="auto",  # uvloop, as `callsheet serve` (asyncio: +40 ms per kept-alive call)
            timeout_keep_alive=KEEP_ALIVE_S,  # as `callsheet serve`: clients may sit idle
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while not server.started:  # poll with a deadline only while waiting for startup
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@contextmanager
def live_server(
    request: pytest.FixtureRequest, dialect: str, folder: Path, settings: Settings | None = None
) -> Iterator[LiveServer]:
    """A fresh site with the test script and person, served on a free port."""
    with fresh_database(request, dialect, folder) as url:
        site = Site.open(url, pool_size=8)
        create_script(site, SCRIPT_NAME, SCRIPT_KEY)
        create_user(site, HUMAN_LOGIN, HUMAN_NAME, HUMAN_PASSWORD, "Artist")
        try:
            with serving(site, folder, settings) as base_url:
                server = LiveServer(base_url, site, dialect)
                try:
                    yield server
                finally:
                    server.close_clients()
        finally:
            site.close()


DIALECTS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
