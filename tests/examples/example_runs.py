"""Running the examples of examples/first_projects/ as a user does: a subprocess per call.

(Not in conftest.py: `from conftest import ...` picks whichever conftest was imported last.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from live_server import SCRIPT_KEY, SCRIPT_NAME, LiveServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "first_projects"
DEADLINE_S = 30  # a failure bound for a loaded machine, not a speed check
TRANSIENT = "/images/status/transient/"
Run = Callable[..., subprocess.CompletedProcess[str]]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_programs(*names: str) -> None:
    """Skip without these programs (FFmpeg, git), saying so; in CI they are required (.ci/run)."""
    missing = [name for name in names if shutil.which(name) is None]
    if missing and IN_CI:
        pytest.fail(f"{', '.join(missing)} required in CI (apt-get install); not installed")
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (apt-get install {' '.join(missing)})")


def user_environment(live: LiveServer, **extra: str) -> dict[str, str]:
    """This process's environment with the examples' credentials (SG_*) for the live server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SG_")}
    env |= {"SG_SERVER": live.base_url, "SG_SCRIPT_NAME": SCRIPT_NAME, "SG_SCRIPT_KEY": SCRIPT_KEY}
    return env | extra


def runner(live: LiveServer) -> Run:
    """`run("submit_render.py", *args)`: the example as a subprocess; its exit code and output."""

    def run_example(
        script: str,
        *args: str,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        stdin: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(EXAMPLES / script), *args],
            env=user_environment(live) if env is None else env,
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run_example


def refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit code 1 and a message naming `words`, never a traceback."""
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def await_thumbnail(sg, entity: dict) -> str:  # type: ignore[no-untyped-def]
    """The entity's final thumbnail URL, once the background resize is done."""
    deadline = time.monotonic() + DEADLINE_S
    while True:  # poll with a deadline: the resize runs in the server's background thread
        image = sg.find_one(entity["type"], [["id", "is", entity["id"]]], ["image"])["image"]
        if image and TRANSIENT not in image:
            return image
        assert time.monotonic() < deadline, f"{entity} thumbnail still {image}"
        time.sleep(0.05)
