"""Filters compile to SQL whose text holds only placeholders; the values sit in the params
(STYLE.md §c). Compiled for both dialects without a database."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from callsheet.faults import Fault
from callsheet.schema.default import default_schema
from callsheet.store.filters import FilterCompiler, parse_filters
from callsheet.store.scope import UNRESTRICTED
from callsheet.store.store import Store

HOSTILE = 'x\'); DROP TABLE "Shot"; --'


@pytest.fixture(scope="module")
def store() -> Any:
    opened, _ = Store.open(None, default_schema())
    yield opened
    opened.close()


def compile_filter(store: Any, entity_type: str, filters: Any, dialect: Any) -> Any:
    group = parse_filters(store.schema, entity_type, filters)
    table = store.table(entity_type)
    condition = FilterCompiler(store, UNRESTRICTED).compile(group, table)
    return sa.select(table.c.id).where(condition).compile(dialect=dialect)


CASES = [
    ("Shot", [["code", "is", HOSTILE]], HOSTILE.lower()),
    ("Shot", [["description", "contains", HOSTILE]], HOSTILE.lower()),
    ("Shot", [["code", "in", ["a", HOSTILE]]], HOSTILE.lower()),
    ("Shot", [["sg_sequence", "name_is", HOSTILE]], HOSTILE.lower()),
    ("Shot", [["sg_sequence.Sequence.code", "is_not", HOSTILE]], HOSTILE.lower()),
    ("Shot", [["assets.Asset.code", "starts_with", HOSTILE]], HOSTILE.lower()),
    ("Shot", [["tag_list", "is", HOSTILE]], HOSTILE.lower()),
    ("Step", [["entity_type", "is", HOSTILE]], HOSTILE),
    ("Shot", [["sg_cut_in", "between", 123456, 654321]], 654321),
    ("Shot", [["sg_sequence", "is", {"type": "Sequence", "id": 987654}]], 987654),
]


@pytest.mark.parametrize(
    "dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"]
)
@pytest.mark.parametrize(("entity_type", "filters", "value"), CASES)
def test_compile_filter_puts_values_in_params_never_in_sql_text(
    store: Any, dialect: Any, entity_type: str, filters: Any, value: Any
) -> None:
    compiled = compile_filter(store, entity_type, filters, dialect)
    text = str(compiled)
    assert str(value) not in text
    assert "DROP TABLE" not in text
    params = list(compiled.params.values())
    flattened = [v for p in params for v in (p if isinstance(p, list | tuple) else [p])]
    assert any(value == p or (isinstance(p, str) and str(value) in p) for p in flattened)
    placeholder = "?" if dialect.name == "sqlite" else "%("
    assert placeholder in text or "POSTCOMPILE" in text  # IN lists expand at execution


@pytest.mark.parametrize(
    "dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"]
)
def test_compile_same_filter_shape_gives_same_sql(store: Any, dialect: Any) -> None:
    first = compile_filter(
        store, "Shot", [["code", "is", "a"], ["sg_cut_in", "greater_than", 1]], dialect
    )
    second = compile_filter(
        store, "Shot", [["code", "is", "b"], ["sg_cut_in", "greater_than", 9]], dialect
    )
    assert str(first) == str(second)
    assert first.params != second.params


def test_parse_filter_unknown_field_is_fault_before_any_sql(store: Any) -> None:
    with pytest.raises(Fault, match=r"Shot\.sg_nope doesn't exist"):
        parse_filters(store.schema, "Shot", [["sg_nope", "is", 1]])


def test_parse_filter_list_and_wire_forms_give_same_tree(store: Any) -> None:
    listed = parse_filters(
        store.schema,
        "Shot",
        [["code", "in", "a", "b"], {"filter_operator": "any", "filters": [["sg_cut_in", "is", 1]]}],
    )
    wired = parse_filters(
        store.schema,
        "Shot",
        {
            "logical_operator": "and",
            "conditions": [
                {"path": "code", "relation": "in", "values": ["a", "b"]},
                {
                    "logical_operator": "or",
                    "conditions": [{"path": "sg_cut_in", "relation": "is", "values": [1]}],
                },
            ],
        },
    )
    assert listed == wired
