"""ShotGrid's naming rules for custom fields."""

from __future__ import annotations

import re
from collections.abc import Container

from callsheet.faults import SchemaFault

_NOT_NAME = re.compile(r"[^a-z0-9_]+")
MAX_NAME_LENGTH = 60


def system_name_for(display_name: str, taken: Container[str]) -> str:
    """The `sg_` system name ShotGrid derives from a display name.

    "Complexity" -> "sg_complexity", "api tests number field" -> "sg_api_tests_number_field";
    a clash with an existing field appends `_1`, `_2`, ... (reference/data-model.md §2.1).
    """
    if not isinstance(display_name, str) or not display_name.strip():
        raise SchemaFault("A field needs a non-empty display name.")
    base = _NOT_NAME.sub("_", display_name.strip().lower()).strip("_")
    if not base:
        raise SchemaFault(f"Cannot derive a field name from display name {display_name!r}.")
    name = f"sg_{base}"[:MAX_NAME_LENGTH]
    candidate, suffix = name, 0
    while candidate in taken:
        suffix += 1
        candidate = f"{name}_{suffix}"
    return candidate
