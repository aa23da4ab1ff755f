"""The kinds contract (issue 10 §3): every behaviour asked of a data type is a declared method of
its kind, the schema's table of data-type facts agrees with the kinds, and nothing outside those
two places compares `data_type`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from callsheet.faults import FilterFault, SchemaFault
from callsheet.schema.data_types import DATA_TYPES, traits_of
from callsheet.schema.model import Field
from callsheet.store.kinds import FieldKind, kind_of, known_data_types
from callsheet.store.kinds.base import NEGATIVE_OPERATORS
from callsheet.store.kinds.links import EntityKind, MultiEntityKind
from callsheet.store.scope import UNRESTRICTED

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "callsheet"
# Where data types may be told apart by name: the kinds, and the schema's table of their facts.
ALLOWED = ("store/kinds/", "schema/data_types.py")
# `x.data_type == "..."`, `data_type in (...)`, `data_type != ...`, `data_type not in ...`
COMPARISON = re.compile(r"data_type\)?\s*(==|!=|\bin\b|\bnot\s+in\b)")
# ... but two fields may be asked whether they have the same data type (a schema copy does).
SAME_TYPE = re.compile(r"data_type\s*(==|!=)\s*(\w+\.)?data_type\b")


def _field(data_type: str) -> Field:
    return Field("Shot", "sg_probe", data_type, "Probe")


def test_no_module_outside_the_kinds_compares_data_type() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = str(path.relative_to(PACKAGE))
        if name.startswith(ALLOWED):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("#", 1)[0]
            if COMPARISON.search(SAME_TYPE.sub("", code)):
                found.append(f"{name}:{number}: {line.strip()}")
    assert not found, "ask the kind or the field's traits instead:\n" + "\n".join(found)


def test_the_comparison_pattern_finds_what_it_must() -> None:
    for line in (
        'if f.data_type == "entity":',
        "if field.data_type in LINK_TYPES:",
        'return f.data_type != "image"',
        'if data_type not in ("a", "b"):',
        'if str(f.data_type) in ("a",):',
    ):
        assert COMPARISON.search(line), line
    assert not COMPARISON.search('"data_type": f.data_type,')
    assert not COMPARISON.search(SAME_TYPE.sub("", "if present.data_type != f.data_type:"))


@pytest.mark.parametrize("data_type", sorted(DATA_TYPES))
def test_every_data_type_of_the_table_has_a_kind_that_agrees(data_type: str) -> None:
    f = _field(data_type)
    kind = kind_of(f)
    traits = traits_of(data_type)
    assert tuple(kind.operators) == traits.operators
    assert kind.sortable == traits.sortable
    assert kind.writable == traits.api_writable
    assert kind.side_loaded == traits.side_loaded
    assert isinstance(kind, EntityKind) == traits.is_link
    assert isinstance(kind, MultiEntityKind) == traits.is_multi_link
    assert kind.read_apart == (traits.side_loaded or traits.is_multi_link)
    assert (kind.generated_value(f.with_changes(name="uuid")) is not None) == traits.generated


def test_every_kind_data_type_is_in_the_table() -> None:
    assert set(known_data_types()) == set(DATA_TYPES)


@pytest.mark.parametrize("data_type", sorted(DATA_TYPES))
def test_every_declared_operator_summary_and_grouping_has_its_method(data_type: str) -> None:
    kind = kind_of(_field(data_type))
    for operator in kind.operators:
        positive = NEGATIVE_OPERATORS.get(operator, operator)
        assert positive in kind.operators, f"{operator} without its positive twin {positive}"
        assert callable(getattr(kind, f"filter_{positive}", None)), f"filter_{positive}"
    for operator in NEGATIVE_OPERATORS:
        assert not hasattr(kind, f"filter_{operator}"), f"{operator} is the table's to negate"
    for summary in kind.summaries:
        if summary != "record_count":
            assert callable(getattr(kind, f"summary_{summary}", None)), f"summary_{summary}"
    for grouping in kind.groupings:
        assert callable(getattr(kind, f"group_{grouping}", None)), f"group_{grouping}"


def test_behaviours_a_kind_lacks_raise_its_fault() -> None:
    kind, f = FieldKind(), _field("text")
    with pytest.raises(FilterFault, match=r"Shot\.sg_probe's 'text' data type cannot be used"):
        kind.condition(f, None, "is", ["x"], None, UNRESTRICTED)  # type: ignore[arg-type]
    with pytest.raises(FilterFault, match="doesn't support summary type 'sum'"):
        kind.summary_expression(f, "sum", None, None, None, UNRESTRICTED)  # type: ignore[arg-type]
    with pytest.raises(FilterFault, match=r"Grouping is not allowed for field Shot\.sg_probe"):
        kind.group_key(f, "tens", None, None, UNRESTRICTED)  # type: ignore[arg-type]
    with pytest.raises(FilterFault, match="is not a link"):
        kind.type_column(f, None)  # type: ignore[arg-type]
    with pytest.raises(FilterFault, match="is not a link"):
        kind.links_to(f, None, "Shot", [], None)  # type: ignore[arg-type]
    with pytest.raises(SchemaFault, match="is not side-loaded"):
        kind.load(None, None, f, [1])  # type: ignore[arg-type]
    with pytest.raises(SchemaFault, match="is not side-loaded"):
        kind.write(None, None, f, 1, ["x"])  # type: ignore[arg-type]
    with pytest.raises(SchemaFault, match="not supported in API writes"):
        kind.to_stored(f, "x", None)  # type: ignore[arg-type]
