"""Thumbnails: resizing with Pillow in background threads, and the transient placeholder PNG."""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from callsheet.faults import Fault

log = logging.getLogger("callsheet.files")

THUMBNAIL_MAX_PX = (512, 512)
FILMSTRIP_MAX_PX = (8192, 240)
PLACEHOLDER_PX = (64, 64)
PLACEHOLDER_GREY = (128, 128, 128)
# Decompression bombs: refuse sources larger than this many pixels.
MAX_SOURCE_PIXELS = 120_000_000
WORKER_THREADS = 2


class ThumbnailFault(Fault):
    """The uploaded thumbnail is not an image Pillow can read."""


@cache
def placeholder_png() -> bytes:
    """The transient placeholder served at `images/status/transient/thumbnail_pending.png`."""
    out = io.BytesIO()
    Image.new("RGB", PLACEHOLDER_PX, PLACEHOLDER_GREY).save(out, format="PNG")
    return out.getvalue()


def make_thumbnail(source: bytes, filmstrip: bool = False) -> tuple[bytes, str]:
    """The resized image and its extension: PNG when the source has transparency, else JPEG."""
    Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS
    try:
        with Image.open(io.BytesIO(source)) as image:
            image.load()
            image.thumbnail(FILMSTRIP_MAX_PX if filmstrip else THUMBNAIL_MAX_PX)
            out = io.BytesIO()
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                image.convert("RGBA").save(out, format="PNG")
                return out.getvalue(), "png"
            image.convert("RGB").save(out, format="JPEG", quality=85)
            return out.getvalue(), "jpg"
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ThumbnailFault(f"The thumbnail is not a readable image ({error}).") from None


def is_image(source: bytes | Path) -> bool:
    """Whether Pillow recognises the bytes (or file) as an image (checked before an upload is
    accepted)."""
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
            image.verify()
        return True
    except Exception:  # Pillow raises many types for bad input; any of them means "no"
        return False


class ThumbnailWorker:
    """Runs resize jobs in background threads, each no sooner than `delay_s` after submission.

    The delay keeps the transient placeholder visible for a moment, as ShotGrid's is: the
    official client's tests read it right after an upload (reference §9.4).
    """

    def __init__(self, delay_s: float = 1.0) -> None:
        self.delay_s = delay_s
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` in the background; failures are logged, never raised."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(WORKER_THREADS, "callsheet-thumbnails")
            executor = self._executor
        due = time.monotonic() + self.delay_s

        def run() -> None:
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # a background thread; no request waits on it
            try:
                job()
            except Exception:
                log.exception("thumbnail job failed")

        executor.submit(run)

    def close(self) -> None:
        """Finish queued jobs and stop the threads."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=False)
