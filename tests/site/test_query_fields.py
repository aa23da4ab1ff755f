"""Query fields (data type `summary`): every summary type against hand-computed answers, the
default schema's `open_notes_count`, filters, sorts, summaries and deep reads of them, the
reader's permissions inside the count, and the API's refusal to make or change them. SQLite and
PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from permission_world import build_world

import callsheet
from callsheet.cli import main
from callsheet.client import Shotgun
from callsheet.faults import Fault, SchemaFault

# Tasks of three Shots; "retired" is deleted before any read. Hand-computed answers below.
TASKS = {
    "A": [
        {"content": "a1", "est_in_mins": 60, "milestone": True, "start_date": "2026-01-05",
         "sg_status_list": "ip"},
        {"content": "a2", "est_in_mins": 120, "milestone": False, "start_date": "2026-01-02",
         "sg_status_list": "fin"},
        {"content": "a3", "est_in_mins": None, "milestone": True, "start_date": "2026-02-01",
         "sg_status_list": "fin"},
        {"content": "retired", "est_in_mins": 1000, "milestone": True, "start_date": "2027-01-01",
         "sg_status_list": "fin"},
    ],
    "B": [
        {"content": "b1", "est_in_mins": 30, "milestone": False, "start_date": "2026-03-01",
         "sg_status_list": "fin"},
    ],
    "C": [],
}  # fmt: skip
CURRENT_ENTITY = {
    "type": "Entity",
    "id": 0,
    "name": "Current Entity",
    "valid": "parent_entity_token",
}
TASKS_OF_SHOT = {
    "logical_operator": "and",
    "conditions": [{"path": "entity", "relation": "is", "values": [CURRENT_ENTITY]}],
}

# (summary type, summarized field, summary value, answers for Shots A, B, C)
SUMMARIES = [
    ("record_count", "id", None, [3, 1, 0]),
    ("count", "est_in_mins", None, [2, 1, 0]),
    ("sum", "est_in_mins", None, [180, 30, 0]),
    ("maximum", "est_in_mins", None, [120, 30, None]),
    ("max", "est_in_mins", None, [120, 30, None]),
    ("minimum", "est_in_mins", None, [60, 30, None]),
    ("average", "est_in_mins", None, [90.0, 30.0, None]),
    ("earliest", "start_date", None, ["2026-01-02", "2026-03-01", None]),
    ("latest", "start_date", None, ["2026-02-01", "2026-03-01", None]),
    ("checked", "milestone", None, [2, 0, 0]),
    ("unchecked", "milestone", None, [1, 1, 0]),
    ("percentage", "milestone", None, [67, 0, 0]),
    ("percentage", "sg_status_list", "fin", [67, 100, 0]),
    ("percentage", "content", "A2", [33, 0, 0]),  # compared as a filter compares: any case
    ("status_percentage", "sg_status_list", None, [67, 100, 0]),
    ("status_percentage", "sg_status_list", "ip", [33, 0, 0]),
    ("status_percentage_as_float", "sg_status_list", None, [200 / 3, 100.0, 0.0]),
    ("status_list", "sg_status_list", None, ["ip", "fin", None]),
    ("single_record", "content", {"column": "start_date", "direction": "desc"}, ["a3", "b1", None]),
    ("single_record", "content", {"column": "start_date", "direction": "asc"}, ["a2", "b1", None]),
    ("single_record", "content", None, ["a1", "b1", None]),  # no order: the first made
]


def query_field(sg: Shotgun, entity_type: str, name: str, definition: dict[str, Any]) -> str:
    """A query field made as an admin makes it (the API cannot)."""
    return sg.site.computed_field_create(sg.actor, entity_type, "summary", name, definition)


@pytest.fixture
def studio(sg: Shotgun, project: dict[str, Any]) -> dict[str, Any]:
    shots = {}
    for code, tasks in TASKS.items():
        shot = shots[code] = sg.create("Shot", {"code": code, "project": project})
        for values in tasks:
            task = sg.create("Task", {**values, "project": project, "entity": shot})
            if values["content"] == "retired":
                sg.delete("Task", task["id"])
    return shots


def read(sg: Shotgun, shots: dict[str, Any], field: str) -> list[Any]:
    found = {r["code"]: r[field] for r in sg.find("Shot", [], ["code", field])}
    return [found[code] for code in shots]


@pytest.mark.parametrize(("summary_type", "summarized", "value", "expected"), SUMMARIES)
def test_query_field_summary_type_matches_hand_computed_answers(
    sg: Shotgun, studio: Any, summary_type: str, summarized: str, value: Any, expected: list[Any]
) -> None:
    name = query_field(
        sg,
        "Shot",
        "Roll Up",
        {
            "entity_type": "Task",
            "filters": TASKS_OF_SHOT,
            "summary_default": summary_type,
            "summary_field": summarized,
            "summary_value": value,
        },
    )
    answers = read(sg, studio, name)
    if summary_type in ("earliest", "latest"):
        answers = [None if a is None else str(a) for a in answers]
    if summary_type == "status_percentage_as_float":
        assert answers == pytest.approx(expected)
    else:
        assert answers == expected
    one = sg.find_one("Shot", [["id", "is", studio["A"]["id"]]], [name])
    assert one[name] == answers[0]  # the prepared point lookup computes it too


def test_query_field_single_record_of_a_link_reads_an_entity(
    sg: Shotgun, studio: Any, project: Any
) -> None:
    steps = sg.find("Step", [["entity_type", "is", "Shot"]], ["code"], limit=2)
    first, second = steps
    tasks = sg.find("Task", [["entity", "is", studio["A"]]], ["content"])
    by_content = {t["content"]: t for t in tasks}
    sg.update("Task", by_content["a2"]["id"], {"step": first})
    sg.update("Task", by_content["a1"]["id"], {"step": second})
    name = query_field(
        sg,
        "Shot",
        "First Step",
        {
            "entity_type": "Task",
            "filters": TASKS_OF_SHOT,
            "summary_default": "single_record",
            "summary_field": "step",
            "summary_value": {"column": "start_date", "direction": "asc"},
        },
    )
    answers = read(sg, studio, name)
    assert answers == [{"type": "Step", "id": first["id"], "name": first["code"]}, None, None]
    found = sg.find("Shot", [[name, "is", first]], ["code"])
    assert [s["code"] for s in found] == ["A"]


def test_query_field_filters_sorts_and_summaries(sg: Shotgun, studio: Any) -> None:
    name = query_field(
        sg,
        "Shot",
        "Task Count",
        {"entity_type": "Task", "filters": TASKS_OF_SHOT, "summary_default": "record_count"},
    )
    codes = [s["code"] for s in sg.find("Shot", [[name, "greater_than", 0]], ["code"])]
    assert codes == ["A", "B"]
    assert [s["code"] for s in sg.find("Shot", [[name, "is", 0]], ["code"])] == ["C"]
    ordered = sg.find("Shot", [], ["code"], order=[{"field_name": name, "direction": "desc"}])
    assert [s["code"] for s in ordered] == ["A", "B", "C"]
    ordered = sg.find("Shot", [], ["code"], order=[{"field_name": name, "direction": "asc"}])
    assert [s["code"] for s in ordered] == ["C", "B", "A"]
    # A later page (an OFFSET: PostgreSQL pages by id first, store/query.py) reads the same.
    order = [{"field_name": name, "direction": "desc"}]
    second = sg.find("Shot", [], ["code", name], order=order, limit=1, page=2)
    assert second == [{"type": "Shot", "id": studio["B"]["id"], "code": "B", name: 1}]
    third = sg.find("Shot", [[name, "less_than", 4]], ["code", name], order=order, limit=1, page=3)
    assert third == [{"type": "Shot", "id": studio["C"]["id"], "code": "C", name: 0}]
    totals = sg.summarize(
        "Shot", [], [{"field": name, "type": "sum"}, {"field": "id", "type": "count"}]
    )
    assert totals["summaries"] == {name: 4, "id": 3}
    assert sg.summarize("Shot", [], [{"field": name, "type": "maximum"}])["summaries"] == {name: 3}


def test_query_field_list_filters_deep_paths_and_inactive_conditions(
    sg: Shotgun, studio: Any
) -> None:
    # The API's list form is accepted and stored in ShotGrid's wire form.
    name = query_field(
        sg,
        "Shot",
        "Finished",
        {
            "entity_type": "Task",
            "filters": [
                ["entity", "is", CURRENT_ENTITY],
                ["sg_status_list", "is", "fin"],
                ["entity.Shot.code", "in", ["A", "C"]],  # a deep path
            ],
            "summary_default": "record_count",
        },
    )
    assert read(sg, studio, name) == [2, 0, 0]
    stored = sg.schema_field_read("Shot", name)[name]["properties"]
    assert stored["query"]["value"]["filters"]["conditions"][1] == {
        "path": "sg_status_list",
        "relation": "is",
        "values": ["fin"],
    }
    inactive = {
        "logical_operator": "and",
        "conditions": [
            *TASKS_OF_SHOT["conditions"],
            {"active": "false", "path": "sg_status_list", "relation": "is", "values": ["ip"]},
        ],
    }
    everything = query_field(
        sg,
        "Shot",
        "Everything",
        {"entity_type": "Task", "filters": inactive, "summary_default": "record_count"},
    )
    assert read(sg, studio, everything) == [3, 1, 0]


def test_default_open_notes_count_counts_open_notes_linked_to_the_entity(
    sg: Shotgun, project: Any
) -> None:
    sequence = sg.create("Sequence", {"code": "seq", "project": project})
    shot = sg.create("Shot", {"code": "s", "project": project, "sg_sequence": sequence})
    other = sg.create("Shot", {"code": "other", "project": project, "sg_sequence": sequence})
    task = sg.create("Task", {"content": "t", "project": project, "entity": shot})
    for status, links, tasks in [
        ("opn", [shot], [task]),
        ("ip", [shot, sequence], []),
        ("clsd", [shot], [task]),  # closed: not counted
        ("opn", [other], []),
        ("opn", [sequence], [task]),
    ]:
        sg.create(
            "Note",
            {
                "subject": status,
                "project": project,
                "note_links": links,
                "tasks": tasks,
                "sg_status_list": status,
            },
        )
    retired = sg.create("Note", {"subject": "x", "project": project, "note_links": [shot]})
    sg.delete("Note", retired["id"])
    fields = ["code", "open_notes_count", "sg_sequence.Sequence.open_notes_count"]
    found = {s["code"]: s for s in sg.find("Shot", [], fields)}
    assert found["s"]["open_notes_count"] == 2
    assert found["other"]["open_notes_count"] == 1
    assert found["s"]["sg_sequence.Sequence.open_notes_count"] == 2  # deep read
    deep = "sg_sequence.Sequence.open_notes_count"
    assert sorted(s["code"] for s in sg.find("Shot", [[deep, "greater_than", 1]], ["code"])) == [
        "other",
        "s",
    ]
    assert sg.find("Shot", [[deep, "less_than", 2]]) == []
    ordered = sg.find("Shot", [], ["code"], order=[{"field_name": "open_notes_count"}])
    assert [s["code"] for s in ordered] == ["other", "s"]
    # Task's default query counts through Note.tasks, not note_links.
    assert sg.find_one("Task", [["id", "is", task["id"]]], ["open_notes_count"]) == {
        "type": "Task",
        "id": task["id"],
        "open_notes_count": 2,
    }
    assert sg.find_one("Sequence", [], ["open_notes_count"])["open_notes_count"] == 2


def test_every_default_query_field_reads_a_count(sg: Shotgun, project: Any) -> None:
    schema = sg.schema_read()
    summary_fields = [
        (entity_type, name)
        for entity_type, fields in schema.items()
        for name, f in fields.items()
        if f["data_type"]["value"] == "summary"
    ]
    assert len(summary_fields) >= 30
    for entity_type, name in summary_fields:
        assert sg.find(entity_type, [], [name], limit=1) is not None
        totals = sg.summarize(entity_type, [], [{"field": name, "type": "sum"}])
        assert totals["summaries"][name] == 0  # no open Notes anywhere yet


def test_query_field_counts_only_what_the_reader_may_see(sg: Shotgun) -> None:
    world = build_world(sg)
    shot = world.open["Shot"]
    sg.update("Note", world.open["Note"]["id"], {"sg_status_list": "opn"})
    # A Note of the closed project linked to the open Shot: hidden from the artist.
    sg.create(
        "Note",
        {
            "subject": "hidden",
            "project": world.closed["Project"],
            "note_links": [shot],
            "sg_status_list": "opn",
        },
    )
    admin = sg.find_one("Shot", [["id", "is", shot["id"]]], ["open_notes_count"])
    artist_client = world.as_role("artist")
    artist = artist_client.find_one("Shot", [["id", "is", shot["id"]]], ["open_notes_count"])
    assert admin["open_notes_count"] == 2
    assert artist["open_notes_count"] == 1
    filters = [["open_notes_count", "greater_than", 1]]
    assert [s["id"] for s in sg.find("Shot", filters)] == [shot["id"]]
    assert artist_client.find("Shot", filters) == []


def test_api_cannot_create_or_change_query_fields(sg: Shotgun, studio: Any) -> None:
    with pytest.raises(Fault, match=r"cannot create or change a 'summary' field.*Admin > Fields"):
        sg.schema_field_create("Shot", "summary", "Open Tasks", {})
    with pytest.raises(Fault, match=r"Shot\.open_notes_count.*\['query'\]"):
        sg.schema_field_update("Shot", "open_notes_count", {"query": {"entity_type": "Task"}})
    with pytest.raises(Fault, match=r"summary_default"):
        sg.schema_field_update("Shot", "open_notes_count", {"summary_default": "count"})
    with pytest.raises(Fault, match=r"read only|not editable"):
        sg.update("Shot", studio["A"]["id"], {"open_notes_count": 4})
    assert sg.schema_field_update("Shot", "open_notes_count", {"description": "Open ones"})


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"entity_type": "Nope"}, r"entity type to summarize 'Nope' doesn't exist"),
        ({"entity_type": "Task", "summary_default": "median"}, r"unknown summary type 'median'"),
        (
            {"entity_type": "Task", "summary_default": "sum", "summary_field": "content"},
            r"Task\.content of data type 'text' cannot be summarized as 'sum'",
        ),
        (
            {"entity_type": "Task", "summary_default": "count", "summary_field": "nope"},
            r"Task has no field 'nope'",
        ),
        (
            {"entity_type": "Task", "filters": [["nope", "is", 1]]},
            r"its filters on Task are wrong",
        ),
        (
            {
                "entity_type": "Task",
                "summary_default": "single_record",
                "summary_field": "content",
                "summary_value": {"column": "start_date", "direction": "up"},
            },
            r"direction is 'asc' or 'desc'",
        ),
        ({"entity_type": "Task", "colour": 1}, r"Unknown query field definition keys"),
    ],
)
def test_query_field_definition_errors_name_the_mistake(
    sg: Shotgun, definition: dict[str, Any], message: str
) -> None:
    with pytest.raises(SchemaFault, match=message):
        query_field(sg, "Shot", "Broken", definition)
    assert "sg_broken" not in sg.schema_field_read("Shot")


def test_cli_field_create_makes_a_query_field(sg: Shotgun, studio: Any, database_url: str) -> None:
    definition = {
        "entity_type": "Task",
        "filters": TASKS_OF_SHOT,
        "summary_default": "sum",
        "summary_field": "est_in_mins",
    }
    result = CliRunner().invoke(
        main,
        [
            "field",
            "create",
            "Shot",
            "Total Duration",
            "--data-type",
            "summary",
            "--definition",
            json.dumps(definition),
            "--database",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Shot.sg_total_duration" in result.output
    sg = callsheet.connect(database_url)  # a new process's view of the site
    fields = sg.schema_field_read("Shot", "sg_total_duration")["sg_total_duration"]
    assert fields["data_type"]["value"] == "summary"
    assert fields["properties"]["summary_default"]["value"] == "sum"
    assert fields["properties"]["query"]["value"]["entity_type"] == "Task"
    assert "summary_result" not in fields["properties"]
    assert read(sg, studio, "sg_total_duration") == [180, 30, 0]
    bad = CliRunner().invoke(
        main,
        [
            "field",
            "create",
            "Shot",
            "Bad",
            "--data-type",
            "summary",
            "--definition",
            '{"entity_type": "Nope"}',
            "--database",
            database_url,
        ],
    )
    assert bad.exit_code != 0 and "'Nope' doesn't exist" in bad.output
    sg.close()
