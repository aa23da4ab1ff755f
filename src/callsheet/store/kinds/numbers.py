"""Numeric data types: number, duration, percent, timecode (32-bit ints); float, currency."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from callsheet.faults import ValueFault
from callsheet.schema.model import Field
from callsheet.store.kinds.base import ScalarKind, register

if TYPE_CHECKING:
    from callsheet.store.store import Store

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
FLOAT_LIMIT = 999_999_999_999_999.0
NUMERIC_OPERATORS = (
    "is",
    "is_not",
    "less_than",
    "greater_than",
    "between",
    "not_between",
    "in",
    "not_in",
)
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


class IntegerKind(ScalarKind):
    data_types = ("number", "integer", "duration", "percent", "timecode")
    operators = NUMERIC_OPERATORS
    sql_type = sa.Integer
    summaries = NUMERIC_SUMMARIES
    groupings = NUMERIC_GROUPINGS

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


class FloatKind(ScalarKind):
    data_types = ("float", "currency")
    operators = NUMERIC_OPERATORS
    sql_type = sa.Float
    summaries = NUMERIC_SUMMARIES
    groupings = NUMERIC_GROUPINGS

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


register(IntegerKind())
register(FloatKind())
