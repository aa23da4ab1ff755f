"""Bytes on disk under the files folder, named only by generated ids (never by file names)."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from callsheet.faults import Fault

SIGNING_KEY_FILE = "signing.key"
# Names the site whose files these are (Store.site_identity): files are named by Attachment
# ids, which every site numbers from 1, so another site's folder would hand its files out
# under this site's ids.
SITE_IDENTITY_FILE = "site.identity"
SIGNING_KEY_BYTES = 32


class FileStorageFault(Fault):
    """A stored file is missing or could not be written."""


class FilesOfAnotherSiteFault(Fault):
    """The files folder holds the files of another site (another database)."""


class LocalFiles:
    """One folder: `attachments/<id>` (the uploaded bytes) and `thumbnails/<id>.<ext>`.

    Folders are created on the first write, so a server that never receives a file leaves no
    trace. Writes go to a temporary file first and are renamed into place (atomic on POSIX).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def attachment_path(self, attachment_id: int) -> Path:
        """Where an attachment's bytes live."""
        return self.root / "attachments" / str(int(attachment_id))

    def thumbnail_path(self, attachment_id: int, extension: str) -> Path:
        """Where the resized thumbnail of a thumbnail attachment lives."""
        if extension not in ("jpg", "png"):
            raise FileStorageFault(f"Unknown thumbnail extension {extension!r}.")
        return self.root / "thumbnails" / f"{int(attachment_id)}.{extension}"

    def write(self, path: Path, data: bytes) -> None:
        """Write bytes atomically to a path this store chose."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def incoming_dir(self) -> Path:
        """Where uploads are written while they arrive (same file system as their final place)."""
        return self.root / "incoming"

    def store(self, path: Path, content: bytes | Path) -> None:
        """Put bytes, or a finished file from `incoming_dir()` (moved, not copied), at `path`."""
        if isinstance(content, bytes):
            self.write(path, content)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(content, path)

    def claim(self, site_identity: str) -> None:
        """Make this folder the files of the site named `site_identity`, or refuse it when it
        belongs to another site. A folder without the mark (made by a Callsheet before it, or
        new) becomes this site's."""
        path = self.root / SITE_IDENTITY_FILE
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(site_identity + "\n")
            return
        found = path.read_text().strip()
        if found and found != site_identity:
            raise FilesOfAnotherSiteFault(
                f"The files folder {self.root} belongs to another Callsheet site (another "
                "database): its files would be served as this site's Attachments. Use that "
                "site's data folder with its database, or give this site a folder of its own."
            )

    def signing_key(self) -> bytes:
        """The secret that signs file URLs, made once and shared by every server process."""
        path = self.root / SIGNING_KEY_FILE
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            key = secrets.token_bytes(SIGNING_KEY_BYTES)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process made it first: use theirs
            else:
                with os.fdopen(fd, "wb") as out:
                    out.write(key)
        key = path.read_bytes()
        if len(key) < SIGNING_KEY_BYTES:
            raise FileStorageFault(f"The URL signing key {path} is damaged; delete it to renew.")
        return key
