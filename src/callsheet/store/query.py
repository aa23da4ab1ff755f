"""Reads: a Shotgun `find` compiled to one SELECT, then links and tags loaded per batch.

Return fields and sorts through single-entity links become LEFT OUTER JOINs (one alias per link
path); filters become WHERE (store/filters.py). Multi-entity and tag values are loaded with one
query per field for the whole page, and every linked entity's display name with one query per
target type, which is also where links to retired entities are dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import FromClause

from callsheet.faults import FilterFault, SchemaFault
from callsheet.store.filters import FilterCompiler, Group
from callsheet.store.kinds import LinkRef, kind_of
from callsheet.store.links import read_links
from callsheet.store.paths import FieldPath, Hop, parse_path
from callsheet.store.presets import preset_conditions
from callsheet.store.store import RETIRED_COLUMN, Store


@dataclass(frozen=True)
class Sort:
    path: FieldPath
    descending: bool = False


@dataclass
class ReadRequest:
    """Everything a find says, already parsed and checked against the schema."""

    entity_type: str
    filters: Group
    fields: Sequence[str] = ("id",)
    sorts: Sequence[Sort] = ()
    limit: int | None = None
    offset: int = 0
    retired_only: bool = False
    include_archived_projects: bool = True
    presets: Sequence[dict[str, Any]] = ()


@dataclass
class _Joins:
    """LEFT OUTER JOINs for deep return fields and sorts, one alias per link path."""

    root: sa.Table
    aliases: dict[tuple[tuple[str, str], ...], FromClause] = field(default_factory=dict)
    from_clause: Any = None

    def __post_init__(self) -> None:
        self.from_clause = self.root

    def table_for(self, store: Store, hops: tuple[Hop, ...]) -> FromClause:
        current: FromClause = self.root
        for depth in range(1, len(hops) + 1):
            prefix = tuple((h.field.qualified_name, h.target_type) for h in hops[:depth])
            if prefix not in self.aliases:
                hop = hops[depth - 1]
                target = store.table(hop.target_type).alias()
                link = kind_of(hop.field)
                on = sa.and_(
                    link.type_column(hop.field, current) == hop.target_type,  # type: ignore[attr-defined]
                    link.value_column(hop.field, current) == target.c.id,
                    target.c[RETIRED_COLUMN].is_(None),
                )
                self.from_clause = self.from_clause.outerjoin(target, on)
                self.aliases[prefix] = target
            current = self.aliases[prefix]
        return current


@dataclass
class _Column:
    """One requested field: where its columns sit in the row, and how to load the rest."""

    key: str
    path: FieldPath
    start: int
    width: int
    owner_index: int | None  # row position of the owning entity's id, for side-loaded values


def base_conditions(store: Store, request: ReadRequest, table: sa.Table) -> list[Any]:
    """Retirement, archived projects and presets: what every read of the type applies."""
    retired = table.c[RETIRED_COLUMN]
    conditions: list[Any] = [retired.is_not(None) if request.retired_only else retired.is_(None)]
    if not request.include_archived_projects:
        conditions.append(archived_condition(store, request.entity_type, table))
    conditions.extend(preset_conditions(store, request.entity_type, table, request.presets))
    return conditions


def archived_condition(store: Store, entity_type: str, table: FromClause) -> Any:
    """Hide rows of archived projects (`include_archived_projects=False`)."""
    if entity_type == "Project":
        return table.c.archived.is_not(sa.true())
    entity = store.schema.entity(entity_type)
    if not entity.is_project_entity or entity.fields["project"].data_type != "entity":
        return sa.true()
    projects = store.table("Project").alias()
    archived = sa.select(projects.c.id).where(projects.c.archived.is_(sa.true()))
    return sa.or_(table.c.project__id.is_(None), table.c.project__id.not_in(archived))


def read(conn: Connection, store: Store, request: ReadRequest) -> tuple[list[dict[str, Any]], bool]:
    """Run a find; returns the page's records and whether more rows follow."""
    table = store.table(request.entity_type)
    joins = _Joins(table)
    selected: list[Any] = [table.c.id]
    columns: list[_Column] = []
    for key in _unique(request.fields):
        if key in ("id", "type"):
            continue
        try:
            path = parse_path(store.schema, request.entity_type, key)
        except (SchemaFault, FilterFault):
            continue  # unknown return fields are ignored, as ShotGrid does
        if path.through_multi_entity:
            continue  # ShotGrid does not return dotted fields through multi-entity links
        owner = joins.table_for(store, path.hops)
        kind = kind_of(path.field)
        parts = kind.select_columns(path.field, owner)
        owner_index = None
        if getattr(kind, "side_loaded", False) or path.field.data_type in (
            "multi_entity",
            "addressing",
        ):
            owner_index = len(selected)
            selected.append(owner.c.id)
        columns.append(_Column(key, path, len(selected), len(parts), owner_index))
        selected.extend(parts)

    conditions = base_conditions(store, request, table)
    conditions.append(FilterCompiler(store).compile(request.filters, table))
    order_by: list[Any] = []
    for sort in request.sorts:
        if sort.path.through_multi_entity:
            continue
        owner = joins.table_for(store, sort.path.hops)
        for expression in kind_of(sort.path.field).sort_columns(sort.path.field, owner):
            order_by.append(
                expression.desc().nulls_last() if sort.descending else expression.asc().nulls_last()
            )
    order_by.append(table.c.id.asc())

    statement = (
        sa.select(*selected).select_from(joins.from_clause).where(*conditions).order_by(*order_by)
    )
    if request.limit is not None:
        statement = statement.limit(request.limit + 1)
    if request.offset:
        statement = statement.offset(request.offset)
    rows = conn.execute(statement).all()
    has_more = request.limit is not None and len(rows) > request.limit
    if has_more:
        rows = rows[: request.limit]
    records = [_record(request.entity_type, row, columns) for row in rows]
    _load_side_values(conn, store, rows, columns, records)
    resolve_links(conn, store, records)
    return records, has_more


def _unique(fields: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for name in fields:
        if isinstance(name, str):
            seen.setdefault(name, None)
    return list(seen)


def _record(entity_type: str, row: Sequence[Any], columns: list[_Column]) -> dict[str, Any]:
    record: dict[str, Any] = {"type": entity_type, "id": row[0]}
    for column in columns:
        f = column.path.field
        if column.path.is_deep and column.owner_index is None and row_is_missing(row, column):
            record[column.key] = None
            continue
        value = kind_of(f).from_columns(f, row[column.start : column.start + column.width])
        record[column.key] = value
    return record


def row_is_missing(row: Sequence[Any], column: _Column) -> bool:
    """A deep field whose link is empty (or of another type) reads None, not a default."""
    return all(v is None for v in row[column.start : column.start + column.width])


def _load_side_values(
    conn: Connection,
    store: Store,
    rows: Sequence[Any],
    columns: list[_Column],
    records: list[dict[str, Any]],
) -> None:
    for column in columns:
        if column.owner_index is None:
            continue
        f = column.path.field
        owners = [row[column.owner_index] for row in rows]
        ids = sorted({i for i in owners if i is not None})
        kind = kind_of(f)
        if f.data_type in ("multi_entity", "addressing"):
            loaded: dict[int, Any] = {
                owner: [LinkRef(t, i) for t, i in links]
                for owner, links in read_links(conn, store, f.entity_type, f.name, ids).items()
            }
        else:
            loaded = kind.load(conn, store, f, ids)  # type: ignore[attr-defined]
        for record, owner in zip(records, owners, strict=True):
            record[column.key] = (
                loaded.get(owner, kind.empty_value(f)) if owner is not None else None
            )


def resolve_links(conn: Connection, store: Store, records: list[dict[str, Any]]) -> None:
    """Replace LinkRefs with {"type", "id", "name"}; drop links to retired or missing entities."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for record in records:
        for value in record.values():
            if isinstance(value, LinkRef):
                wanted[value.type].add(value.id)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, LinkRef):
                        wanted[item.type].add(item.id)
    if not wanted:
        return
    names = display_names(conn, store, wanted)
    for record in records:
        for key, value in record.items():
            if isinstance(value, LinkRef):
                record[key] = names.get(value)
            elif isinstance(value, list) and value and isinstance(value[0], LinkRef):
                record[key] = [names[item] for item in value if item in names]


def display_names(
    conn: Connection, store: Store, wanted: dict[str, set[int]]
) -> dict[LinkRef, dict[str, Any]]:
    """Entity dicts of the live entities among `wanted`, keyed by LinkRef."""
    names: dict[LinkRef, dict[str, Any]] = {}
    for entity_type, ids in wanted.items():
        if entity_type not in store.schema:
            continue
        table = store.table(entity_type)
        name_field = store.schema.entity(entity_type).display_name_field
        name_column = table.c[name_field] if name_field else sa.null()
        id_list = sorted(ids)
        for start in range(0, len(id_list), 900):
            rows = conn.execute(
                sa.select(table.c.id, name_column).where(
                    table.c.id.in_(id_list[start : start + 900]), table.c[RETIRED_COLUMN].is_(None)
                )
            )
            for entity_id, name in rows:
                names[LinkRef(entity_type, entity_id)] = {
                    "type": entity_type,
                    "id": entity_id,
                    "name": name,
                }
    return names
