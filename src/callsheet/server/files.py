"""File endpoints of the official client (reference §7, direct flow): uploads, thumbnails, files.

Upload endpoints answer HTTP 200 with text: `1:<attachment_id>\\n` on success, `0\\n<message>\\n`
on any failure (an HTTP error would be retried three times, then reported as "Max attempts limit
reached."). They authenticate the auth fields of the form, as `/api3/json` does its auth dict,
before reading any file content; file parts are streamed to disk (`Settings.max_upload_bytes`).
Thumbnails are served to whoever holds their signed URL; attachments to a caller with a valid
signed URL or a `_session_id` cookie holding a session token. Every file goes out with
`nosniff` and a sandboxing Content-Security-Policy: an uploaded HTML or SVG file opened in a
browser runs no script with the site's cookies.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
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
from callsheet.server.callers import run_authenticating, source_address
from callsheet.server.forms import Form, StreamedForm, read_form, read_streamed_multipart
from callsheet.server.request_guards import SMALL_FORM_MAX_BODY_BYTES, host_name, too_large
from callsheet.server.settings import Settings, is_loopback_name
from callsheet.site import uploads
from callsheet.site.actor import Actor
from callsheet.site.auth import authenticate
from callsheet.site.site import Site

log = logging.getLogger("callsheet.server.files")

# What a browser must not do with a served file: guess another type, or run it as a page.
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
}
# A stored file never changes under its id (a new upload is a new Attachment, with a new
# thumbnail), so the browser may keep it while its signed URL is valid, at most this long;
# `private`: never a shared cache. Files fetched with a session cookie are checked again each time.
MAX_CACHE_S = 60 * 60
SESSION_FILE_CACHE = "private, no-cache"
AUTH_FIELDS = (
    "script_name",
    "script_key",
    "user_login",
    "user_password",
    "session_token",
    "sudo_as_login",
    "session_uuid",
)
_THUMBNAIL_NAME = re.compile(r"[0-9]{1,10}\.(jpg|png)")
_SHARED_ENTITY = re.compile(r"([A-Za-z][A-Za-z0-9_]{0,63})_([0-9]{1,10})")


def attach_files(site: Site, settings: Settings) -> FileRoom:
    """Give the site its file store (under the data folder unless one is set already)."""
    if site.files is None:
        site.use_files(
            FileRoom(
                settings.files_dir,
                thumbnail_delay_s=settings.thumbnail_delay_s,
                public_url=settings.public_url,
            )
        )
    assert site.files is not None
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


def _signed_file_headers(expires: str) -> dict[str, str]:
    """FILE_HEADERS for a file fetched by a valid signed URL expiring at `expires`."""
    seconds = max(0, min(int(expires) - int(time.time()), MAX_CACHE_S))
    return {**FILE_HEADERS, "Cache-Control": f"private, max-age={seconds}"}


def _text(ok: bool, message: str) -> Response:
    return PlainTextResponse(f"1:{message}\n" if ok else f"0\n{message}\n")


async def _small_form(request: Request) -> Form:
    """A form of a few fields (urlencoded, or multipart without big files), read whole."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > SMALL_FORM_MAX_BODY_BYTES:
            raise too_large(SMALL_FORM_MAX_BODY_BYTES)
    return read_form(request.headers.get("content-type", ""), bytes(body))


def _actor(
    site: Site,
    settings: Settings,
    fields: dict[str, str],
    source: str | None,
    *,
    waited: bool = False,
) -> Actor:
    credentials = {k: fields[k] for k in AUTH_FIELDS if fields.get(k) not in (None, "")}
    return authenticate(site, credentials, settings.auth, source=source, waited=waited)


async def _authenticated_form(
    request: Request, site: Site, settings: Settings
) -> tuple[StreamedForm, Actor]:
    """The upload form, its sender authenticated before any file content is read (the client
    sends the auth fields first); file parts go to `<files>/incoming/`, never into memory."""
    content_type = request.headers.get("content-type", "")
    source = source_address(request)
    actors: list[Actor] = []

    async def authenticate_fields(fields: dict[str, str]) -> None:
        actors.append(await run_authenticating(_actor, site, settings, fields, source))

    if not content_type.lower().startswith("multipart/form-data"):
        small = await _small_form(request)
        form = StreamedForm(fields=small.fields)
    else:
        spool = uploads.room_of(site).storage.incoming_dir()
        form = await read_streamed_multipart(
            content_type, request.stream(), spool, authenticate_fields
        )
    if not actors:
        try:
            await authenticate_fields(form.fields)
        except BaseException:
            form.discard()
            raise
    return form, actors[0]


async def _answer_upload(request: Request, thumbnail: bool) -> Response:
    site: Site = request.app.state.site
    settings: Settings = request.app.state.settings
    form: StreamedForm | None = None
    try:
        form, actor = await _authenticated_form(request, site, settings)
        part = form.files.get("thumb_image" if thumbnail else "file")
        if part is None:
            raise Fault("The upload has no file part.")
        fields = form.fields

        def run() -> int:
            if thumbnail:
                return uploads.publish_thumbnail(
                    site,
                    actor,
                    fields.get("entity_type"),
                    fields.get("entity_id"),
                    part.filename,
                    part.path,
                    filmstrip=fields.get("filmstrip") in ("True", "true", "1"),
                )
            return uploads.upload_file(
                site,
                actor,
                fields.get("entity_type"),
                fields.get("entity_id"),
                part.filename,
                part.path,
                field_name=fields.get("field_name"),
                display_name=fields.get("display_name"),
                tag_list=fields.get("tag_list"),
                created_at=fields.get("created_at"),
            )

        return _text(True, str(await run_in_threadpool(run)))
    except Fault as fault:
        return _text(False, fault.message)
    except ClientDisconnect:
        return _text(False, "The upload was interrupted.")
    except Exception:
        log.exception("upload failed")
        return _text(False, "Callsheet could not store the upload: internal error (see the log).")
    finally:
        if form is not None:
            form.discard()


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
        form = await _small_form(request)
        fields = form.fields
        source = source_address(request)
        targets = [_shared_entity(t) for t in fields.get("entities", "").split(",") if t.strip()]
        if not targets:
            raise Fault("share_thumbnail needs at least one entity.")
        shared = _shared_entity(fields.get("source_entity", ""))
        filmstrip = fields.get("filmstrip_thumbnail") in ("1", "True", "true")

        def run(*, waited: bool) -> int:
            actor = _actor(site, settings, fields, source, waited=waited)
            return uploads.share_thumbnail(site, actor, targets, shared, filmstrip)

        return _text(True, str(await run_authenticating(run)))
    except uploads.ThumbnailNotReadyFault as fault:
        return PlainTextResponse(f"2\n{fault.message}\n")
    except Fault as fault:
        return _text(False, fault.message)
    except Exception:
        log.exception("share_thumbnail failed")
        return _text(False, "Callsheet could not share the thumbnail: internal error.")


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
    headers = _signed_file_headers(query["expires"])
    return FileResponse(file, media_type=media_type, headers=headers)


# shotgun_api3 downloads `/file_serve/attachment/<id>` with a `_session_id` cookie from its own
# (cached) `get_session_token` call, but its cookie jar drops that cookie when the server URL
# carries a port (reference §7.5). Only with `allow_cookieless_local_downloads` (off by default:
# any process on this machine could then download as that caller), a cookieless download from
# this machine (loopback address, and a Host header naming loopback, so no DNS rebinding) uses
# the latest session token issued to the same address, while it is valid and within the window
# below. Everyone else uses the signed URLs that reads return, or a proxy on 80/443. Kept per
# process: with several server processes a download may reach one that did not issue the token.
LOOPBACK_SESSION_WINDOW_S = 8 * 3600.0
_LOOPBACK_HOSTS = ("127.", "::1", "localhost")
_loopback_sessions: dict[str, tuple[str, float]] = {}


def _is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    named = host_name(request.headers.get("host", ""))
    return host.startswith(_LOOPBACK_HOSTS) and is_loopback_name(named)


def remember_loopback_session(request: Request, results: Any) -> None:
    """Note the session token just issued to a caller on this machine (see above; only with
    `allow_cookieless_local_downloads`)."""
    token = results.get("session_id") if isinstance(results, dict) else None
    if token and _is_loopback(request):
        _loopback_sessions[request.client.host] = (token, time.monotonic())  # type: ignore[union-attr]


def _loopback_token(request: Request, settings: Settings) -> str | None:
    if not settings.allow_cookieless_local_downloads or not _is_loopback(request):
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
        token = request.cookies.get("_session_id") or _loopback_token(request, settings)
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
    if signed:
        headers = _signed_file_headers(query["expires"])
    else:
        headers = {**FILE_HEADERS, "Cache-Control": SESSION_FILE_CACHE}
    return FileResponse(
        found.path, media_type=found.content_type, filename=found.filename, headers=headers
    )


def file_routes() -> list[Route]:
    """The routes of the file endpoints, mounted at the root as the client requires."""
    routes = [
        Route("/upload/upload_file", upload_file, methods=["POST"]),
        Route("/upload/publish_thumbnail", publish_thumbnail, methods=["POST"]),
        Route("/upload/share_thumbnail", share_thumbnail, methods=["POST"]),
        Route("/upload/get_thumbnail_url", thumbnail_url_not_available),
        Route(TRANSIENT_PATH, transient_placeholder),
        Route("/thumbnail/{name}", thumbnail),
        Route("/file_serve/attachment/{attachment_id}", attachment),
    ]
    return routes
