"""The source's schema made the destination's: types' names, every field with its properties.

Fields keep their system names (`sg_...`): tools, filters and saved pages name them. A field of a
data type this Callsheet cannot hold, or one whose name the destination already uses for another
data type, is skipped and reported; its values are not copied. A custom entity slot the source
uses (CustomEntity07 named "Season") is enabled here with the source's name and with the links
the source lets it take (Tasks, Versions, Notes, Published Files: the `valid_types` of those link
fields say which), as an admin would on the Entities page; a type that is no slot of this
Callsheet is reported missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from callsheet.faults import Fault
from callsheet.schema.data_types import is_known_data_type
from callsheet.schema.model import Field
from callsheet.schema.slots import is_slot
from callsheet.site.actor import SYSTEM
from callsheet.site.bulk_inserts import adopt_fields, adopt_type_names
from callsheet.site.entity_slots import OPTIONS, enable_slot
from callsheet.site.site import Site
from callsheet.store import bulk

# Who enables slots during a copy: the engine, writing no event rows. The copy's event log is the
# source's (`--events` copies it with its ids), so the destination's own rows would clash with it.
COPYING = replace(SYSTEM, generate_events=False)


@dataclass
class SchemaCopy:
    """What the schema step did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # qualified name -> why
    missing_types: list[str] = field(default_factory=list)
    renamed_types: list[str] = field(default_factory=list)
    enabled_types: list[str] = field(default_factory=list)


def _value(answer: dict[str, Any], name: str, default: Any = None) -> Any:
    leaf = answer.get(name)
    return leaf.get("value", default) if isinstance(leaf, dict) else default


def field_from_answer(
    entity_type: str, name: str, answer: dict[str, Any], visibility: dict[str, bool]
) -> Field:
    """A Field from its `schema_field_read` record (leaves unwrapped)."""
    properties = {key: leaf.get("value") for key, leaf in (answer.get("properties") or {}).items()}
    editable_properties = frozenset(
        key for key, leaf in (answer.get("properties") or {}).items() if leaf.get("editable")
    )
    if visibility:
        properties["project_visibility"] = visibility
    visible_leaf = answer.get("visible")
    return Field(
        entity_type=entity_type,
        name=name,
        data_type=str(_value(answer, "data_type")),
        display_name=str(_value(answer, "name", name)),
        description=_value(answer, "description", "") or "",
        editable=bool(_value(answer, "editable", True)),
        mandatory=bool(_value(answer, "mandatory", False)),
        unique=bool(_value(answer, "unique", False)),
        visible=visible_leaf.get("value") if isinstance(visible_leaf, dict) else None,
        visible_editable=bool(visible_leaf.get("editable"))
        if isinstance(visible_leaf, dict)
        else False,
        custom_metadata=_value(answer, "custom_metadata") if "custom_metadata" in answer else None,
        ui_value_displayable=_value(answer, "ui_value_displayable"),
        properties=properties,
        editable_properties=editable_properties,
    )


def _visibility(
    per_project: dict[int, dict[str, Any]], entity_type: str, name: str, visible: bool | None
) -> dict[str, bool]:
    """Per-project visibility where a project's answer differs from the site's."""
    overrides: dict[str, bool] = {}
    default = True if visible is None else visible
    for project_id, answer in per_project.items():
        shown = _value((answer.get(entity_type) or {}).get(name) or {}, "visible")
        if isinstance(shown, bool) and shown != default:
            overrides[str(project_id)] = shown
    return overrides


def copy_schema(
    site: Site,
    entity_read: dict[str, Any],
    schema_read: dict[str, Any],
    per_project: dict[int, dict[str, Any]],
) -> SchemaCopy:
    """Make the destination's schema the source's (types it lacks are reported, not made)."""
    report = SchemaCopy()
    names = {}
    for entity_type, answer in entity_read.items():
        if entity_type not in site.schema and is_slot(entity_type):
            _enable_slot(site, entity_type, answer, schema_read, report)
        if entity_type not in site.schema:
            if entity_type not in report.skipped:
                report.missing_types.append(entity_type)
            continue
        visible = answer.get("visible")
        names[entity_type] = (
            str(_value(answer, "name", entity_type)),
            visible.get("value")
            if isinstance(visible, dict)
            else site.schema.entity(entity_type).visible,
        )
    report.renamed_types = adopt_type_names(site, names)
    fields: list[Field] = []
    for entity_type, answers in schema_read.items():
        if entity_type not in site.schema:
            continue
        for name, answer in answers.items():
            qualified = f"{entity_type}.{name}"
            data_type = _value(answer, "data_type")
            if not is_known_data_type(data_type):
                report.skipped[qualified] = (
                    f"data type {data_type!r} cannot be held by this Callsheet"
                )
                continue
            present = site.schema.entity(entity_type).fields.get(name)
            if present is not None and present.data_type != data_type:
                report.skipped[qualified] = (
                    f"the destination's {qualified} is a {present.data_type!r} field, the "
                    f"source's a {data_type!r} field"
                )
                continue
            if name == "id":
                continue
            visibility = _visibility(per_project, entity_type, name, _value(answer, "visible"))
            fields.append(field_from_answer(entity_type, name, answer, visibility))
    try:
        done = adopt_fields(site, fields)
    except Fault as fault:
        raise type(fault)(f"Copying the schema failed: {fault.message}") from None
    for qualified, what in done.items():
        if what == "added":
            report.added.append(qualified)
        elif what == "updated":
            report.updated.append(qualified)
    return report


def _enable_slot(
    site: Site,
    entity_type: str,
    answer: dict[str, Any],
    schema_read: dict[str, Any],
    report: SchemaCopy,
) -> None:
    """Enable a slot the source uses, named as there, linkable where the source links it."""
    options = [
        option_name
        for option_name, option in OPTIONS.items()
        if entity_type in _valid_types(schema_read, *option.link)
    ]
    display_name = str(_value(answer, "name", entity_type))
    try:
        enable_slot(site, COPYING, entity_type, display_name, None, options)
    except Fault as fault:
        report.skipped[entity_type] = f"the slot could not be enabled here: {fault.message}"
        return
    report.enabled_types.append(entity_type)


def _valid_types(schema_read: dict[str, Any], entity_type: str, name: str) -> list[str]:
    answer = (schema_read.get(entity_type) or {}).get(name) or {}
    return list(_value(answer.get("properties") or {}, "valid_types") or ())


def copied_fields(site: Site, entity_type: str, schema_read: dict[str, Any]) -> list[str]:
    """The fields of a type whose values are read from the source and stored here."""
    here = site.schema.entity(entity_type).fields
    names = []
    for name, answer in (schema_read.get(entity_type) or {}).items():
        data_type = _value(answer, "data_type")
        f = here.get(name)
        # computed fields (query, pivot, calculated) are the source's own; secrets never read
        if f is None or f.data_type != data_type or f.traits.computed or f.traits.secret:
            continue
        names.append(name)
    return sorted(set(names) | {"id"})


def read_fields(site: Site, entity_type: str, schema_read: dict[str, Any]) -> list[str]:
    """The copied fields a bulk copy reads: without the multi-entity fields whose links come
    with other records (store/bulk.py `written_by_other_side`: Shot.tasks from each Task's
    entity). The source would compute and send those lists and the copy would drop them; on
    a Shot that is 8 of its 13 multi-entity fields, each one more query per page there."""
    entity = site.schema.entity(entity_type)
    return [
        name
        for name in copied_fields(site, entity_type, schema_read)
        if name not in entity.fields
        or not bulk.written_by_other_side(site.store, entity_type, entity.fields[name])
    ]
