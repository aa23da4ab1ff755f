"""What `callsheet daemon …` does; the CLI only parses options and calls these."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from callsheet.daemon.config import ConfigError, read_config
from callsheet.daemon.engine import Daemon, configure_logging
from callsheet.daemon.state import StateFile
from callsheet.daemon.status import daemon_status


def state_path_for(config_path: str | None, state_path: str | None) -> Path:
    """The state file: `--state`, else next to the config file."""
    if state_path:
        return Path(state_path)
    if config_path:
        return Path(config_path).with_suffix(".state.sqlite3")
    raise ConfigError("Give --config FILE or --state PATH")


def run_daemon(config_path: str, state_path: str | None = None) -> None:
    """Run the daemon in the foreground until SIGTERM/SIGINT."""
    config = read_config(config_path, state_path)
    configure_logging(config.log_level)
    daemon = Daemon(config)
    daemon.install_signal_handlers()
    daemon.run()


def status_report(config_path: str | None, state_path: str | None) -> dict[str, Any]:
    """The status report from the state file."""
    path = state_path_for(config_path, state_path)
    if not path.exists():
        raise ConfigError(f"No state file at {path} (has the daemon run?)")
    return daemon_status(StateFile(path))


def status_text(report: dict[str, Any], as_json: bool) -> str:
    """The report as JSON or as aligned lines."""
    if as_json:
        return json.dumps(report, indent=2)
    lines = [f"newest event: {report['newest_event_id']}  healthy: {report['healthy']}"]
    for row in report["callbacks"]:
        flag = "PARKED" if row["parked"] else ("waiting" if row["plugin_parked"] else "ok")
        error = f"  last error: {row['last_error']}" if row["last_error"] else ""
        lines.append(
            f"{row['plugin']}.{row['callback']}: cursor {row['cursor']} lag {row['lag']}"
            f" delivered {row['delivered']} {flag}{error}"
        )
    return "\n".join(lines)


def retry_plugin(config_path: str | None, state_path: str | None, plugin: str) -> bool:
    """Unpark a plugin so its failed event is delivered again."""
    return StateFile(state_path_for(config_path, state_path)).retry(plugin)


def skip_plugin(config_path: str | None, state_path: str | None, plugin: str) -> int | None:
    """Unpark a plugin past its failed event; returns that event's id."""
    return StateFile(state_path_for(config_path, state_path)).skip(plugin)
