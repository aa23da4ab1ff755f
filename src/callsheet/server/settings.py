"""Server settings: where the site lives, where to listen, limits. Built by the CLI or tests."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from callsheet.site.auth import AuthPolicy

DEFAULT_DATA_DIR = "callsheet-data"
DATABASE_FILE = "callsheet.sqlite3"


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

    @classmethod
    def from_environment(
        cls, data: str | None = None, database: str | None = None, **overrides: object
    ) -> Settings:
        """Options first, then CALLSHEET_DATA / CALLSHEET_DATABASE_URL, then the defaults."""
        data_dir = Path(data or os.environ.get("CALLSHEET_DATA") or DEFAULT_DATA_DIR)
        url = database or os.environ.get("CALLSHEET_DATABASE_URL") or None
        given = {k: v for k, v in overrides.items() if v is not None}
        return cls(data_dir=data_dir, database_url=url, **given)  # type: ignore[arg-type]

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
