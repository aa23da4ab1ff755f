"""The two form encodings the official client posts to `/upload/...` (reference §7.2, §7.4).

Parsed here rather than with python-multipart: the client's encoding is fixed and simple
(`FormPostHandler`: a uuid boundary, raw UTF-8 file names), and a malformed body must become a
clear text error, never an exception page.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool

from callsheet.faults import Fault

_BOUNDARY = re.compile(r'boundary="?([^";]{1,200})"?')
_NAME = re.compile(r'\bname="([^"]*)"')
_FILENAME = re.compile(r'\bfilename="(.*)"')
MAX_FIELDS = 100


class FormFault(Fault):
    """The upload form could not be read."""


@dataclass
class FormFile:
    """One uploaded file part."""

    filename: str
    content: bytes


@dataclass
class Form:
    """Text fields and file parts of one form post."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, FormFile] = field(default_factory=dict)


def parse_urlencoded(body: bytes) -> Form:
    """An `application/x-www-form-urlencoded` body."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as error:
        raise FormFault(f"The form could not be read: {error}.") from None
    return Form(fields=dict(pairs))


def parse_multipart(content_type: str, body: bytes) -> Form:
    """A `multipart/form-data` body as the official client writes it."""
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise FormFault("The upload form has no multipart boundary.")
    delimiter = b"--" + match.group(1).encode("latin-1")
    form = Form()
    parts = body.split(delimiter)
    if len(parts) < 3 or len(parts) > MAX_FIELDS + 2:
        raise FormFault("The upload form is not a multipart form the server can read.")
    for part in parts[1:-1]:
        if not part.startswith(b"\r\n") or b"\r\n\r\n" not in part:
            raise FormFault("The upload form has a part without headers.")
        head, _, content = part[2:].partition(b"\r\n\r\n")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        headers = head.decode("utf-8", errors="replace")
        disposition = next(
            (h for h in headers.split("\r\n") if h.lower().startswith("content-disposition:")), ""
        )
        name = _NAME.search(disposition)
        if name is None:
            raise FormFault("The upload form has a part without a name.")
        filename = _FILENAME.search(disposition)
        if filename is not None:
            form.files[name.group(1)] = FormFile(filename.group(1), content)
        else:
            form.fields[name.group(1)] = content.decode("utf-8", errors="replace")
    return form


def read_form(content_type: str, body: bytes) -> Form:
    """The form in either encoding, by its content type."""
    if content_type.lower().startswith("multipart/form-data"):
        return parse_multipart(content_type, body)
    return parse_urlencoded(body)


# -- streamed multipart: file parts go to disk, and the fields before them are seen first --------

SPOOL_FLUSH_BYTES = 1024 * 1024
MAX_PART_HEADER_BYTES = 16 * 1024
MAX_FIELD_BYTES = 64 * 1024
# All text fields together: what an unauthenticated sender can make the server hold in memory.
MAX_FIELDS_TOTAL_BYTES = 1024 * 1024
BeforeFiles = Callable[[dict[str, str]], Awaitable[None]]


@dataclass
class SpooledFile:
    """One uploaded file part, written to a temporary file."""

    filename: str
    path: Path
    size: int = 0


@dataclass
class StreamedForm:
    """Text fields and spooled file parts of one form post; `discard()` removes what is left."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, SpooledFile] = field(default_factory=dict)

    def discard(self) -> None:
        """Delete the temporary files (a part moved into storage is already gone)."""
        for part in self.files.values():
            part.path.unlink(missing_ok=True)


class _Spool:
    """A temporary file written in large pieces, off the event loop."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=folder, prefix="upload-")
        self.path = Path(name)
        self.out = os.fdopen(handle, "wb")
        self.pending = bytearray()

    async def write(self, data: bytes) -> None:
        self.pending += data
        if len(self.pending) >= SPOOL_FLUSH_BYTES:
            await self.flush()

    async def flush(self) -> None:
        if self.pending:
            data, self.pending = bytes(self.pending), bytearray()
            await run_in_threadpool(self.out.write, data)

    async def close(self) -> None:
        await self.flush()
        await run_in_threadpool(self.out.close)


async def read_streamed_multipart(
    content_type: str, chunks: AsyncIterator[bytes], spool_dir: Path, before_files: BeforeFiles
) -> StreamedForm:
    """A `multipart/form-data` body read as it arrives: text fields in memory (each at most
    MAX_FIELD_BYTES), file parts streamed to temporary files under `spool_dir`.

    `before_files(fields)` runs once, before the first byte of the first file part is kept:
    the official client writes every text field (its credentials among them) before the files
    (`FormPostHandler.encode`), so an upload is authenticated before its content is read. If
    anything fails, the temporary files are deleted and the Fault raised.
    """
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise FormFault("The upload form has no multipart boundary.")
    delimiter = b"--" + match.group(1).encode("latin-1")
    separator = b"\r\n" + delimiter
    form = StreamedForm()
    try:
        await _parse_stream(form, delimiter, separator, chunks, spool_dir, before_files)
    except BaseException:
        form.discard()
        raise
    return form


async def _parse_stream(
    form: StreamedForm,
    delimiter: bytes,
    separator: bytes,
    chunks: AsyncIterator[bytes],
    spool_dir: Path,
    before_files: BeforeFiles,
) -> None:
    buffer = bytearray()
    ended = False
    checked = False
    parts = 0

    async def more() -> bool:
        nonlocal ended
        if ended:
            return False
        try:
            buffer.extend(await chunks.__anext__())
        except StopAsyncIteration:
            ended = True
            return False
        return True

    async def need(count: int) -> None:
        while len(buffer) < count:
            if not await more():
                raise FormFault("The upload form ended before its last boundary.")

    # the preamble: the client writes the first delimiter at once
    while (start := buffer.find(delimiter)) < 0:
        if len(buffer) > MAX_PART_HEADER_BYTES or not await more():
            raise FormFault("The upload form is not a multipart form the server can read.")
    del buffer[: start + len(delimiter)]
    while True:
        await need(2)
        if buffer[:2] == b"--":
            return  # the closing delimiter
        if buffer[:2] != b"\r\n":
            raise FormFault("The upload form has a part without headers.")
        del buffer[:2]
        parts += 1
        if parts > MAX_FIELDS:
            raise FormFault(f"The upload form has more than {MAX_FIELDS} parts.")
        while (end := buffer.find(b"\r\n\r\n")) < 0:
            if len(buffer) > MAX_PART_HEADER_BYTES or not await more():
                raise FormFault("The upload form has a part without headers.")
        headers = bytes(buffer[:end]).decode("utf-8", errors="replace")
        del buffer[: end + 4]
        disposition = next(
            (h for h in headers.split("\r\n") if h.lower().startswith("content-disposition:")), ""
        )
        name = _NAME.search(disposition)
        if name is None:
            raise FormFault("The upload form has a part without a name.")
        filename = _FILENAME.search(disposition)
        spool: _Spool | None = None
        if filename is not None:
            if not checked:
                checked = True
                await before_files(dict(form.fields))
            spool = _Spool(spool_dir)
            part = SpooledFile(filename.group(1), spool.path)
            form.files[name.group(1)] = part
        content = bytearray()
        try:
            while True:
                found = buffer.find(separator)
                keep = len(buffer) if found >= 0 else max(len(buffer) - len(separator) + 1, 0)
                piece = bytes(buffer[: found if found >= 0 else keep])
                del buffer[: len(piece)]
                if spool is not None:
                    part.size += len(piece)
                    await spool.write(piece)
                else:
                    content += piece
                    held = len(content) + sum(map(len, form.fields.values()))
                    if len(content) > MAX_FIELD_BYTES or held > MAX_FIELDS_TOTAL_BYTES:
                        raise FormFault(f"The upload form field {name.group(1)!r} is too long.")
                if found >= 0:
                    del buffer[: len(separator)]
                    break
                if not await more():
                    raise FormFault("The upload form ended before its last boundary.")
        finally:
            if spool is not None:
                await spool.close()
        if spool is None:
            form.fields[name.group(1)] = bytes(content).decode("utf-8", errors="replace")
