"""Calling the ASGI app in process, without sockets or httpx: one request, the whole answer."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any


def _run(coroutine: Coroutine[Any, Any, Any]) -> None:
    """Run the app's coroutine on an event loop of its own, in a thread of its own.

    The browser tests' Playwright (sync API) keeps an event loop running in the main thread of
    the worker for its whole session; `asyncio.run` there would refuse ("cannot be called from a
    running event loop"), so the request runs where no loop is.
    """
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def post(app: Any, path: str, body: bytes, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """POST `body` to `path`; returns (status, headers, body)."""
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent: list[dict[str, Any]] = []
    chunks = [body]

    async def receive() -> dict[str, Any]:
        if chunks:
            return {"type": "http.request", "body": chunks.pop(), "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    _run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    found = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], found, answer


@dataclass
class Answer:
    """One whole answer, and how many of the request's body chunks the app asked for."""

    status: int
    headers: dict[str, str]
    body: bytes
    chunks_read: int

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def call(
    app: Any,
    method: str,
    path: str,
    *,
    chunks: Sequence[bytes] = (),
    headers: dict[str, str] | None = None,
    client: str = "127.0.0.1",
    query: str = "",
) -> Answer:
    """One request with its body in `chunks` (no Content-Length unless given: chunked)."""
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": raw_headers,
        "client": (client, 40000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict[str, Any]] = []
    pending = list(chunks)
    read = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        if pending:
            read += 1
            return {"type": "http.request", "body": pending.pop(0), "more_body": bool(pending)}
        if read == 0 and not chunks:
            read = -1  # an empty body, asked for once
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)  # the client waits for the answer
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    _run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    found = {k.decode(): v.decode() for k, v in start["headers"]}
    return Answer(start["status"], found, answer, max(read, 0))
