"""Calculated fields (data type `calculated`): a formula over the row, computed in SQL when read.

The formula (`properties.calculated_function`) is parsed and type-checked by
callsheet.schema.formulas; this module compiles the checked tree to one SQLAlchemy expression
over the owning row, and `ComputedKind` hands it to the kind of the output type
(`properties.renderer`), which reads, filters, sorts and summarizes it like a stored column.

Null rules (docs/schema.md): arithmetic, comparisons and functions of a null are null, except
CONCAT (a null joins as ""), ISNULL and IF (a null condition takes the "else" value); division by
zero is null (sg-groundtruth: ShotGrid reads null where the divisor is 0). A linked field reads
null when the link is empty, retired, or to a row the reader may not see.
"""

from __future__ import annotations

import contextvars
import functools
import operator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from callsheet.faults import SchemaFault
from callsheet.schema import formulas as fm
from callsheet.schema.model import Field
from callsheet.store import dialects
from callsheet.store.kinds.base import kind_of, register
from callsheet.store.kinds.computed import ComputedKind

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.schema.model import Schema
    from callsheet.store.scope import ReadScope
    from callsheet.store.store import Store

# TO_DAYS turns duration minutes into days of ShotGrid's default 8-hour working day (a Task's
# 600-minute duration groups as "1.25 days" on a live site, sg-groundtruth calculated.md).
MINUTES_PER_DAY = 8 * 60
MINUTES_PER_HOUR = 60

# SQL types of the formula value types: integers are 64-bit so that products of 32-bit number
# fields do not overflow on PostgreSQL.
SQL_TYPES: dict[str, Any] = {
    fm.NUMBER: sa.BigInteger(),
    fm.FLOAT: sa.Float(),
    fm.TEXT: sa.Text(),
    fm.DATE: sa.Date(),
    fm.DATE_TIME: sa.DateTime(),
    fm.BOOLEAN: sa.Boolean(),
    fm.NULL: sa.Text(),
}
DISPLAY_TEXT: dict[str, type[dialects.DisplayText]] = {
    fm.NUMBER: dialects.NumberText,
    fm.FLOAT: dialects.FloatText,
    fm.DATE_TIME: dialects.DateTimeText,
    fm.DATE: dialects.DisplayText,
}
SQL_OPERATORS: dict[str, Any] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
DATE_PARTS = {"YEAR": dialects.YearOf, "MONTH": dialects.MonthOf, "DAY": dialects.DayOf}


# The calculated fields whose formulas are being compiled, innermost last (a formula may use
# another calculated field, whose formula is compiled inside it).
_COMPILING: contextvars.ContextVar[frozenset[tuple[str, str]]] = contextvars.ContextVar(
    "callsheet_compiling_formulas", default=frozenset()
)


def formula_value_type(field: Field) -> str | None:
    """The formula type of any field's value: stored types by data type, computed fields (query
    and calculated) by the type of the value their kind computes."""
    kind = kind_of(field)
    if isinstance(kind, ComputedKind):
        try:
            result = kind.result_field(field)
        except SchemaFault:
            return None
        return fm.stored_value_type(result)
    return fm.stored_value_type(field)


def check_definition(schema: Schema, entity_type: str, formula: Any, output_type: Any) -> Any:
    """The checked formula of a new or stored field (FormulaFault names the mistake)."""
    return fm.check_formula(schema, entity_type, formula, output_type, formula_value_type)


class CalculatedKind(ComputedKind):
    data_types = ("calculated",)

    def result_field(self, field: Field) -> Field:
        # An unknown renderer (a site's newer output type) reads as text.
        renderer = str(field.properties.get("renderer") or "text")
        data_type = fm.OUTPUT_TYPES.get(renderer, fm.OUTPUT_TYPES["text"])[0]
        return field.with_changes(data_type=data_type, properties={})

    def expressions(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> dict[str, ColumnElement[Any]]:
        output = self.result_field(field).data_type
        try:
            checked = check_definition(
                store.schema,
                field.entity_type,
                field.properties.get("calculated_function"),
                field.properties.get("renderer"),
            )
        except SchemaFault:
            # A formula this server cannot compute (one imported from a site using a function
            # Callsheet lacks, or one whose field was since deleted) reads null rather than
            # failing every read of the entity type.
            return {field.name: sa.null()}
        key = (field.entity_type, field.name)
        compiling = _COMPILING.get()
        if key in compiling:
            # Formulas that use each other in a circle (possible only when a field they use was
            # deleted and made again with the same name) have no value.
            return {field.name: sa.null()}
        token = _COMPILING.set(compiling | {key})
        try:
            value = FormulaCompiler(table, store, scope).compile(checked.tree)
        finally:
            _COMPILING.reset(token)
        return {field.name: _as_output(value, checked.tree.type, output)}

    def checked_definition(self, store: Store, field: Field, definition: Any) -> dict[str, Any]:
        if not isinstance(definition, dict) or "formula" not in definition:
            raise SchemaFault(
                'A calculated field\'s definition is {"formula": "...", "output_type": "..."}; '
                f"got {definition!r}."
            )
        unknown = sorted(set(definition) - {"formula", "output_type"})
        if unknown:
            raise SchemaFault(f"Unknown keys in a calculated field's definition: {unknown}.")
        checked = check_definition(
            store.schema, field.entity_type, definition["formula"], definition.get("output_type")
        )
        # ShotGrid's shape (sg-groundtruth calculated.md): the formula and the output type.
        return {
            "calculated_function": definition["formula"].strip(),
            "renderer": checked.output_type,
        }


def _as_output(value: ColumnElement[Any], value_type: str, output: str) -> ColumnElement[Any]:
    """The formula's value as the output type's kind reads it."""
    if output == "text":
        return sa.type_coerce(text_of(value, value_type), sa.Text())
    if output in ("float", "currency"):
        return sa.type_coerce(sa.cast(value, sa.Float()), sa.Float())
    if output == "date_time" and value_type == fm.DATE:
        return dialects.DateTimeOf(value)
    if output == "checkbox":
        return sa.type_coerce(value, sa.Boolean())
    sql_types: dict[str, Any] = {"date": sa.Date(), "date_time": sa.DateTime()}
    return sa.type_coerce(value, sql_types.get(output, sa.BigInteger()))


def text_of(value: ColumnElement[Any], value_type: str) -> ColumnElement[Any]:
    """A value as text, null staying null."""
    if value_type in (fm.TEXT, fm.NULL):
        return value
    if value_type == fm.BOOLEAN:
        return sa.case((value.is_(None), sa.null()), (value, "true"), else_="false")
    text = DISPLAY_TEXT[value_type](value)
    return sa.case((value.is_(None), sa.null()), else_=text)


def _is_null(value: ColumnElement[Any]) -> ColumnElement[bool]:
    return value.is_(None)


class FormulaCompiler:
    """A checked formula tree as SQL over the row of `table`, as `scope`'s reader sees links."""

    def __init__(self, table: FromClause, store: Store, scope: ReadScope) -> None:
        self.table = table
        self.store = store
        self.scope = scope

    def compile(self, node: fm.Node) -> ColumnElement[Any]:
        method = getattr(self, f"visit_{type(node).__name__.lower()}")
        return method(node)  # type: ignore[no-any-return]

    def typed(self, node: fm.Node, as_type: str | None = None) -> ColumnElement[Any]:
        """The node's value cast to the SQL type of `as_type` (its own type by default)."""
        value = self.compile(node)
        wanted = as_type or node.type
        if node.type == fm.NULL:
            return sa.null()
        if wanted in (fm.NUMBER, fm.FLOAT) and (
            node.type != wanted or isinstance(node, fm.FieldRef)
        ):
            return sa.cast(value, SQL_TYPES[wanted])
        return value

    # -- leaves --------------------------------------------------------------------------------
    def visit_literal(self, node: fm.Literal) -> ColumnElement[Any]:
        if node.value is None:
            return sa.null()
        if isinstance(node.value, bool):
            return sa.true() if node.value else sa.false()
        return sa.literal(node.value, SQL_TYPES[node.type])

    def visit_fieldref(self, node: fm.FieldRef) -> ColumnElement[Any]:
        *links, final = node.fields
        if not links:
            return self._value(final, self.table)
        # A linked field: a correlated scalar subquery along the links, each hop to a live row of
        # the link's type that the reader may see (else the value is null).
        owner: Any = self.table
        joined: Any = None
        conditions: list[Any] = []
        for link, target_type in zip(links, node.path[1::2], strict=True):
            link_kind = kind_of(link)
            target = self.store.table(target_type).alias()
            on = sa.and_(
                link_kind.type_column(link, owner) == target_type,
                link_kind.value_column(link, owner) == target.c.id,
                target.c._retired_at.is_(None),
                *self.scope.rows(target_type, target),
            )
            if joined is None:
                joined = target
                conditions.append(on)
            else:
                joined = joined.join(target, on)
            owner = target
        value = self._value(final, owner)
        return sa.select(value).select_from(joined).where(*conditions).scalar_subquery()

    def _value(self, field: Field, table: Any) -> ColumnElement[Any]:
        columns = kind_of(field).select_columns(field, table, self.store, self.scope)
        if len(columns) != 1:
            raise SchemaFault(f"{field.qualified_name} has no single value a formula can use.")
        return columns[0]

    # -- operators -----------------------------------------------------------------------------
    def visit_unary(self, node: fm.Unary) -> ColumnElement[Any]:
        return -self.typed(node.operand, node.type)  # type: ignore[arg-type]

    def visit_binary(self, node: fm.Binary) -> ColumnElement[Any]:
        left, right = node.left, node.right
        assert left is not None and right is not None
        op = node.operator
        if op == "/":
            divisor = self.typed(right, fm.FLOAT)
            return self.typed(left, fm.FLOAT) / sa.func.nullif(divisor, 0.0)
        if op in ("+", "-", "*"):
            return SQL_OPERATORS[op](self.typed(left, node.type), self.typed(right, node.type))
        shared = fm.FLOAT if {left.type, right.type} == {fm.NUMBER, fm.FLOAT} else None
        return SQL_OPERATORS[op](self.typed(left, shared), self.typed(right, shared))

    def visit_call(self, node: fm.Call) -> ColumnElement[Any]:
        method = getattr(self, f"call_{node.name.lower()}")
        return method(node)  # type: ignore[no-any-return]

    # -- string functions ----------------------------------------------------------------------
    def call_concat(self, node: fm.Call) -> ColumnElement[Any]:
        parts: list[ColumnElement[Any]] = [
            sa.func.coalesce(text_of(self.compile(a), a.type), "") for a in node.args
        ]
        joined = functools.reduce(lambda a, b: a.op("||")(b), parts)
        return sa.type_coerce(joined, sa.Text())

    def call_upper(self, node: fm.Call) -> ColumnElement[Any]:
        return dialects.UnicodeUpper(self.compile(node.args[0]))

    def call_lower(self, node: fm.Call) -> ColumnElement[Any]:
        return dialects.UnicodeLower(self.compile(node.args[0]))

    def call_trim(self, node: fm.Call) -> ColumnElement[Any]:
        return sa.func.trim(self.compile(node.args[0]), type_=sa.Text())

    def call_len(self, node: fm.Call) -> ColumnElement[Any]:
        return sa.func.length(self.compile(node.args[0]), type_=sa.BigInteger())

    def _count(self, node: fm.Node) -> ColumnElement[Any]:
        return sa.cast(self.compile(node), sa.Integer())  # substr() takes 32-bit counts

    def call_left(self, node: fm.Call) -> ColumnElement[Any]:
        text, count = self.compile(node.args[0]), self._count(node.args[1])
        return sa.case((count <= 0, ""), else_=sa.func.substr(text, 1, count, type_=sa.Text()))

    def call_right(self, node: fm.Call) -> ColumnElement[Any]:
        text, count = self.compile(node.args[0]), self._count(node.args[1])
        length = sa.func.length(text)
        return sa.case(
            (count <= 0, ""),
            (count >= length, text),
            else_=sa.func.substr(text, length - count + 1, type_=sa.Text()),
        )

    def call_mid(self, node: fm.Call) -> ColumnElement[Any]:
        # MID(text, start, count): `count` characters from position `start` (1 is the first).
        text = self.compile(node.args[0])
        start, count = self._count(node.args[1]), self._count(node.args[2])
        return sa.case(
            (sa.or_(start < 1, count < 0), sa.null()),
            else_=sa.func.substr(text, start, count, type_=sa.Text()),
        )

    def call_substitute(self, node: fm.Call) -> ColumnElement[Any]:
        text, old, new = (self.compile(a) for a in node.args)
        return sa.func.replace(text, old, new, type_=sa.Text())

    # -- math ----------------------------------------------------------------------------------
    def call_abs(self, node: fm.Call) -> ColumnElement[Any]:
        return sa.func.abs(self.typed(node.args[0], node.type), type_=SQL_TYPES[node.type])

    def call_round(self, node: fm.Call) -> ColumnElement[Any]:
        # Through NUMERIC: PostgreSQL has no round(double, int), and its round(double) rounds
        # halves to even where SQLite (and ShotGrid's 2.5 -> 3) round them away from zero.
        number = sa.cast(self.compile(node.args[0]), sa.Numeric())
        if len(node.args) == 1:
            return sa.cast(sa.func.round(number), sa.BigInteger())
        places = sa.cast(self.compile(node.args[1]), sa.Integer())
        return sa.cast(sa.func.round(number, places), sa.Float())

    def _floor(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        # SQLAlchemy's SQLite floor() is a Python function that fails on NULL (numbers.py).
        return sa.case(
            (value.is_(None), sa.null()),
            else_=sa.cast(sa.func.floor(sa.cast(value, sa.Float())), sa.BigInteger()),
        )

    def call_floor(self, node: fm.Call) -> ColumnElement[Any]:
        return self._floor(self.compile(node.args[0]))

    def call_ceiling(self, node: fm.Call) -> ColumnElement[Any]:
        return -self._floor(-sa.cast(self.compile(node.args[0]), sa.Float()))

    call_ceil = call_ceiling

    def _extreme(self, node: fm.Call, pick_first: Any) -> ColumnElement[Any]:
        # Nested CASEs rather than min()/LEAST(): SQLite's scalar min() is null when any value is
        # and PostgreSQL's LEAST() skips nulls; a formula is null when a value is.
        values = [self.typed(a, node.type) for a in node.args]
        result = values[0]
        for value in values[1:]:
            result = sa.case(
                (sa.or_(result.is_(None), value.is_(None)), sa.null()),
                (pick_first(result, value), result),
                else_=value,
            )
        return result

    def call_min(self, node: fm.Call) -> ColumnElement[Any]:
        return self._extreme(node, lambda a, b: a <= b)

    def call_max(self, node: fm.Call) -> ColumnElement[Any]:
        return self._extreme(node, lambda a, b: a >= b)

    # -- dates ---------------------------------------------------------------------------------
    def call_today(self, node: fm.Call) -> ColumnElement[Any]:
        return dialects.UtcToday()

    def call_now(self, node: fm.Call) -> ColumnElement[Any]:
        return dialects.UtcNow()

    def _date_part(self, node: fm.Call) -> ColumnElement[Any]:
        return sa.cast(DATE_PARTS[node.name](self.compile(node.args[0])), sa.BigInteger())

    call_year = call_month = call_day = _date_part

    def call_dateadd(self, node: fm.Call) -> ColumnElement[Any]:
        value, amount, unit = node.args
        minutes = fm.DATE_UNITS_MINUTES[unit.value.lower()]  # type: ignore[attr-defined]
        compiled, count = self.compile(value), self.compile(amount)
        if node.type == fm.DATE:
            return dialects.AddDays(compiled, count * (minutes // 1440))
        return dialects.AddMinutes(compiled, count * minutes)

    def call_datediff(self, node: fm.Call) -> ColumnElement[Any]:
        start, end = (self.compile(a) for a in node.args)
        return sa.cast(dialects.DayDifference(start, end), sa.BigInteger())

    # -- type conversion -----------------------------------------------------------------------
    def call_to_days(self, node: fm.Call) -> ColumnElement[Any]:
        return self.typed(node.args[0], fm.FLOAT) / float(MINUTES_PER_DAY)

    def call_to_hours(self, node: fm.Call) -> ColumnElement[Any]:
        return self.typed(node.args[0], fm.FLOAT) / float(MINUTES_PER_HOUR)

    # -- logic ---------------------------------------------------------------------------------
    def call_if(self, node: fm.Call) -> ColumnElement[Any]:
        condition, then, otherwise = node.args
        return sa.case(
            (self.compile(condition), self.typed(then, node.type)),
            else_=self.typed(otherwise, node.type),
        )

    def call_and(self, node: fm.Call) -> ColumnElement[Any]:
        return sa.and_(*(self.compile(a) for a in node.args))

    def call_or(self, node: fm.Call) -> ColumnElement[Any]:
        return sa.or_(*(self.compile(a) for a in node.args))

    def call_not(self, node: fm.Call) -> ColumnElement[Any]:
        return sa.not_(self.compile(node.args[0]))

    def call_isnull(self, node: fm.Call) -> ColumnElement[Any]:
        return _is_null(self.compile(node.args[0]))


register(CalculatedKind())
