"""Property: any filter thrown at find() gives a list or a callsheet Fault, never another error.

SQLite only and one module-scoped site: the point is the parse/compile/execute path, and the
rows (a few Shots with links) only make sure queries really run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import callsheet
from callsheet.faults import Fault

FIELDS = [
    "id",
    "code",
    "description",
    "sg_cut_in",
    "sg_status_list",
    "sg_shot_type",
    "sg_sequence",
    "assets",
    "tag_list",
    "image",
    "created_at",
    "project",
    "open_notes_count",
    "sg_sequence.Sequence.code",
    "assets.Asset.code",
    "assets.Asset.sg_asset_type",
    "project.Project.archived",
    "sg_sequence.Sequence.shots",
    "sg_nope",
    "code.Shot.code",
    "sg_sequence.Nope.code",
    "",
]
RELATIONS = [
    "is",
    "is_not",
    "less_than",
    "greater_than",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "between",
    "not_between",
    "in",
    "not_in",
    "in_last",
    "not_in_last",
    "in_next",
    "not_in_next",
    "in_calendar_day",
    "in_calendar_week",
    "in_calendar_month",
    "in_calendar_year",
    "type_is",
    "type_is_not",
    "name_contains",
    "name_not_contains",
    "name_is",
    "name_starts_with",
    "name_ends_with",
    "name_id",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        ["ip", "fin", "SH1", "Hero", "DAY", "HOUR", "MONTH", "Shot", "Asset", "", "2024-01-05"]
    ),
    st.dates().map(dt.date.isoformat),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["Shot", "Asset", "Sequence", "Nope", 5]),
            "id": st.integers(-3, 10),
        }
    ),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
values = st.lists(st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=3)
conditions = st.builds(
    lambda field, relation, vals: [field, relation, *vals],
    st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)),
    st.one_of(st.sampled_from(RELATIONS), st.text(max_size=8)),
    values,
)
wire_conditions = st.builds(
    lambda field, relation, vals: {"path": field, "relation": relation, "values": vals},
    st.sampled_from(FIELDS),
    st.sampled_from(RELATIONS),
    values,
)
operators = st.sampled_from(["all", "any", "and", "or", "xor", None])


def _groups(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(
            lambda op, fs: {"filter_operator": op, "filters": fs},
            operators,
            st.lists(children, max_size=3),
        ),
        st.builds(
            lambda op, cs: {"logical_operator": op, "conditions": cs},
            operators,
            st.lists(st.one_of(wire_conditions, children), max_size=3),
        ),
    )


filter_items = st.recursive(st.one_of(conditions, wire_conditions), _groups, max_leaves=8)
filters = st.one_of(
    st.lists(filter_items, max_size=4),
    _groups(filter_items).filter(lambda g: "logical_operator" in g),
    st.sampled_from([None, "code", 5, [[]], [None]]),
)


@pytest.fixture(scope="module")
def sg() -> Any:
    connection = callsheet.connect()
    project = connection.create("Project", {"name": "Props"})
    sequence = connection.create("Sequence", {"code": "SQ1", "project": project})
    asset = connection.create(
        "Asset", {"code": "tree", "project": project, "sg_asset_type": "Prop"}
    )
    connection.create(
        "Shot",
        {
            "code": "SH1",
            "project": project,
            "sg_sequence": sequence,
            "assets": [asset],
            "sg_cut_in": 3,
            "tag_list": ["Hero"],
        },
    )
    connection.create("Shot", {"code": "SH2", "project": project})
    yield connection
    connection.close()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(filters=filters, filter_operator=st.sampled_from([None, "all", "any"]))
def test_find_random_filters_return_list_or_fault(
    sg: Any, filters: Any, filter_operator: Any
) -> None:
    try:
        result = sg.find("Shot", filters, ["code"], filter_operator=filter_operator)
    except Fault:
        return
    assert isinstance(result, list)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    filters=st.lists(conditions, max_size=2),
    grouping_field=st.sampled_from(FIELDS),
    grouping_type=st.sampled_from(
        ["exact", "tens", "day", "quarter", "entitytype", "firstletter", "nope"]
    ),
    summary_field=st.sampled_from(FIELDS),
    summary_type=st.sampled_from(
        ["record_count", "count", "sum", "average", "latest", "status_list", "checked", "x"]
    ),
)
def test_summarize_random_requests_return_dict_or_fault(
    sg: Any,
    filters: Any,
    grouping_field: str,
    grouping_type: str,
    summary_field: str,
    summary_type: str,
) -> None:
    try:
        result = sg.summarize(
            "Shot",
            filters,
            [{"field": summary_field, "type": summary_type}],
            grouping=[{"field": grouping_field, "type": grouping_type}],
        )
    except Fault:
        return
    assert isinstance(result, dict) and "summaries" in result
