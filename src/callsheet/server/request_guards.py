"""What every request passes before any route: a Host header naming this server, a bounded body.

Host: a page on another site can make a browser send requests to a name that resolves to this
machine (DNS rebinding); checking the Host header against the names the server is known by
(`Settings.host_names()`) refuses them with 400 before anything else runs. A request without
a Host header (HTTP/1.0, in-process calls) cannot come from a browser and passes.

Bodies: each path has a limit (uploads `max_upload_bytes`, streamed to disk by server/files.py;
the sign-in form and the small upload forms a few KiB to 1 MiB, since they are read before anyone
is authenticated; everything else `max_body_bytes`). A declared Content-Length over the limit
and a chunked body that grows past it both end in BodyTooLargeFault, raised from `receive`:
handlers that catch Faults answer in their own format (the API's fault envelope, the upload
endpoints' text), anything else gets 413.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callsheet.faults import Fault
from callsheet.server.settings import Settings

SIGNIN_MAX_BODY_BYTES = 16 * 1024
SMALL_FORM_MAX_BODY_BYTES = 1024 * 1024
UPLOAD_PATHS = frozenset({"/upload/upload_file", "/upload/publish_thumbnail"})
# the PUTs of the cloud flow (server/direct_uploads.py): a whole file or one part
DIRECT_UPLOAD_PREFIX = "/file_upload/"
SMALL_FORM_PREFIXES = ("/upload/",)


class BodyTooLargeFault(Fault):
    """The request body is larger than the server's limit for its path."""


def body_limit(path: str, settings: Settings) -> int:
    """The most bytes a request body to `path` may hold."""
    if path in UPLOAD_PATHS or path.startswith(DIRECT_UPLOAD_PREFIX):
        return settings.max_upload_bytes
    if path == "/signin":
        return SIGNIN_MAX_BODY_BYTES
    if path.startswith(SMALL_FORM_PREFIXES):
        return SMALL_FORM_MAX_BODY_BYTES
    return settings.max_body_bytes


def too_large(limit: int) -> BodyTooLargeFault:
    return BodyTooLargeFault(f"The request body is larger than the limit of {limit} bytes.")


def host_name(header: str) -> str:
    """The host part of a Host header, lower case: `Example.COM:8000` → `example.com`."""
    header = header.strip().lower()
    if header.startswith("["):  # [::1]:8000
        return header[1:].partition("]")[0]
    if header.count(":") == 1:
        header = header.partition(":")[0]
    return header.rstrip(".")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")  # type: ignore[no-any-return]
    return None


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class HostCheckMiddleware:
    """400 for a Host header that names none of the server's host names."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.names = settings.host_names()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.names is not None and scope["type"] in ("http", "websocket"):
            header = _header(scope, b"host")
            if header is not None and host_name(header) not in self.names:
                if scope["type"] == "http":
                    await _plain(
                        send, 400, "Invalid Host header: this server is not known by it.\n"
                    )
                return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Every request body within its path's limit, declared length or chunked."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"], self.settings)
        declared = _header(scope, b"content-length")
        over = declared is not None and declared.strip().isdigit() and int(declared) > limit
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            if over:
                raise too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLargeFault as fault:
            if started:
                raise
            await _plain(send, 413, f"{fault.message}\n")
