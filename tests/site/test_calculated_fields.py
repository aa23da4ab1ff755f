"""Calculated fields (issue 12 §4): every operator and function against hand-computed answers,
null rules, filters and sorts on the computed value, linked fields as the reader sees them, and
the admin-only create path. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from permission_world import build_world

from callsheet.client import Shotgun
from callsheet.faults import Fault, SchemaFault
from callsheet.site.accounts import admin_actor

UTC = dt.UTC
START = "2024-02-28"  # a leap year: two days later is March 1st
WHEN = dt.datetime(2024, 3, 10, 22, 30, tzinfo=UTC)

# (formula, output type or None to infer it, the value a Shot with the `_shot` values reads).
CASES: list[tuple[str, str | None, Any]] = [
    # arithmetic: whole numbers stay whole, '/' always gives a decimal, x / 0 is null
    ("{sg_cut_out} - {sg_cut_in} + 1", None, 48),
    ("{sg_cut_in} * 2", None, 2002),
    ("2 + 3 * 4", None, 14),
    ("(2 + 3) * 4", None, 20),
    ("-{sg_cut_in} + 1", None, -1000),
    ("7 / 2", None, 3.5),
    ("{sg_cut_out} / 0", None, None),
    ("{sg_cut_out} / ({sg_cut_in} - 1001)", None, None),
    ("{sg_rate} * 2", None, 47.952),
    ("{sg_cut_in} * {sg_cut_out} * 10000", None, 10_490_480_000),  # past 32 bits
    # comparisons
    ("{sg_cut_in} < {sg_cut_out}", None, True),
    ("{sg_cut_in} >= 1001", None, True),
    ("{sg_cut_in} > 1001", None, False),
    ("{sg_cut_in} <= 1000.5", None, False),
    ("{sg_rate} > 24", None, False),
    ('{code} = "sh010"', None, True),
    ('{code} == "sh010"', None, True),
    ('{code} != "sh010"', None, False),
    ('{code} <> "sh020"', None, True),
    ("{sg_flag} = TRUE", None, True),
    ('{sg_start} < DATEADD({sg_start}, 1, "day")', None, True),
    # text
    ('CONCAT("A_", {code})', None, "A_sh010"),
    ('CONCAT({code}, "-", {sg_cut_in} * 1000)', None, "sh010-1,001,000"),
    ('CONCAT({sg_rate}, "|", 7 / 2, "|", 2.0)', None, "23.976|3.5|2"),
    ('CONCAT({sg_start}, " ", {sg_when})', None, "2024-02-28 2024-03-10 22:30:00"),
    ("CONCAT({sg_flag}, {sg_cut_in} > 5000)", None, "truefalse"),
    ("UPPER({description})", None, "ÜNÏCODE CAFÉ"),
    ('LOWER("ÀBC")', None, "àbc"),
    ("LEFT({code}, 2)", None, "sh"),
    ("LEFT({code}, 0)", None, ""),
    ("RIGHT({code}, 3)", None, "010"),
    ("RIGHT({code}, 10)", None, "sh010"),
    ("MID({code}, 2, 3)", None, "h01"),
    ("MID({code}, 0, 3)", None, None),
    ("LEN({description})", None, 12),
    ('TRIM("  a b  ")', None, "a b"),
    ('SUBSTITUTE({code}, "0", "o")', None, "sho1o"),
    # math
    ("ABS(-3)", None, 3),
    ("ABS(-2.5)", None, 2.5),
    ("ROUND(2.5)", None, 3),
    ("ROUND(-2.5)", None, -3),
    ("ROUND({sg_rate}, 1)", None, 24.0),
    ("ROUND(2 / 3, 2)", None, 0.67),
    ("FLOOR(-2.5)", None, -3),
    ("FLOOR({sg_rate})", None, 23),
    ("CEILING(2.1)", None, 3),
    ("ceil(-2.1)", None, -2),
    ("MIN(3, 1.5, 2)", None, 1.5),
    ("MAX({sg_cut_in}, {sg_cut_out})", None, 1048),
    ('MAX({sg_start}, DATEADD({sg_start}, 1, "day"))', None, "2024-02-29"),
    # dates
    ("YEAR({sg_start})", None, 2024),
    ("MONTH({sg_when})", None, 3),
    ("DAY({sg_start})", None, 28),
    ('DATEADD({sg_start}, 2, "days")', None, "2024-03-01"),
    ('DATEADD({sg_start}, -1, "week")', None, "2024-02-21"),
    ('DATEADD({sg_when}, 90, "minutes")', None, dt.datetime(2024, 3, 11, 0, 0, tzinfo=UTC)),
    ('DATEADD({sg_when}, -2, "hours")', None, dt.datetime(2024, 3, 10, 20, 30, tzinfo=UTC)),
    ("DATEDIFF({sg_start}, {sg_when})", None, 11),
    ("DATEDIFF({sg_when}, {sg_start})", None, -11),
    ("NOW() > {sg_when}", None, True),
    ("DATEDIFF(TODAY(), TODAY())", None, 0),
    # type conversion (durations are minutes; a working day is 8 hours)
    ("TO_DAYS(600)", None, 1.25),
    ("to_hours({sg_cut_in} - 911)", None, 1.5),
    # logic
    ('IF({sg_cut_in} > 1000, "big", "small")', None, "big"),
    ("IF({sg_flag}, 1, 2.5)", None, 1.0),
    ("AND({sg_flag}, {sg_cut_in} > 5)", None, True),
    ("OR(FALSE, {sg_cut_in} < 5)", None, False),
    ("NOT({sg_flag})", None, False),
    ("ISNULL({sg_head_in})", None, True),
    ("ISNULL({code})", None, False),
    # output types declared at creation
    ("{sg_cut_in}", "float", 1001.0),
    ("{sg_cut_in} * 2", "text", "2,002"),
    ("{sg_start}", "date_time", dt.datetime(2024, 2, 28, tzinfo=UTC)),
    ("{sg_cut_out} - {sg_cut_in}", "duration", 47),
    ("{sg_rate}", "currency", 23.976),
    # linked fields, one and two links away
    ("{sg_sequence.Sequence.code}", None, "sq01"),
    ('CONCAT({sg_sequence.Sequence.code}, "_", {code})', None, "sq01_sh010"),
    ("{sg_sequence.Sequence.project.Project.name}", None, "Calc Project"),
]

# What a Shot with none of the formulas' fields set reads (null rules).
NULL_CASES: list[tuple[str, Any]] = [
    ("{sg_cut_out} - {sg_cut_in} + 1", None),
    ("{sg_cut_in} / {sg_cut_out}", None),
    ('CONCAT("A_", {description}, {sg_cut_in})', "A_"),
    ("UPPER({description})", None),
    ('IF({sg_cut_in} > 5, "y", "n")', "n"),
    ("ISNULL({sg_cut_in})", True),
    ("MAX({sg_cut_in}, 3)", None),
    ("YEAR({sg_start})", None),
    ("ROUND({sg_rate}, 1)", None),
    ("FLOOR({sg_rate})", None),
    ("{sg_sequence.Sequence.code}", None),
    ("CONCAT({sg_when})", ""),
]


def admin(sg: Shotgun) -> Any:
    return admin_actor(sg.site)


def create_calculated(sg: Shotgun, entity_type: str, name: str, formula: str, output=None) -> str:
    definition: dict[str, Any] = {"formula": formula}
    if output:
        definition["output_type"] = output
    return sg.site.computed_field_create(admin(sg), entity_type, "calculated", name, definition)


@pytest.fixture
def shot(sg: Shotgun) -> dict:
    sg.schema_field_create("Shot", "float", "Rate")
    sg.schema_field_create("Shot", "date", "Start")
    sg.schema_field_create("Shot", "date_time", "When")
    sg.schema_field_create("Shot", "checkbox", "Flag")
    project = sg.create("Project", {"name": "Calc Project"})
    sequence = sg.create("Sequence", {"code": "sq01", "project": project})
    return sg.create(
        "Shot",
        {
            "code": "sh010",
            "project": project,
            "sg_sequence": sequence,
            "sg_cut_in": 1001,
            "sg_cut_out": 1048,
            "sg_rate": 23.976,
            "sg_start": START,
            "sg_when": WHEN,
            "sg_flag": True,
            "description": "Ünïcode café",
        },
    )


def test_every_operator_and_function_reads_its_hand_computed_answer(
    sg: Shotgun, shot: dict
) -> None:
    names = [
        create_calculated(sg, "Shot", f"Calc {i}", formula, output)
        for i, (formula, output, _) in enumerate(CASES)
    ]
    row = sg.find_one("Shot", [["id", "is", shot["id"]]], names)
    wrong = {
        formula: (row[name], expected)
        for name, (formula, _, expected) in zip(names, CASES, strict=True)
        if not _same(row[name], expected)
    }
    assert not wrong, wrong


def _same(value: Any, expected: Any) -> bool:
    if isinstance(expected, float) and isinstance(value, float):
        return abs(value - expected) < 1e-9
    return value == expected and type(value) is type(expected)


def test_today_is_the_utc_date(sg: Shotgun, shot: dict) -> None:
    name = create_calculated(sg, "Shot", "Days Since Start", "DATEDIFF({sg_start}, TODAY())")
    today = dt.datetime.now(UTC).date()
    value = sg.find_one("Shot", [["id", "is", shot["id"]]], [name])[name]
    assert value == (today - dt.date.fromisoformat(START)).days


def test_nulls_follow_the_formula_null_rules(sg: Shotgun, shot: dict) -> None:
    empty = sg.create("Shot", {"code": "empty", "project": shot["project"]})
    names = [
        create_calculated(sg, "Shot", f"Null {i}", formula)
        for i, (formula, _) in enumerate(NULL_CASES)
    ]
    row = sg.find_one("Shot", [["id", "is", empty["id"]]], names)
    wrong = {
        formula: (row[name], expected)
        for name, (formula, expected) in zip(names, NULL_CASES, strict=True)
        if row[name] != expected
    }
    assert not wrong, wrong


def test_a_formula_may_use_another_calculated_field(sg: Shotgun, shot: dict) -> None:
    length = create_calculated(sg, "Shot", "Cut Length", "{sg_cut_out} - {sg_cut_in} + 1")
    double = create_calculated(sg, "Shot", "Double Length", f"{{{length}}} * 2")
    row = sg.find_one("Shot", [["id", "is", shot["id"]]], [length, double])
    assert (row[length], row[double]) == (48, 96)


def test_values_follow_their_inputs_without_being_stored(sg: Shotgun, shot: dict) -> None:
    name = create_calculated(sg, "Shot", "Cut Length", "{sg_cut_out} - {sg_cut_in} + 1")
    sg.update("Shot", shot["id"], {"sg_cut_out": 1100})
    assert sg.find_one("Shot", [["id", "is", shot["id"]]], [name])[name] == 100
    sg.update("Shot", shot["id"], {"sg_cut_out": None})
    assert sg.find_one("Shot", [["id", "is", shot["id"]]], [name])[name] is None


def _shots(sg: Shotgun, project: dict, cuts: dict[str, tuple[int | None, int | None]]) -> None:
    for code, (cut_in, cut_out) in cuts.items():
        sg.create(
            "Shot", {"code": code, "project": project, "sg_cut_in": cut_in, "sg_cut_out": cut_out}
        )


def test_filters_and_sorts_use_the_computed_value(sg: Shotgun, project: dict) -> None:
    _shots(sg, project, {"a": (1, 10), "b": (1, 50), "c": (5, 6), "d": (None, 3)})
    length = create_calculated(sg, "Shot", "Cut Length", "{sg_cut_out} - {sg_cut_in} + 1")
    label = create_calculated(sg, "Shot", "Label", 'CONCAT(UPPER({code}), "-", {sg_cut_out})')

    def codes(filters: list, order: list | None = None) -> list[str]:
        order = order or [{"field_name": "code", "direction": "asc"}]
        return [r["code"] for r in sg.find("Shot", filters, ["code"], order=order)]

    assert codes([[length, "greater_than", 9]]) == ["a", "b"]
    assert codes([[length, "is", 2]]) == ["c"]
    assert codes([[length, "is", None]]) == ["d"]
    assert codes([[length, "is_not", 10]]) == ["b", "c", "d"]  # nulls match negations
    assert codes([[length, "between", 2, 10]]) == ["a", "c"]
    assert codes([[label, "starts_with", "b"]]) == ["b"]  # text compares case-insensitively
    assert codes([[label, "is", "C-6"]]) == ["c"]
    assert codes([], [{"field_name": length, "direction": "desc"}])[:3] == ["b", "a", "c"]
    assert codes([[length, "is_not", None]], [{"field_name": length, "direction": "asc"}]) == [
        "c",
        "a",
        "b",
    ]
    assert codes([], [{"field_name": label, "direction": "asc"}]) == ["a", "b", "c", "d"]


def test_summaries_and_groupings_use_the_computed_value(sg: Shotgun, project: dict) -> None:
    _shots(sg, project, {"a": (1, 10), "b": (1, 50), "c": (5, 6), "d": (None, 3), "e": (1, 2)})
    length = create_calculated(sg, "Shot", "Cut Length", "{sg_cut_out} - {sg_cut_in} + 1")
    total = sg.summarize("Shot", [], [{"field": length, "type": "sum"}])
    assert total["summaries"] == {length: 10 + 50 + 2 + 2}
    biggest = sg.summarize("Shot", [], [{"field": length, "type": "maximum"}])
    assert biggest["summaries"] == {length: 50}
    grouped = sg.summarize(
        "Shot",
        [],
        [{"field": "id", "type": "record_count"}],
        grouping=[{"field": length, "type": "exact", "direction": "asc"}],
    )
    assert [(g["group_value"], g["summaries"]["id"]) for g in grouped["groups"]] == [
        (2, 2),
        (10, 1),
        (50, 1),
        (None, 1),
    ]


def test_groupings_take_the_result_types_grouping_types(sg: Shotgun, project: dict) -> None:
    _shots(sg, project, {"apple": (1, 2), "avocado": (1, 2), "banana": (1, 2)})
    label = create_calculated(sg, "Shot", "Label", "UPPER({code})", "text")
    grouped = sg.summarize(
        "Shot",
        [],
        [{"field": "id", "type": "record_count"}],
        grouping=[{"field": label, "type": "firstletter", "direction": "asc"}],
    )
    assert [(g["group_name"], g["summaries"]["id"]) for g in grouped["groups"]] == [
        ("A", 2),
        ("B", 1),
    ]
    with pytest.raises(Fault, match="Valid types"):
        sg.summarize(
            "Shot",
            [],
            [{"field": "id", "type": "record_count"}],
            grouping=[{"field": label, "type": "tenth", "direction": "asc"}],
        )


def test_a_grouping_counts_only_what_the_reader_may_see_through_links(sg: Shotgun) -> None:
    world = build_world(sg)
    sg.update("Shot", world.open["Shot"]["id"], {"sg_sequence": world.closed["Sequence"]})
    name = create_calculated(sg, "Shot", "Seq", 'CONCAT("in ", {sg_sequence.Sequence.code})')
    grouping = [{"field": name, "type": "exact", "direction": "asc"}]
    count = [{"field": "id", "type": "record_count"}]
    artist = world.as_role("artist")
    seen = artist.summarize("Shot", [], count, grouping=grouping)
    assert "in closed_seq" not in [g["group_value"] for g in seen["groups"]]


def test_deep_reads_and_deep_filters_reach_calculated_fields(sg: Shotgun, project: dict) -> None:
    sequence = sg.create("Sequence", {"code": "sq01", "project": project})
    sg.create("Shot", {"code": "a", "project": project, "sg_sequence": sequence})
    label = create_calculated(sg, "Sequence", "Label", 'CONCAT("SEQ-", UPPER({code}))')
    deep = f"sg_sequence.Sequence.{label}"
    row = sg.find_one("Shot", [[deep, "is", "SEQ-SQ01"]], [deep])
    assert row is not None and row[deep] == "SEQ-SQ01"


def test_linked_fields_read_null_when_the_link_is_retired(sg: Shotgun, project: dict) -> None:
    sequence = sg.create("Sequence", {"code": "sq01", "project": project})
    shot = sg.create("Shot", {"code": "a", "project": project, "sg_sequence": sequence})
    name = create_calculated(sg, "Shot", "Seq", "{sg_sequence.Sequence.code}")
    assert sg.find_one("Shot", [["id", "is", shot["id"]]], [name])[name] == "sq01"
    sg.delete("Sequence", sequence["id"])
    assert sg.find_one("Shot", [["id", "is", shot["id"]]], [name])[name] is None


def test_schema_field_read_shows_the_definition_in_shotgrid_shape(
    sg: Shotgun, project: dict
) -> None:
    name = create_calculated(sg, "Shot", "Cut Length", "  {sg_cut_out} - {sg_cut_in} + 1 ")
    record = sg.schema_field_read("Shot", name)[name]
    assert record["data_type"]["value"] == "calculated"
    assert record["editable"]["value"] is False
    properties = {k: v["value"] for k, v in record["properties"].items()}
    assert properties["calculated_function"] == "{sg_cut_out} - {sg_cut_in} + 1"
    assert properties["renderer"] == "number"


def test_calculated_fields_are_read_only(sg: Shotgun, project: dict) -> None:
    name = create_calculated(sg, "Shot", "Cut Length", "{sg_cut_out} - {sg_cut_in} + 1")
    with pytest.raises(Fault, match=rf"Shot\.{name} is not editable"):
        sg.create("Shot", {"code": "a", "project": project, name: 3})


def test_the_api_cannot_create_calculated_fields(sg: Shotgun) -> None:
    with pytest.raises(Fault, match="The API cannot create or change a 'calculated' field"):
        sg.schema_field_create(
            "Shot", "calculated", "Cut Length", {"calculated_function": "{sg_cut_in}"}
        )
    assert "sg_cut_length" not in sg.schema_field_read("Shot")


def test_only_admins_create_calculated_fields(sg: Shotgun) -> None:
    world = build_world(sg)
    with pytest.raises(Fault, match="Changing the schema"):
        sg.site.computed_field_create(
            world.actor("manager"), "Shot", "calculated", "Cut Length", {"formula": "{id}"}
        )


def test_a_linked_row_the_reader_may_not_see_reads_null(sg: Shotgun) -> None:
    world = build_world(sg)
    # The open project's Shot now belongs to the closed project's Sequence, which the artist
    # (a member of "Open" only) may not see.
    sg.update("Shot", world.open["Shot"]["id"], {"sg_sequence": world.closed["Sequence"]})
    name = create_calculated(sg, "Shot", "Seq", 'CONCAT("in ", {sg_sequence.Sequence.code})')
    shot = [["id", "is", world.open["Shot"]["id"]]]
    assert sg.find_one("Shot", shot, [name])[name] == "in closed_seq"
    artist = world.as_role("artist")
    assert artist.find_one("Shot", shot, [name])[name] == "in "
    assert artist.find("Shot", [[name, "is", "in closed_seq"]], ["code"]) == []
    everyone = sg.find("Shot", [[name, "is", "in closed_seq"]], ["code"])
    assert sorted(r["code"] for r in everyone) == ["closed_shot", "open_shot"]


# -- malformed formulas (every message: tests/schema/test_formulas.py) ---------------------------


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("{sg_cut_in} +", r"column 14 \(the end of the formula\): expected a value"),
        ("{sg_sequence.Sequence.nope}", r"unknown field Sequence\.nope"),
        ("{sg_cut_in} / 2", "gives a decimal number, which output type 'number' cannot"),
    ],
)
def test_malformed_formulas_are_refused_and_nothing_is_made(
    sg: Shotgun, formula: str, message: str
) -> None:
    output = "number" if "/" in formula else None
    with pytest.raises(SchemaFault, match=message):
        create_calculated(sg, "Shot", "Broken", formula, output)
    assert "sg_broken" not in sg.schema_field_read("Shot")


@pytest.mark.parametrize(
    "definition",
    [None, "{code}", {"formula": "{code}", "colour": "red"}, {"output_type": "text"}],
)
def test_malformed_definitions_are_refused(sg: Shotgun, definition: Any) -> None:
    with pytest.raises(SchemaFault, match="definition"):
        sg.site.computed_field_create(admin(sg), "Shot", "calculated", "Broken", definition)


def test_formulas_that_came_to_use_each_other_read_null(sg: Shotgun, shot: dict) -> None:
    first = create_calculated(sg, "Shot", "First", "{sg_cut_in} + 1")
    second = create_calculated(sg, "Shot", "Second", f"{{{first}}} + 1")
    assert sg.find_one("Shot", [["id", "is", shot["id"]]], [second])[second] == 1003
    # First is made again, now from Second: a circle no read can finish
    sg.site.schema_field_delete(admin(sg), "Shot", first)
    assert create_calculated(sg, "Shot", "First", f"{{{second}}} + 1") == first
    row = sg.find_one("Shot", [["id", "is", shot["id"]]], [first, second])
    assert row[first] is None or row[second] is None
