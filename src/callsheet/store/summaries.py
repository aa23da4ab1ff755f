"""`summarize`: totals and nested groups computed with GROUP BY, never in Python over rows.

One query gives the totals; one query per grouping level gives that level's groups (grouped by
every key up to it), so each parent's summaries are computed over its rows, not added up from
children (a maximum or a status roll-up does not add up). Results follow
reference/data-model.md §3.6: `{"summaries": {...}, "groups": [{"group_name", "group_value",
"summaries", ["groups"]}]}`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import FromClause

from callsheet.faults import FilterFault
from callsheet.schema.model import Field
from callsheet.store.filters import FilterCompiler
from callsheet.store.kinds import LinkRef, kind_of
from callsheet.store.kinds.links import live_target
from callsheet.store.links import link_relation
from callsheet.store.paths import FieldPath, parse_path
from callsheet.store.query import ReadRequest, _Joins, base_conditions, display_names
from callsheet.store.store import Store

BUCKET_SIZES = {
    "tens": 10,
    "hundreds": 100,
    "thousands": 1_000,
    "tensofthousands": 10_000,
    "hundredsofthousands": 100_000,
    "millions": 1_000_000,
}
DATE_BUCKETS = {
    "day": "day",
    "oneday": "day",
    "clustered_date": "day",
    "fivedays": "day",
    "week": "week",
    "month": "month",
    "quarter": "quarter",
    "year": "year",
}
FINAL_STATUS = "fin"
MIXED_STATUS = "ip"


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
    conn: Connection, store: Store, request: ReadRequest, summary_fields: Any, grouping: Any
) -> dict[str, Any]:
    table = store.table(request.entity_type)
    summaries = _parse_summaries(store, request.entity_type, summary_fields)
    groupings = _parse_groupings(store, request.entity_type, grouping)
    joins = _Joins(table)
    where = [
        *base_conditions(store, request, table),
        FilterCompiler(store).compile(request.filters, table),
    ]
    aggregates = [_aggregate(store, table, joins, s) for s in summaries]
    keys = [_group_key(store, table, joins, g) for g in groupings]
    levels = []
    for depth in range(1, len(groupings) + 1):
        key_columns = [col for key in keys[:depth] for col in key]
        statement = (
            sa.select(*key_columns, *aggregates)
            .select_from(joins.from_clause)
            .where(*where)
            .group_by(*key_columns)
        )
        levels.append(conn.execute(statement).all())
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
    names = _group_link_names(conn, store, groupings, keys, levels)
    result["groups"] = _nest(summaries, groupings, keys, levels, names, 0, ())
    return result


ADDITIVE_SUMMARIES = frozenset({"record_count", "count", "sum", "checked", "unchecked"})


def _add_up(values: Any) -> Any:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _parse_summaries(store: Store, entity_type: str, summary_fields: Any) -> list[_Summary]:
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
        kind = kind_of(path.field)
        if summary_type != "record_count" and summary_type not in kind.summaries:
            valid = ["record_count", *(s for s in kind.summaries if s != "record_count")]
            raise FilterFault(
                f"API summarize() {path.field.qualified_name} of data type "
                f"'{path.field.data_type}' doesn't support summary type {summary_type!r}. "
                f"Valid types: {valid}"
            )
        if path.through_multi_entity:
            raise FilterFault(
                f"API summarize() cannot summarize through a multi-entity link: {item['field']!r}."
            )
        chosen[item["field"]] = _Summary(
            item["field"], summary_type, path
        )  # last one per field wins
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
        if group_type not in kind.groupings or path.through_multi_entity:
            raise FilterFault(
                f"Grouping is not allowed for field {path.field.qualified_name} with type "
                f"{group_type!r}. Valid types: {list(kind.groupings)}"
            )
        direction = item.get("direction", "asc")
        if direction not in ("asc", "desc"):
            raise FilterFault(f"Invalid grouping direction {direction!r}: use asc or desc.")
        parsed.append(_Grouping(path, group_type, direction == "desc"))
    return parsed


def _column(
    store: Store, table: sa.Table, joins: _Joins, path: FieldPath
) -> tuple[FromClause, Any]:
    owner = joins.table_for(store, path.hops)
    return owner, kind_of(path.field).value_column(path.field, owner)


def _aggregate(store: Store, table: sa.Table, joins: _Joins, summary: _Summary) -> Any:
    f = summary.path.field
    if summary.kind == "record_count":
        return sa.func.count(table.c.id)
    if f.data_type in ("multi_entity", "addressing", "tag_list"):
        return _count_with_links(store, table, joins, summary)
    _owner, column = _column(store, table, joins, summary.path)
    kind = summary.kind
    if kind == "count":
        return sa.func.count(column)
    if kind == "sum":
        return sa.func.sum(column)
    if kind in ("maximum", "latest"):
        return sa.func.max(column)
    if kind in ("minimum", "earliest"):
        return sa.func.min(column)
    if kind == "average":
        return sa.func.avg(column)
    if kind == "checked":
        return sa.func.sum(sa.case((column.is_(sa.true()), 1), else_=0))
    if kind == "unchecked":
        return sa.func.sum(sa.case((column.is_(sa.true()), 0), else_=1))
    if kind in ("status_percentage", "status_percentage_as_float", "percentage"):
        if kind != "percentage":
            hit = column == FINAL_STATUS
        elif f.data_type == "checkbox":
            hit = column.is_(sa.true())  # the share of checked rows
        else:
            hit = column.is_not(None)
        return (
            sa.func.sum(sa.case((hit, 1), else_=0))
            * 100.0
            / sa.func.nullif(sa.func.count(table.c.id), 0)
        )
    if kind == "status_list":
        # One status when every row agrees, ShotGrid's "in progress" for any mix.
        return sa.case(
            (sa.func.count(sa.distinct(column)) > 1, MIXED_STATUS), else_=sa.func.min(column)
        )
    raise FilterFault(f"Unknown summary type {kind!r}.")


def _count_with_links(store: Store, table: sa.Table, joins: _Joins, summary: _Summary) -> Any:
    f = summary.path.field
    if f.data_type == "tag_list":
        c = store.tag_table.c
        owners = sa.select(c.owner_id).where(c.owner_type == f.entity_type, c.owner_field == f.name)
    else:
        rel = link_relation(store, f.entity_type, f.name)
        owners = sa.select(rel.c.owner_id)
        if store.scope.key is not None:  # links to rows the reader may not see do not count
            owners = owners.where(live_target(rel.c.target_type, rel.c.target_id, f, store))
    owner = joins.table_for(store, summary.path.hops)
    return sa.func.sum(sa.case((owner.c.id.in_(owners), 1), else_=0))


def _summary_value(summary: _Summary, value: Any) -> Any:
    kind = summary.kind
    f = summary.path.field
    if kind in ("record_count", "count", "checked", "unchecked"):
        return int(value or 0)
    if kind == "status_list":
        return value
    if kind in ("status_percentage", "percentage"):
        return round(value) if value is not None else 0
    if kind == "status_percentage_as_float":
        return float(value) if value is not None else 0.0
    if value is None:
        return None if kind not in ("sum",) else 0
    if kind in ("earliest", "latest"):
        return kind_of(f).from_columns(f, [_as_stored(f, value)])
    if kind == "average":
        return float(value)
    if kind == "sum" and f.data_type in ("float", "currency"):
        return float(value)
    return value


def _as_stored(f: Field, value: Any) -> Any:
    if isinstance(value, str) and f.data_type == "date":
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, str) and f.data_type == "date_time":
        return dt.datetime.fromisoformat(value)
    return value


def _group_key(store: Store, table: sa.Table, joins: _Joins, grouping: _Grouping) -> list[Any]:
    f = grouping.path.field
    owner = joins.table_for(store, grouping.path.hops)
    kind = kind_of(f)
    if f.data_type == "entity":
        type_column = kind.type_column(f, owner)  # type: ignore[attr-defined]
        if grouping.kind == "entitytype":
            return [type_column]
        return [type_column, kind.value_column(f, owner)]
    column = kind.value_column(f, owner)
    # Buckets are computed only for rows that have a value: SQLAlchemy's SQLite floor() is a
    # Python function that fails on NULL, and formatted date buckets would turn NULL into text.
    if grouping.kind in BUCKET_SIZES:
        size = BUCKET_SIZES[grouping.kind]
        bucket = sa.cast(sa.func.floor(column / size) * size, sa.Integer)
        return [sa.case((column.is_(None), sa.null()), else_=bucket)]
    if grouping.kind in DATE_BUCKETS:
        bucket = store.dialect.date_bucket(column, DATE_BUCKETS[grouping.kind])
        return [sa.case((column.is_(None), sa.null()), else_=bucket)]
    if grouping.kind == "firstletter":
        return [sa.func.upper(sa.func.substr(column, 1, 1))]
    return [column]


def _group_link_names(
    conn: Connection,
    store: Store,
    groupings: list[_Grouping],
    keys: list[list[Any]],
    levels: list[list[Any]],
) -> dict[LinkRef, dict[str, Any]]:
    wanted: dict[str, set[int]] = {}
    for depth in range(len(groupings)):
        if len(keys[depth]) != 2:
            continue
        start = sum(len(k) for k in keys[:depth])
        for row in levels[depth]:
            entity_type, entity_id = row[start], row[start + 1]
            if entity_id is not None:
                wanted.setdefault(entity_type, set()).add(entity_id)
    return display_names(conn, store, wanted) if wanted else {}


def _nest(
    summaries: list[_Summary],
    groupings: list[_Grouping],
    keys: list[list[Any]],
    levels: list[list[Any]],
    names: dict[LinkRef, dict[str, Any]],
    depth: int,
    prefix: tuple[Any, ...],
) -> list[dict[str, Any]]:
    start = sum(len(k) for k in keys[:depth])
    width = len(keys[depth])
    groups = []
    for row in levels[depth]:
        if tuple(row[:start]) != prefix:
            continue
        key = tuple(row[start : start + width])
        aggregates = row[start + width :]
        name, value = _group_label(groupings[depth], key, names)
        group: dict[str, Any] = {
            "group_name": name,
            "group_value": value,
            "summaries": {
                s.key: _summary_value(s, v) for s, v in zip(summaries, aggregates, strict=True)
            },
        }
        if depth + 1 < len(groupings):
            group["groups"] = _nest(
                summaries, groupings, keys, levels, names, depth + 1, prefix + key
            )
        groups.append((key, group))
    groups.sort(key=lambda item: _sort_key(item[1]), reverse=groupings[depth].descending)
    return [group for _, group in groups]


def _sort_key(group: dict[str, Any]) -> tuple[int, str]:
    value = group["group_value"]
    if value is None:
        return (1, "")
    if isinstance(value, int | float):
        return (0, f"{value:030.6f}")
    return (0, str(group["group_name"]).lower())


def _group_label(
    grouping: _Grouping, key: tuple[Any, ...], names: dict[LinkRef, dict[str, Any]]
) -> tuple[str, Any]:
    f = grouping.path.field
    if all(k is None for k in key):
        return "", None
    if len(key) == 2:  # an entity grouping
        ref = LinkRef(key[0], key[1])
        entity = names.get(ref)
        if entity is None:
            return "", None
        return str(entity["name"]), {**entity, "valid": "valid"}
    value = key[0]
    if grouping.kind == "exact":
        value = kind_of(f).from_columns(f, [_as_stored(f, value)])
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S UTC"), value
        if isinstance(value, bool):
            return ("Yes" if value else "No"), value
    return str(value), value
