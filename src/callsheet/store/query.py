"""Reads: a Shotgun `find` compiled to one SELECT, then links and tags loaded per batch.

Return fields and sorts through single-entity links become LEFT OUTER JOINs (one alias per link
path); filters become WHERE (store/filters.py). Multi-entity and tag values are loaded with one
query per field for the whole page, and every linked entity's display name with one query per
target type, which is also where links to retired entities are dropped.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import FromClause

from callsheet.faults import FilterFault, SchemaFault
from callsheet.schema.model import Field
from callsheet.store.filters import FilterCompiler, Group, statement_aliases
from callsheet.store.kinds import LinkRef, kind_of
from callsheet.store.kinds.computed import ComputedKind
from callsheet.store.paths import FieldPath, Hop, parse_path
from callsheet.store.prepared import PreparedLookup, run_prepared
from callsheet.store.presets import preset_conditions
from callsheet.store.scope import ReadScope
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
    scope: ReadScope  # the reader's: a linked row it may not see joins as an empty link
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
                    link.type_column(hop.field, current) == hop.target_type,
                    link.value_column(hop.field, current) == target.c.id,
                    target.c[RETIRED_COLUMN].is_(None),
                    # a linked row the reader may not see reads as an empty link
                    *self.scope.rows(hop.target_type, target),
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
    # For entity fields: (target type, row position of the joined target's id, of its name).
    names: tuple[tuple[str, int, int], ...] = ()
    read: Any = None  # row -> value, built once per plan

    def build_reader(self) -> None:
        f = self.path.field
        if self.names:
            self.read = _joined_link_reader(self.start, self.names)
            return
        inner = kind_of(f).row_reader(f, self.start, self.width)
        if self.path.is_deep and self.owner_index is None:
            start, end = self.start, self.start + self.width
            if isinstance(inner, operator.itemgetter):
                self.read = inner  # one nullable column: None already reads None
                return
            if self.width == 1:
                self.read = lambda row: None if row[start] is None else inner(row)
                return
            # A deep field whose link is empty (or of another type) reads None, not a default.
            self.read = lambda row: None if all(v is None for v in row[start:end]) else inner(row)
        else:
            self.read = inner


# Entity fields with at most this many valid types get their targets' names by LEFT JOIN in
# the main query; wider polymorphic links are resolved with one query per type afterwards.
MAX_JOINED_LINK_TYPES = 4


@dataclass
class ReadPlan:
    """The parts of a find that depend on its shape, not its values; cached per shape."""

    table: sa.Table
    joins: _Joins
    selected: list[Any]
    columns: list[_Column]
    order_by: list[Any]
    by_id: PreparedLookup | None = None  # the whole statement for `[["id", "is", N]]`
    # Whether a selected field is computed per row (store/kinds/computed.py): on a database
    # that computes the rows an OFFSET skips (Dialect.computes_skipped_rows), such a page is
    # picked by id first, so only its own rows' values are computed.
    computes: bool = False
    # (key, row reader) of each column, in order: what `_records` runs for every row
    readers: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        self.readers = tuple((column.key, column.read) for column in self.columns)

    @property
    def needs_links(self) -> bool:
        """Whether rows need more than the main query: side-loaded values or link names."""
        return any(
            c.owner_index is not None or (_reads_link(c.path.field) and not c.names)
            for c in self.columns
        )


def _reads_link(f: Field) -> bool:
    """Whether the field reads as one link (a computed field may: a query field's single
    record of an entity field)."""
    kind = kind_of(f)
    value_field = kind.result_field(f) if isinstance(kind, ComputedKind) else f
    return value_field.traits.is_single_link


def base_conditions(
    store: Store, request: ReadRequest, table: sa.Table, scope: ReadScope
) -> list[Any]:
    """Retirement, archived projects, the reader's scope and presets: what every read of the
    type applies."""
    conditions = _scope_conditions(store, request, table, scope)
    if request.presets:

        def siblings(sibling: FromClause) -> list[Any]:
            return [
                *_scope_conditions(store, request, sibling, scope),
                FilterCompiler(store, scope).compile(request.filters, sibling),
            ]

        conditions.extend(
            preset_conditions(store, request.entity_type, table, request.presets, siblings, scope)
        )
    return conditions


def _scope_conditions(
    store: Store, request: ReadRequest, table: FromClause, scope: ReadScope
) -> list[Any]:
    """Retirement, archived projects and the rows the reader may see (store/scope.py)."""
    retired = table.c[RETIRED_COLUMN]
    conditions: list[Any] = [retired.is_not(None) if request.retired_only else retired.is_(None)]
    conditions.extend(scope.rows(request.entity_type, table))
    if not request.include_archived_projects:
        conditions.append(archived_condition(store, request.entity_type, table))
    return conditions


def archived_condition(store: Store, entity_type: str, table: FromClause) -> Any:
    """Hide rows of archived projects (`include_archived_projects=False`)."""
    if entity_type == "Project":
        return table.c.archived.is_not(sa.true())
    entity = store.schema.entity(entity_type)
    if not entity.is_project_entity or not entity.fields["project"].traits.is_single_link:
        return sa.true()
    projects = store.table("Project").alias()
    archived = sa.select(projects.c.id).where(projects.c.archived.is_(sa.true()))
    return sa.or_(table.c.project__id.is_(None), table.c.project__id.not_in(archived))


def plan_read(store: Store, request: ReadRequest, scope: ReadScope) -> ReadPlan:
    """Columns, joins and ordering of a find (no filter values): cached on the store by shape."""
    key = (
        "read",
        request.entity_type,
        tuple(request.fields),
        tuple((sort.path.text, sort.descending) for sort in request.sorts),
        scope.key,
    )
    plan = store.cached_plan(key)
    if plan is None:
        plan = store.cache_plan(key, _build_plan(store, request, scope))
    return plan


def _build_plan(store: Store, request: ReadRequest, scope: ReadScope) -> ReadPlan:
    table = store.table(request.entity_type)
    joins = _Joins(table, scope)
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
        parts = kind.select_columns(path.field, owner, store, scope)
        owner_index = None
        if kind.read_apart:
            owner_index = len(selected)
            selected.append(owner.c.id)
        column = _Column(key, path, len(selected), len(parts), owner_index)
        selected.extend(parts)
        column.names = _joined_names(store, joins, path, selected)
        column.build_reader()
        columns.append(column)
    order_by: list[Any] = []
    for sort in request.sorts:
        if sort.path.through_multi_entity:
            continue
        owner = joins.table_for(store, sort.path.hops)
        sort_kind = kind_of(sort.path.field)
        for expression in sort_kind.sort_columns(sort.path.field, owner, store, scope):
            order_by.append(
                expression.desc().nulls_last() if sort.descending else expression.asc().nulls_last()
            )
    order_by.append(table.c.id.asc())
    computes = any(isinstance(kind_of(c.path.field), ComputedKind) for c in columns)
    return ReadPlan(table, joins, selected, columns, order_by, computes=computes)


def _joined_names(
    store: Store, joins: _Joins, path: FieldPath, selected: list[Any]
) -> tuple[tuple[str, int, int], ...]:
    """Join each target type of an entity field to select its id (alive?) and display name."""
    f = path.field
    if not f.traits.is_single_link:
        return ()
    targets = [t for t in f.valid_types if t in store.schema]
    if not targets or len(targets) > MAX_JOINED_LINK_TYPES:
        return ()
    names = []
    for target_type in targets:
        target = joins.table_for(store, (*path.hops, Hop(f, target_type)))
        name_field = store.schema.entity(target_type).display_name_field
        names.append((target_type, len(selected), len(selected) + 1))
        selected.append(target.c.id)
        selected.append(target.c[name_field] if name_field else sa.null())
    return tuple(names)


def _is_id_lookup(request: ReadRequest) -> bool:
    """`[["id", "is", N]]` and nothing else: the point lookup worth a prepared statement."""
    group = request.filters
    if len(group.children) != 1 or request.limit not in (None, 1) or request.offset:
        return False
    node = group.children[0]
    return (
        getattr(node, "kind", "") == "condition"
        and node.path.text == "id"  # type: ignore[union-attr]
        and node.operator == "is"  # type: ignore[union-attr]
        and len(node.values) == 1  # type: ignore[union-attr]
        and type(node.values[0]) is int  # type: ignore[union-attr]
        and not request.presets
    )


def _lookup_statement(
    store: Store, plan: ReadPlan, dialect: Any, scope: ReadScope
) -> PreparedLookup:
    if plan.by_id is None:  # the plan's key holds the scope's: its conditions can be fixed here
        table = plan.table
        statement = (
            sa.select(*plan.selected)
            .select_from(plan.joins.from_clause)
            .where(
                table.c[RETIRED_COLUMN].is_(None),
                table.c.id == sa.bindparam("cs_id"),
                *scope.rows(table.name, table),
            )
        )
        plan.by_id = PreparedLookup.compile(statement, dialect)
    return plan.by_id


def _point_lookup(request: ReadRequest) -> bool:
    return _is_id_lookup(request) and not request.retired_only and request.include_archived_projects


def read_point(store: Store, request: ReadRequest, scope: ReadScope) -> list[dict[str, Any]] | None:
    """A find by id answered by prepared statements on a raw connection, when the requested
    fields need no side loads (multi-entity, tags); None when they do (use `read`)."""
    if not _point_lookup(request):
        return None
    plan = plan_read(store, request, scope)
    if any(c.owner_index is not None for c in plan.columns):
        return None
    lookup = _lookup_statement(store, plan, store.engine.dialect, scope)
    entity_id = request.filters.children[0].values[0]  # type: ignore[union-attr]
    with store.raw_read() as driver_connection:
        rows = lookup.run(driver_connection, cs_id=entity_id)
        records = _records(request.entity_type, rows, plan)
        for record in records:  # polymorphic links too wide to join: one lookup each
            for key, value in record.items():
                if isinstance(value, LinkRef):
                    lookup_name = _name_lookup(store, value.type, scope)
                    record[key] = lookup_name.entity(driver_connection, value)
    return records


def _name_lookup(store: Store, entity_type: str, scope: ReadScope) -> NameLookup:
    key = ("name", entity_type, scope.key)
    lookup = store.cached_plan(key)
    if lookup is None:
        lookup = store.cache_plan(key, NameLookup.build(store, entity_type, scope))
    return lookup  # type: ignore[no-any-return]


@dataclass
class NameLookup:
    """`{"type", "id", "name"}` of one live entity, by a prepared statement."""

    entity_type: str
    statement: PreparedLookup | None

    @classmethod
    def build(cls, store: Store, entity_type: str, scope: ReadScope) -> NameLookup:
        if entity_type not in store.schema:
            return cls(entity_type, None)
        table = store.table(entity_type)
        name_field = store.schema.entity(entity_type).display_name_field
        name = table.c[name_field] if name_field else sa.null()
        statement = sa.select(table.c.id, name).where(
            table.c.id == sa.bindparam("cs_id"),
            table.c[RETIRED_COLUMN].is_(None),
            *scope.rows(entity_type, table),
        )
        return cls(entity_type, PreparedLookup.compile(statement, store.engine.dialect))

    def entity(self, driver_connection: Any, ref: LinkRef) -> dict[str, Any] | None:
        if self.statement is None:
            return None
        rows = self.statement.run(driver_connection, cs_id=ref.id)
        return {"type": ref.type, "id": ref.id, "name": rows[0][1]} if rows else None


def read(
    conn: Connection, store: Store, request: ReadRequest, scope: ReadScope
) -> tuple[list[dict[str, Any]], bool]:
    """Run a find for a reader who sees `scope`; returns the page's records and whether more
    rows follow."""
    plan = plan_read(store, request, scope)
    table = plan.table
    if _point_lookup(request):
        lookup = _lookup_statement(store, plan, conn.dialect, scope)
        entity_id = request.filters.children[0].values[0]  # type: ignore[union-attr]
        rows: Sequence[Any] = lookup.run(conn.connection.driver_connection, cs_id=entity_id)
        has_more = False
    else:
        with statement_aliases():
            conditions = base_conditions(store, request, table, scope)
            conditions.append(FilterCompiler(store, scope).compile(request.filters, table))
        by_id_first = plan.computes and bool(request.offset) and store.dialect.computes_skipped_rows
        page = sa.select(*(plan.selected if not by_id_first else [table.c.id]))
        page = page.select_from(plan.joins.from_clause).where(*conditions)
        page = page.order_by(*plan.order_by)
        if request.limit is not None:
            page = page.limit(request.limit + 1)
        if request.offset:
            page = page.offset(request.offset)
        statement = page
        if by_id_first:  # the page's ids first, then its rows' values (see ReadPlan)
            statement = (
                sa.select(*plan.selected)
                .select_from(plan.joins.from_clause)
                .where(table.c.id.in_(page.correlate(None)))
                .order_by(*plan.order_by)
            )
        rows = conn.execute(statement).all()
        has_more = request.limit is not None and len(rows) > request.limit
        if has_more:
            rows = rows[: request.limit]
    records = _records(request.entity_type, rows, plan)
    if plan.needs_links:
        _load_side_values(conn, store, rows, plan.columns, records)
        resolve_links(conn, store, records, scope)
    return records, has_more


def _unique(fields: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for name in fields:
        if isinstance(name, str):
            seen.setdefault(name, None)
    return list(seen)


def _records(entity_type: str, rows: Sequence[Any], plan: ReadPlan) -> list[dict[str, Any]]:
    """The page's rows as records. This is the per-row cost of every find (500 rows x 10 fields
    took 40% of a request's CPU, bench_floor.py's profile): the readers were built once per
    query shape, and this loop only calls them."""
    readers = plan.readers
    records = []
    for row in rows:
        record: dict[str, Any] = {"type": entity_type, "id": row[0]}
        for key, read in readers:
            record[key] = read(row)
        records.append(record)
    return records


def _joined_link_reader(start: int, names: tuple[tuple[str, int, int], ...]) -> Any:
    """A row reader for an entity link whose targets were joined (`_joined_names`): a dict, or
    None when the link is empty or its target retired, hidden or missing; a link to a type
    outside valid_types is a LinkRef, resolved afterwards."""
    type_index, id_index = start, start + 1
    if len(names) == 1:  # one valid type (project, sg_sequence, step ...): no loop
        ((only_type, only_index, only_name),) = names

        def read_one_type(row: Sequence[Any]) -> Any:
            target_id = row[id_index]
            if target_id is None:
                return None
            target_type = row[type_index]
            if target_type != only_type:
                return LinkRef(target_type, target_id)
            if row[only_index] is None:
                return None  # the target is retired (or gone): the link reads as empty
            return {"type": target_type, "id": target_id, "name": row[only_name]}

        return read_one_type

    def read(row: Sequence[Any]) -> Any:
        target_id = row[id_index]
        if target_id is None:
            return None
        target_type = row[type_index]
        for name_type, target_index, name_index in names:
            if name_type == target_type:
                if row[target_index] is None:
                    return None  # the target is retired (or gone): the link reads as empty
                return {"type": target_type, "id": target_id, "name": row[name_index]}
        return LinkRef(target_type, target_id)

    return read


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
        loaded = kind.load(conn, store, f, ids)
        for record, owner in zip(records, owners, strict=True):
            record[column.key] = (
                loaded.get(owner, kind.empty_value(f)) if owner is not None else None
            )


def resolve_links(
    conn: Connection, store: Store, records: list[dict[str, Any]], scope: ReadScope
) -> None:
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
    names = display_names(conn, store, wanted, scope)
    for record in records:
        for key, value in record.items():
            if isinstance(value, LinkRef):
                record[key] = names.get(value)
            elif isinstance(value, list) and value and isinstance(value[0], LinkRef):
                record[key] = [names[item] for item in value if item in names]


def display_names(
    conn: Connection, store: Store, wanted: dict[str, set[int]], scope: ReadScope
) -> dict[LinkRef, dict[str, Any]]:
    """Entity dicts of the live entities among `wanted` that `scope` shows, keyed by LinkRef."""
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
                    table.c.id.in_(id_list[start : start + 900]),
                    table.c[RETIRED_COLUMN].is_(None),
                    *scope.rows(entity_type, table),
                )
            )
            for entity_id, name in rows:
                names[LinkRef(entity_type, entity_id)] = {
                    "type": entity_type,
                    "id": entity_id,
                    "name": name,
                }
    return names


def display_name_of(store: Store, ref: LinkRef) -> dict[str, Any] | None:
    """The entity dict of one live entity, whoever may see it (the engine's own view: event
    rows name what was written). Every link a write logs asks: compiled once per type
    (store/prepared.py), run on the current transaction's connection."""
    if ref.type not in store.schema:
        return None
    table = store.table(ref.type)
    name_field = store.schema.entity(ref.type).display_name_field

    def build() -> Any:
        name_column = table.c[name_field] if name_field else sa.null()
        return sa.select(table.c.id, name_column).where(
            table.c.id == sa.bindparam("entity_id"), table.c[RETIRED_COLUMN].is_(None)
        )

    found = run_prepared(store, ("display-name", ref.type), build, entity_id=ref.id)
    if not found:
        return None
    return {"type": ref.type, "id": found[0][0], "name": found[0][1]}


def count(conn: Connection, store: Store, request: ReadRequest, scope: ReadScope) -> int:
    """How many rows a find matches for a reader who sees `scope`, in one COUNT query (the
    `entity_count` of paging_info)."""
    table = store.table(request.entity_type)
    with statement_aliases():
        conditions = base_conditions(store, request, table, scope)
        conditions.append(FilterCompiler(store, scope).compile(request.filters, table))
    statement = sa.select(sa.func.count()).select_from(table).where(*conditions)
    return int(conn.execute(statement).scalar_one())
