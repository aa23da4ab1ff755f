"""Text-like data types: text, list, status_list, entity_type, color, uuid, footage.

ShotGrid compares text and choice values case-insensitively and stores `""` (and whitespace-only
text) as null, so `is ""` matches empty rows (reference/data-model.md §2.3). entity_type and color
compare case-sensitively.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from callsheet.faults import FilterFault, ValueFault
from callsheet.schema.data_types import EQUALITY_OPERATORS, TEXT_OPERATORS
from callsheet.schema.model import Field
from callsheet.store.dialects import fold_case
from callsheet.store.kinds.base import ScalarKind, SqlCondition, one_value, register

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.scope import ReadScope
    from callsheet.store.store import Store


def _text(field: Field, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueFault(
            f"{field.qualified_name} is a '{field.data_type}' field and expects a string, "
            f"got {type(value).__name__} {value!r}."
        )
    if "\x00" in value:
        raise ValueFault(f"{field.qualified_name} cannot hold a NUL character: {value[:80]!r}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueFault(
            f"{field.qualified_name} is not valid Unicode text (a lone surrogate): {value[:80]!r}."
        ) from None
    value = value.strip()
    return value or None


# The status summaries' words (reference/data-model.md §3.6): a final status, and the status a
# mixed group rolls up to.
FINAL_STATUS = "fin"
MIXED_STATUS = "ip"

# Colour names ShotGrid accepts besides "r,g,b" (and "pipeline_step" on Tasks).
LEGACY_COLOR_NAMES = frozenset(
    {"blue", "orange", "pink", "red", "green", "purple", "grey", "black"}
)
_RGB = re.compile(r"^\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*$")


def _check_color(field: Field, text: str) -> None:
    match = _RGB.match(text)
    if match and all(int(part) <= 255 for part in match.groups()):
        return
    if text == "pipeline_step" and field.entity_type == "Task":
        return
    if text.lower() in LEGACY_COLOR_NAMES:
        return
    raise ValueFault(
        f"{field.qualified_name} expects a colour as 'r,g,b' (0-255)"
        + (", 'pipeline_step'" if field.entity_type == "Task" else "")
        + f" or one of {sorted(LEGACY_COLOR_NAMES)}, got {text!r}."
    )


class TextKind(ScalarKind):
    data_types = ("text",)
    operators = TEXT_OPERATORS
    sql_type = sa.Text
    name_indexed = True  # codes, statuses, logins: what studios filter on most
    compared_folded = True
    groupings = ("exact", "firstletter")

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        return _text(field, value)

    def compared(
        self, column: ColumnElement[Any], values: list[Any]
    ) -> tuple[ColumnElement[Any], list[Any]]:
        return fold_case(column, *values), values

    def compare_value(self, field: Field, value: Any) -> Any:
        text = _text_filter(field, value)
        return None if text is None else text.lower()

    def _like(
        self, field: Field, table: FromClause, operator: str, values: list[Any]
    ) -> tuple[ColumnElement[Any], str | None]:
        column = self.value_column(field, table)
        return column, _text_filter(field, one_value(field, operator, values))

    def group_firstletter(self, field: Field, owner: FromClause, store: Store) -> list[Any]:
        return [sa.func.upper(sa.func.substr(self.value_column(field, owner), 1, 1))]

    def filter_contains(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        column, text = self._like(field, table, "contains", values)
        if text is None:
            return column.is_not(None)  # `contains ""` means "has any value" [GT]
        return fold_case(column, text).contains(text.lower(), autoescape=True)

    def filter_starts_with(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        column, text = self._like(field, table, "starts_with", values)
        if text is None:
            return column.is_not(None)
        return fold_case(column, text).startswith(text.lower(), autoescape=True)

    def filter_ends_with(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        column, text = self._like(field, table, "ends_with", values)
        if text is None:
            return column.is_not(None)
        return fold_case(column, text).endswith(text.lower(), autoescape=True)


def _text_filter(field: Field, value: Any) -> str | None:
    """A filter value for a text-like field: strings only, `""` meaning empty."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FilterFault(
            f"API read() {field.qualified_name} expects a string filter value, got {value!r}."
        )
    text = str(value).strip()
    return text or None


class ChoiceKind(TextKind):
    """list and status_list: one value out of `valid_values` (checked case-sensitively on write)."""

    data_types = ("list", "status_list")
    operators = EQUALITY_OPERATORS
    compared_folded = False  # valid values are compared as stored (compare_value below)
    groupings = ("exact",)

    summaries = (
        "record_count",
        "count",
        "status_list",
        "status_percentage",
        "status_percentage_as_float",
    )

    def summary_status_list(
        self, field: Field, owner: FromClause, table: FromClause, store: Store, scope: ReadScope
    ) -> Any:
        # One status when every row agrees, ShotGrid's "in progress" for any mix.
        column = self.value_column(field, owner)
        return sa.case(
            (sa.func.count(sa.distinct(column)) > 1, MIXED_STATUS), else_=sa.func.min(column)
        )

    def summary_status_percentage(
        self, field: Field, owner: FromClause, table: FromClause, store: Store, scope: ReadScope
    ) -> Any:
        """The share of rows whose status is final ("fin"), in percent."""
        final = self.value_column(field, owner) == FINAL_STATUS
        return (
            sa.func.sum(sa.case((final, 1), else_=0))
            * 100.0
            / sa.func.nullif(sa.func.count(table.c.id), 0)
        )

    summary_status_percentage_as_float = summary_status_percentage

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        text = _text(field, value)
        valid = field.valid_values
        if text is not None and valid and text not in valid:
            raise ValueFault(
                f"{field.qualified_name} value {text!r} is not in the list of valid values: "
                f"{list(valid)}."
            )
        return text

    # Writes only store valid values, spelled as the schema spells them, so a filter value that
    # matches a valid value case-insensitively can compare the column as it is: an index lookup
    # instead of lower() on every row.
    def compare_value(self, field: Field, value: Any) -> Any:
        text = _text_filter(field, value)
        if text is None:
            return None
        folded = text.lower()
        for valid in field.valid_values:
            if valid.lower() == folded:
                return _ValidValue(valid)
        return folded

    def compared(
        self, column: ColumnElement[Any], values: list[Any]
    ) -> tuple[ColumnElement[Any], list[Any]]:
        if all(isinstance(v, _ValidValue) for v in values):
            return column, [str(v) for v in values]
        return fold_case(column, *values), [v.lower() for v in values]


class _ValidValue(str):
    """A filter value spelled exactly as one of the field's valid values."""

    __slots__ = ()


class ExactTextKind(TextKind):
    """Text compared case-sensitively (entity_type, color)."""

    data_types = ("entity_type", "color")
    operators = EQUALITY_OPERATORS

    def compared(
        self, column: ColumnElement[Any], values: list[Any]
    ) -> tuple[ColumnElement[Any], list[Any]]:
        return column, values

    def compare_value(self, field: Field, value: Any) -> Any:
        return _text_filter(field, value)

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        text = _text(field, value)
        is_type_name = field.data_type == "entity_type" and store is not None
        if text is not None and is_type_name and text not in store.schema:
            raise ValueFault(f"{field.qualified_name} expects an entity type name, got {text!r}.")
        if text is not None and field.data_type == "color":
            _check_color(field, text)
        return text


_UUID_NOISE = re.compile(r"[{}\-\s]")


class UuidKind(TextKind):
    data_types = ("uuid",)
    operators = EQUALITY_OPERATORS
    summaries: ClassVar[tuple[str, ...]] = ("record_count", "count")

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        text = _text(field, value)
        if text is None:
            return None
        try:
            return str(uuid.UUID(hex=_UUID_NOISE.sub("", text)))
        except ValueError:
            raise ValueFault(f"{field.qualified_name} expects a UUID, got {value!r}.") from None

    def compared(
        self, column: ColumnElement[Any], values: list[Any]
    ) -> tuple[ColumnElement[Any], list[Any]]:
        return column, values

    def compare_value(self, field: Field, value: Any) -> Any:
        try:
            return self.to_stored(field, value, None)  # type: ignore[arg-type]
        except ValueFault as fault:
            raise FilterFault(f"API read() invalid filter value: {fault.message}") from None

    def generated_value(self, field: Field) -> str | None:
        """Server-generated on create: a fresh UUID for `uuid` fields (not session ids)."""
        return str(uuid.uuid4()) if field.name == "uuid" else None


_FOOTAGE = re.compile(r"^\d+-\d+$")


class FootageKind(TextKind):
    data_types = ("footage",)
    operators = EQUALITY_OPERATORS

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        text = _text(field, value)
        if text is not None and not _FOOTAGE.match(text):
            raise ValueFault(f"{field.qualified_name} expects footage as 'FF-ff', got {value!r}.")
        return text


register(TextKind())
register(ChoiceKind())
register(ExactTextKind())
register(UuidKind())
register(FootageKind())
