"""Pivot columns (`step_<n>` on Shot, Asset, ...): the web page's per-Step Task roll-ups.

ShotGrid's API has no value for them (python-api docs: "Pipeline Step summary fields ... not
available via the API"), and a live site answers every route its own way
(ksallee/sg-groundtruth `corpus/findings/field_types/pivot_column.md`, 2026): a read gives
`None` on every row, a write is refused as read-only, a filter on either relation it lists
(`is`, `is_not`) is refused with "API read() of data type 'pivot_column' not supported in API",
and a sort fails the whole read ("Read failed for entity type [Shot]"). Callsheet answers the
same, naming the field; grouping or summarizing on one (a 500 on ShotGrid) is a clear Fault.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from callsheet.faults import FilterFault, SchemaFault
from callsheet.schema.model import Field
from callsheet.store.kinds.base import FieldKind, SqlCondition, register

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.scope import ReadScope
    from callsheet.store.store import Store

# What ShotGrid lists as valid relations for a pivot column, then refuses when used. None are
# accepted (schema/data_types.py gives the type no operators); these get ShotGrid's own answer.
LISTED_RELATIONS = ("is", "is_not")


class PivotColumnKind(FieldKind):
    data_types = ("pivot_column",)
    sortable = False
    writable = False
    summaries = ()
    groupings = ()

    def select_columns(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> list[Any]:
        return []

    def from_columns(self, field: Field, values: Any) -> None:
        return None

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
        if operator in LISTED_RELATIONS:
            raise FilterFault(
                f"API read() of data type 'pivot_column' not supported in API: "
                f"{field.qualified_name} (a pivot column) cannot be used in a filter."
            )
        raise FilterFault(
            f"API read() {field.qualified_name}'s 'pivot_column' data type doesn't support "
            f"'{operator}' relation. Valid relations: {list(LISTED_RELATIONS)}"
        )

    def sort_columns(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> list[Any]:
        raise FilterFault(
            f"Read failed for entity type [{field.entity_type}]: {field.qualified_name} is a "
            "pivot column, which cannot be used in a sort."
        )


register(PivotColumnKind())
