"""Signed, expiring URLs: an HMAC over the path and the expiry time, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

DEFAULT_LIFETIME_S = 6 * 60 * 60
# Expiry times are rounded up to a step, so a file read again within the step gets the very same
# URL and the browser's cache can answer it (a Version reopened in the player, a playlist gone
# back to); a URL then lives between the lifetime and the lifetime plus one step.
EXPIRY_STEP_S = 10 * 60


class UrlSigner:
    """Signs paths so that whoever holds the URL may fetch the file until it expires."""

    def __init__(self, key: bytes, lifetime_s: int = DEFAULT_LIFETIME_S) -> None:
        self.key = key
        self.lifetime_s = lifetime_s

    def _signature(self, path: str, expires: int) -> str:
        message = f"{path}\n{expires}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def sign(self, path: str, now: float | None = None) -> str:
        """The path with `expires` and `signature` query parameters."""
        earliest = int((time.time() if now is None else now) + self.lifetime_s)
        expires = -(-earliest // EXPIRY_STEP_S) * EXPIRY_STEP_S
        query = urlencode({"expires": expires, "signature": self._signature(path, expires)})
        return f"{path}?{query}"

    def verify(self, path: str, expires: str | None, signature: str | None) -> bool:
        """Whether the signature matches the path and has not expired."""
        if not expires or not signature or not expires.isdigit() or len(expires) > 12:
            return False
        if int(expires) < time.time():
            return False
        return hmac.compare_digest(self._signature(path, int(expires)), signature)
