"""checkbox: never null; an unset checkbox reads False."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from callsheet.faults import FilterFault, ValueFault
from callsheet.schema.data_types import FLAG_OPERATORS
from callsheet.schema.model import Field
from callsheet.store.kinds.base import ScalarKind, SqlCondition, one_value, register

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.scope import ReadScope
    from callsheet.store.store import Store


class CheckboxKind(ScalarKind):
    data_types = ("checkbox",)
    operators = FLAG_OPERATORS
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

    def summary_checked(
        self, field: Field, owner: FromClause, table: FromClause, store: Store, scope: ReadScope
    ) -> Any:
        return sa.func.sum(sa.case((self.value_column(field, owner).is_(sa.true()), 1), else_=0))

    def summary_unchecked(
        self, field: Field, owner: FromClause, table: FromClause, store: Store, scope: ReadScope
    ) -> Any:
        return sa.func.sum(sa.case((self.value_column(field, owner).is_(sa.true()), 0), else_=1))

    def summary_percentage(
        self, field: Field, owner: FromClause, table: FromClause, store: Store, scope: ReadScope
    ) -> Any:
        """The share of checked rows, in percent."""
        checked = self.value_column(field, owner).is_(sa.true())
        return (
            sa.func.sum(sa.case((checked, 1), else_=0))
            * 100.0
            / sa.func.nullif(sa.func.count(table.c.id), 0)
        )

    def group_label(
        self, field: Field, grouping_type: str, key: Any, names: Any
    ) -> tuple[str, Any]:
        name, value = super().group_label(field, grouping_type, key, names)
        if isinstance(value, bool):
            return ("Yes" if value else "No"), value
        return name, value

    def filter_is(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        column = self.value_column(field, table)
        return (
            column.is_(sa.true()) if self._flag(field, "is", values) else column.is_not(sa.true())
        )


register(CheckboxKind())
