"""`callsheet import --verify`: counts per type and a random sample compared field by field."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from typing import Any

from callsheet.site.actor import SYSTEM
from callsheet.site.site import Site
from callsheet.transfer.schema_copy import copied_fields
from callsheet.transfer.source import Source

SAMPLE_PER_TYPE = 20
_UTC_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


@dataclass
class Verification:
    """Differences found (empty: the copy matches)."""

    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # type -> (source, here)
    differences: list[str] = field(default_factory=list)
    compared: int = 0


def comparable(value: Any) -> Any:
    """A value as both sides can be compared: links by (type, id), file URLs (whose host and
    signature differ per server) by what they name, times in UTC."""
    if isinstance(value, dict):
        if "type" in value and "id" in value and "url" not in value:
            return (value["type"], value["id"])
        if value.get("link_type") == "upload":
            return ("upload", value.get("id"), value.get("name"))
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str) and _UTC_TIME.fullmatch(value):  # the client reads these as times
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    if isinstance(value, str) and value.startswith("thumbnail:"):
        return ("thumbnail", value.removeprefix("thumbnail:"))
    if isinstance(value, str) and "/thumbnail/" in value:
        return ("thumbnail", value.split("/thumbnail/", 1)[1].split("?", 1)[0])
    return value


def verify(
    site: Site, source: Source, entity_types: list[str], *, sample: int = SAMPLE_PER_TYPE
) -> Verification:
    """Compare live and retired counts per type, then `sample` records per type."""
    result = Verification()
    _, schema_read = source.schema()
    chooser = random.Random()
    for entity_type in entity_types:
        if entity_type not in site.schema:
            continue
        for retired in (False, True):
            ids_there = _ids(source, entity_type, retired)
            ids_here = [
                r["id"] for r in site.find(SYSTEM, entity_type, [], ["id"], retired_only=retired)
            ]
            label = f"{entity_type} (retired)" if retired else entity_type
            result.counts[label] = (len(ids_there), len(ids_here))
            if sorted(ids_there) != sorted(ids_here):
                missing = sorted(set(ids_there) - set(ids_here))[:10]
                extra = sorted(set(ids_here) - set(ids_there))[:10]
                result.differences.append(
                    f"{label}: {len(ids_there)} at the source, {len(ids_here)} here"
                    + (f"; missing ids {missing}" if missing else "")
                    + (f"; extra ids {extra}" if extra else "")
                )
        fields = copied_fields(site, entity_type, schema_read)
        live = [r["id"] for r in site.find(SYSTEM, entity_type, [], ["id"])]
        for entity_id in chooser.sample(live, min(sample, len(live))):
            there, _ = source.record(entity_type, entity_id, fields)
            here = site.find_one(SYSTEM, entity_type, [["id", "is", entity_id]], fields)
            result.compared += 1
            if there is None or here is None:
                result.differences.append(f"{entity_type} {entity_id}: missing on one side")
                continue
            for name in fields:
                a, b = comparable(there.get(name)), comparable(here.get(name))
                if a != b:
                    result.differences.append(
                        f"{entity_type} {entity_id} {name}: source {a!r}, here {b!r}"
                    )
    return result


def _ids(source: Source, entity_type: str, retired: bool) -> list[int]:
    bounds = source.id_bounds(entity_type, retired)
    if bounds is None:
        return []
    ids: list[int] = []
    for page in source.pages(entity_type, ["id"], retired, bounds[0] - 1, bounds[1]):
        ids.extend(int(r["id"]) for r in page)
    return ids
