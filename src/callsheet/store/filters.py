"""Shotgun filters to SQL: parse once into small nodes, then compile with a visitor.

Both shapes the API knows are accepted: the caller's list form
(`[["code", "is", "x"], {"filter_operator": "any", "filters": [...]}]` plus `filter_operator`) and
the wire form (`{"logical_operator": "and", "conditions": [{"path", "relation", "values"}]}`).
Paths are checked against the schema while parsing; values become bound parameters while compiling.
A deep path becomes nested `IN (SELECT id ...)` subqueries, so a link through a multi-entity field
matches when any linked record matches and no join can duplicate rows. A reverse-link path
(`$FROM$Task.step.entity`) becomes `id IN (SELECT step FROM Task WHERE <the rest of the path>)`:
a row matches when any live record linking to it matches.

A query field's filters (store/kinds/summary.py) may hold ShotGrid's "Current Entity" token,
`{"type": "Entity", "id": 0, "valid": "parent_entity_token"}`: parsing makes it `CURRENT_ENTITY`,
and a compiler given the owning row (`OwningRow`) compiles `[link, "is", CURRENT_ENTITY]` to "the
link points at the row the field is read on". Conditions the web page switched off
(`"active": "false"`) are left out, as ShotGrid leaves them out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BooleanClauseList, Grouping

from callsheet.faults import FilterFault
from callsheet.schema.model import Schema
from callsheet.store.kinds import kind_of
from callsheet.store.kinds.base import NEGATIVE_OPERATORS, SqlCondition, negate
from callsheet.store.kinds.links import EntityKind
from callsheet.store.links import link_relation
from callsheet.store.paths import FieldPath, Hop, parse_path

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.scope import ReadScope
    from callsheet.store.store import Store

MATCH_ALL = {"all": True, "and": True, "any": False, "or": False}
MAX_DEPTH = 64
# Both databases store 64-bit integers: a larger filter value could never match, and binding it
# fails inside the driver. A Fault says so instead.
MIN_INT64, MAX_INT64 = -(2**63), 2**63 - 1
# The operators that order values: they have nothing to compare None with.
ORDERING_OPERATORS = frozenset({"less_than", "greater_than"})
# SQLite refuses LIKE patterns over 50,000 bytes ("pattern too complex"); a filter text this long
# is no search anyone types, so both databases refuse it clearly.
MAX_PATTERN_CHARS = 10_000
PATTERN_OPERATORS = frozenset(
    {"contains", "not_contains", "starts_with", "ends_with", "name_contains", "name_not_contains"}
)
# SQLite parses `a OR b OR c ...` into a tree as deep as the list is long and refuses depth 1000
# ("Expression tree is too large"): a group of more children is built as a balanced tree.
FLAT_GROUP_SIZE = 64
# Aliases of the tables a deep filter reads through are kept and handed out again (see
# `statement_aliases`) up to this many per type in one statement; more are made fresh.
MAX_KEPT_ALIASES = 16


_STATEMENT = threading.local()  # .counts: aliases handed out per type in the statement built


@contextmanager
def statement_aliases() -> Iterator[None]:
    """While one statement is built: `table_alias` hands out kept aliases, each at most once.

    A fresh alias sets up a proxy of every column of its table when first used (Sequence: 40),
    half the cost of building a deep filter on every request (bench_engine (a)). Within the
    statement every alias handed out is a different object, exactly as fresh ones are (filters
    of permission rules compiled inside it included: they share the count), so no subquery can
    correlate to, or shadow, another's table; the next statement gets the same objects again.
    Nested uses keep the enclosing statement's count."""
    if getattr(_STATEMENT, "counts", None) is not None:
        yield
        return
    _STATEMENT.counts = {}
    try:
        yield
    finally:
        _STATEMENT.counts = None


def table_alias(store: Store, entity_type: str) -> FromClause:
    """An alias of `entity_type`'s table for a subquery: a kept one while a statement is being
    built (`statement_aliases`), else a fresh one."""
    table = store.table(entity_type)
    counts: dict[str, int] | None = getattr(_STATEMENT, "counts", None)
    if counts is None:
        return table.alias()
    number = counts.get(entity_type, 0)
    counts[entity_type] = number + 1
    if number >= MAX_KEPT_ALIASES:
        return table.alias()
    key = ("filter alias", entity_type, number)
    alias = store.cached_plan(key)
    if alias is None or alias.element is not table:  # none yet, or the table was rebuilt
        alias = store.cache_plan(key, table.alias())
    return alias  # type: ignore[no-any-return]


# How ShotGrid's web page marks the "Current Entity" value in a query field's filters (the
# default schema's `open_notes_count` queries, reference/default-schema/schema_read.json).
PARENT_ENTITY_TOKEN = "parent_entity_token"


class CurrentEntity:
    """The "Current Entity" filter value: the row a query field is read on."""

    def __repr__(self) -> str:
        return "CURRENT_ENTITY"


CURRENT_ENTITY = CurrentEntity()


@dataclass(frozen=True)
class OwningRow:
    """The row a query field is computed for: its type and its table in the outer query."""

    entity_type: str
    table: FromClause

    def ids(self) -> Any:
        """SELECT of the owning row's id, correlated to the outer query however deep it sits
        (SQLAlchemy only auto-correlates to the immediately enclosing SELECT)."""
        return sa.select(self.table.c.id).correlate(self.table)


def _filter_value(value: Any) -> Any:
    if isinstance(value, dict) and value.get("valid") == PARENT_ENTITY_TOKEN:
        return CURRENT_ENTITY
    return value


def _inactive(node: Any) -> bool:
    """A condition the web page's filter editor switched off (`"active": "false"`)."""
    return isinstance(node, dict) and str(node.get("active", "true")).lower() == "false"


@dataclass(frozen=True)
class FilterCondition:
    path: FieldPath
    operator: str
    values: tuple[Any, ...]
    kind: str = "condition"


@dataclass(frozen=True)
class Group:
    match_all: bool
    children: tuple[FilterCondition | Group, ...]
    kind: str = "group"


FilterNode = FilterCondition | Group


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
        node = _parse_dict(schema, entity_type, filters, operation, 0)
        # a lone condition given as the whole filter is a group of one
        return node if isinstance(node, Group) else Group(True, (node,))
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
            if not _inactive(c)
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
) -> FilterCondition:
    if not isinstance(operator, str):
        raise FilterFault(f"Filter on {path!r} needs a relation name, got {operator!r}.")
    parsed = parse_path(schema, entity_type, path, operation=operation, allow_reverse=True)
    values = [_filter_value(value) for value in values]
    for value in values:
        _check_value(path, operator, value, 0)
    if operator in ORDERING_OPERATORS and (not values or values[0] is None):
        raise FilterFault(f"Filter {path!r} {operator} needs a value to compare with, got None.")
    return FilterCondition(parsed, operator, tuple(values))


def _check_value(path: Any, operator: str, value: Any, depth: int) -> None:
    """Refuse values no database column can hold (see MAX_INT64, MAX_PATTERN_CHARS)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not MIN_INT64 <= value <= MAX_INT64:
            raise FilterFault(f"Filter {path!r} {operator}: {value} is beyond a 64-bit integer.")
    elif isinstance(value, str):
        if "\x00" in value:  # PostgreSQL refuses NUL in text; nothing stored holds one
            raise FilterFault(f"Filter {path!r} {operator}: text cannot contain NUL characters.")
        if operator in PATTERN_OPERATORS and len(value) > MAX_PATTERN_CHARS:
            raise FilterFault(
                f"Filter {path!r} {operator}: the text is longer than {MAX_PATTERN_CHARS} "
                "characters."
            )
    elif isinstance(value, dict | list | tuple) and depth < MAX_DEPTH:
        items = value.values() if isinstance(value, dict) else value
        for item in items:
            _check_value(path, operator, item, depth + 1)


class FilterCompiler:
    """Compiles a parsed filter tree for rows of one entity table."""

    def __init__(self, store: Store, scope: ReadScope, owner: OwningRow | None = None) -> None:
        self.store = store
        self.scope = scope  # the rows the reader may see, on every table a filter reads
        self.owner = owner  # what CURRENT_ENTITY means: a query field's owning row

    def compile(self, node: FilterNode, table: FromClause) -> SqlCondition:
        return getattr(self, f"visit_{node.kind}")(node, table)

    def visit_group(self, node: Group, table: FromClause) -> SqlCondition:
        parts = [self.compile(child, table) for child in node.children]
        if not parts:
            return sa.true()  # an empty group matches everything
        return _balanced(operators.and_ if node.match_all else operators.or_, parts)

    def visit_condition(self, node: FilterCondition, table: FromClause) -> SqlCondition:
        values = list(node.values)
        if node.path.is_deep:
            # A negative operator on a deep path is the negation of its positive twin: "no
            # linked record matches" (the rule ShotGrid applies to multi-entity `is_not`).
            if node.operator in NEGATIVE_OPERATORS and values != [None]:
                positive = NEGATIVE_OPERATORS[node.operator]
                return negate(self.follow(node, positive, values, table))
            if node.operator == "is" and values == [None]:
                # A deep field reads None when the link is empty, of another type or retired, so
                # `is None` matches exactly the rows where no linked record has a value.
                return negate(self.follow(node, "is_not", values, table))
        return self.follow(node, node.operator, values, table)

    def follow(
        self, node: FilterCondition, operator: str, values: list[Any], table: FromClause
    ) -> SqlCondition:
        """The condition on `table` rows along the whole path."""
        if node.path.reverse is not None:
            return self.back_through(node, operator, values, table)
        return self.through(node.path.hops, node, operator, values, table)

    def back_through(
        self, node: FilterCondition, operator: str, values: list[Any], table: FromClause
    ) -> SqlCondition:
        """The condition on `table` rows when the path starts with a reverse link."""
        reverse = node.path.reverse
        assert reverse is not None
        source = table_alias(self.store, reverse.source_type)
        matching = sa.select(source.c.id).where(
            source.c._retired_at.is_(None),
            *self.scope.rows(reverse.source_type, source),
            self.through(node.path.hops, node, operator, values, source),
        )
        link = reverse.field
        kind = kind_of(link)
        if link.traits.is_single_link and isinstance(kind, EntityKind):
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
        node: FilterCondition,
        operator: str,
        values: list[Any],
        table: FromClause,
    ) -> SqlCondition:
        """The condition on `table` rows, following `hops` to the final field."""
        if not hops:
            f = node.path.field
            if any(value is CURRENT_ENTITY for value in values):
                return self.links_to_owner(node, operator, values, table)
            try:
                return kind_of(f).condition(f, table, operator, values, self.store, self.scope)
            except OverflowError:  # e.g. in_last [10**12, "DAY"]: no date is that far away
                raise FilterFault(
                    f"Filter {node.path.text!r} {operator} {values!r}: the value is out of range."
                ) from None
        hop = hops[0]
        target = table_alias(self.store, hop.target_type)
        inner = self.through(hops[1:], node, operator, values, target)
        ids = sa.select(target.c.id).where(
            target.c._retired_at.is_(None), *self.scope.rows(hop.target_type, target), inner
        )
        return kind_of(hop.field).links_to(hop.field, table, hop.target_type, ids, self.store)

    def links_to_owner(
        self, node: FilterCondition, operator: str, values: list[Any], table: FromClause
    ) -> SqlCondition:
        """`[link, "is" | "in", CURRENT_ENTITY, ...]`: the link points at the owning row (or
        matches one of the other values); the negative operators are the negation."""
        f = node.path.field
        if self.owner is None:
            raise FilterFault(
                f"Filter {node.path.text!r}: the 'Current Entity' token only has a meaning in a "
                "query field's filters."
            )
        positive = NEGATIVE_OPERATORS.get(operator, operator)
        if positive not in ("is", "in"):
            raise FilterFault(
                f"Filter {node.path.text!r} {operator}: the 'Current Entity' token takes 'is', "
                "'is_not', 'in' or 'not_in'."
            )
        kind = kind_of(f)
        owner = self.owner
        parts = [kind.links_to(f, table, owner.entity_type, owner.ids(), self.store)]
        others = [value for value in values if value is not CURRENT_ENTITY]
        if others:
            parts.append(kind.condition(f, table, "in", others, self.store, self.scope))
        condition = sa.or_(*parts)
        return condition if positive == operator else negate(condition)


def _balanced(operator: Any, parts: list[SqlCondition]) -> SqlCondition:
    """`parts` joined by AND or OR, as a tree of parenthesised groups of at most FLAT_GROUP_SIZE.

    `sa.or_` flattens nested groups of the same operator back into one long chain, so the
    groups are built raw (the SQL means the same: AND and OR are associative)."""
    join = sa.and_ if operator is operators.and_ else sa.or_
    if len(parts) <= FLAT_GROUP_SIZE:
        return join(*parts)
    size = -(-len(parts) // FLAT_GROUP_SIZE)
    groups = [
        Grouping(_balanced(operator, parts[i : i + size])) for i in range(0, len(parts), size)
    ]
    return BooleanClauseList._construct_raw(operator, groups)
