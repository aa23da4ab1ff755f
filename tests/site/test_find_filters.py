"""find() filters on scalar data types, checked against ShotGrid's documented behaviour.

reference/data-model.md §2.1 (operators per data type), §2.3 (None and empty semantics), §3.1 and
§3.2 (structure, relations). One data set of four Shots per database, read by every test:

    code         description   numbers  checkbox  status  list   date
    Alpha        Hello World   zero     False     ip      Hero   2024-01-10
    beta         hello there   mid      True      fin     bg     2024-02-01
    Gamma_100%   (empty)       negative False     (empty) (empty) (empty)
    La Peña      ÉCOLE         (empty)  False     wtg     Hero   2023-12-31
"""

from __future__ import annotations

from typing import Any

import pytest
from read_sites import DIALECTS, code_set, site_copy

from callsheet.client import Shotgun
from callsheet.faults import Fault

ALL = {"Alpha", "beta", "Gamma_100%", "La Peña"}
# data type -> (Alpha, beta, Gamma) values; La Peña leaves every number empty.
NUMBERS: dict[str, tuple[Any, Any, Any]] = {
    "number": (0, 10, -5),
    "duration": (0, 120, -60),
    "percent": (0, 50, -1),
    "timecode": (0, 2000, -1000),
    "float": (0.0, 1.5, -2.25),
    "currency": (0.0, 99.99, -10.5),
}


@pytest.fixture(scope="module", params=DIALECTS)
def shots(request: pytest.FixtureRequest) -> Any:
    """(sg, field names by data type) with the four Shots above."""
    with site_copy(request, request.param) as sg:
        fields = {"number": "sg_cut_in"}
        for data_type in NUMBERS:
            if data_type != "number":
                fields[data_type] = sg.schema_field_create("Shot", data_type, f"My {data_type}")
        fields["checkbox"] = sg.schema_field_create("Shot", "checkbox", "My flag")
        fields["date"] = sg.schema_field_create("Shot", "date", "My day")
        project = sg.create("Project", {"name": "Filters"})
        rows = [
            ("Alpha", "Hello World", 0, False, "ip", "Hero", "2024-01-10"),
            ("beta", "hello there", 1, True, "fin", "bg", "2024-02-01"),
            ("Gamma_100%", None, 2, False, None, None, None),
            ("La Peña", "ÉCOLE", None, False, "wtg", "Hero", "2023-12-31"),
        ]
        for code, description, number, flag, status, shot_type, day in rows:
            data = {
                "code": code,
                "project": project,
                "description": description,
                "sg_status_list": status,
                "sg_shot_type": shot_type,
                fields["checkbox"]: flag,
                fields["date"]: day,
            }
            for data_type, values in NUMBERS.items():
                data[fields[data_type]] = None if number is None else values[number]
            sg.create("Shot", data)
        yield sg, fields


def found(sg: Shotgun, filters: Any, **kwargs: Any) -> set[str]:
    return code_set(sg.find("Shot", filters, ["code"], **kwargs))


# -- text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (["code", "is", "ALPHA"], {"Alpha"}),
        (["code", "is", "  alpha "], {"Alpha"}),
        (["code", "is", "la peña"], {"La Peña"}),
        (["description", "is", "école"], {"La Peña"}),
        (["description", "is", ""], {"Gamma_100%"}),
        (["description", "is", None], {"Gamma_100%"}),
        (["description", "is_not", "HELLO WORLD"], {"beta", "Gamma_100%", "La Peña"}),
        (["description", "is_not", None], {"Alpha", "beta", "La Peña"}),
        (["description", "is_not", ""], {"Alpha", "beta", "La Peña"}),
        (["description", "contains", "HELLO"], {"Alpha", "beta"}),
        (["description", "contains", ""], {"Alpha", "beta", "La Peña"}),
        (["description", "not_contains", "hello"], {"Gamma_100%", "La Peña"}),
        (["description", "starts_with", "HEL"], {"Alpha", "beta"}),
        (["description", "ends_with", "WORLD"], {"Alpha"}),
        (["code", "contains", "%"], {"Gamma_100%"}),
        (["code", "contains", "_"], {"Gamma_100%"}),
        (["code", "starts_with", "%"], set()),
        (["code", "in", "alpha", "BETA"], {"Alpha", "beta"}),
        (["code", "in", ["alpha", "BETA"]], {"Alpha", "beta"}),
        (["code", "in", "alpha"], {"Alpha"}),
        (["description", "in", [None, "hello there"]], {"beta", "Gamma_100%"}),
        (["description", "not_in", ["hello world"]], {"beta", "Gamma_100%", "La Peña"}),
        (["description", "not_in", "hello world", None], {"beta", "La Peña"}),
    ],
)
def test_find_text_operator_matches_shotgrid_semantics(
    shots: Any, condition: list[Any], expected: set[str]
) -> None:
    sg, _ = shots
    assert found(sg, [condition]) == expected


def test_find_text_in_with_empty_list_is_fault(shots: Any) -> None:
    sg, _ = shots
    with pytest.raises(Fault, match=r"Shot\.code 'in' expects at least a 1-element array"):
        sg.find("Shot", [["code", "in", []]])


# -- list and status_list -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (["sg_status_list", "is", "IP"], {"Alpha"}),
        (["sg_status_list", "is", None], {"Gamma_100%"}),
        (["sg_status_list", "is", ""], {"Gamma_100%"}),
        (["sg_status_list", "is_not", "ip"], {"beta", "Gamma_100%", "La Peña"}),
        (["sg_status_list", "is_not", None], {"Alpha", "beta", "La Peña"}),
        (["sg_status_list", "in", "ip", "fin"], {"Alpha", "beta"}),
        (["sg_status_list", "in", ["ip", "FIN"]], {"Alpha", "beta"}),
        (["sg_status_list", "not_in", ["ip", "fin"]], {"Gamma_100%", "La Peña"}),
        (["sg_shot_type", "is", "hero"], {"Alpha", "La Peña"}),
        (["sg_shot_type", "is", ""], {"Gamma_100%"}),
        (["sg_shot_type", "is_not", "Hero"], {"beta", "Gamma_100%"}),
        (["sg_shot_type", "in", ["BG"]], {"beta"}),
        (["sg_shot_type", "not_in", ["bg"]], {"Alpha", "Gamma_100%", "La Peña"}),
    ],
)
def test_find_choice_operator_matches_case_insensitively(
    shots: Any, condition: list[Any], expected: set[str]
) -> None:
    sg, _ = shots
    assert found(sg, [condition]) == expected


@pytest.mark.parametrize("field", ["sg_status_list", "sg_shot_type"])
def test_find_choice_contains_is_fault_naming_valid_relations(shots: Any, field: str) -> None:
    sg, _ = shots
    with pytest.raises(Fault) as caught:
        sg.find("Shot", [[field, "contains", "i"]])
    message = str(caught.value)
    assert f"Shot.{field}" in message
    assert "'contains'" in message
    assert "Valid relations: ['is', 'is_not', 'in', 'not_in']" in message


# -- numbers: number, duration, percent, timecode, float, currency -------------------------------


def _numeric_cases() -> list[Any]:
    cases = []
    for data_type, (zero, mid, low) in NUMBERS.items():
        rows = [
            ("is", [zero], {"Alpha"}),
            ("is", [None], {"La Peña"}),
            ("is_not", [None], {"Alpha", "beta", "Gamma_100%"}),
            ("is_not", [zero], {"beta", "Gamma_100%", "La Peña"}),
            ("less_than", [zero], {"Gamma_100%"}),
            ("greater_than", [zero], {"beta"}),
            ("greater_than", [low], {"Alpha", "beta"}),
            ("between", [zero, mid], {"Alpha", "beta"}),
            ("between", [[mid, zero]], {"Alpha", "beta"}),
            ("between", [None, mid], set()),
            ("not_between", [zero, mid], {"Gamma_100%", "La Peña"}),
            ("in", [zero, mid], {"Alpha", "beta"}),
            ("in", [[low]], {"Gamma_100%"}),
            ("in", [[None, mid]], {"beta", "La Peña"}),
            ("not_in", [[zero]], {"beta", "Gamma_100%", "La Peña"}),
            ("not_in", [[zero, None]], {"beta", "Gamma_100%"}),
        ]
        for operator, values, expected in rows:
            cases.append(
                pytest.param(
                    data_type, operator, values, expected, id=f"{data_type}-{operator}-{values}"
                )
            )
    return cases


@pytest.mark.parametrize(("data_type", "operator", "values", "expected"), _numeric_cases())
def test_find_numeric_operator_matches_zero_as_a_value_and_nulls_only_when_negative(
    shots: Any, data_type: str, operator: str, values: list[Any], expected: set[str]
) -> None:
    sg, fields = shots
    assert found(sg, [[fields[data_type], operator, *values]]) == expected


@pytest.mark.parametrize("data_type", list(NUMBERS))
def test_find_numeric_contains_is_fault_naming_field_and_relations(
    shots: Any, data_type: str
) -> None:
    sg, fields = shots
    with pytest.raises(Fault) as caught:
        sg.find("Shot", [[fields[data_type], "contains", 1]])
    message = str(caught.value)
    assert f"Shot.{fields[data_type]}" in message
    assert "'less_than'" in message and "'between'" in message


def test_find_number_with_text_value_is_fault_naming_value(shots: Any) -> None:
    sg, _ = shots
    with pytest.raises(Fault, match=r"Shot\.sg_cut_in.*'ten'"):
        sg.find("Shot", [["sg_cut_in", "greater_than", "ten"]])


def test_find_between_with_one_value_is_fault(shots: Any) -> None:
    sg, _ = shots
    with pytest.raises(Fault, match="expects two values"):
        sg.find("Shot", [["sg_cut_in", "between", 1]])


# -- checkbox -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("is", True, {"beta"}),
        ("is", False, {"Alpha", "Gamma_100%", "La Peña"}),
        ("is_not", True, {"Alpha", "Gamma_100%", "La Peña"}),
        ("is_not", False, {"beta"}),
    ],
)
def test_find_checkbox_unset_reads_and_matches_false(
    shots: Any, operator: str, value: bool, expected: set[str]
) -> None:
    sg, fields = shots
    assert found(sg, [[fields["checkbox"], operator, value]]) == expected


def test_find_checkbox_is_none_is_fault(shots: Any) -> None:
    sg, fields = shots
    with pytest.raises(Fault, match=f"Shot.{fields['checkbox']}"):
        sg.find("Shot", [[fields["checkbox"], "is", None]])


# -- date (fixed values; relative windows are in test_find_dates.py) -----------------------------


@pytest.mark.parametrize(
    ("operator", "values", "expected"),
    [
        ("is", ["2024-01-10"], {"Alpha"}),
        ("is", [""], {"Gamma_100%"}),
        ("is", [None], {"Gamma_100%"}),
        ("is_not", ["2024-01-10"], {"beta", "Gamma_100%", "La Peña"}),
        ("greater_than", ["2024-01-10"], {"beta"}),
        ("less_than", ["2024-01-10"], {"La Peña"}),
        ("between", ["2024-02-01", "2024-01-01"], {"Alpha", "beta"}),
        ("not_between", ["2024-01-01", "2024-02-01"], {"Gamma_100%", "La Peña"}),
        ("in", ["2024-01-10", "2023-12-31"], {"Alpha", "La Peña"}),
        ("not_in", [["2024-01-10"]], {"beta", "Gamma_100%", "La Peña"}),
    ],
)
def test_find_date_operator_compares_calendar_days(
    shots: Any, operator: str, values: list[Any], expected: set[str]
) -> None:
    sg, fields = shots
    assert found(sg, [[fields["date"], operator, *values]]) == expected


def test_find_date_with_impossible_day_is_fault_naming_value(shots: Any) -> None:
    sg, fields = shots
    with pytest.raises(Fault, match="2024-02-30"):
        sg.find("Shot", [[fields["date"], "is", "2024-02-30"]])


# -- image, unfilterable types, unknown names ----------------------------------------------------


def test_find_image_is_none_matches_rows_without_thumbnail(shots: Any) -> None:
    sg, _ = shots
    assert found(sg, [["image", "is", None]]) == ALL
    assert found(sg, [["image", "is_not", None]]) == set()


def test_find_image_with_value_is_fault(shots: Any) -> None:
    sg, _ = shots
    with pytest.raises(Fault, match=r"Shot\.image.*only accepts None"):
        sg.find("Shot", [["image", "is", "http://example.com/a.png"]])


@pytest.mark.parametrize(
    ("entity_type", "field", "data_type"),
    [
        ("Project", "tracking_settings", "serializable"),
        ("Version", "sg_uploaded_movie", "url"),
        ("HumanUser", "password_proxy", "password"),
    ],
)
def test_find_unfilterable_type_is_fault_saying_so(
    shots: Any, entity_type: str, field: str, data_type: str
) -> None:
    sg, _ = shots
    with pytest.raises(Fault) as caught:
        sg.find(entity_type, [[field, "is", None]])
    message = str(caught.value)
    assert f"{entity_type}.{field}" in message
    assert f"'{data_type}' data type cannot be used in a filter" in message


def test_find_unknown_filter_field_is_fault_naming_it(shots: Any) -> None:
    sg, _ = shots
    with pytest.raises(Fault, match=r"API read\(\) Shot\.sg_nope doesn't exist"):
        sg.find("Shot", [["sg_nope", "is", 1]])


def test_find_unknown_relation_is_fault_naming_valid_relations(shots: Any) -> None:
    sg, _ = shots
    with pytest.raises(Fault) as caught:
        sg.find("Shot", [["code", "greater_than", "a"]])
    message = str(caught.value)
    assert "Shot.code" in message and "'greater_than'" in message
    assert "'starts_with'" in message and "'not_contains'" in message


def test_find_unknown_return_field_is_ignored(shots: Any) -> None:
    sg, _ = shots
    records = sg.find("Shot", [["code", "is", "alpha"]], ["code", "sg_nope", "sg_sequence.Nope.x"])
    assert records == [{"type": "Shot", "id": records[0]["id"], "code": "Alpha"}]


def test_find_unknown_entity_type_is_fault(shots: Any) -> None:
    sg, _ = shots
    with pytest.raises(Fault, match="NotAType"):
        sg.find("NotAType", [])


# -- structure: groups, operators, wire form -----------------------------------------------------


def test_find_filter_operator_any_ors_top_level_conditions(shots: Any) -> None:
    sg, _ = shots
    filters = [["code", "is", "alpha"], ["sg_status_list", "is", "fin"]]
    assert found(sg, filters, filter_operator="any") == {"Alpha", "beta"}
    assert found(sg, filters, filter_operator="or") == {"Alpha", "beta"}
    assert found(sg, filters, filter_operator="all") == set()
    assert found(sg, filters) == set()


def test_find_nested_groups_combine_any_inside_all(shots: Any) -> None:
    sg, _ = shots
    filters = [
        ["description", "is_not", None],
        {
            "filter_operator": "any",
            "filters": [
                ["sg_status_list", "is", "wtg"],
                {
                    "filter_operator": "all",
                    "filters": [["code", "contains", "a"], ["sg_cut_in", "is", 0]],
                },
            ],
        },
    ]
    assert found(sg, filters) == {"Alpha", "La Peña"}


def test_find_wire_dict_filters_with_nested_conditions(shots: Any) -> None:
    sg, _ = shots
    filters = {
        "logical_operator": "or",
        "conditions": [
            {"path": "code", "relation": "is", "values": ["alpha"]},
            {
                "logical_operator": "and",
                "conditions": [
                    {"path": "sg_cut_in", "relation": "between", "values": [1, 100]},
                    {"path": "description", "relation": "contains", "values": ["there"]},
                ],
            },
        ],
    }
    assert found(sg, filters) == {"Alpha", "beta"}


def test_find_wire_dict_in_takes_values_list(shots: Any) -> None:
    sg, _ = shots
    filters = {
        "logical_operator": "and",
        "conditions": [{"path": "code", "relation": "in", "values": ["alpha", "beta"]}],
    }
    assert found(sg, filters) == {"Alpha", "beta"}


def test_find_empty_filters_and_empty_groups_match_everything(shots: Any) -> None:
    sg, _ = shots
    assert found(sg, []) == ALL
    assert found(sg, [{"filter_operator": "any", "filters": []}]) == ALL
    assert found(sg, {"logical_operator": "and", "conditions": []}) == ALL


def test_find_dict_filters_with_filter_operator_is_fault(shots: Any) -> None:
    sg, _ = shots
    with pytest.raises(Fault, match="filter_operator"):
        sg.find("Shot", {"logical_operator": "and", "conditions": []}, filter_operator="all")


@pytest.mark.parametrize(
    "filters",
    [
        "code is x",
        [["code"]],
        [["code", "is"]],
        [["code", 5, "x"]],
        [42],
        [{"filter_operator": "xor", "filters": []}],
        {"logical_operator": "and", "conditions": [["code", "is", "x"]]},
        {"logical_operator": "and", "conditions": "x"},
        {"nonsense": True},
    ],
)
def test_find_malformed_filters_are_faults(shots: Any, filters: Any) -> None:
    sg, _ = shots
    with pytest.raises(Fault):
        sg.find("Shot", filters)
