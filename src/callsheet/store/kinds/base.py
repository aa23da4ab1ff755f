"""The contract every data-type family implements, and the registry that finds them.

A `FieldKind` owns everything about one family of ShotGrid data types: its columns, how a written
value is checked and stored, how a stored value is read back, which filter operators it accepts and
what SQL they become, how it sorts, summarizes and groups. Nothing else in Callsheet compares
`data_type == "..."`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from callsheet.faults import FilterFault, SchemaFault, ValueFault
from callsheet.schema.model import Field

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.store import Store

Condition = ColumnElement[bool]


class FieldKind:
    """How one family of ShotGrid data types is stored, read, written and filtered."""

    data_types: ClassVar[tuple[str, ...]] = ()
    # Filter operators this family accepts; each maps to a `filter_<operator>` method unless the
    # family overrides `condition` wholesale.
    operators: ClassVar[tuple[str, ...]] = ()
    sortable: ClassVar[bool] = True
    writable: ClassVar[bool] = True
    # Kinds whose values live outside the entity row (tag_list), loaded per batch of ids.
    side_loaded: ClassVar[bool] = False
    # Summary types this family accepts (record_count is handled for every field).
    summaries: ClassVar[tuple[str, ...]] = ("record_count", "count")
    groupings: ClassVar[tuple[str, ...]] = ("exact",)

    # -- storage -----------------------------------------------------------------------------
    def columns(self, field: Field) -> list[sa.Column[Any]]:
        """The table columns that store this field (none for computed and linked kinds)."""
        return []

    def value_column(self, field: Field, table: FromClause) -> ColumnElement[Any]:
        """The one column holding the value, for kinds that have one."""
        return table.c[field.name]

    # -- writing -----------------------------------------------------------------------------
    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        """Check a written value and return it in stored form; ValueFault names what is wrong."""
        raise SchemaFault(
            f"{field.qualified_name} of data type '{field.data_type}' is not supported in API "
            "writes."
        )

    def to_columns(self, field: Field, stored: Any) -> dict[str, Any]:
        """Column values for a stored value."""
        return {field.name: stored}

    def empty_value(self, field: Field) -> Any:
        """What an unset field reads as."""
        return None

    # -- reading -----------------------------------------------------------------------------
    def select_columns(self, field: Field, table: FromClause) -> list[ColumnElement[Any]]:
        """The columns a read selects for this field."""
        return [table.c[field.name]]

    def from_columns(self, field: Field, values: Sequence[Any]) -> Any:
        """The read value from the selected column values."""
        return values[0]

    def row_reader(self, field: Field, start: int, width: int) -> Callable[[Sequence[Any]], Any]:
        """A function reading this field's value out of a result row (built once per query
        shape: finds call it for every row)."""
        if type(self).from_columns is FieldKind.from_columns and width == 1:
            return operator.itemgetter(start)
        from_columns, end = self.from_columns, start + width
        return lambda row: from_columns(field, row[start:end])

    def event_value(self, field: Field, stored: Any) -> Any:
        """The value written into event log `meta` (old_value / new_value)."""
        return stored

    # -- filtering ---------------------------------------------------------------------------
    def condition(
        self, field: Field, table: FromClause, operator: str, values: list[Any], store: Store
    ) -> Condition:
        """The SQL condition for `[field, operator, *values]` on rows of `table`."""
        if not self.operators:
            raise FilterFault(
                f"API read() {field.qualified_name}'s '{field.data_type}' data type "
                "cannot be used in a filter."
            )
        if operator not in self.operators:
            raise FilterFault(
                f"API read() {field.qualified_name}'s '{field.data_type}' data type doesn't "
                f"support '{operator}' relation. Valid relations: {list(self.operators)}"
            )
        method: Callable[..., Condition] = getattr(self, f"filter_{operator}")
        return method(field, table, values, store)

    # -- sorting -----------------------------------------------------------------------------
    def sort_columns(self, field: Field, table: FromClause) -> list[ColumnElement[Any]]:
        """Expressions to ORDER BY; empty means the field does not sort (ignored, as ShotGrid)."""
        return [self.value_column(field, table)] if self.sortable else []


_KINDS: dict[str, FieldKind] = {}


def register(kind: FieldKind) -> FieldKind:
    """Make `kind` the behaviour of each of its data types."""
    _KINDS.update(dict.fromkeys(kind.data_types, kind))
    return kind


def kind_of(field: Field) -> FieldKind:
    """The behaviour of the field's data type."""
    try:
        return _KINDS[field.data_type]
    except KeyError:
        raise SchemaFault(
            f"{field.qualified_name} has data type '{field.data_type}', which Callsheet does not "
            "know."
        ) from None


def known_data_types() -> list[str]:
    return sorted(_KINDS)


# -- shared pieces for kinds that keep one comparable value in one column ---------------------


def one_value(field: Field, operator: str, values: list[Any]) -> Any:
    if len(values) != 1:
        raise FilterFault(
            f"API read() {field.qualified_name} '{operator}' expects one value, got {len(values)}."
        )
    return values[0]


def value_list(field: Field, operator: str, values: list[Any]) -> list[Any]:
    """The values of `in` / `not_in`: a list (or varargs), never empty."""
    if len(values) == 1 and isinstance(values[0], list | tuple):
        values = list(values[0])
    if not values:
        raise FilterFault(
            f"API read() {field.qualified_name} '{operator}' expects at least a 1-element array."
        )
    return values


def two_values(field: Field, operator: str, values: list[Any]) -> tuple[Any, Any]:
    if len(values) == 1 and isinstance(values[0], list | tuple):
        values = list(values[0])
    if len(values) != 2:
        raise FilterFault(
            f"API read() {field.qualified_name} '{operator}' expects two values [low, high]."
        )
    return values[0], values[1]


def negate(condition: Condition) -> Condition:
    """NOT `condition`, where an unknown (SQL NULL) outcome counts as "no match" first.

    A plain NOT keeps NULL as NULL, so a row whose link is empty would match neither a condition
    nor its negation; ShotGrid's negative operators match such rows (reference/data-model.md §2.3).
    """
    return sa.not_(sa.func.coalesce(condition, sa.false(), type_=sa.Boolean))


def or_null(column: ColumnElement[Any], condition: Condition) -> Condition:
    """ShotGrid's negative operators also match rows where the field is empty."""
    return sa.or_(condition, column.is_(None))


class ScalarKind(FieldKind):
    """A value in one column, compared as it is stored (numbers, dates, choices, ...)."""

    sql_type: ClassVar[Any] = sa.Text

    def columns(self, field: Field) -> list[sa.Column[Any]]:
        return [sa.Column(field.name, self.sql_type, nullable=True)]

    def filter_value(self, field: Field, value: Any, store: Store | None = None) -> Any:
        """A filter value in stored form (FilterFault when it cannot be)."""
        try:
            return self.to_stored(field, value, store)  # type: ignore[arg-type]
        except ValueFault as fault:
            raise FilterFault(f"API read() invalid filter value: {fault.message}") from None

    def compared(
        self, column: ColumnElement[Any], values: list[Any]
    ) -> tuple[ColumnElement[Any], list[Any]]:
        """The expression and the values that `is` / `in` compare (text kinds fold case)."""
        return column, values

    def compare_value(self, field: Field, value: Any) -> Any:
        return self.filter_value(field, value)

    def filter_is(
        self, field: Field, table: FromClause, values: list[Any], store: Store
    ) -> Condition:
        column = self.value_column(field, table)
        value = one_value(field, "is", values)
        stored = None if value is None else self.compare_value(field, value)
        if stored is None:
            return column.is_(None)
        expression, (stored,) = self.compared(column, [stored])
        return expression == stored

    def filter_is_not(
        self, field: Field, table: FromClause, values: list[Any], store: Store
    ) -> Condition:
        column = self.value_column(field, table)
        value = one_value(field, "is_not", values)
        stored = None if value is None else self.compare_value(field, value)
        if stored is None:
            return column.is_not(None)
        expression, (stored,) = self.compared(column, [stored])
        return or_null(column, expression != stored)

    def filter_in(
        self, field: Field, table: FromClause, values: list[Any], store: Store
    ) -> Condition:
        column = self.value_column(field, table)
        items = [
            None if v is None else self.compare_value(field, v)
            for v in value_list(field, "in", values)
        ]
        present = [v for v in items if v is not None]
        if present:
            expression, present = self.compared(column, present)
            condition = expression.in_(present)
        else:
            condition = sa.false()
        return sa.or_(condition, column.is_(None)) if None in items else condition

    def filter_not_in(
        self, field: Field, table: FromClause, values: list[Any], store: Store
    ) -> Condition:
        column = self.value_column(field, table)
        items = [
            None if v is None else self.compare_value(field, v)
            for v in value_list(field, "not_in", values)
        ]
        present = [v for v in items if v is not None]
        if present:
            expression, present = self.compared(column, present)
            condition = expression.not_in(present)
        else:
            condition = sa.true()
        if None in items:
            return sa.and_(condition, column.is_not(None))
        return or_null(column, condition)

    def filter_less_than(
        self, field: Field, table: FromClause, values: list[Any], store: Store
    ) -> Condition:
        return self.value_column(field, table) < self.filter_value(
            field, one_value(field, "less_than", values)
        )

    def filter_greater_than(
        self, field: Field, table: FromClause, values: list[Any], store: Store
    ) -> Condition:
        value = self.filter_value(field, one_value(field, "greater_than", values))
        return self.value_column(field, table) > value

    def filter_between(
        self, field: Field, table: FromClause, values: list[Any], store: Store
    ) -> Condition:
        low, high = two_values(field, "between", values)
        if low is None or high is None:
            return sa.false()  # [GT]: a None endpoint matches nothing
        low, high = sorted([self.filter_value(field, low), self.filter_value(field, high)])
        return self.value_column(field, table).between(low, high)

    def filter_not_between(
        self, field: Field, table: FromClause, values: list[Any], store: Store
    ) -> Condition:
        column = self.value_column(field, table)
        return or_null(column, sa.not_(self.filter_between(field, table, values, store)))
