"""checkbox: never null; an unset checkbox reads False."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from callsheet.faults import FilterFault, ValueFault
from callsheet.schema.model import Field
from callsheet.store.kinds.base import Condition, ScalarKind, one_value, register

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.store import Store


class CheckboxKind(ScalarKind):
    data_types = ("checkbox",)
    operators = ("is", "is_not")
    summaries = ("record_count", "count", "checked", "unchecked", "percentage")

    def columns(self, field: Field) -> list[sa.Column[Any]]:
        return [sa.Column(field.name, sa.Boolean, nullable=False, server_default=sa.false())]

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        if not isinstance(value, bool):
            raise ValueFault(
                f"{field.qualified_name} is a checkbox and expects True or False, got {value!r}."
            )
        return value

    def empty_value(self, field: Field) -> Any:
        return False

    def from_columns(self, field: Field, values: Any) -> Any:
        return bool(values[0])

    def _flag(self, field: Field, operator: str, values: list[Any]) -> bool:
        value = one_value(field, operator, values)
        if not isinstance(value, bool):
            raise FilterFault(
                f"API read() {field.qualified_name} '{operator}' expects True or False, "
                f"got {value!r}."
            )
        return value

    def filter_is(
        self, field: Field, table: FromClause, values: list[Any], store: Store
    ) -> Condition:
        column = self.value_column(field, table)
        return (
            column.is_(sa.true()) if self._flag(field, "is", values) else column.is_not(sa.true())
        )

    def filter_is_not(
        self, field: Field, table: FromClause, values: list[Any], store: Store
    ) -> Condition:
        column = self.value_column(field, table)
        return (
            column.is_not(sa.true())
            if self._flag(field, "is_not", values)
            else column.is_(sa.true())
        )


register(CheckboxKind())
