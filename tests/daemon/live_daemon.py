"""Running the daemon against a live server in tests: configs, a thread or a process, waiting.

(Not in conftest.py: `from conftest import …` picks whichever conftest was imported last.)
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from live_server import SCRIPT_KEY, SCRIPT_NAME, LiveServer

from callsheet.daemon.config import read_config
from callsheet.daemon.engine import Daemon
from callsheet.daemon.state import StateFile

DEADLINE_S = 60  # generous: a failure bound for a loaded machine, not a speed check


def write_config(
    folder: Path, server: LiveServer, plugins: Path, out: Path, extra: str = ""
) -> Path:
    """A shotgunEvents .conf with short intervals; plugins write to `out`; `extra` is appended."""
    path = folder / "shotgunEventDaemon.conf"
    path.write_text(
        f"""[daemon]
logging = 20
fetch_interval = 0.05
stream_timeout = 0.5
retry_attempts = 2
retry_backoff = 0.01
conn_retry_sleep = 1

[shotgun]
server = {server.base_url}
name = {SCRIPT_NAME}
key = {SCRIPT_KEY}
use_session_uuid = True

[plugins]
paths = {plugins}

[emails]
enabled = False

[test]
out = {out}

{extra}"""
    )
    return path


class RunningDaemon:
    """A daemon in a thread, stopped cleanly."""

    def __init__(self, config_path: Path) -> None:
        self.daemon = Daemon(read_config(config_path))
        self.thread = threading.Thread(target=self.daemon.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.daemon.stop()
        self.thread.join(30)


def wait_for(condition: Callable[[], object], what: str) -> None:
    """Poll with a deadline (the only waiting the tests do)."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@contextmanager
def daemon_process(config_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real `callsheet daemon --config` process (log next to the config), stopped by SIGTERM."""
    command = [sys.executable, "-m", "callsheet", "daemon", "--config", str(config_path)]
    with open(config_path.with_suffix(".log"), "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(30)


def registered(state_path: Path, count: int) -> bool:
    """At least `count` callbacks have a cursor in the state file."""
    return state_path.exists() and len(StateFile(state_path).rows()) >= count


def done_with(state_path: Path, plugin: str, event_id: int) -> bool:
    """Every callback of `plugin` is done with `event_id` (its cursor is there or past it)."""
    rows = [row for row in StateFile(state_path).rows() if row["plugin"] == plugin]
    return bool(rows) and all(row["cursor"] >= event_id for row in rows)
