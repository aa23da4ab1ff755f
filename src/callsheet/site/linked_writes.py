"""Writes through single-entity links: `update("Version", 7, {"entity.Shot.code": "a"})`.

ShotGrid takes a linked entity's field in `create`, `update` and `batch` data, with the path
grammar of reads (`link.EntityType.field`, reference/data-model.md §3.3). shotgunEvents' own
example plugin `version_finaled.py` (shotgunsoftware/shotgunEvents, src/examplePlugins) updates a
Version with `{"entity.Shot.sg_vfx_status": ..., "entity.Shot.<date field>": ...}` in a batch,
and notes that a linked entity's field can be written from the entity that links to it, not the
other way round. Reads follow only single-entity links for the same reason a write must: a
multi-entity hop has no one entity to reach [PY usage_tips "Combining Related Queries"].

What Callsheet does (the rules ShotGrid documents stop at the example above):
- each hop is a single-entity field whose valid types include the named type; a multi-entity
  hop, an unknown name or a type the link cannot hold is a Fault before anything is written;
- the link is followed after the entity's own fields are written, so a create (or an update)
  that sets `entity` and `entity.Shot.x` together writes to the Shot it links;
- the linked entity gets an ordinary update (its own rules, permissions and event rows, in the
  same transaction); two hops are an update of the first linked entity through its own link;
- an empty link, or one to another type than named, is a Fault: there is no entity to write to,
  and dropping the value silently would hide it (the whole transaction rolls back);
- the answer holds the key as written, with the value a read of that path gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from callsheet.faults import SchemaFault, ValueFault
from callsheet.schema.model import EntityType, Field
from callsheet.store.kinds import LinkRef
from callsheet.store.paths import parse_path

if TYPE_CHECKING:
    from callsheet.site.write_context import WriteContext


@dataclass(frozen=True)
class LinkedWrite:
    """One value for a field of a linked entity, as the caller wrote it."""

    name: str  # "entity.Shot.sg_sequence.Sequence.code"
    link: Field  # the first hop: a single-entity field of the written entity
    target_type: str  # the type named after it
    rest: str  # the path on the linked entity: "sg_sequence.Sequence.code"
    value: Any


def split_linked(
    ctx: WriteContext, entity: EntityType, data: Any, operation: str
) -> tuple[Any, list[LinkedWrite]]:
    """The data's own fields, and its writes through links (checked against the schema)."""
    if not isinstance(data, dict) or not any(isinstance(k, str) and "." in k for k in data):
        return data, []
    own: dict[Any, Any] = {}
    linked: list[LinkedWrite] = []
    for name, value in data.items():
        if isinstance(name, str) and "." in name:
            linked.append(_linked_write(ctx, entity, name, value, operation))
        else:
            own[name] = value
    return own, linked


def _linked_write(
    ctx: WriteContext, entity: EntityType, name: str, value: Any, operation: str
) -> LinkedWrite:
    path = parse_path(ctx.store.schema, entity.name, name, operation=operation)
    for hop in path.hops:
        link = hop.field
        if not link.traits.is_single_link:
            raise SchemaFault(
                f"API {operation}() {entity.name}.{name}: {link.qualified_name} is a "
                f"{link.data_type} field; fields of linked entities can only be written through "
                "single-entity links."
            )
        if hop.target_type not in link.valid_types:
            raise SchemaFault(
                f"API {operation}() {entity.name}.{name}: {link.qualified_name} cannot link to "
                f"a {hop.target_type} (valid types: {', '.join(link.valid_types) or 'none'})."
            )
    ctx.permissions.check_path(path)  # the link itself must be readable by the actor
    first = path.hops[0]
    return LinkedWrite(name, first.field, first.target_type, name.split(".", 2)[2], value)


def linked_updates(
    entity: EntityType,
    entity_id: int,
    columns: Mapping[str, Any],
    linked: list[LinkedWrite],
    modes: Mapping[str, str] | None,
    operation: str,
) -> list[tuple[LinkRef, dict[str, Any], dict[str, str]]]:
    """The updates of linked entities that `linked` asks for, one per entity reached through
    each link: (entity, data, multi-entity update modes), from the written row's `columns`."""
    updates: dict[tuple[str, LinkRef], tuple[dict[str, Any], dict[str, str]]] = {}
    for item in linked:
        link_name = item.link.name
        target_type, target_id = columns.get(f"{link_name}__type"), columns.get(f"{link_name}__id")
        if target_id is None or target_type != item.target_type:
            # Not which entity: the actor may not be allowed to see it.
            found = "is empty" if target_id is None else "links an entity of another type"
            raise ValueFault(
                f"API {operation}() {entity.name} {entity_id}: {item.name} cannot be written: "
                f"{item.link.qualified_name} {found}, not a {item.target_type}."
            )
        target = LinkRef(target_type, int(target_id))
        data, sub_modes = updates.setdefault((link_name, target), ({}, {}))
        data[item.rest] = item.value
        if modes and item.name in modes:
            sub_modes[item.rest] = modes[item.name]
    return [(target, data, sub_modes) for (_, target), (data, sub_modes) in updates.items()]
