"""File endpoints of the official client (reference §7, direct flow): uploads, thumbnails, files.

Upload endpoints answer HTTP 200 with text: `1:<attachment_id>\\n` on success, `0\\n<message>\\n`
on any failure (an HTTP error would be retried three times, then reported as "Max attempts limit
reached."). They authenticate the auth fields of the form, as `/api3/json` does its auth dict.
Thumbnails are served to whoever holds their signed URL; attachments to a caller with a valid
signed URL or a `_session_id` cookie holding a session token.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from callsheet.faults import Fault
from callsheet.files import FileRoom
from callsheet.files.room import (
    ATTACHMENT_PATH,
    THUMBNAIL_PATH,
    TRANSIENT_PATH,
    base_url_of_request,
)
from callsheet.files.thumbnails import placeholder_png
from callsheet.server.forms import Form, read_form
from callsheet.server.settings import Settings
from callsheet.site import uploads
from callsheet.site.actor import Actor
from callsheet.site.auth import authenticate
from callsheet.site.site import Site

log = logging.getLogger("callsheet.server.files")

# Uploads are read into memory whole; larger files are refused with a clear message.
MAX_UPLOAD_BYTES = 1024 * 1024 * 1024
AUTH_FIELDS = (
    "script_name",
    "script_key",
    "user_login",
    "user_password",
    "session_token",
    "sudo_as_login",
    "session_uuid",
)
CLOUD_PATHS = (
    "/upload/api_get_upload_link_info",
    "/upload/api_get_upload_link_for_part",
    "/upload/api_complete_multipart_upload",
    "/upload/api_link_file",
)
_THUMBNAIL_NAME = re.compile(r"[0-9]{1,10}\.(jpg|png)")
_SHARED_ENTITY = re.compile(r"([A-Za-z][A-Za-z0-9_]{0,63})_([0-9]{1,10})")


def attach_files(site: Site, settings: Settings) -> FileRoom:
    """Give the site its file store (under the data folder unless one is set already)."""
    if site.files is None:
        site.files = FileRoom(
            settings.files_dir,
            thumbnail_delay_s=settings.thumbnail_delay_s,
            public_url=settings.public_url,
        )
    return site.files


class FileUrlMiddleware:
    """Mint file URLs for the host the caller used (the official client fetches them as-is)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with base_url_of_request(str(Request(scope).base_url)):
            await self.app(scope, receive, send)


def _text(ok: bool, message: str) -> Response:
    return PlainTextResponse(f"1:{message}\n" if ok else f"0\n{message}\n")


async def _form(request: Request) -> Form:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise Fault(f"The upload is larger than the limit of {MAX_UPLOAD_BYTES} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise Fault(f"The upload is larger than the limit of {MAX_UPLOAD_BYTES} bytes.")
        chunks.append(chunk)
    return read_form(request.headers.get("content-type", ""), b"".join(chunks))


def _actor(site: Site, settings: Settings, form: Form) -> Actor:
    credentials = {k: form.fields[k] for k in AUTH_FIELDS if form.fields.get(k) not in (None, "")}
    return authenticate(site, credentials, settings.auth)


async def _answer_upload(request: Request, thumbnail: bool) -> Response:
    site: Site = request.app.state.site
    settings: Settings = request.app.state.settings
    try:
        form = await _form(request)
        part = form.files.get("thumb_image" if thumbnail else "file")
        if part is None:
            raise Fault("The upload has no file part.")
        fields = form.fields

        def run() -> int:
            actor = _actor(site, settings, form)
            if thumbnail:
                return uploads.publish_thumbnail(
                    site,
                    actor,
                    fields.get("entity_type"),
                    fields.get("entity_id"),
                    part.filename,
                    part.content,
                    filmstrip=fields.get("filmstrip") in ("True", "true", "1"),
                )
            return uploads.upload_file(
                site,
                actor,
                fields.get("entity_type"),
                fields.get("entity_id"),
                part.filename,
                part.content,
                field_name=fields.get("field_name"),
                display_name=fields.get("display_name"),
                tag_list=fields.get("tag_list"),
                created_at=fields.get("created_at"),
            )

        return _text(True, str(await run_in_threadpool(run)))
    except Fault as fault:
        return _text(False, fault.message)
    except Exception:
        log.exception("upload failed")
        return _text(False, "Callsheet could not store the upload: internal error (see the log).")


async def upload_file(request: Request) -> Response:
    """`POST /upload/upload_file`: an attachment (reference §7.2)."""
    return await _answer_upload(request, thumbnail=False)


async def publish_thumbnail(request: Request) -> Response:
    """`POST /upload/publish_thumbnail`: a thumbnail or filmstrip (reference §7.2)."""
    return await _answer_upload(request, thumbnail=True)


def _shared_entity(text: str) -> tuple[str, int]:
    match = _SHARED_ENTITY.fullmatch(text.strip())
    if match is None:
        raise Fault(f"share_thumbnail expects entities as Type_id, got {text!r}.")
    return match.group(1), int(match.group(2))


async def share_thumbnail(request: Request) -> Response:
    """`POST /upload/share_thumbnail`: `1:<id>`, `2\\n...` while the source is still resizing."""
    site: Site = request.app.state.site
    settings: Settings = request.app.state.settings
    try:
        form = await _form(request)
        fields = form.fields
        targets = [_shared_entity(t) for t in fields.get("entities", "").split(",") if t.strip()]
        if not targets:
            raise Fault("share_thumbnail needs at least one entity.")
        source = _shared_entity(fields.get("source_entity", ""))
        filmstrip = fields.get("filmstrip_thumbnail") in ("1", "True", "true")

        def run() -> int:
            actor = _actor(site, settings, form)
            return uploads.share_thumbnail(site, actor, targets, source, filmstrip)

        return _text(True, str(await run_in_threadpool(run)))
    except uploads.ThumbnailNotReadyFault as fault:
        return PlainTextResponse(f"2\n{fault.message}\n")
    except Fault as fault:
        return _text(False, fault.message)
    except Exception:
        log.exception("share_thumbnail failed")
        return _text(False, "Callsheet could not share the thumbnail: internal error.")


async def cloud_upload_not_available(request: Request) -> Response:
    """The cloud (S3-style) flow: never selected, since `info` disables it (reference §7.1)."""
    await request.body()
    return _text(False, "This Callsheet server takes uploads directly (no cloud upload flow).")


async def thumbnail_url_not_available(request: Request) -> Response:
    """The legacy thumbnail URL lookup: only clients of servers older than 3.3 call it."""
    return PlainTextResponse("0\nImage URLs are returned by find (api_return_image_urls).\n")


async def transient_placeholder(request: Request) -> Response:
    """The placeholder an image field points at while its thumbnail is resized (no login)."""
    return Response(placeholder_png(), media_type="image/png")


async def thumbnail(request: Request) -> Response:
    """A resized thumbnail, to whoever holds its signed URL (as ShotGrid's S3 URLs are)."""
    site: Site = request.app.state.site
    name = request.path_params["name"]
    room = site.files
    if room is None or _THUMBNAIL_NAME.fullmatch(name) is None:
        return PlainTextResponse("Not found.\n", status_code=404)
    path = THUMBNAIL_PATH.format(name=name)
    query = request.query_params
    if not room.verify(path, query.get("expires"), query.get("signature")):
        return PlainTextResponse("This link is not valid or has expired.\n", status_code=403)
    attachment_id, extension = name.split(".")
    file = room.storage.thumbnail_path(int(attachment_id), extension)
    if not file.is_file():
        return PlainTextResponse("Not found.\n", status_code=404)
    media_type = "image/png" if extension == "png" else "image/jpeg"
    return FileResponse(file, media_type=media_type)


# shotgun_api3 downloads `/file_serve/attachment/<id>` with a `_session_id` cookie from its own
# (cached) `get_session_token` call, but its cookie jar drops that cookie when the server URL
# carries a port (reference §7.5). For callers on this very machine (loopback) only, a cookieless
# download may use the latest session token issued to the same address, while that token is
# valid and within the window below. Remote callers on a non-standard port use the signed URLs
# that reads return, or a proxy on 80/443. Kept per process: with several server processes a
# download may reach one that did not issue the token, and is then refused.
LOOPBACK_SESSION_WINDOW_S = 8 * 3600.0
_LOOPBACK_HOSTS = ("127.", "::1", "localhost")
_loopback_sessions: dict[str, tuple[str, float]] = {}


def _is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    return host.startswith(_LOOPBACK_HOSTS)


def remember_loopback_session(request: Request, results: Any) -> None:
    """Note the session token just issued to a caller on this machine (see above)."""
    token = results.get("session_id") if isinstance(results, dict) else None
    if token and _is_loopback(request):
        _loopback_sessions[request.client.host] = (token, time.monotonic())  # type: ignore[union-attr]


def _loopback_token(request: Request) -> str | None:
    if not _is_loopback(request):
        return None
    token, issued = _loopback_sessions.get(request.client.host, (None, 0.0))  # type: ignore[union-attr]
    if token is None or time.monotonic() - issued > LOOPBACK_SESSION_WINDOW_S:
        return None
    return token


def _cookie_actor(site: Site, settings: Settings, token: str | None) -> Actor | None:
    """The person or script a session token belongs to (None: no valid session)."""
    if not token:
        return None
    try:
        return authenticate(site, {"session_token": token}, settings.auth)
    except Fault:
        return None


async def attachment(request: Request) -> Response:
    """`GET /file_serve/attachment/<id>`: the uploaded bytes, to authenticated callers only."""
    site: Site = request.app.state.site
    settings: Settings = request.app.state.settings
    text_id: str = request.path_params["attachment_id"]
    if not text_id.isdigit() or len(text_id) > 10 or site.files is None:
        return PlainTextResponse("Attachment not found.\n", status_code=404)
    attachment_id = int(text_id)
    query = request.query_params
    signed = site.files.verify(
        ATTACHMENT_PATH.format(id=attachment_id), query.get("expires"), query.get("signature")
    )

    def run() -> Any:
        if signed:  # minted by a read of someone allowed to see it
            return uploads.attachment_file(site, attachment_id) or False
        token = request.cookies.get("_session_id") or _loopback_token(request)
        actor = _cookie_actor(site, settings, token)
        if actor is None:
            return None
        # an Attachment the caller may not see is as absent as one that does not exist
        return uploads.attachment_file(site, attachment_id, actor) or False

    try:
        found = await run_in_threadpool(run)
    except Fault as fault:
        return PlainTextResponse(f"{fault.message}\n", status_code=400)
    if found is None:
        return PlainTextResponse(
            "Log in (a _session_id cookie) or use the signed URL the API returned.\n",
            status_code=403,
        )
    if found is False:
        return PlainTextResponse("Attachment not found.\n", status_code=404)
    return FileResponse(found.path, media_type=found.content_type, filename=found.filename)


def file_routes() -> list[Route]:
    """The routes of the file endpoints, mounted at the root as the client requires."""
    routes = [
        Route("/upload/upload_file", upload_file, methods=["POST"]),
        Route("/upload/publish_thumbnail", publish_thumbnail, methods=["POST"]),
        Route("/upload/share_thumbnail", share_thumbnail, methods=["POST"]),
        *(Route(path, cloud_upload_not_available, methods=["POST"]) for path in CLOUD_PATHS),
        Route("/upload/get_thumbnail_url", thumbnail_url_not_available),
        Route(TRANSIENT_PATH, transient_placeholder),
        Route("/thumbnail/{name}", thumbnail),
        Route("/file_serve/attachment/{attachment_id}", attachment),
    ]
    return routes
