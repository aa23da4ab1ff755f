"""Zou (the Kitsu API, AGPL-3.0) installed from PyPI and run as its documentation describes.

Nothing of Zou is copied here: it is installed with pip into a virtual environment of its own,
outside the repository (default `~/.cache/callsheet-bench/zou-venv`), and run as a separate
program. The steps follow Zou's "Open Source Setup" guide (zou.cg-wire.com, self-hosting):

1. `python -m venv` + `pip install zou==VERSION` (the guide: `pip install zou`; pinned here).
2. A fresh PostgreSQL database (`zou_bench`, dropped first) and the guide's environment variables
   (`DB_*`, `SECRET_KEY`, `PREVIEW_FOLDER`, `TMP_DIR`; Redis through `KV_HOST`/`KV_PORT`).
3. `zou init-db`, `zou init-data`, `zou create-admin --password ... EMAIL`.
4. gunicorn with the guide's `/etc/zou/gunicorn.py` (`workers = 3`, `worker_class = "gevent"`,
   access and error logs to files): `gunicorn -c gunicorn.py -b 127.0.0.1:PORT zou.app:app`.
   The guide puts nginx in front (`location /api` -> `proxy_pass http://localhost:5000/`), so
   Zou's own routes have no `/api` prefix: clients here talk to gunicorn directly.
5. `POST /auth/login` gives the JWT access token (`Authorization: Bearer ...`).

Zou keeps its cache, token blocklist, events and config in Redis databases 0-4
(zou/app/config.py); they are flushed before it starts so a previous run's cache (ids of a dropped
database) cannot leak in. Callsheet does not use Redis.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from rawhttp import Http

ZOU_VERSION = "1.0.97"
DEFAULT_VENV = Path.home() / ".cache" / "callsheet-bench" / "zou-venv"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "bench-Password-1"
ZOU_REDIS_DBS = range(5)  # zou/app/config.py: blocklist 0, memoize 1, events 2, jobs 3, config 4


def log(message: str) -> None:
    print(f"[zou] {message}", file=sys.stderr, flush=True)


def ensure_venv(venv: Path, version: str = ZOU_VERSION) -> Path:
    """The venv's bin folder, with `zou==version` installed (once; a marker file remembers)."""
    marker = venv / f".zou-{version}-installed"
    if not marker.exists():
        if not (venv / "bin" / "python").exists():
            log(f"creating {venv}")
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        log(f"pip install zou=={version} (a few minutes the first time)")
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"zou=={version}"],
            check=True,
        )
        marker.touch()
    return venv / "bin"


def installed_versions(bin_dir: Path) -> dict[str, str]:
    """The versions that matter for the write-up (zou, gunicorn, gevent, psycopg, SQLAlchemy)."""
    script = (
        "import importlib.metadata as m, json; print(json.dumps({n: m.version(n) for n in "
        "['zou', 'gunicorn', 'gevent', 'psycopg', 'SQLAlchemy', 'Flask']}))"
    )
    out = subprocess.run(
        [str(bin_dir / "python"), "-c", script], check=True, capture_output=True, text=True
    )
    import json

    return dict(json.loads(out.stdout))


def recreate_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flush_redis(host: str, port: int) -> None:
    """FLUSHDB on Zou's Redis databases, with the plain protocol (no client library needed)."""
    with socket.create_connection((host, port), timeout=5) as sock:
        for db in ZOU_REDIS_DBS:
            sock.sendall(f"SELECT {db}\r\nFLUSHDB\r\n".encode())
            answer = b""
            while answer.count(b"\r\n") < 2:
                answer += sock.recv(100)
            if b"-" in answer[:1] or answer.count(b"+OK") < 2:
                raise RuntimeError(f"Redis FLUSHDB {db} failed: {answer!r}")


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


@dataclass
class ZouServer:
    url: str
    token: str
    versions: dict[str, str]

    def client(self) -> Http:
        """A raw client (one kept-alive connection) carrying the JWT."""
        return Http(self.url, {"Authorization": f"Bearer {self.token}"})


class RunningZou:
    """Zou on a fresh database, served by gunicorn, for a `with` block; stopped on exit."""

    def __init__(
        self,
        venv: Path = DEFAULT_VENV,
        version: str = ZOU_VERSION,
        postgres: str = "postgresql://postgres@127.0.0.1:5432/postgres",
        database: str = "zou_bench",
        redis: tuple[str, int] = ("127.0.0.1", 6379),
        workers: int = 3,
    ) -> None:
        self.venv, self.version, self.postgres = venv, version, postgres
        self.database, self.redis, self.workers = database, redis, workers
        self.folder = Path(tempfile.mkdtemp(prefix="zou-bench-"))
        self.process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        pg = psycopg.conninfo.conninfo_to_dict(self.postgres)
        env = dict(os.environ)
        env.update(
            DB_HOST=str(pg.get("host", "127.0.0.1")),
            DB_PORT=str(pg.get("port", "5432")),
            DB_USERNAME=str(pg.get("user", "postgres")),
            DB_PASSWORD=str(pg.get("password", "")),
            DB_DATABASE=self.database,
            KV_HOST=self.redis[0],
            KV_PORT=str(self.redis[1]),
            SECRET_KEY=secrets.token_hex(16),
            PREVIEW_FOLDER=str(self.folder / "previews"),
            TMP_DIR=str(self.folder / "tmp"),
            MAIL_ENABLED="false",
        )
        env.pop("VIRTUAL_ENV", None)
        return env

    def __enter__(self) -> ZouServer:
        bin_dir = ensure_venv(self.venv, self.version)
        versions = installed_versions(bin_dir)
        (self.folder / "previews").mkdir()
        (self.folder / "tmp").mkdir()
        env = self.environment()
        recreate_database(self.postgres, self.database)
        flush_redis(*self.redis)
        for command in (
            ["init-db"],
            ["init-data"],
            ["create-admin", "--password", ADMIN_PASSWORD, ADMIN_EMAIL],
        ):
            log("zou " + command[0])
            done = subprocess.run(
                [str(bin_dir / "zou"), *command], env=env, cwd=self.folder, capture_output=True
            )
            if done.returncode != 0:
                raise RuntimeError(f"zou {command[0]} failed:\n{done.stderr.decode()[-2000:]}")
        config = self.folder / "gunicorn.py"
        config.write_text(
            f'accesslog = "{self.folder / "gunicorn_access.log"}"\n'
            f'errorlog = "{self.folder / "gunicorn_error.log"}"\n'
            f"workers = {self.workers}\n"
            'worker_class = "gevent"\n'
        )
        port = free_port()
        log(f"gunicorn zou.app:app, {self.workers} gevent workers, port {port}")
        self.process = subprocess.Popen(
            [
                str(bin_dir / "gunicorn"),
                "-c",
                str(config),
                "-b",
                f"127.0.0.1:{port}",
                "--no-control-socket",
                "zou.app:app",
            ],
            env=env,
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            self._wait_until_up(url)
            with Http(url) as http:
                login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
                token = http.json("POST", "/auth/login", login)["access_token"]
        except BaseException:
            self.__exit__()
            raise
        return ZouServer(url, token, versions)

    def _wait_until_up(self, url: str) -> None:
        deadline = time.monotonic() + 90
        while True:
            if self.process is not None and self.process.poll() is not None:
                errors = (self.folder / "gunicorn_error.log").read_text(errors="replace")
                raise RuntimeError(f"gunicorn exited:\n{errors[-2000:]}")
            try:
                with Http(url) as http:
                    if http.json("GET", "/").get("api") == "Zou":
                        return
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Zou did not answer within 90 s")
            time.sleep(0.3)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            # SIGTERM to gunicorn's master: a graceful stop of its workers; then the group.
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        try:
            drop_database(self.postgres, self.database)
        except psycopg.Error as error:
            log(f"could not drop {self.database}: {error}")
        shutil.rmtree(self.folder, ignore_errors=True)
