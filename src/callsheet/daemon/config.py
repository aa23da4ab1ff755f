"""The daemon's settings, read from a shotgunEvents `.conf` file (reference §1.2)."""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass, field
from pathlib import Path

TRUE_WORDS = ("1", "true", "yes", "on")
# How the state file reaches the disk (docs/plugins.md). "normal": a commit is in the kernel's
# hands before a callback runs, so a kill -9 or a crash of the daemon loses nothing; a power cut
# or an OS crash may roll back the last commits (events delivered again, never skipped past a
# cursor that was not written). "full": every commit is fsynced, which survives a power cut too
# and costs an fsync per step (SQLite's documented guarantees of WAL mode).
STATE_SYNC_MODES = ("normal", "full")
FALSE_WORDS = ("0", "false", "no", "off")


class ConfigError(Exception):
    """The configuration file is missing or lacks a required key."""


@dataclass(frozen=True)
class EmailSettings:
    """The `[emails]` section: where error mails go and how to reach the SMTP server."""

    server: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    use_tls: bool = False


@dataclass
class DaemonConfig:
    """What the daemon needs from the `.conf` file; `parser` is handed to plugins as-is."""

    path: Path
    parser: configparser.ConfigParser
    server: str
    script_name: str
    script_key: str
    plugin_paths: list[Path]
    use_session_uuid: bool = False
    proxy_server: str | None = None
    fetch_interval_s: float = 1.0
    max_event_batch_size: int = 500
    conn_retry_sleep_s: float = 60.0
    log_level: int = 20
    retry_attempts: int = 3
    retry_backoff_s: float = 1.0
    retry_backoff_max_s: float = 60.0
    stream_timeout_s: float = 1.0
    gap_window_s: float = 300.0
    max_conn_retries: int = 5
    reconnect_idle_s: float = 4.0
    emails: EmailSettings | None = None
    state_path: Path = field(default_factory=Path)
    state_sync: str = "normal"


def _get(parser: configparser.ConfigParser, section: str, key: str, default: str | None) -> str:
    if parser.has_option(section, key):
        return parser.get(section, key)
    if default is None:
        raise ConfigError(f"The config file has no [{section}] {key} option.")
    return default


def _flag(value: str, where: str) -> bool:
    word = value.strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise ConfigError(f"{where} must be True or False, got {value!r}.")
    return word in TRUE_WORDS


def read_emails(parser: configparser.ConfigParser, path: Path) -> EmailSettings | None:
    """The `[emails]` settings, or None when mail is off or not configured.

    Only keys written in the file count: the parser's defaults are the environment, where
    USERNAME, PASSWORD or PORT are common and must not become SMTP settings.
    """
    written = configparser.RawConfigParser()
    written.read(path)
    if not written.has_section("emails"):
        return None

    def value(*keys: str) -> str:
        for key in keys:
            if written.has_option("emails", key):
                return parser.get("emails", key).strip()
        return ""

    enabled = value("enabled")
    if enabled and not _flag(enabled, "[emails] enabled"):
        return None
    required = {"server": value("server"), "from": value("from"), "to": value("to")}
    required["subject"] = value("subject")
    missing = [key for key, given in required.items() if not given]
    if missing:
        if enabled:  # asked for mail explicitly: say what is missing
            raise ConfigError(f"[emails] enabled = {enabled} but {', '.join(missing)} is empty.")
        return None  # shotgunEvents sends nothing unless all four are set
    port = value("port") or "25"
    if not port.isdigit():
        raise ConfigError(f"[emails] port must be a number, got {port!r}.")
    use_tls = value("use_tls", "usetls")  # shotgunEvents spells it useTLS
    return EmailSettings(
        server=required["server"],
        sender=required["from"],
        recipients=tuple(a.strip() for a in required["to"].split(",") if a.strip()),
        subject=required["subject"],
        port=int(port),
        username=value("username") or None,
        password=value("password") or None,
        use_tls=_flag(use_tls, "[emails] use_tls") if use_tls else False,
    )


def read_config(path: str | Path, state_path: str | Path | None = None) -> DaemonConfig:
    """Read a shotgunEvents-style config (environment variables are interpolation defaults)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Config file not found: {path}")
    parser = configparser.ConfigParser(os.environ)
    parser.read(path)
    for section in ("daemon", "shotgun", "plugins"):
        if not parser.has_section(section):
            raise ConfigError(f"The config file has no [{section}] section.")
    paths = [
        Path(p.strip()).expanduser() for p in _get(parser, "plugins", "paths", None).split(",")
    ]
    paths = [p if p.is_absolute() else path.parent / p for p in paths if str(p)]
    for folder in paths:
        if not folder.is_dir():
            raise ConfigError(f"Invalid path: {folder}")
    proxy = _get(parser, "shotgun", "proxy_server", "").strip() or None
    default_state = path.with_suffix(".state.sqlite3")
    state_sync = _get(parser, "daemon", "state_sync", "normal").strip().lower()
    if state_sync not in STATE_SYNC_MODES:
        raise ConfigError(
            f"[daemon] state_sync is {state_sync!r}; it must be one of"
            f" {', '.join(STATE_SYNC_MODES)}."
        )
    return DaemonConfig(
        path=path,
        parser=parser,
        server=_get(parser, "shotgun", "server", None).rstrip("/"),
        script_name=_get(parser, "shotgun", "name", None),
        script_key=_get(parser, "shotgun", "key", None),
        plugin_paths=paths,
        use_session_uuid=_get(parser, "shotgun", "use_session_uuid", "False").lower() in TRUE_WORDS,
        proxy_server=proxy,
        fetch_interval_s=float(_get(parser, "daemon", "fetch_interval", "1")),
        max_event_batch_size=int(_get(parser, "daemon", "max_event_batch_size", "500")),
        conn_retry_sleep_s=float(_get(parser, "daemon", "conn_retry_sleep", "60")),
        log_level=int(_get(parser, "daemon", "logging", "20")),
        retry_attempts=int(_get(parser, "daemon", "retry_attempts", "3")),
        retry_backoff_s=float(_get(parser, "daemon", "retry_backoff", "1")),
        retry_backoff_max_s=float(_get(parser, "daemon", "retry_backoff_max", "60")),
        stream_timeout_s=float(_get(parser, "daemon", "stream_timeout", "1")),
        gap_window_s=float(_get(parser, "daemon", "gap_window", "300")),
        max_conn_retries=int(_get(parser, "daemon", "max_conn_retries", "5")),
        reconnect_idle_s=float(_get(parser, "daemon", "reconnect_idle", "4")),
        emails=read_emails(parser, path),
        state_path=Path(state_path) if state_path else default_state,
        state_sync=state_sync,
    )
