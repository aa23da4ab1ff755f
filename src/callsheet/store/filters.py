"""Shotgun filters to SQL: parse once into small nodes, then compile with a visitor.

Both shapes the API knows are accepted: the caller's list form
(`[["code", "is", "x"], {"filter_operator": "any", "filters": [...]}]` plus `filter_operator`) and
the wire form (`{"logical_operator": "and", "conditions": [{"path", "relation", "values"}]}`).
Paths are checked against the schema while parsing; values become bound parameters while compiling.
A deep path becomes nested `IN (SELECT id ...)` subqueries, so a link through a multi-entity field
matches when any linked record matches and no join can duplicate rows. A reverse-link path
(`$FROM$Task.step.entity`) becomes `id IN (SELECT step FROM Task WHERE <the rest of the path>)`:
a row matches when any live record linking to it matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from callsheet.faults import FilterFault
from callsheet.schema.model import Schema
from callsheet.store.kinds import kind_of
from callsheet.store.kinds.base import Condition as SqlCondition
from callsheet.store.kinds.base import negate
from callsheet.store.kinds.links import EntityKind
from callsheet.store.links import link_relation
from callsheet.store.paths import FieldPath, Hop, parse_path

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.store import Store

MATCH_ALL = {"all": True, "and": True, "any": False, "or": False}
MAX_DEPTH = 64

# A negative operator on a deep path is the negation of its positive twin: "no linked record
# matches" (the same rule ShotGrid applies to multi-entity `is_not`).
POSITIVE_OF = {
    "is_not": "is",
    "not_in": "in",
    "not_contains": "contains",
    "type_is_not": "type_is",
    "name_not_contains": "name_contains",
    "not_in_last": "in_last",
    "not_in_next": "in_next",
    "not_between": "between",
}


@dataclass(frozen=True)
class Condition:
    path: FieldPath
    operator: str
    values: tuple[Any, ...]
    kind: str = "condition"


@dataclass(frozen=True)
class Group:
    match_all: bool
    children: tuple[Condition | Group, ...]
    kind: str = "group"


FilterNode = Condition | Group


def parse_filters(
    schema: Schema,
    entity_type: str,
    filters: Any,
    filter_operator: str | None = None,
    *,
    operation: str = "read",
) -> Group:
    """Parse either filter shape into a Group; every fault names what is wrong."""
    if filters is None:
        filters = []
    if isinstance(filters, dict):
        if filter_operator is not None:
            raise FilterFault("filter_operator cannot be given with filters in dict form.")
        return _parse_dict(schema, entity_type, filters, operation, 0)
    return _parse_list(schema, entity_type, filters, filter_operator or "all", operation, 0)


def _match_all(value: Any) -> bool:
    if not isinstance(value, str) or value.lower() not in MATCH_ALL:
        raise FilterFault(f"Invalid filter operator {value!r}: use 'all' (and) or 'any' (or).")
    return MATCH_ALL[value.lower()]


def _parse_list(
    schema: Schema, entity_type: str, filters: Any, operator: Any, operation: str, depth: int
) -> Group:
    if depth > MAX_DEPTH:
        raise FilterFault(f"Filters are nested deeper than {MAX_DEPTH} levels.")
    if not isinstance(filters, list | tuple):
        raise FilterFault(f"Filters must be a list, got {type(filters).__name__}.")
    children: list[FilterNode] = []
    for item in filters:
        if isinstance(item, dict):
            if "filters" in item:
                children.append(
                    _parse_list(
                        schema,
                        entity_type,
                        item["filters"],
                        item.get("filter_operator", "all"),
                        operation,
                        depth + 1,
                    )
                )
            else:
                children.append(_parse_dict(schema, entity_type, item, operation, depth + 1))
        elif isinstance(item, list | tuple):
            if len(item) < 2:
                raise FilterFault(f"Filter {list(item)!r} needs a field, a relation and values.")
            values = list(item[2:])
            if len(values) == 1 and isinstance(values[0], list | tuple):
                values = list(values[0])  # as shotgun_api3 translates it
            children.append(_condition(schema, entity_type, item[0], item[1], values, operation))
        else:
            raise FilterFault(f"Invalid filter {item!r}: expected [field, relation, value].")
    return Group(_match_all(operator), tuple(children))


def _parse_dict(
    schema: Schema, entity_type: str, node: dict[str, Any], operation: str, depth: int
) -> FilterNode:
    if depth > MAX_DEPTH:
        raise FilterFault(f"Filters are nested deeper than {MAX_DEPTH} levels.")
    if "conditions" in node:
        conditions = node["conditions"]
        if not isinstance(conditions, list):
            raise FilterFault("'conditions' must be a list.")
        operator = node.get("logical_operator", "and")
        children = tuple(
            _parse_dict(schema, entity_type, c, operation, depth + 1)
            if isinstance(c, dict)
            else _bad(c)
            for c in conditions
        )
        return Group(_match_all(operator), children)
    if "path" in node:
        values = node.get("values", [])
        if not isinstance(values, list):
            values = [values]
        return _condition(
            schema, entity_type, node["path"], node.get("relation"), values, operation
        )
    if "filters" in node:
        return _parse_list(
            schema,
            entity_type,
            node["filters"],
            node.get("filter_operator", "all"),
            operation,
            depth + 1,
        )
    raise FilterFault(
        f"Invalid filter {node!r}: expected 'path'/'relation'/'values' or 'conditions'."
    )


def _bad(item: Any) -> FilterNode:
    raise FilterFault(f"Invalid filter condition {item!r}.")


def _condition(
    schema: Schema, entity_type: str, path: Any, operator: Any, values: list[Any], operation: str
) -> Condition:
    if not isinstance(operator, str):
        raise FilterFault(f"Filter on {path!r} needs a relation name, got {operator!r}.")
    parsed = parse_path(schema, entity_type, path, operation=operation, allow_reverse=True)
    return Condition(parsed, operator, tuple(values))


class FilterCompiler:
    """Compiles a parsed filter tree for rows of one entity table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def compile(self, node: FilterNode, table: FromClause) -> SqlCondition:
        return getattr(self, f"visit_{node.kind}")(node, table)

    def visit_group(self, node: Group, table: FromClause) -> SqlCondition:
        parts = [self.compile(child, table) for child in node.children]
        if not parts:
            return sa.true()  # an empty group matches everything
        return sa.and_(*parts) if node.match_all else sa.or_(*parts)

    def visit_condition(self, node: Condition, table: FromClause) -> SqlCondition:
        values = list(node.values)
        if node.path.is_deep:
            if node.operator in POSITIVE_OF and values != [None]:
                return negate(self.follow(node, POSITIVE_OF[node.operator], values, table))
            if node.operator == "is" and values == [None]:
                # A deep field reads None when the link is empty, of another type or retired, so
                # `is None` matches exactly the rows where no linked record has a value.
                return negate(self.follow(node, "is_not", values, table))
        return self.follow(node, node.operator, values, table)

    def follow(
        self, node: Condition, operator: str, values: list[Any], table: FromClause
    ) -> SqlCondition:
        """The condition on `table` rows along the whole path."""
        if node.path.reverse is not None:
            return self.back_through(node, operator, values, table)
        return self.through(node.path.hops, node, operator, values, table)

    def back_through(
        self, node: Condition, operator: str, values: list[Any], table: FromClause
    ) -> SqlCondition:
        """The condition on `table` rows when the path starts with a reverse link."""
        reverse = node.path.reverse
        assert reverse is not None
        source = self.store.table(reverse.source_type).alias()
        matching = sa.select(source.c.id).where(
            source.c._retired_at.is_(None),
            *self.store.scope.rows(reverse.source_type, source),
            self.through(node.path.hops, node, operator, values, source),
        )
        link = reverse.field
        kind = kind_of(link)
        if link.data_type == "entity" and isinstance(kind, EntityKind):
            pointed = sa.select(kind.value_column(link, source)).where(
                kind.type_column(link, source) == reverse.target_type,
                source.c.id.in_(matching),
            )
        else:  # multi_entity, whichever storage it has
            rel = link_relation(self.store, reverse.source_type, link.name)
            pointed = sa.select(rel.c.target_id).where(
                rel.c.target_type == reverse.target_type, rel.c.owner_id.in_(matching)
            )
        return table.c.id.in_(pointed)

    def through(
        self,
        hops: Sequence[Hop],
        node: Condition,
        operator: str,
        values: list[Any],
        table: FromClause,
    ) -> SqlCondition:
        """The condition on `table` rows, following `hops` to the final field."""
        if not hops:
            f = node.path.field
            return kind_of(f).condition(f, table, operator, values, self.store)
        hop = hops[0]
        target = self.store.table(hop.target_type).alias()
        inner = self.through(hops[1:], node, operator, values, target)
        ids = sa.select(target.c.id).where(
            target.c._retired_at.is_(None), *self.store.scope.rows(hop.target_type, target), inner
        )
        return kind_of(hop.field).links_to(hop.field, table, hop.target_type, ids, self.store)
