"""Convert the reference schema dumps into Callsheet's own schema data file.

Usage: python tools/convert_default_schema.py ../shared/reference/default-schema

The reference files are exactly what a ShotGrid site answers to `schema_read` and
`schema_entity_read`: every leaf is wrapped as {"value", "editable"}. Callsheet keeps one flat
record per field instead (values plain, the editable flags as a list of property names), and
`callsheet.schema.answers` rebuilds the wire shape from it.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "src/callsheet/schema/default_schema.json.gz"

# Field-level keys whose `editable` flag never varies in the dumps (checked below).
FIXED_EDITABLE = {
    "data_type": False,
    "description": True,
    "editable": False,
    "entity_type": False,
    "mandatory": False,
    "name": True,
    "unique": False,
    "custom_metadata": True,
    "ui_value_displayable": False,
}


def convert_field(raw: dict) -> dict:
    field: dict = {}
    for key, leaf in raw.items():
        if key == "properties":
            continue
        if key == "visible":
            field["visible"] = leaf["value"]
            field["visible_editable"] = leaf["editable"]
            continue
        assert leaf["editable"] == FIXED_EDITABLE[key], (key, leaf)
        if key != "entity_type":
            field[key] = leaf["value"]
    field["properties"] = {name: leaf["value"] for name, leaf in raw["properties"].items()}
    field["editable_properties"] = sorted(
        name for name, leaf in raw["properties"].items() if leaf["editable"]
    )
    return field


# Toolkit links these records to whatever it makes folders or publishes for: a Project (publishes
# in a project context, tk-core util/shotgun/publish_creation.py), a Step or a Task (folder
# creation, tk-core folder/), a HumanUser (user sandboxes), any Asset- or Shot-like type. On
# ShotGrid these generic `entity` links take any entity type; the dump lists only the few its
# site had enabled, so here they take every type but connections, dependencies and the log.
TOOLKIT_ANY_ENTITY_LINKS = (
    ("FilesystemLocation", "entity"),
    ("PublishedFile", "entity"),
    ("TankPublishedFile", "entity"),
)
NOT_LINKABLE_TYPES = frozenset({"EventLogEntry", "FilesystemLocation", "PageHit", "PageSetting"})


def any_entity_types(names: list[str]) -> list[str]:
    """The types a generic `entity` link accepts."""
    return sorted(
        name
        for name in names
        if name not in NOT_LINKABLE_TYPES and not name.endswith(("Connection", "Dependency"))
    )


def main(source: str) -> None:
    folder = Path(source)
    fields = json.loads((folder / "schema_read.json").read_text())
    entities = json.loads((folder / "schema_entity_read.json").read_text())
    out = {}
    for entity_type in sorted(fields):
        meta = entities[entity_type]
        out[entity_type] = {
            "display_name": meta["name"]["value"],
            "visible": meta["visible"]["value"] if "visible" in meta else None,
            "fields": {
                name: convert_field(raw) for name, raw in sorted(fields[entity_type].items())
            },
        }
    linkable = any_entity_types(list(out))
    for entity_type, name in TOOLKIT_ANY_ENTITY_LINKS:
        out[entity_type]["fields"][name]["properties"]["valid_types"] = linkable
    TARGET.write_bytes(gzip.compress(json.dumps(out, sort_keys=True).encode(), mtime=0))
    print(f"wrote {TARGET} ({len(out)} entity types)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/default-schema")
