"""The official client's cloud upload flow (reference §7.3), served by Callsheet itself.

`info` says direct uploads are on (server/methods.py), so `shotgun_api3.upload` for the fields
ShotGrid uploads that way (`Version.sg_uploaded_movie`, Attachments, `this_file`):

1. `POST /upload/api_get_upload_link_info` (authenticated): a new upload and its link,
   `1\\n<upload_url>\\n<timestamp>\\n<upload_type>\\n<upload_id>\\n`;
2. `PUT <upload_url>` with the whole file; or, per part, `POST
   /upload/api_get_upload_link_for_part` then `PUT <part_url>` (answered with an `ETag`), and
   then `POST /upload/api_complete_multipart_upload` with the ETags;
3. `POST /upload/api_link_file` with the text of step 1: the Attachment, as `upload_file` makes it.

The links are signed and expire (files/signing.py), and name one upload; the form calls are
authenticated like every upload and only the caller who started an upload may send its parts
links, complete it or link it. Bytes stream to disk as they arrive (files/direct_uploads.py).
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from callsheet.faults import Fault, PermissionFault, ValueFault
from callsheet.files import FileRoom
from callsheet.files.direct_uploads import PartTarget, etag_values, part_number_of
from callsheet.server.callers import run_authenticating, source_address
from callsheet.server.files import _actor, _small_form, _text
from callsheet.server.request_guards import BodyTooLargeFault, too_large
from callsheet.server.settings import Settings
from callsheet.site import uploads
from callsheet.site.actor import Actor
from callsheet.site.site import Site

log = logging.getLogger("callsheet.server.direct_uploads")

UPLOAD_PATH = "/file_upload/{upload_id}/{part}"
WHOLE = "whole"  # the part name of a single-PUT upload
# Writes into the page cache this slow, several in a row, mean the kernel is throttling this
# writer (dirty pages behind a slow disk), not that the process was merely descheduled once.
SLOW_WRITE_S = 0.02
SLOW_WRITES_TO_THREAD = 3


def _owner(actor: Actor) -> str:
    return f"{actor.entity_type}:{actor.id}"


def _upload_url(room: FileRoom, upload_id: str, part: str) -> str:
    return room.base_url() + room.signer.sign(UPLOAD_PATH.format(upload_id=upload_id, part=part))


async def _form_call(request: Request, answer: Any) -> Response:
    """Read the small form, authenticate its sender, run `answer(site, actor, fields)` in the
    thread pool; its text is the response (`0\\n<message>` for any Fault)."""
    site: Site = request.app.state.site
    settings: Settings = request.app.state.settings
    try:
        form = await _small_form(request)
        fields = form.fields
        source = source_address(request)

        def run(*, waited: bool) -> str:
            actor = _actor(site, settings, fields, source, waited=waited)
            return str(answer(site, actor, fields))

        return PlainTextResponse(await run_authenticating(run))
    except Fault as fault:
        return _text(False, fault.message)
    except Exception:
        log.exception("direct upload call failed")
        return _text(False, "Callsheet could not take the upload: internal error (see the log).")


def _begin(site: Site, actor: Actor, fields: dict[str, str]) -> str:
    room = uploads.room_of(site)
    filename = uploads.clean_filename(fields.get("filename"))
    multipart = fields.get("multipart_upload") in ("True", "true", "1")
    timestamp = fields.get("created_at") or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    upload = room.direct_uploads.begin(
        _owner(actor), filename, fields.get("upload_type", ""), multipart, timestamp
    )
    url = _upload_url(room, upload.upload_id, WHOLE)
    # Lines 1-4 are what the client reads; it echoes the whole text back to api_link_file.
    return f"1\n{url}\n{timestamp}\n{upload.upload_type}\n{upload.upload_id}\n"


def _part_link(site: Site, actor: Actor, fields: dict[str, str]) -> str:
    room = uploads.room_of(site)
    upload = room.direct_uploads.load(fields.get("upload_id", ""), _owner(actor))
    if not upload.multipart:
        raise ValueFault(f"Upload {upload.upload_id} was not started as a multipart upload.")
    part = part_number_of(fields.get("part_number"))
    return f"1\n{_upload_url(room, upload.upload_id, str(part))}\n"


def _complete(site: Site, actor: Actor, fields: dict[str, str]) -> str:
    room = uploads.room_of(site)
    etags = etag_values(fields.get("etags", ""))
    room.direct_uploads.complete(fields.get("upload_id", ""), _owner(actor), etags)
    return "1\n"


def _upload_id_of(link_info: str) -> str:
    lines = link_info.split("\n")
    if len(lines) < 5 or lines[0] != "1":
        raise ValueFault("upload_link_info must be the text api_get_upload_link_info answered.")
    return lines[4].strip()


def _link(site: Site, actor: Actor, fields: dict[str, str]) -> str:
    room = uploads.room_of(site)
    upload_id = _upload_id_of(fields.get("upload_link_info", ""))
    upload, path = room.direct_uploads.finished_file(upload_id, _owner(actor))
    if upload.upload_type == "Thumbnail":
        attachment_id = uploads.publish_thumbnail(
            site,
            actor,
            fields.get("entity_type"),
            fields.get("entity_id"),
            upload.filename,
            path,
            filmstrip=fields.get("filmstrip") in ("True", "true", "1"),
        )
    else:
        attachment_id = uploads.upload_file(
            site,
            actor,
            fields.get("entity_type"),
            fields.get("entity_id"),
            upload.filename,
            path,
            field_name=fields.get("field_name"),
            display_name=fields.get("display_name"),
            tag_list=fields.get("tag_list"),
            created_at=fields.get("created_at"),
        )
    room.direct_uploads.discard(upload_id)
    return f"1:{attachment_id}\n"


async def get_upload_link_info(request: Request) -> Response:
    """`POST /upload/api_get_upload_link_info`: start an upload, answer its link."""
    return await _form_call(request, _begin)


async def get_upload_link_for_part(request: Request) -> Response:
    """`POST /upload/api_get_upload_link_for_part`: the link of one part."""
    return await _form_call(request, _part_link)


async def complete_multipart_upload(request: Request) -> Response:
    """`POST /upload/api_complete_multipart_upload`: assemble the parts."""
    return await _form_call(request, _complete)


async def link_file(request: Request) -> Response:
    """`POST /upload/api_link_file`: the finished upload becomes an Attachment on the entity."""
    return await _form_call(request, _link)


def _write_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


async def _receive(
    request: Request, target: PartTarget, part_number: int | None, limit: int
) -> tuple[int, str]:
    """Stream the body to its target (files/direct_uploads.py); its size and ETag.

    Each chunk is written as it arrives (uvloop hands over up to 256 KiB at a time), while it is
    still in the CPU's cache, and in the event loop itself: a write into the page cache takes
    microseconds, less than handing it to a thread. Gathering 4 MiB and writing it from the
    thread pool took 1.8 times the server's CPU per byte (docs/benchmarks.md, media). When the
    kernel starts making writes wait (dirty pages throttled behind a slow disk), the rest of the
    body goes through the thread pool so that the loop keeps serving other requests.

    The ETag names this one send of the part (its size and a random token), not its content:
    the client only hands it back at completion (reference §7.3), where it proves which send of
    each part is meant. Hashing every byte (S3's MD5) would cost a core at 200 MB/s.
    """
    in_place_limit = target.limit
    fd = os.open(target.path, os.O_WRONLY | os.O_CREAT, 0o600)
    size = 0
    slow_writes = 0  # in a row
    try:
        async for chunk in request.stream():
            arrived = size + len(chunk)
            if in_place_limit is not None and arrived > in_place_limit:
                raise ValueFault(
                    f"Part {part_number} is larger than the upload's parts ({in_place_limit} "
                    "bytes, the size of part 1): send parts of one size, the last one smaller."
                )
            if arrived > limit:
                raise too_large(limit)
            if slow_writes < SLOW_WRITES_TO_THREAD:
                started = time.perf_counter()
                _write_all(fd, chunk, target.offset + size)
                slow = time.perf_counter() - started > SLOW_WRITE_S
                slow_writes = slow_writes + 1 if slow else 0
            else:
                await run_in_threadpool(_write_all, fd, chunk, target.offset + size)
            size = arrived
    except BaseException:
        if not target.in_place:
            target.path.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    return size, f"{size:x}-{secrets.token_hex(8)}"


async def put_upload(request: Request) -> Response:
    """`PUT /file_upload/<upload_id>/<part>`: the bytes of a whole upload or of one part.

    Anyone holding the signed link may send (as with S3's presigned URLs, reference §7.3); the
    link names one upload and expires. Sending a part again replaces it.
    """
    site: Site = request.app.state.site
    settings: Settings = request.app.state.settings
    room = site.files
    upload_id, part = request.path_params["upload_id"], request.path_params["part"]
    query = request.query_params
    path = UPLOAD_PATH.format(upload_id=upload_id, part=part)
    if room is None or not room.verify(path, query.get("expires"), query.get("signature")):
        return PlainTextResponse("This upload link is not valid or has expired.\n", 403)
    directs = room.direct_uploads
    try:
        upload = await run_in_threadpool(directs.load, upload_id)
        part_number = None if part == WHOLE else part_number_of(part)
        if (part_number is None) == upload.multipart:
            raise ValueFault(
                f"Upload {upload_id} takes {'parts' if upload.multipart else 'one PUT'}."
            )
        stored = (
            0 if part_number is None else await run_in_threadpool(directs.bytes_stored, upload_id)
        )
        target = await run_in_threadpool(directs.part_target, upload_id, part_number)
        size, etag = await _receive(
            request, target, part_number, settings.max_upload_bytes - stored
        )
        await run_in_threadpool(directs.store_part, upload_id, part_number, target, size, etag)
    except PermissionFault as fault:
        return PlainTextResponse(f"{fault.message}\n", 403)
    except BodyTooLargeFault as fault:
        return PlainTextResponse(f"{fault.message}\n", 413)
    except Fault as fault:
        return PlainTextResponse(f"{fault.message}\n", 400)
    except ClientDisconnect:
        return PlainTextResponse("The upload was interrupted.\n", 400)
    return Response(status_code=200, headers={"ETag": f'"{etag}"'})


def direct_upload_routes() -> list[Route]:
    """The routes of the cloud flow."""
    return [
        Route("/upload/api_get_upload_link_info", get_upload_link_info, methods=["POST"]),
        Route("/upload/api_get_upload_link_for_part", get_upload_link_for_part, methods=["POST"]),
        Route("/upload/api_complete_multipart_upload", complete_multipart_upload, methods=["POST"]),
        Route("/upload/api_link_file", link_file, methods=["POST"]),
        Route(UPLOAD_PATH, put_upload, methods=["PUT"]),
    ]
