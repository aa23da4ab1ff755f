"""Deep filters reuse kept table aliases (store/filters.py `table_alias`): each alias at most
once per statement, so conditions side by side and nested through the same type each still mean
their own rows; the next statement gets the same objects again. Run on real rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import callsheet
from callsheet.store.filters import MAX_KEPT_ALIASES, statement_aliases, table_alias


@pytest.fixture
def sg() -> Iterator[Any]:
    sg = callsheet.connect()
    project = sg.create("Project", {"name": "Aliases"})
    for n in (1, 2, 3):
        sequence = sg.create(
            "Sequence", {"code": f"SQ{n}", "description": f"d{n}", "project": project}
        )
        for m in (1, 2):
            shot = sg.create(
                "Shot", {"code": f"SQ{n}_{m}", "sg_sequence": sequence, "project": project}
            )
            sg.create("Task", {"content": f"T{n}_{m}", "entity": shot, "project": project})
    yield sg
    sg.close()


def _codes(sg: Any, filters: list[Any], operator: str = "all") -> list[str]:
    found = sg.find(
        "Shot", filters, ["code"], filter_operator=operator, order=[{"field_name": "code"}]
    )
    return [shot["code"] for shot in found]


def test_deep_conditions_side_by_side_through_one_type(sg: Any) -> None:
    code, description = "sg_sequence.Sequence.code", "sg_sequence.Sequence.description"
    assert _codes(sg, [[code, "is", "SQ1"], [description, "is", "d1"]]) == ["SQ1_1", "SQ1_2"]
    assert _codes(sg, [[code, "is", "SQ1"], [description, "is", "d2"]]) == []
    assert _codes(sg, [[code, "is", "SQ1"], [description, "is", "d2"]], "any") == [
        "SQ1_1",
        "SQ1_2",
        "SQ2_1",
        "SQ2_2",
    ]
    # the same shape again, other values: the kept aliases carry nothing from the last statement
    assert _codes(sg, [[code, "is", "SQ3"], [description, "is", "d3"]]) == ["SQ3_1", "SQ3_2"]


def test_deep_condition_nested_through_the_same_type(sg: Any) -> None:
    # Shot -> its Sequence -> that Sequence's Shots -> their Sequence: Sequence inside Sequence
    path = "sg_sequence.Sequence.shots.Shot.sg_sequence.Sequence.code"
    assert _codes(sg, [[path, "is", "SQ2"]]) == ["SQ2_1", "SQ2_2"]
    assert _codes(
        sg, [[path, "is_not", "SQ2"], ["sg_sequence.Sequence.code", "is_not", "SQ3"]]
    ) == [
        "SQ1_1",
        "SQ1_2",
    ]


def test_deep_condition_nested_through_the_same_type_to_other_rows(sg: Any) -> None:
    # Task -> its Shot -> that Shot's Sequence -> the Sequence's Shots: the inner Shots are
    # other rows than the Task's own Shot (an inner subquery testing the outer Shot would find
    # the Tasks of SQ1_2 only). Each Shot subquery has an alias of its own in the statement.
    path = "entity.Shot.sg_sequence.Sequence.shots.Shot.code"
    found = sg.find("Task", [[path, "is", "SQ1_2"]], ["content"], order=[{"field_name": "content"}])
    assert [task["content"] for task in found] == ["T1_1", "T1_2"]


def test_each_alias_once_per_statement_the_same_ones_next_statement(sg: Any) -> None:
    store = sg.site.store
    with statement_aliases():
        first = [table_alias(store, "Sequence") for _ in range(3)]
        with statement_aliases():  # nested: the enclosing statement's count goes on
            first.append(table_alias(store, "Sequence"))
    assert len({id(alias) for alias in first}) == 4
    with statement_aliases():
        again = [table_alias(store, "Sequence") for _ in range(4)]
    assert [id(alias) for alias in again] == [id(alias) for alias in first]
    # outside a statement, and past the kept number, aliases are fresh
    assert table_alias(store, "Sequence") is not table_alias(store, "Sequence")
    with statement_aliases():
        many = [table_alias(store, "Sequence") for _ in range(MAX_KEPT_ALIASES + 2)]
    assert len({id(alias) for alias in many}) == MAX_KEPT_ALIASES + 2
