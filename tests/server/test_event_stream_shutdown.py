"""`callsheet serve` stops promptly on SIGTERM/SIGINT while a long-poll on /api3/events waits."""

from __future__ import annotations

import json
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT_NAME, SCRIPT_KEY = "shutdown test", "shutdown-test-key"
LONG_POLL_S = 60  # the waiter's own timeout: shutdown must not wait for it
BOUND_S = 45  # generous: far above a prompt shutdown, below the long-poll timeout
STARTED = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


def callsheet(*args: str) -> list[str]:
    return [sys.executable, "-m", "callsheet", *args]


@dataclass
class Served:
    """A `callsheet serve` process and the port it listens on."""

    process: subprocess.Popen[str]
    port: int


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    data = str(tmp_path / "data")
    subprocess.run(
        callsheet("script", "create", SCRIPT_NAME, "--key", SCRIPT_KEY, "--data", data),
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(
        callsheet("serve", "--data", data, "--port", "0"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stderr])
    reader.start()
    try:
        while True:  # wait for startup, with a deadline
            match = STARTED.search(lines.get(timeout=30))
            if match:
                break
        yield Served(process, int(match.group(1)))
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(30)
        reader.join(30)  # the pipe is at its end once the process is gone
        process.stderr.close()


def read_answer(reader) -> tuple[int, dict]:
    """Status and JSON body of one HTTP/1.1 answer (Content-Length framed)."""
    status = int(reader.readline().split()[1])
    headers = {}
    while (line := reader.readline().strip()) != b"":
        name, _, value = line.decode().partition(":")
        headers[name.lower()] = value.strip()
    return status, json.loads(reader.read(int(headers["content-length"])))


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_serve_signal_answers_waiting_long_poll_and_exits(
    served: Served, stop_signal: signal.Signals
) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=BOUND_S) as sock:
        status, body = long_poll_through_shutdown(sock, served, stop_signal)
    served.process.wait(BOUND_S)  # raises TimeoutExpired if shutdown waited for the long-poll

    assert (status, body) == (200, {"events": [], "last_id": 1000000})
    assert served.process.returncode in (0, -stop_signal)


def long_poll_through_shutdown(
    sock: socket.socket, served: Served, stop_signal: signal.Signals
) -> tuple[int, dict]:
    """Start a long-poll, signal the server once it waits, return the answer."""
    # `Expect: 100-continue` makes uvicorn send "100 Continue" when the handler first asks for
    # the request body, which the stream does as it starts waiting (its disconnect check): so we
    # know the long-poll is waiting before we send the signal.
    sock.sendall(
        (
            f"GET /api3/events?after=1000000&timeout={LONG_POLL_S} HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nX-Callsheet-Script-Name: {SCRIPT_NAME}\r\n"
            f"X-Callsheet-Script-Key: {SCRIPT_KEY}\r\nExpect: 100-continue\r\n\r\n"
        ).encode()
    )
    with sock.makefile("rb") as reader:
        assert reader.readline().startswith(b"HTTP/1.1 100")
        assert reader.readline() == b"\r\n"
        served.process.send_signal(stop_signal)
        return read_answer(reader)
