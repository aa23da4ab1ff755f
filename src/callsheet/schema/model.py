"""The site schema as data: entity types and their fields.

A `Schema` is an immutable snapshot; schema changes (callsheet.schema.changes) build a new one.
Everything else looks names up here first, so an unknown type or field becomes a Fault before any
SQL exists.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from callsheet.faults import SchemaFault
from callsheet.schema.data_types import DataTypeTraits, traits_of

# Fields the server maintains on every entity; never writable by `update`.
SYSTEM_FIELDS = frozenset({"id", "created_at", "updated_at", "created_by", "updated_by"})

# Which field names an entity's display name (the `name` key of entity dicts); see
# reference/data-model.md §4.2. Types not listed use the first of DISPLAY_NAME_FALLBACK.
DISPLAY_NAME_FIELDS: dict[str, str] = {
    "Task": "content",
    "Note": "subject",
    "Project": "name",
    "HumanUser": "name",
    "ClientUser": "name",
    "ApiUser": "firstname",
    "Ticket": "title",
    "Delivery": "title",
    "TimeLog": "description",
    "Reply": "content",
    "Attachment": "filename",
    "EventLogEntry": "description",
    "ActionMenuItem": "title",
    "PermissionRuleSet": "display_name",
}
DISPLAY_NAME_FALLBACK = ("code", "name", "title", "content", "cached_display_name")


@dataclass(frozen=True)
class Field:
    """One field of one entity type, as `schema_field_read` describes it."""

    entity_type: str
    name: str
    data_type: str
    display_name: str
    description: str = ""
    editable: bool = True
    mandatory: bool = False
    unique: bool = False
    visible: bool | None = True
    visible_editable: bool = False
    custom_metadata: str | None = ""
    ui_value_displayable: bool | None = True
    properties: Mapping[str, Any] = field(default_factory=dict)
    editable_properties: frozenset[str] = frozenset()

    @property
    def valid_types(self) -> tuple[str, ...]:
        return tuple(self.properties.get("valid_types") or ())

    @property
    def valid_values(self) -> tuple[str, ...]:
        return tuple(self.properties.get("valid_values") or ())

    @property
    def default_value(self) -> Any:
        return self.properties.get("default_value")

    @property
    def traits(self) -> DataTypeTraits:
        """The plain facts of the field's data type (schema/data_types.py)."""
        return traits_of(self.data_type)

    @property
    def is_computed(self) -> bool:
        return self.traits.computed

    @property
    def qualified_name(self) -> str:
        return f"{self.entity_type}.{self.name}"

    def with_changes(self, **changes: Any) -> Field:
        """A copy with some attributes replaced."""
        return replace(self, **changes)


@dataclass(frozen=True)
class EntityType:
    """One entity type with its fields, keyed by system name.

    Custom entity slots (callsheet.schema.slots) may be disabled: a disabled type keeps its
    fields (and its table keeps its rows) but is absent from every lookup of the `Schema`.
    """

    name: str
    display_name: str
    fields: Mapping[str, Field]
    visible: bool | None = True
    enabled: bool = True
    # The plural the web pages show (ShotGrid's site preference; not in any API answer).
    plural_name: str | None = None
    # The site preference options a custom entity slot was enabled with (tasks, versions, ...).
    slot_options: tuple[str, ...] = ()

    @property
    def is_project_entity(self) -> bool:
        """True when entities of this type belong to a Project (they have a `project` field)."""
        return "project" in self.fields and self.name != "Project"

    @property
    def display_name_field(self) -> str | None:
        """The field that gives this type's entity dicts their `name`."""
        preferred = DISPLAY_NAME_FIELDS.get(self.name)
        if preferred and preferred in self.fields:
            return preferred
        for candidate in DISPLAY_NAME_FALLBACK:
            if candidate in self.fields:
                return candidate
        return None

    def field(self, name: str, *, operation: str = "read") -> Field:
        """The named field, or a Fault in ShotGrid's words."""
        if not isinstance(name, str):  # a list or dict is no field name (and is unhashable)
            raise SchemaFault(
                f"API {operation}() {self.name}: a field name must be a string, got {name!r}."
            )
        try:
            return self.fields[name]
        except KeyError:
            raise SchemaFault(f"API {operation}() {self.name}.{name} doesn't exist.") from None


class Schema:
    """All entity types of a site.

    Lookups (`in`, iteration, `names`, `entity`) see the enabled types only: a disabled custom
    entity slot is absent, as on ShotGrid. `stored_types` and `slot` also see disabled ones.
    """

    def __init__(self, entity_types: Mapping[str, EntityType]) -> None:
        self._types = dict(entity_types)
        self._enabled = {name: t for name, t in self._types.items() if t.enabled}

    def __contains__(self, entity_type: object) -> bool:
        return entity_type in self._enabled

    def __iter__(self) -> Iterator[EntityType]:
        return iter(self._enabled.values())

    def names(self) -> list[str]:
        return list(self._enabled)

    def entity(self, name: object, *, operation: str = "read") -> EntityType:
        """The named entity type, or a Fault."""
        if not isinstance(name, str) or name not in self._enabled:
            raise SchemaFault(f"API {operation}() entity type {name!r} doesn't exist.")
        return self._enabled[name]

    def stored_types(self) -> list[EntityType]:
        """Every type the site keeps a record of, disabled custom entity slots included."""
        return list(self._types.values())

    def stored(self, name: str) -> EntityType | None:
        """The type of that name, enabled or not (None when the site has no record of it)."""
        return self._types.get(name)

    def with_entity(self, entity: EntityType) -> Schema:
        """A new schema where `entity` is added or replaces the type of that name."""
        types = dict(self._types)
        types[entity.name] = entity
        return Schema(types)

    def field(self, entity_type: str, name: str, *, operation: str = "read") -> Field:
        return self.entity(entity_type, operation=operation).field(name, operation=operation)

    def with_field(self, new_field: Field) -> Schema:
        """A new schema where `new_field` is added or replaces the field of that name."""
        entity = self._types[new_field.entity_type]
        fields = dict(entity.fields)
        fields[new_field.name] = new_field
        types = dict(self._types)
        types[entity.name] = replace(entity, fields=fields)
        return Schema(types)

    def without_field(self, entity_type: str, name: str) -> Schema:
        entity = self._types[entity_type]
        fields = {k: v for k, v in entity.fields.items() if k != name}
        types = dict(self._types)
        types[entity_type] = replace(entity, fields=fields)
        return Schema(types)

    def to_data(self) -> dict[str, Any]:
        """The schema as JSON-ready data (the format of the default schema file)."""
        return {name: self.type_data(name) for name in self._types}

    def type_data(self, name: str) -> dict[str, Any]:
        """One entity type as JSON-ready data (keys past `fields` only when not the default, so
        types stored by earlier versions read back the same)."""
        t = self._types[name]
        data: dict[str, Any] = {
            "display_name": t.display_name,
            "visible": t.visible,
            "fields": {f.name: field_to_data(f) for f in t.fields.values()},
        }
        if not t.enabled:
            data["enabled"] = False
        if t.plural_name is not None:
            data["plural_name"] = t.plural_name
        if t.slot_options:
            data["slot_options"] = list(t.slot_options)
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Schema:
        """Build a schema from `to_data()` output or the shipped default schema file."""
        types = {}
        for type_name, raw in data.items():
            fields = {
                name: field_from_data(type_name, name, raw_field)
                for name, raw_field in raw["fields"].items()
            }
            types[type_name] = EntityType(
                name=type_name,
                display_name=raw["display_name"],
                fields=fields,
                visible=raw.get("visible"),
                enabled=raw.get("enabled", True),
                plural_name=raw.get("plural_name"),
                slot_options=tuple(raw.get("slot_options") or ()),
            )
        return cls(types)


def field_from_data(entity_type: str, name: str, raw: Mapping[str, Any]) -> Field:
    data_type = raw["data_type"]
    return Field(
        entity_type=entity_type,
        name=name,
        data_type=data_type,
        display_name=raw["name"],
        description=raw.get("description", ""),
        editable=raw.get("editable", True),
        mandatory=raw.get("mandatory", False),
        unique=raw.get("unique", False),
        visible=raw.get("visible"),
        visible_editable=raw.get("visible_editable", False),
        custom_metadata=raw.get("custom_metadata"),
        ui_value_displayable=raw.get("ui_value_displayable"),
        properties=dict(raw.get("properties", {})),
        editable_properties=frozenset(raw.get("editable_properties", ())),
    )


def field_to_data(f: Field) -> dict[str, Any]:
    data: dict[str, Any] = {
        "data_type": f.data_type,
        "name": f.display_name,
        "description": f.description,
        "editable": f.editable,
        "mandatory": f.mandatory,
        "unique": f.unique,
        "properties": dict(f.properties),
        "editable_properties": sorted(f.editable_properties),
    }
    if f.visible is not None:
        data["visible"] = f.visible
        data["visible_editable"] = f.visible_editable
    if f.custom_metadata is not None:
        data["custom_metadata"] = f.custom_metadata
    if f.ui_value_displayable is not None:
        data["ui_value_displayable"] = f.ui_value_displayable
    return data
