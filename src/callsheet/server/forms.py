"""The two form encodings the official client posts to `/upload/...` (reference §7.2, §7.4).

Parsed here rather than with python-multipart: the client's encoding is fixed and simple
(`FormPostHandler`: a uuid boundary, raw UTF-8 file names), and a malformed body must become a
clear text error, never an exception page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

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
