"""Kinds with no stored value of their own: computed fields and secrets.

summary, pivot_column and calculated fields are computed by ShotGrid's web page and read-only
through the API; they read as None here. password fields are write-only: the stored form is a
hash and reads return ShotGrid's constant mask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from callsheet.faults import FilterFault, ValueFault
from callsheet.schema.data_types import FLAG_OPERATORS
from callsheet.schema.model import Field
from callsheet.store.kinds.base import FieldKind, SqlCondition, register

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.scope import ReadScope
    from callsheet.store.store import Store

PASSWORD_MASK = "*******"


class ComputedKind(FieldKind):
    data_types = ("summary", "calculated", "system_task_type")  # pivot_column: pivot.py
    sortable = False
    writable = False
    summaries = ()
    groupings = ()

    def select_columns(self, field: Field, table: FromClause) -> list[Any]:
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

    def sort_columns(self, field: Field, table: FromClause) -> list[Any]:
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


register(ComputedKind())
register(PasswordKind())
register(ImageKind())
