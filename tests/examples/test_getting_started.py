"""docs/getting-started.md, run as a new user would: every block, in order, on a fresh server.

The guide's `sh` blocks run in bash (stopping at the first failing command), its `console`
blocks run each `$ command` and compare the output with the lines below it (`<...>` stands for
a commit id), and the blocks after `<!-- test: in the background -->` (the README's `callsheet
serve`, the daemon) keep running. The other `<!-- test: ... -->` markers stand for what the
reader does in the browser or waits for. The folder has `examples/` and a `.venv/bin/` whose
commands run this interpreter (pip may not reach an index), and the server takes a free port
instead of 8000.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
import shotgun_api3
from example_runs import require_programs

from callsheet.daemon.state import StateFile

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "getting-started.md"
GUIDE_URL = "http://127.0.0.1:8000"
DEADLINE_S = 60  # a failure bound for a loaded machine, not a speed check
MARKER = re.compile(r"<!-- test: (.+?) -->")
FENCE = re.compile(r"```(\w*)\n(.*?)```\n", re.DOTALL)


@dataclass
class Step:
    kind: str  # sh | console | background | marker
    text: str


def guide_steps() -> list[Step]:
    """The guide's runnable blocks and markers, in reading order."""
    text = GUIDE.read_text()
    found = [(m.start(), Step("marker", m[1])) for m in MARKER.finditer(text)]
    found += [(m.start(), Step(m[1] or "plain", m[2])) for m in FENCE.finditer(text)]
    steps: list[Step] = []
    for _, step in sorted(found, key=lambda pair: pair[0]):
        if steps and steps[-1] == Step("marker", "in the background"):
            steps[-1] = Step("background", step.text)
        elif step.kind in ("sh", "console", "marker"):
            steps.append(step)
    return steps


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Reader:
    """The reader's folder and terminals: runs commands, keeps exported variables between them."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.base_url = f"http://127.0.0.1:{port}"
        self.background: list[tuple[subprocess.Popen[bytes], Path]] = []
        bin_dir = folder / ".venv" / "bin"
        bin_dir.mkdir(parents=True)
        python = shlex.quote(sys.executable)
        commands = {
            "python": f'exec {python} "$@"',
            "callsheet": f'exec {python} -m callsheet "$@"',
            "pip": f'PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 exec {python} -m pip "$@"',
        }
        for name, line in commands.items():
            (bin_dir / name).write_text(f"#!/bin/sh\n{line}\n")
            (bin_dir / name).chmod(0o755)
        (folder / "examples").symlink_to(ROOT / "examples")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SG_", "GIT_"))}
        self.env |= {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def localize(self, text: str) -> str:
        return text.replace(GUIDE_URL, self.base_url)

    def bash(self, script: str, check: bool) -> subprocess.CompletedProcess[str]:
        wrapped = (
            "set -euo pipefail\n[ -f .guide-env ] && . ./.guide-env\n"
            f"{self.localize(script)}\nexport -p > .guide-env\n"
        )
        done = subprocess.run(
            ["bash", "-c", wrapped],
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=DEADLINE_S,
        )
        if check:
            assert done.returncode == 0, f"{script}\nfailed:\n{done.stdout}"
        return done

    def variable(self, name: str) -> str:
        return self.bash(f'printf %s "${name}"', check=True).stdout

    def console(self, block: str) -> None:
        """Run each `$ command`; its output must read as the lines the guide shows below it."""
        for part in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, *shown = part.rstrip("\n").split("\n")
            output = self.bash(command, check=False).stdout.rstrip("\n").split("\n")
            patterns = [re.escape(self.localize(line)) for line in shown]
            patterns = [re.sub(r"<[^>]*>", r"\\S+", pattern) for pattern in patterns]
            assert len(output) == len(patterns), f"$ {command}\n" + "\n".join(output)
            for line, pattern in zip(output, patterns, strict=True):
                assert re.fullmatch(pattern, line), f"$ {command}\n{line!r} is not {pattern!r}"

    def start(self, command: str) -> None:
        """A command that runs until stopped, as in another terminal."""
        command = self.localize(command.strip())
        if " serve" in command:  # the README's whole first line: venv, install, serve
            command = command.rsplit("&& ", 1)[-1] + f" --port {self.port}"
        log = self.folder / f"terminal{len(self.background) + 2}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                ["bash", "-c", f"exec {command}"],
                cwd=self.folder,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.background.append((process, log))
        if " serve" in command:
            wait_for(self.serving, "the server to start")

    def serving(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/api3/json", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answers
        except OSError:
            return False

    def stop(self) -> None:
        for process, _ in reversed(self.background):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            process.wait(30)

    def client(self) -> shotgun_api3.Shotgun:
        name, key = self.variable("SG_SCRIPT_NAME"), self.variable("SG_SCRIPT_KEY")
        return shotgun_api3.Shotgun(self.base_url, name, key)


def wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def thumbnails_ready(sg: shotgun_api3.Shotgun) -> bool:
    images = [row["image"] for row in sg.find("Version", [], ["image"])]
    return all(image and "/images/status/transient/" not in image for image in images)


def approve_comp(reader: Reader, sg: shotgun_api3.Shotgun) -> None:
    """What the reader does on the web page, once the daemon has registered its callback."""
    state = reader.folder / "daemon.state.sqlite3"
    wait_for(lambda: state.exists() and StateFile(state).rows(), "the daemon to register")
    comp = sg.find_one("Task", [["content", "is", "comp"]])
    delivery = sg.find_one("Task", [["content", "is", "delivery"]])
    sg.update("Task", comp["id"], {"sg_status_list": "fin"})

    def delivery_ready() -> bool:
        row = sg.find_one("Task", [["id", "is", delivery["id"]]], ["sg_status_list"])
        return row["sg_status_list"] == "rdy"

    wait_for(delivery_ready, "the daemon to ready the delivery Task")
    log = reader.background[-1][1]
    wait_for(lambda: "are ready: all their upstream Tasks are final" in log.read_text(), "log")


@pytest.fixture
def reader(tmp_path: Path) -> Iterator[Reader]:
    made = Reader(tmp_path, free_port())
    try:
        yield made
    finally:
        made.stop()


def test_the_guide_runs_as_written_on_a_fresh_server(reader: Reader) -> None:
    require_programs("ffmpeg", "git")
    steps = guide_steps()
    assert [s.text for s in steps if s.kind == "marker"] == [
        "wait for the thumbnails",
        "approve comp",
    ]
    assert sum(s.kind == "background" for s in steps) == 2
    sg = None
    for step in steps:
        if step.kind == "sh":
            reader.bash(step.text, check=True)
        elif step.kind == "console":
            reader.console(step.text)
        elif step.kind == "background":
            reader.start(step.text)
        elif step.text == "wait for the thumbnails":
            sg = sg or reader.client()
            wait_for(partial(thumbnails_ready, sg), "the thumbnails to be resized")
        elif step.text == "approve comp":
            sg = sg or reader.client()
            approve_comp(reader, sg)

    # what the reader was told to look at on the web page
    assert sg is not None
    shot = sg.find_one("Shot", [["code", "is", "SH010"]], ["image"])
    newest = sg.find_one("Version", [["code", "is", "SH010_comp_v002"]], ["image", "frame_range"])
    assert shot["image"].split("?")[0] == newest["image"].split("?")[0]
    assert newest["frame_range"] == "1001-1024"
    ticket = sg.find_one("Ticket", [["id", "is", 1]], ["revisions", "replies"])
    assert len(ticket["revisions"]) == 1
    revision = sg.find_one(
        "Revision", [["id", "is", ticket["revisions"][0]["id"]]], ["created_by", "sg_branch"]
    )
    assert (revision["created_by"]["name"], revision["sg_branch"]) == ("Jane Doe", "main")
    assert ticket["replies"][0]["name"].startswith("Fixed in revision ")
    sg.close()
