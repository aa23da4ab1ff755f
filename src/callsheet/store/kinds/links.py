"""entity and multi_entity: links to other entities.

An entity link is two columns (`<field>__type`, `<field>__id`). A multi-entity field has no column:
its links live in the storage callsheet.schema.links picks, read through
callsheet.store.links.link_relation. Read values hold `LinkRef`s that the reader turns into
`{"type", "id", "name"}` dicts in one query per target type, dropping links to retired entities.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from callsheet.faults import FilterFault, ValueFault
from callsheet.schema.data_types import LINK_OPERATORS
from callsheet.schema.model import Field
from callsheet.store.dialects import fold_case
from callsheet.store.kinds.base import (
    FieldKind,
    SqlCondition,
    negate,
    one_value,
    register,
    value_list,
)
from callsheet.store.kinds.numbers import INT32_MAX, INT32_MIN
from callsheet.store.links import link_relation, read_links

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.scope import ReadScope
    from callsheet.store.store import Store


class LinkRef(NamedTuple):
    """A link read from the database, before its target's name is looked up."""

    type: str
    id: int


def entity_ref(field: Field, value: Any, *, for_filter: bool = False) -> LinkRef:
    """A `{"type", "id"}` dict as a LinkRef, or a Fault naming the field."""
    fault = FilterFault if for_filter else ValueFault
    if not isinstance(value, dict):
        raise fault(
            f"{field.qualified_name} expects an entity dict {{'type': ..., 'id': ...}}, "
            f"got {value!r}."
        )
    entity_type, entity_id = value.get("type"), value.get("id")
    if (
        not isinstance(entity_type, str)
        or isinstance(entity_id, bool)
        or not isinstance(entity_id, int)
    ):
        raise fault(
            f"{field.qualified_name} expects an entity dict with a string 'type' and an integer "
            f"'id', got {value!r}."
        )
    if not INT32_MIN <= entity_id <= INT32_MAX:  # no such id can exist; the driver would overflow
        raise fault(
            f"{field.qualified_name} links to {entity_type} {entity_id}, which doesn't exist."
        )
    if not for_filter and field.valid_types and entity_type not in field.valid_types:
        raise fault(
            f"{field.qualified_name} cannot link to a {entity_type}: valid types are "
            f"{list(field.valid_types)}."
        )
    return LinkRef(entity_type, entity_id)


def name_condition(
    target: FromClause, store: Store, target_type: str, operator: str, text: Any, field: Field
) -> SqlCondition | None:
    """SqlCondition on `target` rows whose display name matches (None: the type has no name)."""
    name_field = store.schema.entity(target_type).display_name_field
    if name_field is None:
        return None
    if not isinstance(text, str):
        raise FilterFault(f"API read() {field.qualified_name} '{operator}' expects a string.")
    column = fold_case(target.c[name_field], text)
    needle = text.lower()
    if operator in ("name_contains", "name_not_contains"):
        return column.contains(needle, autoescape=True)
    if operator == "name_starts_with":
        return column.startswith(needle, autoescape=True)
    if operator == "name_ends_with":
        return column.endswith(needle, autoescape=True)
    return column == needle


def _name_targets(field: Field, store: Store) -> list[str]:
    return [t for t in field.valid_types if t in store.schema] or []


def _target_alias(store: Store, entity_type: str) -> FromClause:
    """The alias the liveness subqueries below select from, made once per type.

    An alias builds a proxy of every column of its table (Project: 38) when first used; a fresh
    one per filter was 12% of a 500-row find's CPU (bench_floor.py's profile). Sharing one is
    safe because those subqueries never correlate (`correlate(None)`: they refer to nothing
    outside), so one nested in another (a permission condition on the type's rows that itself
    filters on a link to that type) keeps its own FROM, and the inner alias shadows the outer
    one as SQL scoping says; side by side in one WHERE they are separate subqueries.
    """
    key = ("live-target", entity_type)
    target = store.cached_plan(key)
    if target is None:
        target = store.table(entity_type).alias()
        target.c  # noqa: B018 - build the column proxies now, not in a reader thread
        store.cache_plan(key, target)
    return target  # type: ignore[no-any-return]


def live_ids(store: Store, entity_type: str, scope: ReadScope) -> Any:
    """SELECT id of the live (not retired) entities of a type that the reader may see."""
    target = _target_alias(store, entity_type)
    return (
        sa.select(target.c.id)
        .where(target.c._retired_at.is_(None), *scope.rows(entity_type, target))
        .correlate(None)
    )


def is_live(store: Store, ref: LinkRef, scope: ReadScope) -> SqlCondition:
    """True when the linked entity exists, is not retired and may be seen (else it reads None)."""
    if ref.type not in store.schema:
        return sa.false()
    target = _target_alias(store, ref.type)
    return sa.exists(
        sa.select(target.c.id)
        .where(
            target.c.id == ref.id,
            target.c._retired_at.is_(None),
            *scope.rows(ref.type, target),
        )
        .correlate(None)
    )


def live_target(
    type_column: ColumnElement[Any],
    id_column: ColumnElement[Any],
    field: Field,
    store: Store,
    scope: ReadScope,
) -> SqlCondition:
    """The link in (type_column, id_column) points at a live entity of one of the valid types.

    Reads drop links to retired entities (reference/data-model.md §4.2), so filters treat them as
    empty too. A field without valid_types accepts any link that is set.
    """
    types = _name_targets(field, store)
    if not types:
        return id_column.is_not(None)
    return sa.or_(
        *(
            sa.and_(type_column == entity_type, id_column.in_(live_ids(store, entity_type, scope)))
            for entity_type in types
        )
    )


class EntityKind(FieldKind):
    data_types: ClassVar[tuple[str, ...]] = ("entity",)
    operators = LINK_OPERATORS
    summaries = ("record_count", "count")
    groupings: ClassVar[tuple[str, ...]] = ("exact", "entitytype")

    def columns(self, field: Field) -> list[sa.Column[Any]]:
        return [
            sa.Column(f"{field.name}__type", sa.String(64), nullable=True),
            sa.Column(f"{field.name}__id", sa.Integer, nullable=True, index=True),
        ]

    def value_column(self, field: Field, table: FromClause) -> ColumnElement[Any]:
        return table.c[f"{field.name}__id"]

    def type_column(self, field: Field, table: FromClause) -> ColumnElement[Any]:
        return table.c[f"{field.name}__type"]

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        if value is None:
            return None
        ref = entity_ref(field, value)
        store.require_live(ref.type, ref.id, field)
        return ref

    def to_columns(self, field: Field, stored: Any) -> dict[str, Any]:
        if stored is None:
            return {f"{field.name}__type": None, f"{field.name}__id": None}
        return {f"{field.name}__type": stored.type, f"{field.name}__id": stored.id}

    def select_columns(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> list[ColumnElement[Any]]:
        return [self.type_column(field, table), self.value_column(field, table)]

    def from_columns(self, field: Field, values: Any) -> Any:
        entity_type, entity_id = values
        return None if entity_id is None else LinkRef(entity_type, entity_id)

    def sort_columns(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> list[ColumnElement[Any]]:
        return [self.type_column(field, table), self.value_column(field, table)]

    def links_to(
        self, field: Field, table: FromClause, target_type: str, target_ids: Any, store: Store
    ) -> SqlCondition:
        """Rows whose link points at a `target_type` row selected by `target_ids`."""
        return sa.and_(
            self.type_column(field, table) == target_type,
            self.value_column(field, table).in_(target_ids),
        )

    def group_exact(self, field: Field, owner: FromClause, store: Store) -> list[Any]:
        return [self.type_column(field, owner), self.value_column(field, owner)]

    def group_entitytype(self, field: Field, owner: FromClause, store: Store) -> list[Any]:
        return [self.type_column(field, owner)]

    def group_link(self, field: Field, grouping_type: str, key: Any) -> Any:
        if grouping_type != "exact" or key[1] is None:
            return None
        return LinkRef(key[0], key[1])

    def group_label(
        self, field: Field, grouping_type: str, key: Any, names: Any
    ) -> tuple[str, Any]:
        if grouping_type != "exact":
            return super().group_label(field, grouping_type, key, names)
        entity = names.get(LinkRef(key[0], key[1])) if key[1] is not None else None
        if entity is None:  # empty, or a link to an entity that is retired or hidden
            return "", None
        return str(entity["name"]), {**entity, "valid": "valid"}

    def _matches(
        self, field: Field, table: FromClause, ref: LinkRef, store: Store, scope: ReadScope
    ) -> SqlCondition:
        return sa.and_(
            self.type_column(field, table) == ref.type,
            self.value_column(field, table) == ref.id,
            is_live(store, ref, scope),
        )

    def _set(self, field: Field, table: FromClause, store: Store, scope: ReadScope) -> SqlCondition:
        """The link is set and its target is live (what reads show as a value)."""
        return live_target(
            self.type_column(field, table), self.value_column(field, table), field, store, scope
        )

    def filter_is(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        value = one_value(field, "is", values)
        if value is None:
            return negate(self._set(field, table, store, scope))
        return self._matches(field, table, entity_ref(field, value, for_filter=True), store, scope)

    def filter_in(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        items = value_list(field, "in", values)
        parts = [
            negate(self._set(field, table, store, scope))
            if item is None
            else self._matches(field, table, entity_ref(field, item, for_filter=True), store, scope)
            for item in items
        ]
        return sa.or_(*parts)

    def filter_type_is(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        value = one_value(field, "type_is", values)
        if value is None:
            return negate(self._set(field, table, store, scope))
        entity_type = _type_name(field, value)
        if entity_type not in store.schema:
            return sa.false()
        return sa.and_(
            self.type_column(field, table) == entity_type,
            self.value_column(field, table).in_(live_ids(store, entity_type, scope)),
        )

    def _name(
        self,
        field: Field,
        table: FromClause,
        operator: str,
        values: list[Any],
        store: Store,
        scope: ReadScope,
    ) -> SqlCondition:
        text = one_value(field, operator, values)
        parts = []
        for target_type in _name_targets(field, store):
            target = store.table(target_type).alias()
            condition = name_condition(target, store, target_type, operator, text, field)
            if condition is None:
                continue
            ids = sa.select(target.c.id).where(
                target.c._retired_at.is_(None), *scope.rows(target_type, target), condition
            )
            parts.append(self.links_to(field, table, target_type, ids, store))
        return sa.or_(*parts) if parts else sa.false()

    def filter_name_contains(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        return self._name(field, table, "name_contains", values, store, scope)

    def filter_name_is(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        return self._name(field, table, "name_is", values, store, scope)

    def filter_name_starts_with(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        return self._name(field, table, "name_starts_with", values, store, scope)

    def filter_name_ends_with(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        return self._name(field, table, "name_ends_with", values, store, scope)


def _type_name(field: Field, value: Any) -> str:
    if not isinstance(value, str):
        raise FilterFault(
            f"API read() {field.qualified_name} type filter expects a type name, got {value!r}."
        )
    return value


class MultiEntityKind(EntityKind):
    """A set of links; `is X` means "contains X", filters match when any link matches."""

    data_types = ("multi_entity", "addressing")
    sortable = False
    read_apart = True
    groupings = ()

    def load(
        self, conn: Connection, store: Store, field: Field, owner_ids: Sequence[int]
    ) -> dict[int, Any]:
        links = read_links(conn, store, field.entity_type, field.name, owner_ids)
        return {owner: [LinkRef(t, i) for t, i in pairs] for owner, pairs in links.items()}

    def columns(self, field: Field) -> list[sa.Column[Any]]:
        return []

    def sort_columns(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> list[ColumnElement[Any]]:
        return []  # ShotGrid ignores sorts on multi-entity fields

    def select_columns(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> list[ColumnElement[Any]]:
        return []

    def from_columns(self, field: Field, values: Any) -> Any:
        return []

    def empty_value(self, field: Field) -> Any:
        return []

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            raise ValueFault(
                f"{field.qualified_name} is a multi-entity field and expects a list of entity "
                f"dicts, got {type(value).__name__}."
            )
        refs: list[LinkRef] = []
        for item in value:
            ref = entity_ref(field, item)
            if ref not in refs:
                refs.append(ref)
        for ref in refs:
            store.require_live(ref.type, ref.id, field)
        return refs

    def to_columns(self, field: Field, stored: Any) -> dict[str, Any]:
        return {}

    def _rel(self, field: Field, store: Store) -> sa.Subquery:
        return link_relation(store, field.entity_type, field.name)

    def summary_count(
        self, field: Field, owner: FromClause, table: FromClause, store: Store, scope: ReadScope
    ) -> Any:
        """Rows with at least one link; links to rows the reader may not see do not count."""
        rel = self._rel(field, store)
        owners = sa.select(rel.c.owner_id)
        if scope.key is not None:
            owners = owners.where(
                live_target(rel.c.target_type, rel.c.target_id, field, store, scope)
            )
        return sa.func.sum(sa.case((owner.c.id.in_(owners), 1), else_=0))

    def links_to(
        self, field: Field, table: FromClause, target_type: str, target_ids: Any, store: Store
    ) -> SqlCondition:
        rel = self._rel(field, store)
        return table.c.id.in_(
            sa.select(rel.c.owner_id).where(
                rel.c.target_type == target_type, rel.c.target_id.in_(target_ids)
            )
        )

    def _contains(
        self, field: Field, table: FromClause, refs: list[LinkRef], store: Store, scope: ReadScope
    ) -> SqlCondition:
        rel = self._rel(field, store)
        pairs = [
            sa.and_(rel.c.target_type == r.type, rel.c.target_id == r.id, is_live(store, r, scope))
            for r in refs
        ]
        return table.c.id.in_(sa.select(rel.c.owner_id).where(sa.or_(*pairs)))

    def _any(self, field: Field, table: FromClause, store: Store, scope: ReadScope) -> SqlCondition:
        """Rows with at least one link to a live entity (links to retired ones are dropped)."""
        rel = self._rel(field, store)
        live = live_target(rel.c.target_type, rel.c.target_id, field, store, scope)
        return table.c.id.in_(sa.select(rel.c.owner_id).where(live))

    def filter_is(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        value = one_value(field, "is", values)
        if value is None:
            return negate(self._any(field, table, store, scope))
        return self._contains(
            field, table, [entity_ref(field, value, for_filter=True)], store, scope
        )

    def filter_in(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        items = value_list(field, "in", values)
        refs = [entity_ref(field, item, for_filter=True) for item in items if item is not None]
        parts = [self._contains(field, table, refs, store, scope)] if refs else []
        if None in items:
            parts.append(negate(self._any(field, table, store, scope)))
        return sa.or_(*parts)

    def filter_type_is(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        value = one_value(field, "type_is", values)
        if value is None:
            return negate(self._any(field, table, store, scope))
        entity_type = _type_name(field, value)
        if entity_type not in store.schema:
            return sa.false()
        rel = self._rel(field, store)
        return table.c.id.in_(
            sa.select(rel.c.owner_id).where(
                rel.c.target_type == entity_type,
                rel.c.target_id.in_(live_ids(store, entity_type, scope)),
            )
        )


register(EntityKind())
register(MultiEntityKind())
