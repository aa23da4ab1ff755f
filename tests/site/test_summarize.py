"""summarize(): every summary type and grouping type of the reference, nested groups, entity
group values (reference/data-model.md §3.6, api3-wire-protocol.md §3.4).

    Shot  status  cut_duration  sequence  day         flag
    a1    ip      10            SQ1       2024-01-05  True
    a2    fin     20            SQ1       2024-03-01  False
    b1    ip      115           SQ2       2024-01-20  True
    c1    -       -             -         -           False
"""

from __future__ import annotations

from typing import Any

import pytest
from read_sites import DIALECTS, site_copy

from callsheet.faults import Fault

COUNT = [{"field": "id", "type": "record_count"}]


@pytest.fixture(scope="module", params=DIALECTS)
def shots(request: pytest.FixtureRequest) -> Any:
    with site_copy(request, request.param) as sg:
        day = sg.schema_field_create("Shot", "date", "Day")
        flag = sg.schema_field_create("Shot", "checkbox", "Flag")
        project = sg.create("Project", {"name": "Sums"})
        sq1 = sg.create("Sequence", {"code": "SQ1", "project": project})
        sq2 = sg.create("Sequence", {"code": "SQ2", "project": project})
        rows = [
            ("a1", "ip", 10, sq1, "2024-01-05", True),
            ("a2", "fin", 20, sq1, "2024-03-01", False),
            ("b1", "ip", 115, sq2, "2024-01-20", True),
            ("c1", None, None, None, None, False),
        ]
        for code, status, duration, sequence, when, checked in rows:
            sg.create(
                "Shot",
                {
                    "code": code,
                    "project": project,
                    "sg_status_list": status,
                    "sg_cut_duration": duration,
                    "sg_sequence": sequence,
                    day: when,
                    flag: checked,
                },
            )
        yield sg, {"day": day, "flag": flag, "sq1": sq1, "sq2": sq2, "project": project}


def totals(sg: Any, field: str, summary_type: str, filters: Any = None) -> Any:
    result = sg.summarize("Shot", filters or [], [{"field": field, "type": summary_type}])
    assert result["groups"] == []
    return result["summaries"][field]


@pytest.mark.parametrize(
    ("field", "summary_type", "expected"),
    [
        ("id", "record_count", 4),
        ("sg_cut_duration", "record_count", 4),
        ("sg_cut_duration", "count", 3),
        ("code", "count", 4),
        ("sg_cut_duration", "sum", 145),
        ("sg_cut_duration", "maximum", 115),
        ("sg_cut_duration", "minimum", 10),
        ("sg_status_list", "status_list", "ip"),
        ("sg_status_list", "status_percentage", 25),
        ("sg_status_list", "status_percentage_as_float", 25.0),
    ],
)
def test_summarize_summary_type_over_all_rows(
    shots: Any, field: str, summary_type: str, expected: Any
) -> None:
    sg, _ = shots
    assert totals(sg, field, summary_type) == expected


def test_summarize_average_ignores_empty_values(shots: Any) -> None:
    sg, _ = shots
    assert totals(sg, "sg_cut_duration", "average") == pytest.approx(145 / 3)


def test_summarize_earliest_and_latest_on_dates_give_date_strings(shots: Any) -> None:
    sg, f = shots
    assert totals(sg, f["day"], "earliest") == "2024-01-05"
    assert totals(sg, f["day"], "latest") == "2024-03-01"


def test_summarize_checked_unchecked_and_percentage_on_checkbox(shots: Any) -> None:
    sg, f = shots
    assert totals(sg, f["flag"], "checked") == 2
    assert totals(sg, f["flag"], "unchecked") == 2
    assert totals(sg, f["flag"], "percentage") == 50


def test_summarize_status_list_of_one_status_is_that_status(shots: Any) -> None:
    sg, _ = shots
    assert totals(sg, "sg_status_list", "status_list", [["code", "in", ["a1", "b1"]]]) == "ip"


def test_summarize_with_no_rows_gives_zero_counts(shots: Any) -> None:
    sg, _ = shots
    result = sg.summarize(
        "Shot", [["code", "is", "zzz"]], COUNT, grouping=[{"field": "code", "type": "exact"}]
    )
    assert result == {"summaries": {"id": 0}, "groups": []}


def test_summarize_last_summary_per_field_wins(shots: Any) -> None:
    sg, _ = shots
    result = sg.summarize(
        "Shot",
        [],
        [
            {"field": "sg_cut_duration", "type": "sum"},
            {"field": "sg_cut_duration", "type": "maximum"},
        ],
    )
    assert result["summaries"] == {"sg_cut_duration": 115}


def test_summarize_group_by_status_uses_code_for_name_and_value(shots: Any) -> None:
    sg, _ = shots
    result = sg.summarize(
        "Shot",
        [],
        [{"field": "sg_cut_duration", "type": "sum"}],
        grouping=[{"field": "sg_status_list", "type": "exact", "direction": "asc"}],
    )
    assert result["summaries"] == {"sg_cut_duration": 145}
    assert result["groups"] == [
        {"group_name": "fin", "group_value": "fin", "summaries": {"sg_cut_duration": 20}},
        {"group_name": "ip", "group_value": "ip", "summaries": {"sg_cut_duration": 125}},
        {"group_name": "", "group_value": None, "summaries": {"sg_cut_duration": 0}},
    ]


def test_summarize_nested_entity_grouping_gives_valid_entity_dicts(shots: Any) -> None:
    sg, f = shots
    result = sg.summarize(
        "Shot",
        [["sg_sequence", "is_not", None]],
        COUNT,
        grouping=[
            {"field": "sg_sequence", "type": "exact", "direction": "desc"},
            {"field": "sg_status_list", "type": "exact", "direction": "asc"},
        ],
    )
    sq1 = {"type": "Sequence", "id": f["sq1"]["id"], "name": "SQ1", "valid": "valid"}
    sq2 = {"type": "Sequence", "id": f["sq2"]["id"], "name": "SQ2", "valid": "valid"}
    assert result == {
        "summaries": {"id": 3},
        "groups": [
            {
                "group_name": "SQ2",
                "group_value": sq2,
                "summaries": {"id": 1},
                "groups": [{"group_name": "ip", "group_value": "ip", "summaries": {"id": 1}}],
            },
            {
                "group_name": "SQ1",
                "group_value": sq1,
                "summaries": {"id": 2},
                "groups": [
                    {"group_name": "fin", "group_value": "fin", "summaries": {"id": 1}},
                    {"group_name": "ip", "group_value": "ip", "summaries": {"id": 1}},
                ],
            },
        ],
    }


def _groups(sg: Any, field: str, grouping_type: str) -> list[tuple[Any, int]]:
    result = sg.summarize("Shot", [], COUNT, grouping=[{"field": field, "type": grouping_type}])
    return [(g["group_value"], g["summaries"]["id"]) for g in result["groups"]]


def test_summarize_group_by_entitytype_and_firstletter(shots: Any) -> None:
    sg, _ = shots
    assert _groups(sg, "sg_sequence", "entitytype") == [("Sequence", 3), (None, 1)]
    assert _groups(sg, "code", "firstletter") == [("A", 2), ("B", 1), ("C", 1)]


def test_summarize_group_by_deep_field(shots: Any) -> None:
    sg, _ = shots
    assert _groups(sg, "sg_sequence.Sequence.code", "exact") == [("SQ1", 2), ("SQ2", 1), (None, 1)]


@pytest.mark.parametrize(
    ("grouping_type", "expected"),
    [
        ("exact", [(10, 1), (20, 1), (115, 1), (None, 1)]),
        ("tens", [(10, 1), (20, 1), (110, 1), (None, 1)]),
        ("hundreds", [(0, 2), (100, 1), (None, 1)]),
        ("thousands", [(0, 3), (None, 1)]),
        ("tensofthousands", [(0, 3), (None, 1)]),
        ("hundredsofthousands", [(0, 3), (None, 1)]),
        ("millions", [(0, 3), (None, 1)]),
    ],
)
def test_summarize_numeric_buckets_keep_empty_group(
    shots: Any, grouping_type: str, expected: list
) -> None:
    sg, _ = shots
    assert _groups(sg, "sg_cut_duration", grouping_type) == expected


@pytest.mark.parametrize(
    ("grouping_type", "expected"),
    [
        ("exact", [("2024-01-05", 1), ("2024-01-20", 1), ("2024-03-01", 1), (None, 1)]),
        ("day", [("2024-01-05", 1), ("2024-01-20", 1), ("2024-03-01", 1), (None, 1)]),
        ("oneday", [("2024-01-05", 1), ("2024-01-20", 1), ("2024-03-01", 1), (None, 1)]),
        ("clustered_date", [("2024-01-05", 1), ("2024-01-20", 1), ("2024-03-01", 1), (None, 1)]),
        ("fivedays", [("2024-01-05", 1), ("2024-01-20", 1), ("2024-03-01", 1), (None, 1)]),
        ("week", [("2024-01-01", 1), ("2024-01-15", 1), ("2024-02-26", 1), (None, 1)]),
        ("month", [("2024-01-01", 2), ("2024-03-01", 1), (None, 1)]),
        ("quarter", [("2024-01-01", 3), (None, 1)]),
        ("year", [("2024-01-01", 3), (None, 1)]),
    ],
)
def test_summarize_date_buckets_start_on_first_day(
    shots: Any, request: pytest.FixtureRequest, grouping_type: str, expected: list
) -> None:
    sg, f = shots
    assert _groups(sg, f["day"], grouping_type) == expected


def test_summarize_group_by_checkbox_names_yes_and_no(shots: Any) -> None:
    sg, f = shots
    result = sg.summarize("Shot", [], COUNT, grouping=[{"field": f["flag"], "type": "exact"}])
    assert [(g["group_name"], g["group_value"]) for g in result["groups"]] == [
        ("No", False),
        ("Yes", True),
    ]


def test_summarize_include_archived_projects_false_counts_nothing_archived(shots: Any) -> None:
    sg, f = shots
    filters = [["project", "is", f["project"]]]
    assert sg.summarize("Shot", filters, COUNT)["summaries"] == {"id": 4}
    archived = sg.summarize(
        "Shot", [["project.Project.archived", "is", True]], COUNT, include_archived_projects=False
    )
    assert archived["summaries"] == {"id": 0}


@pytest.mark.parametrize(
    ("summaries", "grouping", "message"),
    [
        ([{"field": "code", "type": "sum"}], None, r"Shot\.code.*'sum'"),
        ([{"field": "sg_nope", "type": "count"}], None, r"Shot\.sg_nope"),
        ([{"field": "code", "type": "bogus"}], None, r"'bogus'"),
        (
            COUNT,
            [{"field": "image", "type": "exact"}],
            r"Grouping is not allowed for field Shot\.image",
        ),
        (COUNT, [{"field": "code", "type": "tens"}], r"Shot\.code.*'tens'"),
        (COUNT, [{"field": "code", "type": "exact", "direction": "up"}], "'up'"),
        ("id", None, "summary_fields"),
    ],
)
def test_summarize_invalid_request_is_fault_naming_it(
    shots: Any, summaries: Any, grouping: Any, message: str
) -> None:
    sg, _ = shots
    with pytest.raises(Fault, match=message):
        sg.summarize("Shot", [], summaries, grouping=grouping)
