"""Signed file URLs (files/signing.py): stable within a step so browsers can cache them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from callsheet.files.signing import EXPIRY_STEP_S, UrlSigner


def _expires(url: str) -> str:
    return parse_qs(urlsplit(url).query)["expires"][0]


def test_urls_minted_within_a_step_are_the_same_and_live_at_least_the_lifetime() -> None:
    signer = UrlSigner(b"k" * 32, lifetime_s=3600)
    start = 1_800_000_000 - 1_800_000_000 % EXPIRY_STEP_S + 1  # just after a step begins
    first = signer.sign("/file_serve/attachment/7", now=start)
    assert signer.sign("/file_serve/attachment/7", now=start + EXPIRY_STEP_S - 2) == first
    later = signer.sign("/file_serve/attachment/7", now=start + EXPIRY_STEP_S)
    assert later != first
    expires = int(_expires(first))
    assert start + 3600 <= expires <= start + 3600 + EXPIRY_STEP_S
    query = parse_qs(urlsplit(first).query)
    assert signer.verify("/file_serve/attachment/7", query["expires"][0], query["signature"][0])
    assert not signer.verify("/file_serve/attachment/8", query["expires"][0], query["signature"][0])
