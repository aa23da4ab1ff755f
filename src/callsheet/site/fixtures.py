"""Sites for unit tests written against mockgun: start empty, take records with chosen ids.

mockgun starts with no records at all and lets a test wedge records in with the ids it picks
(`mockgun._db[type][id] = record`, as tk-core's TankTestBase does). A fixture site is a new
Callsheet site with every record removed except the permission roles and Callsheet's own script
(the actor of the connection), so ids a test picks are free; `put_record` inserts a record with its
id, replacing one that has it (mockgun's dict assignment). The emptied site is built once per
process and schema, then copied (an in-memory image), so each test's site costs milliseconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from callsheet.schema.model import Schema
from callsheet.site.actor import SYSTEM
from callsheet.site.site import Site
from callsheet.store import bulk, fixture_rows
from callsheet.store.store import Store

log = logging.getLogger("callsheet.fixtures")

# What an emptied site keeps: the roles that decide permissions and Callsheet's own script.
KEPT_TYPES = frozenset({"PermissionRuleSet", "ApiUser"})

_IMAGES: dict[Any, tuple[bytes, Schema]] = {}
_IMAGES_LOCK = threading.Lock()


def fixture_site(key: Any = None, prepare: Callable[[Site], None] | None = None) -> Site:
    """A new, emptied in-memory site; `prepare` (e.g. schema additions) runs once per `key`."""
    with _IMAGES_LOCK:
        made = _IMAGES.get(key)
        if made is None:
            site = Site.open(None)
            try:
                if prepare is not None:
                    prepare(site)
                empty_site(site)
                made = (site.store.memory_image(), site.schema)
            finally:
                site.close()
            _IMAGES[key] = made
    image, schema = made
    return Site(Store.from_memory_image(image, schema))


def empty_site(site: Site) -> None:
    """Remove every record but the permission roles and Callsheet's script; ids start at 1."""
    types = [entity.name for entity in site.schema if entity.name not in KEPT_TYPES]
    with site.store.write() as conn:
        bulk.remove_all_rows(conn, site.store, types)
        bulk.set_id_floor(conn, site.store, None)  # counters follow the rows left: new ids from 1


def put_record(site: Site, entity_type: str, record: Mapping[str, Any], *, retired: bool) -> int:
    """Insert `record` (find-shaped, with its `id`), replacing a record of that type and id."""
    with site.bulk_writing() as write:
        entity_id = record.get("id")
        if isinstance(entity_id, int) and fixture_rows.row_exists(
            write.ctx.conn, site.store, entity_type, entity_id
        ):
            fixture_rows.remove_row(write.ctx.conn, site.store, entity_type, entity_id)
        result = write.insert(entity_type, [record], retired=retired)
    for problem in result.problems:
        log.warning(
            "fixture %s %s: %s not written: %s",
            entity_type,
            entity_id,
            problem.field,
            problem.message,
        )
    return int(result.ids[0])


def record_ids(site: Site, entity_type: str) -> list[int]:
    """The ids of the type's records, live and retired, in order."""
    found = site.find(SYSTEM, entity_type, [], ["id"], order=[{"field_name": "id"}])
    retired = site.find(SYSTEM, entity_type, [], ["id"], retired_only=True)
    return sorted({r["id"] for r in found} | {r["id"] for r in retired})


def remove_records(site: Site, entity_type: str) -> None:
    """Every record of the type gone, as mockgun's `_db[entity_type] = {}` empties its table."""
    with site.store.write() as conn:
        bulk.remove_all_rows(conn, site.store, [entity_type])
