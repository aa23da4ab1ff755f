"""Schema reads and changes: `schema_*` answers and custom field create/update/delete.

Custom fields get ShotGrid's `sg_` system names (callsheet.schema.naming). Per-project reads carry
`visible` on every field and entity; per-project visibility changes are kept in the field's
`project_visibility` property (not shown in answers).
"""

from __future__ import annotations

from typing import Any

from callsheet.faults import SchemaFault, ValueFault
from callsheet.schema.answers import field_answer, schema_entity_read_answer
from callsheet.schema.data_types import (
    ADMIN_CREATABLE_DATA_TYPES,
    CREATABLE_DATA_TYPES,
    traits_of,
)
from callsheet.schema.model import Field
from callsheet.schema.naming import system_name_for
from callsheet.store.kinds import kind_of
from callsheet.store.kinds.computed import ComputedKind
from callsheet.store.store import Store
from callsheet.store.types import Connection

# Properties a caller may set, flat (reference/data-model.md §2.1).
WRITABLE_PROPERTIES = frozenset(
    {
        "default_value",
        "valid_types",
        "valid_values",
        "display_values",
        "summary_default",
        "description",
        "name",
        "visible",
        "custom_metadata",
        "hidden_values",
        "regex_validation",
        "regex_validation_enabled",
    }
)
# project_visibility: per-project overrides; summary_result: a query field's result type
# (store/kinds/summary.py).
HIDDEN_PROPERTIES = frozenset({"project_visibility", "summary_result"})
# What a computed field computes; ShotGrid's API can neither set nor change it: "The API cannot
# create or edit query fields" (developer.shotgridsoftware.com python-api overview, cited in
# reference/data-model.md §6).
DEFINITION_PROPERTIES = frozenset({"summary_default", "query", "summary_field", "summary_value"})
_COMPUTED_BY_ADMIN = (
    "The API cannot create or change {field}: as on ShotGrid, query and calculated fields are "
    "made in the web page (Admin > Fields) or with `callsheet field create`."
)
FIELD_LEVEL = {
    "name": "display_name",
    "description": "description",
    "custom_metadata": "custom_metadata",
}


def _project_id(project: Any) -> int | None:
    if project is None:
        return None
    if not isinstance(project, dict) or not isinstance(project.get("id"), int):
        raise ValueFault(
            f"project must be an entity dict {{'type': 'Project', 'id': ...}}, got {project!r}."
        )
    return project["id"]


def _visible_in(f: Field, project_id: int | None) -> bool | None:
    if project_id is None:
        return None
    overrides = f.properties.get("project_visibility") or {}
    return overrides.get(str(project_id), True if f.visible is None else f.visible)


def _answer(f: Field, project_id: int | None) -> dict[str, Any]:
    shown = f.with_changes(
        properties={k: v for k, v in f.properties.items() if k not in HIDDEN_PROPERTIES}
    )
    return field_answer(shown, _visible_in(f, project_id), with_visible=project_id is not None)


def schema_read(store: Store, project: Any = None) -> dict[str, Any]:
    project_id = _project_id(project)
    return {
        entity.name: {f.name: _answer(f, project_id) for f in entity.fields.values()}
        for entity in store.schema
    }


def schema_entity_read(store: Store, project: Any = None) -> dict[str, Any]:
    return schema_entity_read_answer(store.schema, with_visible=_project_id(project) is not None)


def schema_field_read(
    store: Store, entity_type: str, field_name: str | None, project: Any = None
) -> dict[str, Any]:
    entity = store.schema.entity(entity_type, operation="schema_field_read")
    project_id = _project_id(project)
    if field_name is None:
        return {f.name: _answer(f, project_id) for f in entity.fields.values()}
    f = entity.field(field_name, operation="schema_field_read")
    return {f.name: _answer(f, project_id)}


def _check_properties(properties: Any) -> dict[str, Any]:
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise ValueFault("Field properties must be a dict of property name to value.")
    unknown = sorted(set(properties) - WRITABLE_PROPERTIES)
    if unknown:
        raise SchemaFault(f"Unknown or read-only field properties: {unknown}.")
    return dict(properties)


def _apply_properties(f: Field, properties: dict[str, Any], schema_types: set[str]) -> Field:
    props = dict(f.properties)
    changes: dict[str, Any] = {}
    for name, value in properties.items():
        if name in FIELD_LEVEL:
            if not isinstance(value, str):
                raise ValueFault(f"Field property {name!r} must be a string.")
            changes[FIELD_LEVEL[name]] = value
        elif name == "visible":
            if not isinstance(value, bool):
                raise ValueFault("Field property 'visible' must be True or False.")
            changes["visible"] = value
        elif name == "valid_types":
            if not isinstance(value, list) or not all(t in schema_types for t in value):
                raise ValueFault(f"valid_types must be a list of entity type names, got {value!r}.")
            props[name] = list(value)
        elif name in ("valid_values", "hidden_values"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueFault(f"{name} must be a list of strings, got {value!r}.")
            props[name] = list(value)
        elif name == "display_values":
            if not isinstance(value, dict):
                raise ValueFault("display_values must be a dict of value to label.")
            props[name] = dict(value)
        else:
            props[name] = value
    return f.with_changes(properties=props, **changes)


def create_field(
    store: Store,
    conn: Connection,
    entity_type: str,
    data_type: Any,
    display_name: Any,
    properties: Any = None,
) -> str:
    """Add a custom field; returns its system name (`sg_...`)."""
    entity = store.schema.entity(entity_type, operation="schema_field_create")
    # Computed kinds are made in ShotGrid's web page, not the API (schema/data_types.py).
    traits = traits_of(data_type) if isinstance(data_type, str) else None
    if traits is not None and traits.computed:
        raise SchemaFault(_COMPUTED_BY_ADMIN.format(field=f"a '{data_type}' field"))
    if traits is None or not traits.creatable:
        raise SchemaFault(
            f"Cannot create a field of data type {data_type!r}; "
            f"valid data types: {list(CREATABLE_DATA_TYPES)}."
        )
    props = _check_properties(properties)
    name = system_name_for(display_name, entity.fields)
    base_properties: dict[str, Any] = {"default_value": None, "summary_default": "none"}
    if traits.is_link:
        base_properties["valid_types"] = []
    if traits.choices:
        base_properties["valid_values"] = []
    if traits.statuses:
        base_properties["display_values"] = {}
        base_properties["hidden_values"] = []
    new_field = Field(
        entity_type=entity_type,
        name=name,
        data_type=data_type,
        display_name=display_name,
        visible=True,
        visible_editable=True,
        custom_metadata="",
        ui_value_displayable=True,
        properties=base_properties,
        editable_properties=frozenset(
            {"default_value", "summary_default", "valid_types", "valid_values"}
        ),
    )
    new_field = _apply_properties(new_field, props, set(store.schema.names()))
    _check_default(store, new_field)
    store.add_field(conn, new_field)
    return name


def create_computed_field(
    store: Store,
    conn: Connection,
    entity_type: str,
    data_type: str,
    display_name: Any,
    definition: Any,
) -> str:
    """Add a query (`summary`) or `calculated` field; returns its system name.

    ShotGrid makes these only in its web page's field editor, never through the API
    (`create_field` refuses them): the Admin Fields page and `callsheet field create` come here.
    The field's kind checks `definition` and turns it into the field's properties in ShotGrid's
    shape (a SchemaFault names what is wrong with it).
    """
    entity = store.schema.entity(entity_type, operation="schema_field_create")
    if not isinstance(display_name, str) or not display_name.strip():
        raise ValueFault("A field needs a name.")
    if not traits_of(data_type).admin_creatable:
        raise SchemaFault(
            f"Cannot create a computed field of data type {data_type!r}; "
            f"valid data types: {list(ADMIN_CREATABLE_DATA_TYPES)}."
        )
    name = system_name_for(display_name, entity.fields)
    draft = Field(
        entity_type=entity_type, name=name, data_type=data_type, display_name=display_name
    )
    kind = kind_of(draft)
    if not isinstance(kind, ComputedKind):
        raise SchemaFault(f"Callsheet cannot compute fields of data type {data_type!r} yet.")
    properties = kind.checked_definition(store, draft, definition)
    new_field = draft.with_changes(
        editable=False,
        visible=True,
        custom_metadata="",
        ui_value_displayable=True,
        properties={"default_value": None, "summary_default": "none", **properties},
    )
    store.add_field(conn, new_field)
    return name


def _check_default(store: Store, f: Field) -> None:
    default = f.default_value
    if default is None or f.traits.is_link:
        return
    try:
        kind_of(f).to_stored(f, default, store)
    except ValueFault as fault:
        raise ValueFault(
            f"default_value is not a valid value for {f.qualified_name}: {fault.message}"
        ) from None


def update_field(
    store: Store,
    conn: Connection,
    entity_type: str,
    field_name: str,
    properties: Any,
    project: Any = None,
) -> bool:
    """Change a field's properties; with `project`, `visible` applies to that project only."""
    f = store.schema.field(entity_type, field_name, operation="schema_field_update")
    definition = DEFINITION_PROPERTIES & set(properties) if isinstance(properties, dict) else ()
    if f.is_computed and definition:
        raise SchemaFault(
            _COMPUTED_BY_ADMIN.format(field=f"the definition of {f.qualified_name}")
            + f" ({sorted(definition)})"
        )
    props = _check_properties(properties)
    project_id = _project_id(project)
    if project_id is not None and "visible" in props:
        visibility = dict(f.properties.get("project_visibility") or {})
        value = props.pop("visible")
        if not isinstance(value, bool):
            raise ValueFault("Field property 'visible' must be True or False.")
        visibility[str(project_id)] = value
        f = f.with_changes(properties={**f.properties, "project_visibility": visibility})
    changed = _apply_properties(f, props, set(store.schema.names()))
    _check_default(store, changed)
    store.update_field(conn, changed)
    return True


def delete_field(store: Store, conn: Connection, entity_type: str, field_name: str) -> bool:
    """Retire a custom field. Built-in fields cannot be deleted."""
    f = store.schema.field(entity_type, field_name, operation="schema_field_delete")
    if not f.name.startswith("sg_"):
        raise SchemaFault(f"{f.qualified_name} is a built-in field and cannot be deleted.")
    store.remove_field(conn, entity_type, field_name)
    return True
