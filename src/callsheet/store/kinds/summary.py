"""Query fields (data type `summary`): a roll-up of the records a query finds, computed in SQL.

A query field's properties say what it computes, in ShotGrid's shape (the default schema's 39
`open_notes_count` fields, reference/default-schema/schema_read.json):

    query            {"entity_type": "Note", "filters": <wire-form filters>}
    summary_default  the summary type: record_count, count, sum, maximum, ...
    summary_field    the field of the queried type that is summarized ("id" for record_count)
    summary_value    percentage and status_percentage: the value whose share is measured;
                     single_record: the order, {"column": field, "direction": "asc" | "desc"}

The filters may name the row the field is read on with the "Current Entity" token
(store/filters.py). The value is one correlated scalar subquery over the queried type's live rows
that the reader may see (an Artist's count counts only what the Artist may see), built by the
filter compiler and the summarized field's own kind, so every summary type is the aggregate
`summarize` computes (store/summaries.py), written once. Its result is a field of the type the
value has (`result_field`), so reading, filtering and sorting are that type's (computed.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from callsheet.faults import Fault, SchemaFault
from callsheet.schema.model import Field
from callsheet.store.kinds.base import kind_of, register
from callsheet.store.kinds.computed import ComputedKind
from callsheet.store.scope import UNRESTRICTED

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.filters import Group
    from callsheet.store.scope import ReadScope
    from callsheet.store.store import Store

# Every summary type of ShotGrid's query field editor and of summarize() (reference/data-model.md
# §3.6), and the shorter names its page also uses for two of them.
SUMMARY_TYPES = (
    "record_count",
    "count",
    "sum",
    "maximum",
    "minimum",
    "average",
    "earliest",
    "latest",
    "percentage",
    "status_percentage",
    "status_percentage_as_float",
    "status_list",
    "checked",
    "unchecked",
    "single_record",
)
SUMMARY_ALIASES = {"max": "maximum", "min": "minimum"}
# Counts read as integers, never None.
COUNT_SUMMARIES = frozenset({"record_count", "count", "checked", "unchecked"})
# Shares in percent: a whole number (as summarize rounds them), 0 when nothing matched.
PERCENT_SUMMARIES = frozenset({"percentage", "status_percentage"})
# Summary types whose value has the summarized field's own data type.
SAME_TYPE_SUMMARIES = frozenset(
    {"sum", "maximum", "minimum", "earliest", "latest", "single_record"}
)
# The summarized field's data type and choices, kept with the field when it is created: reads
# need the result type without the schema (computed.py's `result_field` takes the field only).
RESULT_PROPERTY = "summary_result"
CARRIED_PROPERTIES = ("valid_types", "valid_values", "display_values")


@dataclass(frozen=True)
class QueryDefinition:
    """A query field's properties, checked against the schema."""

    source_type: str
    filters: Group
    summary_type: str
    summarized: Field
    summary_value: Any
    order: tuple[Field, bool] | None  # single_record: the field to order by, descending?


class SummaryKind(ComputedKind):
    data_types = ("summary",)

    # -- the definition ------------------------------------------------------------------------
    def definition(self, store: Store, field: Field) -> QueryDefinition:
        """The field's query, checked (a SchemaFault names what no longer fits the schema)."""
        return _checked(store, field, field.properties)

    def checked_definition(self, store: Store, field: Field, definition: Any) -> dict[str, Any]:
        if not isinstance(definition, Mapping):
            raise SchemaFault(
                "A query field's definition is a dict: {'entity_type', 'filters', "
                "'summary_default', 'summary_field', 'summary_value'}."
            )
        unknown = set(definition) - {
            "entity_type",
            "filters",
            "filter_operator",
            "summary_default",
            "summary_type",
            "summary_field",
            "summary_value",
        }
        if unknown:
            raise SchemaFault(f"Unknown query field definition keys: {sorted(unknown)}.")
        filters = definition.get("filters", [])
        if isinstance(filters, list):  # the API's list form, stored in the wire form
            filters = _wire_filters(filters, definition.get("filter_operator", "all"))
        # ShotGrid's editor starts on "Record Count".
        summary_type = (
            definition.get("summary_default") or definition.get("summary_type") or "record_count"
        )
        properties = {
            "query": {"entity_type": definition.get("entity_type"), "filters": filters},
            "summary_default": SUMMARY_ALIASES.get(summary_type, summary_type),
            "summary_field": definition.get("summary_field") or "id",
            "summary_value": definition.get("summary_value"),
        }
        checked = _checked(store, field, properties)
        result: dict[str, Any] = {"data_type": checked.summarized.data_type}
        for name in CARRIED_PROPERTIES:
            if name in checked.summarized.properties:
                result[name] = checked.summarized.properties[name]
        return {**properties, RESULT_PROPERTY: result}

    # -- the value -----------------------------------------------------------------------------
    def result_field(self, field: Field) -> Field:
        summary_type = _summary_type(field)
        properties: dict[str, Any]
        if summary_type in COUNT_SUMMARIES:
            data_type, properties = "number", {}
        elif summary_type in PERCENT_SUMMARIES:
            data_type, properties = "percent", {}
        elif summary_type in ("average", "status_percentage_as_float"):
            data_type, properties = "float", {}
        else:  # the summarized field's type (status_list: its roll-up is one of its statuses)
            result = field.properties.get(RESULT_PROPERTY)
            if not isinstance(result, Mapping) or not isinstance(result.get("data_type"), str):
                raise SchemaFault(
                    f"{field.qualified_name}: the query field's summary type {summary_type!r} "
                    "needs the summarized field's data type; create it again with "
                    "`callsheet field create`."
                )
            data_type = result["data_type"]
            properties = {k: v for k, v in result.items() if k != "data_type"}
        return Field(
            entity_type=field.entity_type,
            name=field.name,
            data_type=data_type,
            display_name=field.display_name,
            editable=False,
            properties=properties,
        )

    def expressions(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> dict[str, ColumnElement[Any]]:
        from callsheet.store.filters import FilterCompiler, OwningRow  # imports the kinds

        query = self.definition(store, field)
        source = store.table(query.source_type).alias()
        owner = OwningRow(field.entity_type, table)
        where = [
            source.c._retired_at.is_(None),
            *scope.rows(query.source_type, source),
            FilterCompiler(store, scope, owner).compile(query.filters, source),
        ]
        result = self.result_field(field)
        if query.summary_type == "single_record":
            return self._first_record(query, result, source, where, store, scope)
        aggregate = _aggregate(query, source, store, scope)
        value: ColumnElement[Any] = sa.select(aggregate).where(*where).scalar_subquery()
        if query.summary_type in COUNT_SUMMARIES or query.summary_type == "sum":
            value = sa.func.coalesce(value, 0)  # no rows: 0, as summarize answers
        elif query.summary_type in PERCENT_SUMMARIES:
            value = sa.cast(sa.func.round(sa.func.coalesce(value, 0)), sa.Integer)
        elif query.summary_type == "status_percentage_as_float":
            value = sa.cast(sa.func.coalesce(value, 0), sa.Float)
        elif query.summary_type == "average":
            value = sa.cast(value, sa.Float)
        (column,) = _column_names(result)
        return {column: value}

    def _first_record(
        self,
        query: QueryDefinition,
        result: Field,
        source: FromClause,
        where: list[Any],
        store: Store,
        scope: ReadScope,
    ) -> dict[str, ColumnElement[Any]]:
        """single_record: the summarized field of the first record in the query's order (ties and
        no order: the lowest id), one scalar subquery per column of the field."""
        f = query.summarized
        order: list[Any] = []
        if query.order is not None:
            by, descending = query.order
            for expression in kind_of(by).sort_columns(by, source, store, scope):
                order.append(
                    expression.desc().nulls_last() if descending else expression.asc().nulls_last()
                )
        order.append(source.c.id.asc())
        parts = kind_of(f).select_columns(f, source, store, scope)
        return {
            name: sa.select(part).where(*where).order_by(*order).limit(1).scalar_subquery()
            for name, part in zip(_column_names(result), parts, strict=True)
        }


def _column_names(result: Field) -> list[str]:
    """The names the result kind reads its value from (its stored columns' names)."""
    return [column.name for column in kind_of(result).columns(result)] or [result.name]


def _aggregate(
    query: QueryDefinition, source: FromClause, store: Store, scope: ReadScope
) -> ColumnElement[Any]:
    f = query.summarized
    kind = kind_of(f)
    summary_type = query.summary_type
    if summary_type == "record_count":
        return sa.func.count(source.c.id)
    if summary_type in PERCENT_SUMMARIES and query.summary_value is not None:
        # The share of the queried records whose field `is` the summary value, compared as a
        # filter compares it (case, links, dates).
        matches = kind.condition(f, source, "is", [query.summary_value], store, scope)
        return (
            sa.func.sum(sa.case((matches, 1), else_=0))
            * 100.0
            / sa.func.nullif(sa.func.count(source.c.id), 0)
        )
    return kind.summary_expression(f, summary_type, source, source, store, scope)


def _summary_type(field: Field) -> str:
    return _type_in(field.properties)


def _type_in(properties: Mapping[str, Any]) -> str:
    summary_type = str(properties.get("summary_default"))
    return SUMMARY_ALIASES.get(summary_type, summary_type)


def _checked(store: Store, field: Field, properties: Mapping[str, Any]) -> QueryDefinition:
    """A definition from a query field's properties; a SchemaFault names each mistake."""
    from callsheet.store.filters import parse_filters  # imports the kinds

    where = f"Query field {field.qualified_name}"
    query = properties.get("query")
    if not isinstance(query, Mapping):
        raise SchemaFault(f"{where} has no query: {{'entity_type': ..., 'filters': ...}}.")
    source_type = query.get("entity_type")
    if not isinstance(source_type, str) or source_type not in store.schema:
        raise SchemaFault(f"{where}: the entity type to summarize {source_type!r} doesn't exist.")
    summary_type = _type_in(properties)
    if summary_type not in SUMMARY_TYPES:
        raise SchemaFault(
            f"{where}: unknown summary type {properties.get('summary_default')!r}; valid types: "
            f"{list(SUMMARY_TYPES)}."
        )
    try:
        filters = parse_filters(store.schema, source_type, query.get("filters"))
    except Fault as fault:
        raise SchemaFault(
            f"{where}: its filters on {source_type} are wrong: {fault.message}"
        ) from None
    summarized = _source_field(store, where, source_type, properties.get("summary_field") or "id")
    summary_value = properties.get("summary_value")
    order = None
    kind = kind_of(summarized)
    if summary_type == "single_record":
        if summarized.is_computed or kind.read_apart or kind.side_loaded:
            raise SchemaFault(
                f"{where}: a single record shows a field stored on the record; "
                f"{summarized.qualified_name} ({summarized.data_type}) is not one."
            )
        order = _order(store, where, source_type, summary_value)
    elif summary_type in PERCENT_SUMMARIES and summary_value is not None:
        try:
            kind.condition(
                summarized, store.table(source_type), "is", [summary_value], store, UNRESTRICTED
            )
        except Fault as fault:
            raise SchemaFault(
                f"{where}: the summary value {summary_value!r} cannot be compared with "
                f"{summarized.qualified_name}: {fault.message}"
            ) from None
    elif summary_type != "record_count":
        if summarized.is_computed:
            raise SchemaFault(
                f"{where}: {summarized.qualified_name} is computed; summarize a stored field."
            )
        if summary_type not in kind.summaries:
            valid = [s for s in kind.summaries if s in SUMMARY_TYPES]
            raise SchemaFault(
                f"{where}: {summarized.qualified_name} of data type '{summarized.data_type}' "
                f"cannot be summarized as {summary_type!r}; valid types: "
                f"{[*valid, 'percentage', 'single_record']}."
            )
    return QueryDefinition(source_type, filters, summary_type, summarized, summary_value, order)


def _source_field(store: Store, where: str, source_type: str, name: Any) -> Field:
    entity = store.schema.entity(source_type)
    if not isinstance(name, str) or name not in entity.fields:
        raise SchemaFault(f"{where}: {source_type} has no field {name!r} to summarize.")
    return entity.fields[name]


def _order(store: Store, where: str, source_type: str, order: Any) -> tuple[Field, bool] | None:
    """single_record's order: {"column": field, "direction": "asc" | "desc"} (the API's
    {"field_name", "direction"} too); None: the lowest id first."""
    if order is None:
        return None
    if not isinstance(order, Mapping):
        raise SchemaFault(
            f"{where}: a single record's order is {{'column': field, 'direction': 'asc'|'desc'}}, "
            f"got {order!r}."
        )
    name = order.get("column", order.get("field_name"))
    by = _source_field(store, where, source_type, name)
    direction = order.get("direction", "asc")
    if direction not in ("asc", "desc"):
        raise SchemaFault(f"{where}: the order's direction is 'asc' or 'desc', got {direction!r}.")
    if not kind_of(by).sort_columns(by, store.table(source_type), store, UNRESTRICTED):
        raise SchemaFault(f"{where}: {by.qualified_name} ({by.data_type}) cannot order records.")
    return by, direction == "desc"


def _wire_filters(filters: list[Any], operator: Any) -> dict[str, Any]:
    """The API's list form as ShotGrid's wire form, the shape query fields are stored in."""
    conditions: list[Any] = []
    for item in filters:
        if isinstance(item, dict) and "filters" in item:
            conditions.append(_wire_filters(item["filters"], item.get("filter_operator", "all")))
        elif isinstance(item, list | tuple) and len(item) >= 2:
            values = list(item[2:])
            if len(values) == 1 and isinstance(values[0], list | tuple):
                values = list(values[0])
            conditions.append({"path": item[0], "relation": item[1], "values": values})
        else:
            raise SchemaFault(f"Invalid query filter {item!r}: expected [field, relation, value].")
    logical = "or" if str(operator).lower() in ("any", "or") else "and"
    return {"logical_operator": logical, "conditions": conditions}


register(SummaryKind())
