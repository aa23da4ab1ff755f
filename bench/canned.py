"""A canned HTTP server: the floor under any server of the same answers.

It replays recorded answers byte for byte: a request whose body (and accept-encoding) was
recorded gets the recorded status line, headers and body, written with one `transport.write`;
anything else gets a 404. It does no JSON, no database and no routing, so a client timed against
it measures the client plus loopback HTTP alone (issue 11: "measure the client alone with such a
canned server"). It runs in a process of its own (forked, on uvloop when installed) so it does
not share the client's interpreter lock.

    with CannedServer(recording) as url:   # recording: {(body, accept_encoding): answer bytes}
        ...
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import socket
from typing import Any

Recording = dict[tuple[bytes, str], bytes]

STATS_PATH = b"/__canned__"


def answer_bytes(status: int, reason: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    """One HTTP/1.1 answer as bytes: the status line, the headers as given, the body."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _not_found(message: bytes) -> bytes:
    return answer_bytes(
        404,
        "Not Found",
        [("content-length", str(len(message))), ("content-type", "text/plain")],
        message,
    )


class _Replay(asyncio.Protocol):
    def __init__(self, recording: Recording, stats: dict[str, int]) -> None:
        self.recording = recording
        self.stats = stats
        self.buffer = b""
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            fields = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
            length = int(fields.get("content-length", "0"))
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(self.reply(head[0], body, fields.get("accept-encoding", "")))

    def reply(self, request_line: str, body: bytes, accept_encoding: str) -> bytes:
        if request_line.split(" ")[1].encode() == STATS_PATH:
            text = f'{{"hits": {self.stats["hits"]}, "misses": {self.stats["misses"]}}}'.encode()
            return answer_bytes(200, "OK", [("content-length", str(len(text)))], text)
        # http.client sends "identity" when not told otherwise; recordings key that as "".
        accept = accept_encoding.lower()
        answer = self.recording.get((body, "" if accept == "identity" else accept))
        if answer is None:
            self.stats["misses"] += 1
            return _not_found(b"no recorded answer for this request body")
        self.stats["hits"] += 1
        return answer


def _serve(sock: socket.socket, recording: Recording) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    stats = {"hits": 0, "misses": 0}

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _Replay(recording, stats), sock=sock)
        await server.serve_forever()

    asyncio.run(main())


class CannedServer:
    """The replay server in a forked process, on a free loopback port, for a `with` block."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.process: Any = None

    def __enter__(self) -> str:
        sock = socket.create_server(("127.0.0.1", 0), backlog=64)
        port = sock.getsockname()[1]
        self.process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(sock, self.recording), daemon=True
        )
        self.process.start()
        sock.close()  # the child holds its copy; connections queue on it until it accepts
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.join(timeout=10)
