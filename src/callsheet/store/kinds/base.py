"""The contract every data-type family implements, and the registry that finds them.

A `FieldKind` owns everything about one family of ShotGrid data types: its columns, how a written
value is checked and stored, how a stored value is read back, which filter operators it accepts and
what SQL they become, how it sorts, summarizes and groups. Nothing else in Callsheet compares
`data_type == "..."`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from callsheet.faults import FilterFault, SchemaFault, ValueFault
from callsheet.schema.model import Field

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.scope import ReadScope
    from callsheet.store.store import Store

# A SQL boolean expression: what a filter compiles to.
SqlCondition = ColumnElement[bool]

# Every negative filter operator and its positive twin. A kind implements only the positive one
# (`filter_<positive>`); `FieldKind.condition` and deep filters (store/filters.py) negate it.
NEGATIVE_OPERATORS: dict[str, str] = {
    "is_not": "is",
    "not_in": "in",
    "not_contains": "contains",
    "type_is_not": "type_is",
    "name_not_contains": "name_contains",
    "not_between": "between",
    "not_in_last": "in_last",
    "not_in_next": "in_next",
}


class FieldKind:
    """How one family of ShotGrid data types is stored, read, written and filtered."""

    data_types: ClassVar[tuple[str, ...]] = ()
    # Filter operators this family accepts; each maps to a `filter_<operator>` method unless the
    # family overrides `condition` wholesale.
    operators: ClassVar[tuple[str, ...]] = ()
    sortable: ClassVar[bool] = True
    writable: ClassVar[bool] = True
    # Kinds whose values live in a table of their own (tag_list), written by `write`.
    side_loaded: ClassVar[bool] = False
    # Kinds whose values are read apart from the entity row (tags, lists of links): `load` reads
    # them for a whole page of owner ids with one query per field.
    read_apart: ClassVar[bool] = False
    # Text worth an index when the field's name is one studios filter on (store.py).
    name_indexed: ClassVar[bool] = False
    # Equality filters compare lower(column) (case-insensitive text): such an indexed field also
    # gets an index on lower(column) (store/indexes.py).
    compared_folded: ClassVar[bool] = False
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
    def select_columns(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> list[ColumnElement[Any]]:
        """The columns a read by `scope`'s reader selects for this field: stored kinds name their
        columns, computed kinds (computed.py) give SQL expressions over other rows."""
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
        self,
        field: Field,
        table: FromClause,
        operator: str,
        values: list[Any],
        store: Store,
        scope: ReadScope,
    ) -> SqlCondition:
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
        positive = NEGATIVE_OPERATORS.get(operator)
        if positive is None:
            method: Callable[..., SqlCondition] = getattr(self, f"filter_{operator}")
            return method(field, table, values, store, scope)
        # A negative operator matches exactly the rows its positive twin does not, rows whose
        # field is empty included (reference/data-model.md §2.3): one rule for every kind.
        try:
            return negate(self.condition(field, table, positive, values, store, scope))
        except FilterFault as fault:  # name the operator the caller wrote
            raise FilterFault(fault.message.replace(f"'{positive}'", f"'{operator}'", 1)) from None

    # -- sorting -----------------------------------------------------------------------------
    def sort_columns(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> list[ColumnElement[Any]]:
        """Expressions to ORDER BY; empty means the field does not sort (ignored, as ShotGrid)."""
        return [self.value_column(field, table)] if self.sortable else []

    # -- summaries (store/summaries.py) -------------------------------------------------------
    def summary_expression(
        self,
        field: Field,
        summary_type: str,
        owner: FromClause,
        table: FromClause,
        store: Store,
        scope: ReadScope,
    ) -> ColumnElement[Any]:
        """The aggregate for `{"field": field, "type": summary_type}` over the rows of `table`;
        the field's values are on `owner` (`table` itself, or the joined row of a deep field).

        Each summary type in `summaries` is a `summary_<type>` method; `record_count` counts the
        rows themselves and is the summarizer's, not the field's.
        """
        if summary_type not in self.summaries or summary_type == "record_count":
            valid = ["record_count", *(s for s in self.summaries if s != "record_count")]
            raise FilterFault(
                f"API summarize() {field.qualified_name} of data type '{field.data_type}' "
                f"doesn't support summary type {summary_type!r}. Valid types: {valid}"
            )
        method: Callable[..., ColumnElement[Any]] = getattr(self, f"summary_{summary_type}")
        return method(field, owner, table, store, scope)

    def summary_count(
        self, field: Field, owner: FromClause, table: FromClause, store: Store, scope: ReadScope
    ) -> ColumnElement[Any]:
        return sa.func.count(self.value_column(field, owner))

    def summary_value(self, field: Field, summary_type: str, value: Any) -> Any:
        """The answer for one aggregate value (None: no rows had a value)."""
        return SUMMARY_VALUES.get(summary_type, _plain_summary)(self, field, value)

    def from_aggregate(self, field: Field, value: Any) -> Any:
        """An aggregated or grouped value in stored form (SQLite gives dates back as text)."""
        return value

    # -- groupings ----------------------------------------------------------------------------
    def grouping_types(self, field: Field) -> tuple[str, ...]:
        """The grouping types `field` accepts (a computed field's are its result type's)."""
        return self.groupings

    def group_key(
        self,
        field: Field,
        grouping_type: str,
        owner: FromClause,
        store: Store,
        scope: ReadScope,
    ) -> list[ColumnElement[Any]]:
        """The GROUP BY expressions of one grouping level, as `scope`'s reader sees them; a
        `group_<type>` method per type."""
        if grouping_type not in self.grouping_types(field):
            raise FilterFault(
                f"Grouping is not allowed for field {field.qualified_name} with type "
                f"{grouping_type!r}. Valid types: {list(self.grouping_types(field))}"
            )
        method: Callable[..., list[ColumnElement[Any]]] = getattr(self, f"group_{grouping_type}")
        return method(field, owner, store)

    def group_exact(
        self, field: Field, owner: FromClause, store: Store
    ) -> list[ColumnElement[Any]]:
        return [self.value_column(field, owner)]

    def group_link(self, field: Field, grouping_type: str, key: Sequence[Any]) -> Any:
        """The LinkRef a group key names, for kinds whose groups are entities (else None)."""
        return None

    def group_label(
        self, field: Field, grouping_type: str, key: Sequence[Any], names: Mapping[Any, Any]
    ) -> tuple[str, Any]:
        """`(group_name, group_value)` of one group; `names` holds the entity dicts of links."""
        if all(k is None for k in key):
            return "", None
        value = key[0]
        if grouping_type == "exact":
            value = self.from_columns(field, [self.from_aggregate(field, value)])
        return str(value), value

    # -- values kept outside the entity row (side_loaded kinds) -------------------------------
    def load(
        self, conn: Connection, store: Store, field: Field, owner_ids: Sequence[int]
    ) -> dict[int, Any]:
        """The values of `field` for each owner id, read from the kind's own table."""
        raise SchemaFault(
            f"{field.qualified_name} of data type '{field.data_type}' is not side-loaded."
        )

    def write(
        self, conn: Connection, store: Store, field: Field, owner_id: int, stored: Any
    ) -> None:
        """Replace the owner's values of `field` in the kind's own table."""
        raise SchemaFault(
            f"{field.qualified_name} of data type '{field.data_type}' is not side-loaded."
        )

    # -- links --------------------------------------------------------------------------------
    def type_column(self, field: Field, table: FromClause) -> ColumnElement[Any]:
        """The column naming the linked entity's type (single-entity links only)."""
        raise FilterFault(f"{field.qualified_name} of data type '{field.data_type}' is not a link.")

    def links_to(
        self, field: Field, table: FromClause, target_type: str, target_ids: Any, store: Store
    ) -> SqlCondition:
        """Rows of `table` whose `field` links to a `target_type` row among `target_ids`."""
        raise FilterFault(f"{field.qualified_name} of data type '{field.data_type}' is not a link.")

    def generated_value(self, field: Field) -> Any:
        """A value the server makes up on create when none is given (None: no such value)."""
        return None


def _count_value(kind: FieldKind, field: Field, value: Any) -> Any:
    return int(value or 0)


def _percent_value(kind: FieldKind, field: Field, value: Any) -> Any:
    return round(value) if value is not None else 0


def _float_percent_value(kind: FieldKind, field: Field, value: Any) -> Any:
    return float(value) if value is not None else 0.0


def _sum_value(kind: FieldKind, field: Field, value: Any) -> Any:
    return 0 if value is None else value


def _average_value(kind: FieldKind, field: Field, value: Any) -> Any:
    return None if value is None else float(value)


def _extreme_value(kind: FieldKind, field: Field, value: Any) -> Any:
    if value is None:
        return None
    return kind.from_columns(field, [kind.from_aggregate(field, value)])


def _plain_summary(kind: FieldKind, field: Field, value: Any) -> Any:
    return value


# How an aggregate becomes its answer, per summary type (reference/data-model.md §3.6): counts
# are never None, percentages of no rows are 0, earliest/latest read like the field itself.
SUMMARY_VALUES: dict[str, Callable[[FieldKind, Field, Any], Any]] = {
    "record_count": _count_value,
    "count": _count_value,
    "checked": _count_value,
    "unchecked": _count_value,
    "status_percentage": _percent_value,
    "percentage": _percent_value,
    "status_percentage_as_float": _float_percent_value,
    "sum": _sum_value,
    "average": _average_value,
    "earliest": _extreme_value,
    "latest": _extreme_value,
}


# Filled once at import by each kind module's register(): a function of the code, not of a site.
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


def negate(condition: SqlCondition) -> SqlCondition:
    """NOT `condition`, where an unknown (SQL NULL) outcome counts as "no match" first.

    A plain NOT keeps NULL as NULL, so a row whose link is empty would match neither a condition
    nor its negation; ShotGrid's negative operators match such rows (reference/data-model.md §2.3).
    """
    return sa.not_(sa.func.coalesce(condition, sa.false(), type_=sa.Boolean))


def or_null(column: ColumnElement[Any], condition: SqlCondition) -> SqlCondition:
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
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        column = self.value_column(field, table)
        value = one_value(field, "is", values)
        stored = None if value is None else self.compare_value(field, value)
        if stored is None:
            return column.is_(None)
        expression, (stored,) = self.compared(column, [stored])
        return expression == stored

    def filter_in(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        column = self.value_column(field, table)
        items = [
            None if v is None else self.compare_value(field, v)
            for v in value_list(field, "in", values)
        ]
        present = [v for v in items if v is not None]
        condition: SqlCondition
        if present:
            expression, present = self.compared(column, present)
            condition = expression.in_(present)
        else:
            condition = sa.false()
        return sa.or_(condition, column.is_(None)) if None in items else condition

    def filter_less_than(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        return self.value_column(field, table) < self.filter_value(
            field, one_value(field, "less_than", values)
        )

    def filter_greater_than(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        value = self.filter_value(field, one_value(field, "greater_than", values))
        return self.value_column(field, table) > value

    def filter_between(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        low, high = two_values(field, "between", values)
        if low is None or high is None:
            return sa.false()  # [GT]: a None endpoint matches nothing
        low, high = sorted([self.filter_value(field, low), self.filter_value(field, high)])
        return self.value_column(field, table).between(low, high)
