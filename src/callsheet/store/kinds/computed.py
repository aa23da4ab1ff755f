"""Kinds with no stored value of their own: computed fields, secrets, thumbnails.

`ComputedKind` is the base of fields computed in SQL when read (query fields: summary.py,
calculated fields: calculated.py); pivot columns have no API value (pivot.py). password fields
are write-only: the stored form is a hash and reads return ShotGrid's constant mask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from callsheet.faults import FilterFault, SchemaFault, ValueFault
from callsheet.schema.data_types import FLAG_OPERATORS
from callsheet.schema.model import Field
from callsheet.store.kinds.base import FieldKind, SqlCondition, kind_of, register

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.scope import ReadScope
    from callsheet.store.store import Store

PASSWORD_MASK = "*******"


class Projection:
    """Computed values presented as the columns of a row source.

    A computed field's value is an SQL expression over the row of `table` (a correlated subquery,
    an arithmetic formula). Handing the kind of its result type a `Projection` whose column of the
    field's name is that expression lets the result kind select, filter, sort and summarize it
    exactly as it would a stored column: one implementation of every operator, not a second copy
    per computed data type. Names it does not compute are `table`'s own columns.
    """

    def __init__(self, table: FromClause, computed: Mapping[str, ColumnElement[Any]]) -> None:
        self.table = table
        self.c = _ProjectedColumns(table, computed)

    def as_from(self) -> FromClause:
        # Kinds only read `.c` of the row source they are given; the cast is what lets a
        # projection stand where their signatures say FromClause.
        return cast("FromClause", self)


class _ProjectedColumns:
    def __init__(self, table: FromClause, computed: Mapping[str, ColumnElement[Any]]) -> None:
        self._table = table
        self._computed = computed

    def __getitem__(self, name: str) -> ColumnElement[Any]:
        found = self._computed.get(name)
        return found if found is not None else self._table.c[name]

    def __getattr__(self, name: str) -> ColumnElement[Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._computed or name in self._table.c)


class ComputedKind(FieldKind):
    """A field whose value is computed in SQL when it is read (query and calculated fields).

    A subclass says what the value is: `result_field` (a field of the data type the value has)
    and `expressions` (that field's columns as SQL over the owning row). Reading, filtering,
    sorting and summarizing then belong to the result type's kind, through a `Projection`.
    Values are never stored, so they are never stale and cost nothing on writes.
    """

    writable = False

    def result_field(self, field: Field) -> Field:
        """A field of the type the computed value has, named like `field`."""
        raise NotImplementedError

    def expressions(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> dict[str, ColumnElement[Any]]:
        """The result field's columns as SQL over the row of `table`, as `scope`'s reader sees
        the rows they are computed from."""
        raise NotImplementedError

    def checked_definition(self, store: Store, field: Field, definition: Any) -> dict[str, Any]:
        """The properties of a new field of this kind, from the definition an admin gave (the
        Admin Fields page, `callsheet field create`); a SchemaFault names what is wrong."""
        raise SchemaFault(f"Fields of data type '{field.data_type}' cannot be created yet.")

    def _projected(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> tuple[FieldKind, Field, FromClause]:
        result = self.result_field(field)
        projection = Projection(table, self.expressions(field, table, store, scope))
        return kind_of(result), result, projection.as_from()

    def select_columns(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> list[ColumnElement[Any]]:
        kind, result, projection = self._projected(field, table, store, scope)
        return kind.select_columns(result, projection, store, scope)

    def from_columns(self, field: Field, values: Sequence[Any]) -> Any:
        result = self.result_field(field)
        return kind_of(result).from_columns(result, values)

    def row_reader(self, field: Field, start: int, width: int) -> Callable[[Sequence[Any]], Any]:
        result = self.result_field(field)
        return kind_of(result).row_reader(result, start, width)

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        raise SchemaFault(f"API update() {field.qualified_name} is read only.")

    def condition(
        self,
        field: Field,
        table: FromClause,
        operator: str,
        values: list[Any],
        store: Store,
        scope: ReadScope,
    ) -> SqlCondition:
        kind, result, projection = self._projected(field, table, store, scope)
        return kind.condition(result, projection, operator, values, store, scope)

    def sort_columns(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> list[ColumnElement[Any]]:
        kind, result, projection = self._projected(field, table, store, scope)
        return kind.sort_columns(result, projection, store, scope)

    def summary_expression(
        self,
        field: Field,
        summary_type: str,
        owner: FromClause,
        table: FromClause,
        store: Store,
        scope: ReadScope,
    ) -> ColumnElement[Any]:
        kind, result, projection = self._projected(field, owner, store, scope)
        return kind.summary_expression(result, summary_type, projection, table, store, scope)

    def summary_value(self, field: Field, summary_type: str, value: Any) -> Any:
        result = self.result_field(field)
        return kind_of(result).summary_value(result, summary_type, value)

    def from_aggregate(self, field: Field, value: Any) -> Any:
        result = self.result_field(field)
        return kind_of(result).from_aggregate(result, value)

    def grouping_types(self, field: Field) -> tuple[str, ...]:
        result = self.result_field(field)
        return kind_of(result).grouping_types(result)

    def group_key(
        self,
        field: Field,
        grouping_type: str,
        owner: FromClause,
        store: Store,
        scope: ReadScope,
    ) -> list[ColumnElement[Any]]:
        kind, result, projection = self._projected(field, owner, store, scope)
        return kind.group_key(result, grouping_type, projection, store, scope)

    def group_link(self, field: Field, grouping_type: str, key: Sequence[Any]) -> Any:
        result = self.result_field(field)
        return kind_of(result).group_link(result, grouping_type, key)

    def group_label(
        self, field: Field, grouping_type: str, key: Sequence[Any], names: Mapping[Any, Any]
    ) -> tuple[str, Any]:
        result = self.result_field(field)
        return kind_of(result).group_label(result, grouping_type, key, names)


class NoValueKind(FieldKind):
    """Data types with no value through the API: system_task_type (a ShotGrid internal)."""

    data_types = ("system_task_type",)
    sortable = False
    writable = False
    summaries = ()
    groupings = ()

    def select_columns(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> list[Any]:
        return []

    def from_columns(self, field: Field, values: Any) -> Any:
        return None

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        raise ValueFault(
            f"{field.qualified_name} of data type '{field.data_type}' not supported in API writes."
        )


class PasswordKind(FieldKind):
    data_types = ("password",)
    sortable = False
    summaries = ()
    groupings = ()

    def columns(self, field: Field) -> list[sa.Column[Any]]:
        return [sa.Column(field.name, sa.Text, nullable=True)]

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ValueFault(f"{field.qualified_name} expects a non-empty string.")
        return store.hash_secret(value)

    def from_columns(self, field: Field, values: Any) -> Any:
        return None if values[0] is None else PASSWORD_MASK

    def event_value(self, field: Field, stored: Any) -> Any:
        return None if stored is None else PASSWORD_MASK

    def sort_columns(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> list[Any]:
        # A secret orders nothing a reader may know; refused like its filters and groupings.
        raise FilterFault(
            f"API read() {field.qualified_name}'s '{field.data_type}' data type cannot be used "
            "in a sort."
        )


class ImageKind(FieldKind):
    """A thumbnail: set by upload only; `None` clears it. Reads as a URL or None."""

    data_types = ("image",)
    operators = FLAG_OPERATORS
    sortable = False
    summaries = ("record_count", "count")
    groupings = ()

    def columns(self, field: Field) -> list[sa.Column[Any]]:
        return [sa.Column(field.name, sa.Text, nullable=True)]

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        if value is not None:
            raise ValueFault(
                f"{field.qualified_name} is an image field: set it with upload_thumbnail(); "
                "only None (clear) can be written."
            )
        return None

    def from_columns(self, field: Field, values: Any) -> Any:
        return values[0]

    def _null_only(self, field: Field, values: list[Any], operator: str) -> None:
        if values != [None]:
            raise FilterFault(
                f"API read() {field.qualified_name} is an image field: '{operator}' only "
                "accepts None."
            )

    def filter_is(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        self._null_only(field, values, "is")
        return table.c[field.name].is_(None)


register(NoValueKind())
register(PasswordKind())
register(ImageKind())
