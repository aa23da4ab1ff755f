"""Field paths, including deep links: `entity.Shot.sg_sequence.Sequence.code`.

The grammar is `field(.EntityType.field)*`; the middle token names the type to follow, because a
link may accept several types (reference/data-model.md §3.3). Every token is checked against the
schema here, before any SQL exists.

Filters also take ShotGrid's reverse-link paths, `$FROM$EntityType.link_field.path`: "rows that a
record of EntityType links to through link_field, where that record's path matches". Toolkit limits
Step folders with `["$FROM$Task.step.entity", "is", <Shot>]` on Step: the Steps some Task of that
Shot uses (tk-core python/tank/folder/folder_types/step.py). Only filters accept them.
"""

from __future__ import annotations

from dataclasses import dataclass

from callsheet.faults import FilterFault, SchemaFault
from callsheet.schema.model import Field, Schema

REVERSE_PREFIX = "$FROM$"


@dataclass(frozen=True)
class Hop:
    """Following a link field to rows of one target type."""

    field: Field
    target_type: str

    @property
    def through_multi_entity(self) -> bool:
        return not self.field.traits.is_single_link


@dataclass(frozen=True)
class ReverseHop:
    """Going back along `field` (a link of `source_type`) to the records that point here."""

    source_type: str
    field: Field
    target_type: str  # the type the path starts from, which `field` links to


@dataclass(frozen=True)
class FieldPath:
    """A checked path: maybe a reverse link first, then the links to follow, then the field."""

    text: str
    hops: tuple[Hop, ...]
    field: Field
    reverse: ReverseHop | None = None

    @property
    def is_deep(self) -> bool:
        return bool(self.hops) or self.reverse is not None

    @property
    def link_fields(self) -> tuple[Field, ...]:
        """Every link field the path goes through, the reverse one included."""
        first = (self.reverse.field,) if self.reverse else ()
        return (*first, *(hop.field for hop in self.hops))

    @property
    def through_multi_entity(self) -> bool:
        return any(hop.through_multi_entity for hop in self.hops)


def parse_path(
    schema: Schema,
    entity_type: str,
    text: object,
    *,
    operation: str = "read",
    allow_reverse: bool = False,
) -> FieldPath:
    """Check a field path against the schema; unknown names are Faults in ShotGrid's words."""
    if not isinstance(text, str) or not text:
        raise FilterFault(f"API {operation}() expects a field name, got {text!r}.")
    if allow_reverse and text.startswith(REVERSE_PREFIX):
        return _parse_reverse_path(schema, entity_type, text, operation)
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


def _parse_reverse_path(schema: Schema, entity_type: str, text: str, operation: str) -> FieldPath:
    """`$FROM$Task.step.entity` on Step: Task.step must be a link that accepts Step."""
    source_type, _, rest = text[len(REVERSE_PREFIX) :].partition(".")
    link_name, _, remainder = rest.partition(".")
    schema.entity(entity_type, operation=operation)
    if source_type not in schema:
        raise SchemaFault(
            f"API {operation}() {entity_type}.{REVERSE_PREFIX}{source_type} doesn't exist."
        )
    if not link_name or not remainder:
        raise FilterFault(
            f"API {operation}() {entity_type}.{text}: a reverse link is "
            f"{REVERSE_PREFIX}EntityType.link_field.field."
        )
    if remainder.startswith(REVERSE_PREFIX):
        raise FilterFault(f"API {operation}() {entity_type}.{text}: reverse links do not nest.")
    link = schema.entity(source_type).field(link_name, operation=operation)
    # entity and multi_entity links (not a Note's addressings)
    if link.traits.link not in ("single", "multi") or entity_type not in link.valid_types:
        raise FilterFault(
            f"API {operation}() {entity_type}.{text}: {link.qualified_name} does not link to "
            f"{entity_type}, so it cannot be followed back."
        )
    inner = parse_path(schema, source_type, remainder, operation=operation)
    return FieldPath(text, inner.hops, inner.field, ReverseHop(source_type, link, entity_type))
