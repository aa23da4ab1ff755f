"""`summarize`: totals and nested groups computed with GROUP BY, never in Python over rows.

One query gives the totals; one query per grouping level gives that level's groups (grouped by
every key up to it), so each parent's summaries are computed over its rows, not added up from
children (a maximum or a status roll-up does not add up). The levels are then nested by one pass
over each level's rows (indexed by their parent's key), so the work grows with the number of
groups, not with its square. Each field's kind (store/kinds/) gives the aggregate, the group key
and the answer's form. Results follow reference/data-model.md §3.6: `{"summaries": {...},
"groups": [{"group_name", "group_value", "summaries", ["groups"]}]}`.

The cost of one request is bounded: at most `Store.summary_group_limit` groups per level (a
LimitFault past it) and `Store.read_time_limit_s` for all its statements (store/dialects.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.faults import FilterFault, LimitFault
from callsheet.store.filters import FilterCompiler
from callsheet.store.kinds import LinkRef, kind_of
from callsheet.store.paths import FieldPath, parse_path
from callsheet.store.query import ReadRequest, _Joins, base_conditions, display_names
from callsheet.store.scope import ReadScope
from callsheet.store.store import Store

# Summaries whose value over the whole is the sum of their values over the first level's groups.
ADDITIVE_SUMMARIES = frozenset({"record_count", "count", "sum", "checked", "unchecked"})


@dataclass
class _Summary:
    key: str  # the field name as the caller wrote it
    kind: str
    path: FieldPath


@dataclass
class _Grouping:
    path: FieldPath
    kind: str
    descending: bool


def summarize(
    conn: Connection,
    store: Store,
    request: ReadRequest,
    summary_fields: Any,
    grouping: Any,
    scope: ReadScope,
) -> dict[str, Any]:
    """The answer of shotgun_api3's `summarize` over the rows of `request` that `scope` shows
    (LimitFault: too costly)."""
    with store.dialect.time_limit(conn, store.read_time_limit_s, "summarize()"):
        return _summarize(conn, store, request, summary_fields, grouping, scope)


def _summarize(
    conn: Connection,
    store: Store,
    request: ReadRequest,
    summary_fields: Any,
    grouping: Any,
    scope: ReadScope,
) -> dict[str, Any]:
    table = store.table(request.entity_type)
    summaries = _parse_summaries(store, request.entity_type, summary_fields, scope)
    groupings = _parse_groupings(store, request.entity_type, grouping)
    joins = _Joins(table, scope)
    where = [
        *base_conditions(store, request, table, scope),
        FilterCompiler(store, scope).compile(request.filters, table),
    ]
    aggregates = [_aggregate(store, table, joins, s) for s in summaries]
    keys = [_group_key(store, joins, g) for g in groupings]
    levels: list[list[Any]] = []
    limit = store.summary_group_limit
    for depth in range(1, len(groupings) + 1):
        key_columns = [col for key in keys[:depth] for col in key]
        statement = (
            sa.select(*key_columns, *aggregates)
            .select_from(joins.from_clause)
            .where(*where)
            .group_by(*key_columns)
            .limit(limit + 1)  # one more than allowed tells "too many" without reading them all
        )
        rows = list(conn.execute(statement).all())
        if len(rows) > limit:
            raise LimitFault(
                f"API summarize() {request.entity_type}: the grouping "
                f"{[g.path.field.name for g in groupings[:depth]]} makes more than {limit} "
                "groups; group by fewer or coarser fields, or filter the rows first."
            )
        levels.append(rows)
    if levels and all(summary.kind in ADDITIVE_SUMMARIES for summary in summaries):
        # Counts and sums of the whole are the sums of the first level's groups: no second scan.
        width = len(keys[0])
        totals_row: Any = [
            _add_up(row[width + n] for row in levels[0]) for n in range(len(summaries))
        ]
    elif aggregates:
        totals_row = conn.execute(
            sa.select(*aggregates).select_from(joins.from_clause).where(*where)
        ).one()
    else:
        totals_row = ()
    result: dict[str, Any] = {
        "summaries": {
            s.key: _summary_value(s, v) for s, v in zip(summaries, totals_row, strict=True)
        },
        "groups": [],
    }
    if not groupings:
        return result
    names = _group_link_names(conn, store, groupings, keys, levels, scope)
    children = [_by_parent(keys, levels, depth) for depth in range(len(groupings))]
    result["groups"] = _nest(summaries, groupings, keys, children, names, 0, ())
    return result


def _add_up(values: Any) -> Any:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _parse_summaries(
    store: Store, entity_type: str, summary_fields: Any, scope: ReadScope
) -> list[_Summary]:
    if summary_fields is None:
        return []
    if not isinstance(summary_fields, list | tuple):
        raise FilterFault("summary_fields must be a list of {'field', 'type'} dicts.")
    chosen: dict[str, _Summary] = {}
    for item in summary_fields:
        if not isinstance(item, dict) or not isinstance(item.get("field"), str):
            raise FilterFault(f"Invalid summary {item!r}: expected {{'field': ..., 'type': ...}}.")
        path = parse_path(store.schema, entity_type, item["field"], operation="summarize")
        summary_type = item.get("type")
        if not isinstance(summary_type, str):
            raise FilterFault(f"Invalid summary {item!r}: 'type' must be a summary type name.")
        if summary_type != "record_count":
            # Asks the kind now, so an unsupported type is a Fault before any SQL exists.
            owner = store.table(path.field.entity_type)
            kind = kind_of(path.field)
            kind.summary_expression(path.field, summary_type, owner, owner, store, scope)
        if path.through_multi_entity:
            raise FilterFault(
                f"API summarize() cannot summarize through a multi-entity link: {item['field']!r}."
            )
        chosen[item["field"]] = _Summary(item["field"], summary_type, path)  # last one wins
    return list(chosen.values())


def _parse_groupings(store: Store, entity_type: str, grouping: Any) -> list[_Grouping]:
    if grouping is None:
        return []
    if not isinstance(grouping, list | tuple):
        raise FilterFault("grouping must be a list of {'field', 'type', 'direction'} dicts.")
    parsed = []
    for item in grouping:
        if not isinstance(item, dict) or not isinstance(item.get("field"), str):
            raise FilterFault(
                f"Invalid grouping {item!r}: expected {{'field', 'type', 'direction'}}."
            )
        path = parse_path(store.schema, entity_type, item["field"], operation="summarize")
        group_type = item.get("type", "exact")
        kind = kind_of(path.field)
        accepted = kind.grouping_types(path.field)
        if group_type not in accepted or path.through_multi_entity:
            raise FilterFault(
                f"Grouping is not allowed for field {path.field.qualified_name} with type "
                f"{group_type!r}. Valid types: {list(accepted)}"
            )
        direction = item.get("direction", "asc")
        if direction not in ("asc", "desc"):
            raise FilterFault(f"Invalid grouping direction {direction!r}: use asc or desc.")
        parsed.append(_Grouping(path, group_type, direction == "desc"))
    return parsed


def _aggregate(store: Store, table: sa.Table, joins: _Joins, summary: _Summary) -> Any:
    if summary.kind == "record_count":
        return sa.func.count(table.c.id)
    f = summary.path.field
    owner = joins.table_for(store, summary.path.hops)
    return kind_of(f).summary_expression(f, summary.kind, owner, table, store, joins.scope)


def _summary_value(summary: _Summary, value: Any) -> Any:
    f = summary.path.field
    return kind_of(f).summary_value(f, summary.kind, value)


def _group_key(store: Store, joins: _Joins, grouping: _Grouping) -> list[Any]:
    f = grouping.path.field
    owner = joins.table_for(store, grouping.path.hops)
    return kind_of(f).group_key(f, grouping.kind, owner, store, joins.scope)


def _group_link_names(
    conn: Connection,
    store: Store,
    groupings: list[_Grouping],
    keys: list[list[Any]],
    levels: list[list[Any]],
    scope: ReadScope,
) -> dict[LinkRef, dict[str, Any]]:
    wanted: dict[str, set[int]] = {}
    for depth, grouping in enumerate(groupings):
        f = grouping.path.field
        kind = kind_of(f)
        start = sum(len(k) for k in keys[:depth])
        end = start + len(keys[depth])
        for row in levels[depth]:
            ref = kind.group_link(f, grouping.kind, row[start:end])
            if ref is not None:
                wanted.setdefault(ref.type, set()).add(ref.id)
    return display_names(conn, store, wanted, scope) if wanted else {}


def _by_parent(
    keys: list[list[Any]], levels: list[list[Any]], depth: int
) -> dict[tuple[Any, ...], list[Any]]:
    """The rows of one level, keyed by their parent group's key (one pass over the rows)."""
    start = sum(len(k) for k in keys[:depth])
    children: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for row in levels[depth]:
        children[tuple(row[:start])].append(row)
    return children


def _nest(
    summaries: list[_Summary],
    groupings: list[_Grouping],
    keys: list[list[Any]],
    children: list[dict[tuple[Any, ...], list[Any]]],
    names: dict[LinkRef, dict[str, Any]],
    depth: int,
    prefix: tuple[Any, ...],
) -> list[dict[str, Any]]:
    start = sum(len(k) for k in keys[:depth])
    width = len(keys[depth])
    grouping = groupings[depth]
    f = grouping.path.field
    kind = kind_of(f)
    groups = []
    for row in children[depth].get(prefix, ()):
        key = tuple(row[start : start + width])
        aggregates = row[start + width :]
        name, value = kind.group_label(f, grouping.kind, key, names)
        group: dict[str, Any] = {
            "group_name": name,
            "group_value": value,
            "summaries": {
                s.key: _summary_value(s, v) for s, v in zip(summaries, aggregates, strict=True)
            },
        }
        if depth + 1 < len(groupings):
            group["groups"] = _nest(
                summaries, groupings, keys, children, names, depth + 1, prefix + key
            )
        groups.append(group)
    groups.sort(key=_sort_key, reverse=grouping.descending)
    return groups


def _sort_key(group: dict[str, Any]) -> tuple[int, str]:
    value = group["group_value"]
    if value is None:
        return (1, "")
    if isinstance(value, int | float):
        return (0, f"{value:030.6f}")
    return (0, str(group["group_name"]).lower())
