"""Field paths, including deep links: `entity.Shot.sg_sequence.Sequence.code`.

The grammar is `field(.EntityType.field)*`; the middle token names the type to follow, because a
link may accept several types (reference/data-model.md §3.3). Every token is checked against the
schema here, before any SQL exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from callsheet.faults import FilterFault, SchemaFault
from callsheet.schema.model import Field, Schema


@dataclass(frozen=True)
class Hop:
    """Following a link field to rows of one target type."""

    field: Field
    target_type: str

    @property
    def through_multi_entity(self) -> bool:
        return not self.field.traits.is_single_link


@dataclass(frozen=True)
class FieldPath:
    """A checked path: the links to follow, then the final field."""

    text: str
    hops: tuple[Hop, ...]
    field: Field

    @property
    def is_deep(self) -> bool:
        return bool(self.hops)

    @property
    def through_multi_entity(self) -> bool:
        return any(hop.through_multi_entity for hop in self.hops)


def parse_path(
    schema: Schema, entity_type: str, text: object, *, operation: str = "read"
) -> FieldPath:
    """Check a field path against the schema; unknown names are Faults in ShotGrid's words."""
    if not isinstance(text, str) or not text:
        raise FilterFault(f"API {operation}() expects a field name, got {text!r}.")
    tokens = text.split(".")
    if len(tokens) % 2 == 0:
        raise FilterFault(
            f"API {operation}() {entity_type}.{text}: a deep link is field.EntityType.field."
        )
    current = schema.entity(entity_type, operation=operation)
    hops: list[Hop] = []
    for position in range(0, len(tokens) - 1, 2):
        link_name, target_type = tokens[position], tokens[position + 1]
        link = current.field(link_name, operation=operation)
        if not link.traits.is_link:
            raise FilterFault(
                f"API {operation}() {link.qualified_name} is not a link, so {text!r} cannot "
                "follow it."
            )
        if target_type not in schema:
            raise SchemaFault(
                f"API {operation}() {entity_type}.{text}: entity type {target_type!r} doesn't "
                "exist."
            )
        hops.append(Hop(link, target_type))
        current = schema.entity(target_type)
    return FieldPath(text, tuple(hops), current.field(tokens[-1], operation=operation))
