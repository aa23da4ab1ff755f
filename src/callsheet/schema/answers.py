"""The exact shapes of `schema_read`, `schema_field_read` and `schema_entity_read` answers.

Every leaf is wrapped as {"value": ..., "editable": ...}, as in reference/default-schema/.
With a project, every field and entity carries `visible` (the per-project visibility).
"""

from __future__ import annotations

import copy
from typing import Any

from callsheet.schema.model import EntityType, Field, Schema


def _leaf(value: Any, editable: bool) -> dict[str, Any]:
    return {"editable": editable, "value": copy.deepcopy(value)}


def field_answer(
    f: Field, visible_override: bool | None = None, *, with_visible: bool = False
) -> dict[str, Any]:
    """One field's schema record."""
    answer: dict[str, Any] = {}
    if f.custom_metadata is not None:
        answer["custom_metadata"] = _leaf(f.custom_metadata, True)
    answer["data_type"] = _leaf(f.data_type, False)
    answer["description"] = _leaf(f.description, True)
    answer["editable"] = _leaf(f.editable, False)
    answer["entity_type"] = _leaf(f.entity_type, False)
    answer["mandatory"] = _leaf(f.mandatory, False)
    answer["name"] = _leaf(f.display_name, True)
    answer["properties"] = {
        name: _leaf(value, name in f.editable_properties) for name, value in f.properties.items()
    }
    if f.ui_value_displayable is not None:
        answer["ui_value_displayable"] = _leaf(f.ui_value_displayable, False)
    answer["unique"] = _leaf(f.unique, False)
    visible = f.visible if visible_override is None else visible_override
    if visible is not None or with_visible:
        answer["visible"] = _leaf(True if visible is None else visible, f.visible_editable)
    return answer


def entity_answer(entity: EntityType, *, with_visible: bool = False) -> dict[str, Any]:
    answer: dict[str, Any] = {"name": _leaf(entity.display_name, False)}
    if entity.visible is not None or with_visible:
        answer["visible"] = _leaf(True if entity.visible is None else entity.visible, False)
    return answer


def schema_entity_read_answer(schema: Schema, *, with_visible: bool = False) -> dict[str, Any]:
    return {entity.name: entity_answer(entity, with_visible=with_visible) for entity in schema}
