"""Custom entity slots: the entity types a site may enable, name and disable.

A current ShotGrid site has 75 `CustomEntityNN` (project entities), 60 `CustomNonProjectEntityNN`
(site-wide) and 15 `CustomThreadedEntityNN` (project entities with Replies, like Notes and
Tickets): the built-in type table a 2026 site (v8.89) quotes whole in its `entity_type` write error
(ksallee/sg-groundtruth `corpus/findings/field_types/entity_type.md`; Toolkit's own list in
tk-core had 50 / 30 / 15, older ones 30 / 15 / 5). A slot is enabled, named and disabled in the
Site Preferences' Entities section, never through the API; only enabled slots appear in
`schema_read` / `schema_entity_read` (reference/data-model.md §4.5).

A slot that was never enabled has no stored record: `slot_type` builds its default type, with the
default fields of the slots in the default schema (CustomEntity02, as the Toolkit test site
answers it; site-wide slots lack `project`; threaded slots add the thread fields of `Ticket`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from callsheet.faults import SchemaFault
from callsheet.schema.model import EntityType, Field, Schema, field_from_data


@dataclass(frozen=True)
class SlotFamily:
    """One family of slots: `CustomEntity01` .. `CustomEntity75`."""

    prefix: str
    count: int
    label: str  # the default display name, before the number: "Custom Entity" -> "Custom Entity07"
    project: bool
    threaded: bool


FAMILIES = (
    SlotFamily("CustomEntity", 75, "Custom Entity", project=True, threaded=False),
    SlotFamily("CustomNonProjectEntity", 60, "Custom Non Project Entity", False, False),
    SlotFamily("CustomThreadedEntity", 15, "Custom Threaded Entity", project=True, threaded=True),
)
_SLOT_NAME = re.compile(r"^(CustomEntity|CustomNonProjectEntity|CustomThreadedEntity)(\d{2})$")

# The slot of the default schema whose fields every new slot starts with.
TEMPLATE_SLOT = "CustomEntity02"
# Fields a threaded slot adds, as Ticket (a threaded type) has them.
THREAD_TEMPLATE = "Ticket"
THREAD_FIELDS = ("replies", "reply_content", "addressings_to", "addressings_cc", "attachments")


def family_of(name: object) -> SlotFamily | None:
    """The family of a slot name, or None when `name` is not a slot."""
    if not isinstance(name, str):
        return None
    match = _SLOT_NAME.match(name)
    if match is None:
        return None
    family = next(f for f in FAMILIES if f.prefix == match.group(1))
    return family if 1 <= int(match.group(2)) <= family.count else None


def is_slot(name: object) -> bool:
    return family_of(name) is not None


def slot_names() -> list[str]:
    """Every slot, family by family, in number order."""
    return [f"{f.prefix}{n:02d}" for f in FAMILIES for n in range(1, f.count + 1)]


def default_display_name(name: str) -> str:
    """`CustomEntity07` -> "Custom Entity07", as ShotGrid names a slot never renamed."""
    family = family_of(name)
    if family is None:
        raise SchemaFault(f"{name!r} is not a custom entity slot.")
    return f"{family.label}{name[len(family.prefix) :]}"


def default_plural(display_name: str) -> str:
    return display_name if display_name.endswith("s") else f"{display_name}s"


def slot_type(name: str) -> EntityType:
    """The default (disabled) type of a slot that was never enabled."""
    family = family_of(name)
    if family is None:
        raise SchemaFault(
            f"{name!r} is not a custom entity slot: slots are CustomEntity01-75, "
            "CustomNonProjectEntity01-60 and CustomThreadedEntity01-15."
        )
    display_name = default_display_name(name)
    raw_fields = dict(_template_fields(family.project, family.threaded))
    fields = {}
    for field_name, raw in raw_fields.items():
        if field_name == "code":
            raw = {**raw, "name": f"{display_name} Name"}
        fields[field_name] = field_from_data(name, field_name, raw)
    return EntityType(
        name=name,
        display_name=display_name,
        fields=fields,
        visible=True,
        enabled=False,
    )


@cache
def _template_fields(project: bool, threaded: bool) -> tuple[tuple[str, dict[str, Any]], ...]:
    from callsheet.schema.default import default_schema_data

    data = default_schema_data()
    fields = dict(data[TEMPLATE_SLOT]["fields"])
    if not project:
        fields.pop("project")
    if threaded:
        thread = data[THREAD_TEMPLATE]["fields"]
        fields.update({name: thread[name] for name in THREAD_FIELDS})
    return tuple(sorted(fields.items()))


def renamed_code_field(entity: EntityType, display_name: str) -> Field | None:
    """The `code` field relabelled "<Name> Name" when it still has its default label."""
    code = entity.fields.get("code")
    if code is None or code.display_name != f"{entity.display_name} Name":
        return None
    return code.with_changes(display_name=f"{display_name} Name")


def slot_of(schema: Schema, name: str) -> EntityType:
    """A slot's type on this site: its stored record, else its default (disabled) type."""
    stored = schema.stored(name)
    if stored is not None and is_slot(name):
        return stored
    return slot_type(name)
