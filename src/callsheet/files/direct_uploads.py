"""Direct uploads (the official client's cloud flow, reference §7.3) kept on this server's disk.

`shotgun_api3.upload` asks for an upload link, PUTs the bytes there (in parts of 20,000,000
bytes above that size, each answered with an `ETag`), completes a multipart upload, then links
the file to an entity. Callsheet serves those links itself: each upload is a folder under
`<files>/incoming/direct/<upload_id>/` holding who asked for it (`upload.json`), the receipt of
each part and, once whole, `data`. The state lives on disk, not in a server process, so any
process sharing the files folder can take the next call. Parts are written straight into their
place in the whole file (`part_target`), so completing is a rename; parts may be sent again (a
new PUT replaces the part); parts that could not go in place are joined in the kernel
(`copy_file_range`). Nothing is ever held in memory.
Uploads never linked are swept once their links have expired.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callsheet.faults import Fault, NotFoundFault, PermissionFault, ValueFault

DIRECT_DIR = "direct"
STATE_FILE = "upload.json"
DATA_FILE = "data"
PARTIAL_FILE = "data.partial"  # the whole file while its parts arrive in place
PART_SIZE_FILE = "part_size"  # part 1's size: where part N goes in place
PART_PREFIX = "part-"
# S3 allows 10,000 parts; the client sends 20 MB parts, so that is 200 GB.
MAX_PARTS = 10_000
COPY_CHUNK_BYTES = 64 * 1024 * 1024
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
UPLOAD_TYPES = ("Attachment", "Thumbnail")


class UploadStateFault(Fault):
    """A direct upload is unknown, expired, incomplete or used out of order."""


@dataclass(frozen=True)
class PartTarget:
    """Where a PUT's bytes go: a file, from an offset; at most `limit` bytes when in place."""

    path: Path
    offset: int
    limit: int | None
    in_place: bool


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
        """Where a part sent apart (or, for None, the whole file of a single PUT) is kept."""
        folder = self.folder(upload_id)
        return folder / (DATA_FILE if part_number is None else f"{PART_PREFIX}{part_number}")

    def temporary_path(self, upload_id: str) -> Path:
        """A fresh file name in the upload's folder for bytes still arriving."""
        return self.folder(upload_id) / f".arriving-{secrets.token_hex(8)}"

    def _part_size(self, upload_id: str) -> int | None:
        try:
            return int((self.folder(upload_id) / PART_SIZE_FILE).read_text())
        except (OSError, ValueError):
            return None

    def _sidecar(self, upload_id: str, part_number: int) -> Path:
        return self.folder(upload_id) / f"{PART_PREFIX}{part_number}.json"

    def _received(self, upload_id: str, part_number: int) -> dict[str, Any] | None:
        try:
            state: dict[str, Any] = json.loads(self._sidecar(upload_id, part_number).read_text())
        except (OSError, ValueError):
            return None
        return state

    def _received_numbers(self, upload_id: str) -> list[int]:
        numbers = []
        for sidecar in self.folder(upload_id).glob(f"{PART_PREFIX}*.json"):
            number = sidecar.name.removeprefix(PART_PREFIX).removesuffix(".json")
            if number.isdigit():
                numbers.append(int(number))
        return numbers

    def part_target(self, upload_id: str, part_number: int | None) -> PartTarget:
        """Where the bytes of a PUT go as they arrive.

        Parts go straight into their place in the assembled file when they can: part 1 at 0,
        part N at N-1 times part 1's size (the official client sends equal parts, the last
        shorter), so completing copies nothing. A part that arrives before part 1 goes to a file
        of its own and is copied in at completion. A part sent again replaces the earlier send:
        its receipt is forgotten until the new bytes are all in.
        """
        if part_number is None:
            return PartTarget(self.temporary_path(upload_id), 0, None, in_place=False)
        self._sidecar(upload_id, part_number).unlink(missing_ok=True)
        size = self._part_size(upload_id)
        if part_number == 1:
            # Part 1 sets the size of the places; once another part sits in its place, a new
            # send of part 1 may be smaller (then completion copies) but not larger.
            others = any(
                (r := self._received(upload_id, n)) is not None and r["in_place"]
                for n in self._received_numbers(upload_id)
                if n != 1
            )
            limit = size if others else None
            return PartTarget(self.folder(upload_id) / PARTIAL_FILE, 0, limit, in_place=True)
        if size is None:
            return PartTarget(self.temporary_path(upload_id), 0, None, in_place=False)
        offset = (part_number - 1) * size
        return PartTarget(self.folder(upload_id) / PARTIAL_FILE, offset, size, in_place=True)

    def store_part(
        self, upload_id: str, part_number: int | None, target: PartTarget, size: int, etag: str
    ) -> None:
        """Record a PUT whose bytes have all arrived at `target`."""
        if part_number is None:
            os.replace(target.path, self.part_path(upload_id, None))
            return
        if not target.in_place:
            os.replace(target.path, self.part_path(upload_id, part_number))
        elif part_number == 1 and target.limit is None:
            (self.folder(upload_id) / PART_SIZE_FILE).write_text(str(size))
        receipt = {"etag": etag, "size": size, "in_place": target.in_place}
        self._sidecar(upload_id, part_number).write_text(json.dumps(receipt))

    def bytes_stored(self, upload_id: str) -> int:
        """How many bytes the upload's parts hold so far."""
        folder = self.folder(upload_id)
        total = 0
        for sidecar in folder.glob(f"{PART_PREFIX}*.json"):
            with contextlib.suppress(OSError, ValueError, KeyError):
                total += int(json.loads(sidecar.read_text())["size"])
        return total

    def complete(self, upload_id: str, owner: str, etags: list[str]) -> int:
        """The whole file from parts 1..N, each checked against its ETag; its size."""
        upload = self.load(upload_id, owner)
        if not upload.multipart:
            raise UploadStateFault(f"Upload {upload_id} was not started as a multipart upload.")
        if not etags:
            raise ValueFault("api_complete_multipart_upload needs the ETag of every part.")
        folder = self.folder(upload_id)
        receipts = []
        for number, etag in enumerate(etags, start=1):
            receipt = self._received(upload_id, number)
            if receipt is None:
                raise UploadStateFault(f"Part {number} of upload {upload_id} was never received.")
            if receipt["etag"] != etag:
                raise UploadStateFault(
                    f"Part {number} of upload {upload_id} has ETag {receipt['etag']!r}, "
                    f"not {etag!r}: send the part again."
                )
            receipts.append(receipt)
        part_size = self._part_size(upload_id) or 0
        partial = folder / PARTIAL_FILE
        sizes = [int(r["size"]) for r in receipts]
        whole = (len(sizes) - 1) * part_size + sizes[-1]
        if all(r["in_place"] for r in receipts) and all(n == part_size for n in sizes[:-1]):
            os.truncate(partial, whole)  # a longer earlier send of the last part may remain
            os.replace(partial, folder / DATA_FILE)
        else:
            self._assemble(upload_id, receipts, part_size)
        for number in range(1, len(etags) + 1):
            self._sidecar(upload_id, number).unlink(missing_ok=True)
            self.part_path(upload_id, number).unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
        return (folder / DATA_FILE).stat().st_size

    def _assemble(self, upload_id: str, receipts: list[dict[str, Any]], part_size: int) -> None:
        """Copy the parts, wherever each was written, into the whole file (in the kernel)."""
        folder = self.folder(upload_id)
        temporary = self.temporary_path(upload_id)
        with temporary.open("wb") as out:
            for number, receipt in enumerate(receipts, start=1):
                in_place = receipt["in_place"]
                source = folder / PARTIAL_FILE if in_place else self.part_path(upload_id, number)
                offset = (number - 1) * part_size if in_place else 0
                with source.open("rb") as part:
                    _copy(part.fileno(), out.fileno(), offset, int(receipt["size"]))
        os.replace(temporary, folder / DATA_FILE)

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


def _copy(source: int, target: int, offset: int, size: int) -> None:
    """Append `size` bytes of one file, from `offset`, to another, in the kernel when it can."""
    done = 0
    try:
        while done < size:
            copied = os.copy_file_range(
                source, target, min(size - done, COPY_CHUNK_BYTES), offset + done
            )
            if copied == 0:
                break
            done += copied
    except OSError:
        pass  # another file system, or no copy_file_range: copy the rest by reads
    while done < size:
        chunk = os.pread(source, min(size - done, 1024 * 1024), offset + done)
        if not chunk:
            raise NotFoundFault("A part of the upload is shorter than it was.")
        written = 0
        while written < len(chunk):
            written += os.write(target, chunk[written:])
        done += len(chunk)
