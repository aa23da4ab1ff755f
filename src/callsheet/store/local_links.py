"""Local file links: resolving a path against the site's LocalStorage roots.

`{'local_path': ...}` picks the most specific LocalStorage root holding the path (a deeper root
wins; a tie goes to the higher id), or `{'local_storage': {...}, 'relative_path': 'a/b.mov'}` names
the storage. The stored value carries all of ShotGrid's keys (reference/data-model.md §2.2).
"""

from __future__ import annotations

import mimetypes
import posixpath
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.faults import ValueFault
from callsheet.schema.model import Field

if TYPE_CHECKING:
    from callsheet.store.store import Store

PLATFORM_COLUMNS = {"linux": "linux_path", "mac": "mac_path", "windows": "windows_path"}


def _normalized(path: str) -> str:
    return path.replace("\\", "/").rstrip("/")


def resolve_local_link(
    conn: Connection, store: Store, field: Field, value: dict[str, Any]
) -> dict[str, Any]:
    table = store.table("LocalStorage")
    rows = conn.execute(
        sa.select(
            table.c.id, table.c.code, table.c.linux_path, table.c.mac_path, table.c.windows_path
        )
        .where(table.c._retired_at.is_(None))
        .order_by(table.c.id)
    ).all()
    storage: Any = None  # the LocalStorage row the path is under
    relative = ""
    if value.get("local_path"):
        path = _normalized(str(value["local_path"]))
        best = -1
        for row in rows:
            for column in PLATFORM_COLUMNS.values():
                root = getattr(row, column)
                if not root:
                    continue
                root = _normalized(root)
                if (path == root or path.startswith(root + "/")) and len(root) >= best:
                    best, storage, relative = len(root), row, path[len(root) :].lstrip("/")
        if storage is None:
            raise ValueFault(
                f"{field.qualified_name}: local path {value['local_path']!r} is not under any "
                "LocalStorage root."
            )
    else:
        wanted = value.get("local_storage") or {}
        relative = str(value.get("relative_path") or "").lstrip("/")
        for row in rows:
            if row.id == wanted.get("id") or (
                wanted.get("name") and row.code == wanted.get("name")
            ):
                storage = row
        if storage is None or not relative or "\\" in relative:
            raise ValueFault(
                f"{field.qualified_name}: a local link needs a known 'local_storage' and a "
                "forward-slash 'relative_path'."
            )
    paths: dict[str, str | None] = {}
    for platform, column in PLATFORM_COLUMNS.items():
        root = getattr(storage, column)
        if not root:
            paths[f"local_path_{platform}"] = None
            continue
        separator = "\\" if platform == "windows" else "/"
        joined = posixpath.join(_normalized(root), relative)
        paths[f"local_path_{platform}"] = (
            joined.replace("/", separator) if platform == "windows" else joined
        )
    name = value.get("name") or posixpath.basename(relative)
    local_path = paths.get("local_path_linux") or next((p for p in paths.values() if p), None)
    return {
        "content_type": value.get("content_type") or mimetypes.guess_type(relative)[0],
        "link_type": "local",
        "local_path": local_path,
        **paths,
        "local_storage": {"type": "LocalStorage", "id": storage.id, "name": storage.code},
        "name": name,
        "relative_path": relative,
        "url": f"file://{local_path}" if local_path else None,
    }
