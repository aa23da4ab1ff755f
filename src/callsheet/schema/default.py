"""The default site schema shipped with Callsheet (converted from a real site's answers)."""

from __future__ import annotations

import gzip
import json
from functools import cache
from importlib import resources
from typing import Any

from callsheet.schema.model import Schema


@cache
def _default_schema_json() -> bytes:
    raw = resources.files("callsheet.schema").joinpath("default_schema.json.gz").read_bytes()
    return gzip.decompress(raw)


def default_schema_data() -> dict[str, Any]:
    """The default schema's data (a fresh copy each time: callers may change it)."""
    return json.loads(_default_schema_json())  # type: ignore[no-any-return]


def default_schema() -> Schema:
    """A fresh copy of the default schema: 113 entity types, as a new ShotGrid site has.

    Its custom entity slots are those the reference site has enabled (CustomEntity01-05,
    CustomNonProjectEntity01-03); the others (callsheet.schema.slots) start disabled.
    """
    return Schema.from_data(default_schema_data())
