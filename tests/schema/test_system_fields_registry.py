"""Every read-only field of the default schema is described in schema/system_fields.py."""

from __future__ import annotations

from pathlib import Path

from callsheet.schema.default import default_schema
from callsheet.schema.system_fields import SYSTEM_FIELDS, system_field

# Computed by their own kinds (store/kinds/), not by the server's bookkeeping.
COMPUTED_KINDS = frozenset({"summary", "calculated", "pivot_column"})


def test_every_read_only_default_field_says_how_it_is_kept() -> None:
    schema = default_schema()
    missing = [
        f.qualified_name
        for entity in schema
        for f in entity.fields.values()
        if not f.editable
        and f.data_type not in COMPUTED_KINDS
        and system_field(schema, entity.name, f.name) is None
    ]
    assert missing == []


def test_every_described_field_exists_in_the_default_schema() -> None:
    schema = default_schema()
    unknown = [
        f"{item.entity_type}.{item.name}"
        for item in SYSTEM_FIELDS
        if item.entity_type != "*"
        and item.name != "*"
        and (
            item.entity_type not in schema
            or item.name not in schema.entity(item.entity_type).fields
        )
    ]
    assert unknown == []


def test_docs_table_names_every_described_field() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "system-fields.md").read_text()
    absent = [
        f"{item.entity_type}.{item.name}"
        for item in SYSTEM_FIELDS
        if item.name != "*" and f"`{item.name}`" not in docs
    ]
    assert absent == []
