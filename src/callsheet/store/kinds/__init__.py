"""The data-type kinds: one module per family, one registry (see base.py)."""

from callsheet.store.kinds import (  # noqa: F401  (importing registers each kind)
    calculated,
    checkbox,
    computed,
    dates,
    documents,
    links,
    numbers,
    pivot,
    summary,
    tags,
    text,
)
from callsheet.store.kinds.base import FieldKind, kind_of, known_data_types, register
from callsheet.store.kinds.links import LinkRef

__all__ = ["FieldKind", "LinkRef", "kind_of", "known_data_types", "register"]
