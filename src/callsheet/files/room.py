"""`FileRoom`: what the engine and the server share about files; URLs for stored references.

The engine stores an image field as a short reference (`ImageRef`), never a URL: URLs depend on
the host the caller used and expire, so they are minted on every read from the base URL of the
current request (`request_base_url`, set by the server for each request).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from callsheet.files.direct_uploads import DirectUploads
from callsheet.files.signing import DEFAULT_LIFETIME_S, UrlSigner
from callsheet.files.storage import LocalFiles
from callsheet.files.thumbnails import ThumbnailWorker

TRANSIENT_PATH = "/images/status/transient/thumbnail_pending.png"
THUMBNAIL_PATH = "/thumbnail/{name}"
ATTACHMENT_PATH = "/file_serve/attachment/{id}"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"

request_base_url: ContextVar[str | None] = ContextVar("callsheet_request_base_url", default=None)
_REF = re.compile(r"(pending):([0-9]{1,10})|(thumbnail):([0-9]{1,10})\.(jpg|png)")


@dataclass(frozen=True)
class ImageRef:
    """What an image column holds: a thumbnail attachment, pending (resizing) or ready."""

    attachment_id: int
    extension: str | None = None  # None while the resize is pending

    @property
    def ready(self) -> bool:
        """Whether the resized thumbnail exists."""
        return self.extension is not None

    def stored(self) -> str:
        """The text stored in the image column."""
        if self.extension is None:
            return f"pending:{self.attachment_id}"
        return f"thumbnail:{self.attachment_id}.{self.extension}"

    @classmethod
    def parse(cls, text: object) -> ImageRef | None:
        """The reference in a stored value, or None for anything else."""
        match = _REF.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            return None
        if match.group(1):
            return cls(int(match.group(2)))
        return cls(int(match.group(4)), match.group(5))


class FileRoom:
    """The files of one site: storage, signed URLs and the background thumbnail worker."""

    def __init__(
        self,
        root: Path,
        *,
        thumbnail_delay_s: float = 1.0,
        url_lifetime_s: int = DEFAULT_LIFETIME_S,
        public_url: str | None = None,
    ) -> None:
        self.storage = LocalFiles(root)
        self.thumbnails = ThumbnailWorker(thumbnail_delay_s)
        self.url_lifetime_s = url_lifetime_s
        # the official client's cloud flow, served here (files/direct_uploads.py)
        self.direct_uploads = DirectUploads(self.storage.incoming_dir(), url_lifetime_s)
        self.public_url = public_url.rstrip("/") if public_url else None
        self._signer: UrlSigner | None = None

    @property
    def signer(self) -> UrlSigner:
        """The URL signer, its key read (or made) on first use."""
        if self._signer is None:
            self._signer = UrlSigner(self.storage.signing_key(), self.url_lifetime_s)
        return self._signer

    def base_url(self) -> str:
        """The configured public URL, else the current request's, else the default address."""
        return self.public_url or request_base_url.get() or DEFAULT_BASE_URL

    def image_url(self, stored: object) -> object:
        """The URL an image column reads as; values that are no reference pass unchanged."""
        ref = ImageRef.parse(stored)
        if ref is None:
            return stored
        if not ref.ready:
            return self.base_url() + TRANSIENT_PATH
        path = THUMBNAIL_PATH.format(name=f"{ref.attachment_id}.{ref.extension}")
        return self.base_url() + self.signer.sign(path)

    def attachment_url(self, attachment_id: int) -> str:
        """A signed download URL for an attachment (works without a login until it expires)."""
        path = ATTACHMENT_PATH.format(id=int(attachment_id))
        return self.base_url() + self.signer.sign(path)

    def unsigned_attachment_url(self, attachment_id: int) -> str:
        """An attachment's download URL that needs the reader's own login (a session cookie)."""
        return self.base_url() + ATTACHMENT_PATH.format(id=int(attachment_id))

    def verify(self, path: str, expires: str | None, signature: str | None) -> bool:
        """Whether a request for `path` carries a valid, unexpired signature."""
        return self.signer.verify(path, expires, signature)

    def close(self) -> None:
        """Finish background work."""
        self.thumbnails.close()


@contextmanager
def base_url_of_request(base_url: str) -> Iterator[None]:
    """Mint URLs for `base_url` while the block runs (the server wraps each request)."""
    token = request_base_url.set(base_url.rstrip("/"))
    try:
        yield
    finally:
        request_base_url.reset(token)
