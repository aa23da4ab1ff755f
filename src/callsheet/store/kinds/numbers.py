"""Numeric data types: number, duration, percent, timecode (32-bit ints); float, currency."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from callsheet.faults import ValueFault
from callsheet.schema.data_types import NUMERIC_OPERATORS
from callsheet.schema.model import Field
from callsheet.store.kinds.base import ScalarKind, register

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.scope import ReadScope
    from callsheet.store.store import Store

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
FLOAT_LIMIT = 999_999_999_999_999.0
NUMERIC_SUMMARIES = ("record_count", "count", "sum", "maximum", "minimum", "average")
NUMERIC_GROUPINGS = (
    "exact",
    "tens",
    "hundreds",
    "thousands",
    "tensofthousands",
    "hundredsofthousands",
    "millions",
)


BUCKET_SIZES = {
    "tens": 10,
    "hundreds": 100,
    "thousands": 1_000,
    "tensofthousands": 10_000,
    "hundredsofthousands": 100_000,
    "millions": 1_000_000,
}


class NumericKind(ScalarKind):
    """Summaries and bucket groupings shared by integer and float data types."""

    operators = NUMERIC_OPERATORS
    summaries = NUMERIC_SUMMARIES
    groupings = NUMERIC_GROUPINGS

    def summary_sum(
        self, field: Field, owner: FromClause, table: FromClause, store: Store, scope: ReadScope
    ) -> ColumnElement[Any]:
        return sa.func.sum(self.value_column(field, owner))

    def summary_maximum(
        self, field: Field, owner: FromClause, table: FromClause, store: Store, scope: ReadScope
    ) -> ColumnElement[Any]:
        return sa.func.max(self.value_column(field, owner))

    def summary_minimum(
        self, field: Field, owner: FromClause, table: FromClause, store: Store, scope: ReadScope
    ) -> ColumnElement[Any]:
        return sa.func.min(self.value_column(field, owner))

    def summary_average(
        self, field: Field, owner: FromClause, table: FromClause, store: Store, scope: ReadScope
    ) -> ColumnElement[Any]:
        return sa.func.avg(self.value_column(field, owner))

    def _bucket(self, field: Field, owner: FromClause, size: int) -> list[ColumnElement[Any]]:
        # Only rows with a value get a bucket: SQLAlchemy's SQLite floor() is a Python function
        # that fails on NULL.
        column = self.value_column(field, owner)
        bucket = sa.cast(sa.func.floor(column / size) * size, sa.Integer)
        return [sa.case((column.is_(None), sa.null()), else_=bucket)]

    def group_tens(self, field: Field, owner: FromClause, store: Store) -> list[Any]:
        return self._bucket(field, owner, BUCKET_SIZES["tens"])

    def group_hundreds(self, field: Field, owner: FromClause, store: Store) -> list[Any]:
        return self._bucket(field, owner, BUCKET_SIZES["hundreds"])

    def group_thousands(self, field: Field, owner: FromClause, store: Store) -> list[Any]:
        return self._bucket(field, owner, BUCKET_SIZES["thousands"])

    def group_tensofthousands(self, field: Field, owner: FromClause, store: Store) -> list[Any]:
        return self._bucket(field, owner, BUCKET_SIZES["tensofthousands"])

    def group_hundredsofthousands(self, field: Field, owner: FromClause, store: Store) -> list[Any]:
        return self._bucket(field, owner, BUCKET_SIZES["hundredsofthousands"])

    def group_millions(self, field: Field, owner: FromClause, store: Store) -> list[Any]:
        return self._bucket(field, owner, BUCKET_SIZES["millions"])


class IntegerKind(NumericKind):
    data_types = ("number", "integer", "duration", "percent", "timecode")
    sql_type = sa.Integer

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueFault(
                f"{field.qualified_name} is a '{field.data_type}' field and expects an integer, "
                f"got {type(value).__name__} {value!r}."
            )
        if not INT32_MIN <= value <= INT32_MAX:
            raise ValueFault(
                f"{field.qualified_name} value {value} is outside {INT32_MIN}..{INT32_MAX}."
            )
        return value


class FloatKind(NumericKind):
    data_types = ("float", "currency")
    sql_type = sa.Float

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueFault(
                f"{field.qualified_name} is a '{field.data_type}' field and expects a number, "
                f"got {type(value).__name__} {value!r}."
            )
        try:
            number = float(value)
        except OverflowError:
            raise ValueFault(f"{field.qualified_name} value {value!r} is out of range.") from None
        if number != number or abs(number) > FLOAT_LIMIT:  # NaN or out of range
            raise ValueFault(f"{field.qualified_name} value {value!r} is out of range.")
        return round(number, 6)

    def summary_value(self, field: Field, summary_type: str, value: Any) -> Any:
        if summary_type == "sum" and value is not None:
            return float(value)  # PostgreSQL sums floats as double precision, SQLite as REAL
        return super().summary_value(field, summary_type, value)


register(IntegerKind())
register(FloatKind())
