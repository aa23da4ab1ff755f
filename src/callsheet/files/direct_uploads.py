"""Direct uploads (the official client's cloud flow, reference §7.3) kept on this server's disk.

`shotgun_api3.upload` asks for an upload link, PUTs the bytes there (in parts of 20,000,000
bytes above that size, each answered with an `ETag`), completes a multipart upload, then links
the file to an entity. Callsheet serves those links itself: each upload is a folder under
`<files>/incoming/direct/<upload_id>/` holding who asked for it (`upload.json`), its parts and,
once whole, `data`. The state lives on disk, not in a server process, so any process sharing
the files folder can take the next call. Parts may be sent again (a new PUT replaces the part);
assembling copies part files into `data` in the kernel (`copy_file_range`), never through memory.
Uploads never linked are swept once their links have expired.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from callsheet.faults import Fault, NotFoundFault, PermissionFault, ValueFault

DIRECT_DIR = "direct"
STATE_FILE = "upload.json"
DATA_FILE = "data"
PART_PREFIX = "part-"
# S3 allows 10,000 parts; the client sends 20 MB parts, so that is 200 GB.
MAX_PARTS = 10_000
COPY_CHUNK_BYTES = 64 * 1024 * 1024
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
UPLOAD_TYPES = ("Attachment", "Thumbnail")


class UploadStateFault(Fault):
    """A direct upload is unknown, expired, incomplete or used out of order."""


@dataclass(frozen=True)
class DirectUpload:
    """One upload in progress: who asked for it and what it will become."""

    upload_id: str
    owner: str
    filename: str
    upload_type: str
    multipart: bool
    created: float
    timestamp: str


def _check_id(upload_id: object) -> str:
    if not isinstance(upload_id, str) or _UPLOAD_ID.fullmatch(upload_id) is None:
        raise UploadStateFault(f"Unknown upload id {upload_id!r}.")
    return upload_id


def part_number_of(text: object) -> int:
    """A part number from a form or URL: 1 to MAX_PARTS."""
    value = str(text or "").strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_PARTS:
        raise ValueFault(f"part_number must be a whole number from 1 to {MAX_PARTS}, got {text!r}.")
    return int(value)


def etag_values(text: str) -> list[str]:
    """The ETags the client joined with commas (each the raw header value, quotes included)."""
    return [tag.strip().strip('"') for tag in text.split(",") if tag.strip()]


class DirectUploads:
    """The direct uploads of one files folder (`root` is the storage's `incoming_dir()`)."""

    def __init__(self, incoming: Path, lifetime_s: float) -> None:
        self.root = Path(incoming) / DIRECT_DIR
        self.lifetime_s = lifetime_s

    def folder(self, upload_id: str) -> Path:
        return self.root / _check_id(upload_id)

    def begin(
        self, owner: str, filename: str, upload_type: str, multipart: bool, timestamp: str
    ) -> DirectUpload:
        """A new upload for `owner` (who alone may send its parts, complete and link it)."""
        if upload_type not in UPLOAD_TYPES:
            raise ValueFault(f"upload_type must be Attachment or Thumbnail, got {upload_type!r}.")
        self.sweep()
        upload = DirectUpload(
            secrets.token_hex(16), owner, filename, upload_type, multipart, time.time(), timestamp
        )
        folder = self.folder(upload.upload_id)
        folder.mkdir(parents=True)
        state = {
            "owner": owner,
            "filename": filename,
            "upload_type": upload_type,
            "multipart": multipart,
            "created": upload.created,
            "timestamp": timestamp,
        }
        (folder / STATE_FILE).write_text(json.dumps(state))
        return upload

    def load(self, upload_id: str, owner: str | None = None) -> DirectUpload:
        """The upload (UploadStateFault if unknown or expired; PermissionFault if not `owner`'s)."""
        folder = self.folder(upload_id)
        try:
            state = json.loads((folder / STATE_FILE).read_text())
        except (OSError, ValueError):
            raise UploadStateFault(f"Upload {upload_id} is unknown or has expired.") from None
        upload = DirectUpload(
            upload_id,
            str(state["owner"]),
            str(state["filename"]),
            str(state["upload_type"]),
            bool(state["multipart"]),
            float(state["created"]),
            str(state["timestamp"]),
        )
        if time.time() > upload.created + self.lifetime_s:
            raise UploadStateFault(f"Upload {upload_id} has expired; start the upload again.")
        if owner is not None and owner != upload.owner:
            # only the caller who asked for the link may use it
            raise PermissionFault(f"Upload {upload_id} was started by someone else.")
        return upload

    def part_path(self, upload_id: str, part_number: int | None) -> Path:
        """Where a part (or, for None, the whole file of a single PUT) is kept."""
        folder = self.folder(upload_id)
        return folder / (DATA_FILE if part_number is None else f"{PART_PREFIX}{part_number}")

    def temporary_path(self, upload_id: str) -> Path:
        """A fresh file name in the upload's folder for bytes still arriving."""
        return self.folder(upload_id) / f".arriving-{secrets.token_hex(8)}"

    def store_part(self, upload_id: str, part_number: int | None, arrived: Path, etag: str) -> None:
        """Put bytes that arrived whole in place (replacing an earlier send of the same part)."""
        target = self.part_path(upload_id, part_number)
        (target.parent / (target.name + ".etag")).write_text(etag)
        os.replace(arrived, target)

    def bytes_stored(self, upload_id: str) -> int:
        """How many bytes the upload's parts hold so far."""
        folder = self.folder(upload_id)
        return sum(p.stat().st_size for p in folder.glob(f"{PART_PREFIX}*[0-9]"))

    def complete(self, upload_id: str, owner: str, etags: list[str]) -> int:
        """Assemble parts 1..N into the whole file, checking each part's ETag; its size."""
        upload = self.load(upload_id, owner)
        if not upload.multipart:
            raise UploadStateFault(f"Upload {upload_id} was not started as a multipart upload.")
        if not etags:
            raise ValueFault("api_complete_multipart_upload needs the ETag of every part.")
        folder = self.folder(upload_id)
        parts = []
        for number, etag in enumerate(etags, start=1):
            path = self.part_path(upload_id, number)
            stored = path.parent / (path.name + ".etag")
            if not path.is_file() or not stored.is_file():
                raise UploadStateFault(f"Part {number} of upload {upload_id} was never received.")
            if stored.read_text() != etag:
                raise UploadStateFault(
                    f"Part {number} of upload {upload_id} has ETag {stored.read_text()!r}, "
                    f"not {etag!r}: send the part again."
                )
            parts.append(path)
        temporary = self.temporary_path(upload_id)
        with temporary.open("wb") as out:
            for path in parts:
                with path.open("rb") as source:
                    _copy(source.fileno(), out.fileno(), path.stat().st_size)
        os.replace(temporary, folder / DATA_FILE)
        for path in parts:
            path.unlink()
            (path.parent / (path.name + ".etag")).unlink()
        return (folder / DATA_FILE).stat().st_size

    def finished_file(self, upload_id: str, owner: str) -> tuple[DirectUpload, Path]:
        """The upload and its whole file, ready to be linked."""
        upload = self.load(upload_id, owner)
        path = self.part_path(upload_id, None)
        if not path.is_file():
            what = "completed" if upload.multipart else "sent"
            raise UploadStateFault(f"Upload {upload_id} was never {what}; nothing to link.")
        return upload, path

    def discard(self, upload_id: str) -> None:
        """Forget an upload (after linking, its file has moved to the attachments)."""
        shutil.rmtree(self.folder(upload_id), ignore_errors=True)

    def sweep(self) -> None:
        """Remove uploads whose links have expired (never linked: abandoned)."""
        if not self.root.is_dir():
            return
        cutoff = time.time() - self.lifetime_s
        for folder in self.root.iterdir():
            try:
                if folder.stat().st_mtime < cutoff and _UPLOAD_ID.fullmatch(folder.name):
                    state = folder / STATE_FILE
                    created = json.loads(state.read_text())["created"] if state.exists() else 0
                    if created < cutoff:
                        shutil.rmtree(folder, ignore_errors=True)
            except (OSError, ValueError, KeyError):
                continue


def _copy(source: int, target: int, size: int) -> None:
    """Append `size` bytes of one file to another inside the kernel when it can."""
    left = size
    try:
        while left > 0:
            copied = os.copy_file_range(source, target, min(left, COPY_CHUNK_BYTES))
            if copied == 0:
                break
            left -= copied
    except OSError:
        pass  # another file system, or no copy_file_range: copy the rest by reads
    while left > 0:
        chunk = os.read(source, min(left, 1024 * 1024))
        if not chunk:
            raise NotFoundFault("A part of the upload is shorter than it was.")
        os.write(target, chunk)
        left -= len(chunk)
