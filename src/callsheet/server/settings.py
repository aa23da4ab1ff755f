"""Server settings: where the site lives, where to listen, limits. Built by the CLI or tests."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from callsheet.site.auth import AuthPolicy

DEFAULT_DATA_DIR = "callsheet-data"
SERVE_MEDIA_WORKERS = 2
DATABASE_FILE = "callsheet.sqlite3"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARD_ADDRESSES = ("", "0.0.0.0", "::")


def is_loopback_name(host: str) -> bool:
    """Whether a host name or address means this machine only."""
    return host in LOOPBACK_NAMES or host.startswith("127.") or host.endswith(".localhost")


@dataclass(frozen=True)
class Settings:
    """Everything `callsheet serve` can be told; defaults are the quick-start ones."""

    data_dir: Path = Path(DEFAULT_DATA_DIR)
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # One number sizes both the thread pool and SQLAlchemy's connection pool (DESIGN.md).
    threads: int = 16
    max_body_bytes: int = 64 * 1024 * 1024
    auth: AuthPolicy = field(default_factory=AuthPolicy)
    # Files (callsheet/files/): how long a new thumbnail reads as the transient placeholder at
    # least, and the public base URL of file links when the server sits behind a proxy.
    thumbnail_delay_s: float = 1.0
    public_url: str | None = None
    # Transcodes (docs/media.md): worker threads per server process (0: this process makes
    # none; `callsheet serve` starts SERVE_MEDIA_WORKERS unless told), how long a claimed job is
    # held without a renewal, how often idle workers look.
    media_workers: int = 0
    media_lease_s: float = 60.0
    media_poll_s: float = 1.0
    # Uploads stream to disk; a larger one is refused (docs/configuration.md).
    max_upload_bytes: int = 50 * 1024**3
    # Host names a request may name in its Host header; empty: derived from `host` and
    # `public_url` (host_names()); "*" allows any (docs/configuration.md).
    allowed_hosts: tuple[str, ...] = ()
    # Off by default, and a risk (docs/configuration.md): a download of
    # /file_serve/attachment/<id> without credentials from this machine acts as the latest
    # session token issued to a caller on this machine.
    allow_cookieless_local_downloads: bool = False
    # Addresses of proxies whose X-Forwarded-For / -Proto uvicorn may trust ("*": any); None:
    # none, the TCP peer is the caller (server/callers.py).
    forwarded_allow_ips: str | None = None

    @classmethod
    def from_environment(
        cls, data: str | None = None, database: str | None = None, **overrides: object
    ) -> Settings:
        """Options first, then CALLSHEET_DATA / CALLSHEET_DATABASE_URL, then the defaults."""
        data_dir = Path(data or os.environ.get("CALLSHEET_DATA") or DEFAULT_DATA_DIR)
        url = database or os.environ.get("CALLSHEET_DATABASE_URL") or None
        given = {k: v for k, v in overrides.items() if v is not None}
        return cls(data_dir=data_dir, database_url=url, **given)  # type: ignore[arg-type]

    def host_names(self) -> frozenset[str] | None:
        """The host names a Host header may carry (lower case, no port); None: any.

        Given `allowed_hosts`, those (with the public URL's); else the address the server
        listens on and the public URL's host, plus localhost, 127.0.0.1 and ::1 when it listens
        on loopback. Listening on every address (0.0.0.0) without either setting allows any.
        """
        if "*" in self.allowed_hosts:
            return None
        names = {name.strip().lower().rstrip(".") for name in self.allowed_hosts if name.strip()}
        if self.public_url:
            names.add((urlsplit(self.public_url).hostname or "").lower())
        if not self.allowed_hosts:
            if self.host in WILDCARD_ADDRESSES and not self.public_url:
                return None
            if self.host not in WILDCARD_ADDRESSES:
                names.add(self.host.lower().strip("[]"))
            if is_loopback_name(self.host.lower().strip("[]")):
                names.update(LOOPBACK_NAMES)
        names.discard("")
        return frozenset(names)

    @property
    def files_dir(self) -> Path:
        """Where uploaded files and thumbnails live (see docs/configuration.md)."""
        return self.data_dir / "files"

    def site_url(self) -> str:
        """The database to open: the URL given, else the SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return str(self.data_dir / DATABASE_FILE)
