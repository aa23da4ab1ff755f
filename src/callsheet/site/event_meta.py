"""Event rows as a reader may see them: links in `meta` to entities they cannot see are hidden.

An EventLogEntry the reader may see (site/permissions/scope.py) can still name other entities in
its `meta`: the projects added to a person's `projects`, the old Shot of a Version. Reads drop
links to rows the reader cannot see (a single link reads as None, a multi-entity list without
them), so `meta` does the same: entity dicts in `added` / `removed` lists are left out, an
`old_value` / `new_value` (or any other top-level value) naming a hidden entity reads as None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from callsheet.store.scope import ReadScope
from callsheet.store.visibility import visible_ids

if TYPE_CHECKING:
    from callsheet.site.site import Site


def _ref(value: Any) -> tuple[str, int] | None:
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        entity_id = value.get("id")
        if isinstance(entity_id, int) and not isinstance(entity_id, bool):
            return value["type"], entity_id
    return None


def _refs(meta: dict[str, Any]) -> list[tuple[str, int]]:
    found = []
    for value in meta.values():
        for item in value if isinstance(value, list) else [value]:
            ref = _ref(item)
            if ref is not None:
                found.append(ref)
    return found


def hide_unseen_links(
    site: Site, scope: ReadScope, fields: Sequence[str], records: list[dict[str, Any]]
) -> None:
    """Hide, in place, the links in each record's `meta` that the reader (`scope`) cannot see."""
    if scope.key is None or "meta" not in fields:
        return  # an unrestricted reader sees every row
    metas = [r["meta"] for r in records if isinstance(r.get("meta"), dict)]
    wanted: dict[str, set[int]] = {}
    for meta in metas:
        for entity_type, entity_id in _refs(meta):
            wanted.setdefault(entity_type, set()).add(entity_id)
    if not wanted:
        return
    seen = {
        (entity_type, entity_id)
        for entity_type, ids in wanted.items()
        for entity_id in visible_ids(site.store, scope, entity_type, ids)
    }

    def shown(value: Any) -> bool:
        ref = _ref(value)
        return ref is None or ref in seen

    for meta in metas:
        for key, value in list(meta.items()):
            if isinstance(value, list):
                meta[key] = [item for item in value if shown(item)]
            elif not shown(value):
                meta[key] = None
