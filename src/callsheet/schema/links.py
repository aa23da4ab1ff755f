"""Where each multi-entity field's links live, so one fact is stored once.

ShotGrid links are bidirectional (reference/data-model.md §4.4): `Shot.assets` and `Asset.shots` are
two views of the same `AssetShotConnection` rows; `Sequence.shots` is the other side of
`Shot.sg_sequence`; `Shot.notes` is the other side of `Note.note_links`. This module decides, from
the schema, which storage each multi-entity field reads and writes:

- `ConnectionLink`: rows of a connection entity (two entity fields, one per side);
- `ReverseEntityLink`: an entity field on the target type that points back at the owner;
- `TableLink`: a link table owned by this field (`forward`) or by its partner (`reverse`);
- `DerivedLink`: no storage of its own; the links are computed from other records when read
  (`open_notes`, `sibling_tasks`: callsheet.schema.system_fields says how).

The pairs ShotGrid documents are listed below; connection entities pair by name
(`AssetShotConnection.asset` ↔ `Shot.assets`). Anything else is a plain link table.
"""

from __future__ import annotations

from dataclasses import dataclass

from callsheet.schema.model import EntityType, Schema

# Columns of a connection entity that are bookkeeping, not one of the two sides.
_BOOKKEEPING_LINKS = frozenset({"created_by", "updated_by", "image_source_entity"})

# Connection entities that link a type to itself: (connection type, owner column, target column)
# per multi-entity field. Row (task=A, dependent_task=B) reads "A depends on B".
_SELF_CONNECTIONS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("Asset", "parents"): ("AssetAssetConnection", "asset", "parent"),
    ("Asset", "assets"): ("AssetAssetConnection", "parent", "asset"),
    ("Shot", "parent_shots"): ("ShotShotConnection", "shot", "parent_shot"),
    ("Shot", "shots"): ("ShotShotConnection", "parent_shot", "shot"),
    ("Task", "upstream_tasks"): ("TaskDependency", "task", "dependent_task"),
    ("Task", "downstream_tasks"): ("TaskDependency", "dependent_task", "task"),
    ("PublishedFile", "upstream_published_files"): (
        "PublishedFileDependency",
        "published_file",
        "dependent_published_file",
    ),
    ("PublishedFile", "downstream_published_files"): (
        "PublishedFileDependency",
        "dependent_published_file",
        "published_file",
    ),
    ("TankPublishedFile", "upstream_tank_published_files"): (
        "TankDependency",
        "tank_published_file",
        "dependent_tank_published_file",
    ),
    ("TankPublishedFile", "downstream_tank_published_files"): (
        "TankDependency",
        "dependent_tank_published_file",
        "tank_published_file",
    ),
    ("Ticket", "tickets"): ("TicketTicketConnection", "source_ticket", "dest_ticket"),
    ("Revision", "revisions"): ("RevisionRevisionConnection", "source_revision", "dest_revision"),
}

# Multi-entity fields that are the other side of an entity field: field name on the owner ->
# (target type, entity field on the target). Applied to every owner type the target field
# accepts, when the owner has a multi-entity field of that name accepting the target type.
_REVERSE_ENTITY_BY_NAME: dict[str, tuple[str, str]] = {
    "tasks": ("Task", "entity"),
    "sg_versions": ("Version", "entity"),
    "sg_published_files": ("PublishedFile", "entity"),
    "replies": ("Reply", "entity"),
    "cuts": ("Cut", "entity"),
}
_REVERSE_ENTITY_FIELDS: dict[tuple[str, str], tuple[str, str]] = {
    ("Project", "tasks"): ("Task", "project"),
    ("Sequence", "shots"): ("Shot", "sg_sequence"),
    ("Scene", "shots"): ("Shot", "sg_scene"),
    ("Episode", "sequences"): ("Sequence", "episode"),
    ("Version", "published_files"): ("PublishedFile", "version"),
    ("Cut", "cut_items"): ("CutItem", "cut"),
    ("Department", "users"): ("HumanUser", "department"),
}

# Multi-entity fields stored in the link table of another multi-entity field:
# (owner type or "*", field) -> (type owning the table, its field).
_REVERSE_TABLES: dict[tuple[str, str], tuple[str, str]] = {
    ("*", "notes"): ("Note", "note_links"),
    ("Task", "notes"): ("Note", "tasks"),
    ("*", "attachments"): ("Attachment", "attachment_links"),
}

# Computed, read-only multi-entity fields: the link set is derived, never written
# (callsheet.schema.system_fields describes each; store/links.py computes it).
READ_ONLY_MULTI_ENTITY = frozenset({"open_notes", "sibling_tasks"})


@dataclass(frozen=True)
class ConnectionLink:
    """Links stored as rows of a connection entity."""

    connection_type: str
    owner_column: str  # entity field on the connection pointing at the owner
    target_column: str  # entity field on the connection pointing at the target


@dataclass(frozen=True)
class ReverseEntityLink:
    """Links stored in an entity field of the target type that points back at the owner."""

    target_type: str
    target_field: str


@dataclass(frozen=True)
class TableLink:
    """Links stored in a link table; `reverse` reads the table from the target side."""

    table_type: str  # entity type that owns the table
    table_field: str  # multi-entity field that owns the table
    reverse: bool = False


@dataclass(frozen=True)
class DerivedLink:
    """Links computed from other records when read; never written (`rule` is the field name
    whose rule store/links.py applies: "open_notes" or "sibling_tasks")."""

    rule: str


LinkStorage = ConnectionLink | ReverseEntityLink | TableLink | DerivedLink


class LinkRegistry:
    """The storage of every multi-entity field of a schema."""

    def __init__(self, schema: Schema) -> None:
        self._storage: dict[tuple[str, str], LinkStorage] = {}
        self._reverses: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._partners: dict[tuple[str, str, str], str | None] = {}
        self._sides: dict[str, tuple[str, str]] | None = None
        for entity in schema:
            for f in entity.fields.values():
                if f.traits.link == "multi":
                    storage = _storage_for(schema, entity, f.name)
                    self._storage[(entity.name, f.name)] = storage
        for (owner, name), storage in self._storage.items():
            if isinstance(storage, ReverseEntityLink):
                key = (storage.target_type, storage.target_field)
                self._reverses.setdefault(key, []).append((owner, name))

    def storage(self, entity_type: str, field_name: str) -> LinkStorage:
        return self._storage[(entity_type, field_name)]

    def storage_or_none(self, entity_type: str, field_name: str) -> LinkStorage | None:
        """The storage of a multi-entity field; None for any other field."""
        return self._storage.get((entity_type, field_name))

    def tables(self) -> list[TableLink]:
        """Every link table that must exist (the forward sides)."""
        return [s for s in self._storage.values() if isinstance(s, TableLink) and not s.reverse]

    def partner(self, owner_type: str, field_name: str, target_type: str) -> str | None:
        """The field on `target_type` that shows the same links from the other side, if any."""
        key = (owner_type, field_name, target_type)
        if key not in self._partners:
            self._partners[key] = self._find_partner(owner_type, field_name, target_type)
        return self._partners[key]

    def _find_partner(self, owner_type: str, field_name: str, target_type: str) -> str | None:
        storage = self._storage.get((owner_type, field_name))
        if storage is None:  # an entity field: its reverse multi-entity fields
            for reverse_owner, reverse_name in self.reverse_fields_of(owner_type, field_name):
                if reverse_owner == target_type:
                    return reverse_name
            return None
        if isinstance(storage, ReverseEntityLink):
            return storage.target_field if storage.target_type == target_type else None
        if isinstance(storage, TableLink) and storage.reverse:
            return storage.table_field if storage.table_type == target_type else None
        if isinstance(storage, ConnectionLink):
            wanted: LinkStorage = ConnectionLink(
                storage.connection_type, storage.target_column, storage.owner_column
            )
        else:
            wanted = TableLink(owner_type, field_name, reverse=True)
        for (other_type, other_name), other in self._storage.items():
            if other_type == target_type and other == wanted:
                return other_name
        return None

    def connections_of(self, entity_type: str) -> list[tuple[str, str, str]]:
        """(connection type, column naming this type, other column) of every connection entity
        whose rows link `entity_type` to something: the rows retired and revived with it."""
        found: set[tuple[str, str, str]] = set()
        for (owner, _), storage in self._storage.items():
            if owner == entity_type and isinstance(storage, ConnectionLink):
                found.add((storage.connection_type, storage.owner_column, storage.target_column))
        return sorted(found)

    def connection_sides(self, connection_type: str) -> tuple[str, str] | None:
        """The two entity fields of a connection entity type, or None for other types."""
        if self._sides is None:  # every create asks: index once
            self._sides = {}
            for storage in self._storage.values():
                if isinstance(storage, ConnectionLink):
                    self._sides.setdefault(
                        storage.connection_type, (storage.owner_column, storage.target_column)
                    )
        return self._sides.get(connection_type)

    def reverse_fields_of(self, entity_type: str, field_name: str) -> list[tuple[str, str]]:
        """Multi-entity fields that read this entity field from the other side."""
        return self._reverses.get((entity_type, field_name), [])


def _storage_for(schema: Schema, entity: EntityType, name: str) -> LinkStorage:
    key = (entity.name, name)
    if name in READ_ONLY_MULTI_ENTITY and not entity.fields[name].editable:
        return DerivedLink(name)
    if key in _SELF_CONNECTIONS:
        connection, owner_column, target_column = _SELF_CONNECTIONS[key]
        if _has_entity_fields(schema, connection, owner_column, target_column):
            return ConnectionLink(connection, owner_column, target_column)
    reverse_entity = _REVERSE_ENTITY_FIELDS.get(key) or _REVERSE_ENTITY_BY_NAME.get(name)
    if reverse_entity and _points_back(schema, entity.name, *reverse_entity):
        return ReverseEntityLink(*reverse_entity)
    connection_link = _connection_for(schema, entity, name)
    if connection_link:
        return connection_link
    table = _REVERSE_TABLES.get(key) or _REVERSE_TABLES.get(("*", name))
    if table and key != table and _table_accepts(schema, entity.name, *table):
        return TableLink(table[0], table[1], reverse=True)
    return TableLink(entity.name, name)


def _has_entity_fields(schema: Schema, type_name: str, *fields: str) -> bool:
    if type_name not in schema:
        return False
    entity = schema.entity(type_name)
    return all(f in entity.fields and entity.fields[f].traits.is_single_link for f in fields)


def _points_back(schema: Schema, owner_type: str, target_type: str, target_field: str) -> bool:
    if target_type not in schema:
        return False
    f = schema.entity(target_type).fields.get(target_field)
    return f is not None and f.traits.is_single_link and owner_type in f.valid_types


def _table_accepts(schema: Schema, owner_type: str, table_type: str, table_field: str) -> bool:
    if table_type not in schema:
        return False
    f = schema.entity(table_type).fields.get(table_field)
    return f is not None and f.traits.link == "multi" and owner_type in f.valid_types


def _connection_for(schema: Schema, entity: EntityType, name: str) -> ConnectionLink | None:
    """Pair `Shot.assets` with `AssetShotConnection(shot, asset)` by the column's plural name."""
    targets = entity.fields[name].valid_types
    for connection in schema:
        if not (connection.name.endswith("Connection") or connection.name.endswith("Dependency")):
            continue
        sides = [
            f
            for f in connection.fields.values()
            if f.traits.is_single_link and f.name not in _BOOKKEEPING_LINKS
        ]
        if len(sides) != 2:
            continue
        for owner_side, target_side in ((sides[0], sides[1]), (sides[1], sides[0])):
            if (
                entity.name in owner_side.valid_types
                and set(target_side.valid_types) & set(targets)
                and f"{target_side.name}s" == name
                and owner_side.valid_types != target_side.valid_types
            ):
                return ConnectionLink(connection.name, owner_side.name, target_side.name)
    return None
