"""Issue 10 §1.8: inputs that used to end in a traceback answer a Fault naming what is wrong.

Each case runs in process (`connect()`, on SQLite and PostgreSQL); tests/server/test_api3_json.py
sends the same over the wire.
"""

from __future__ import annotations

from typing import Any

import pytest

from callsheet import faults
from callsheet.client import Shotgun

HUGE_ID = 2**63


def faults_naming(sg: Shotgun, call: Any, *words: str) -> None:
    with pytest.raises(faults.Fault) as raised:
        call()
    message = str(raised.value)
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("junk", [[], {}])
def test_find_return_fields_holding_a_list_or_dict_faults(sg: Shotgun, junk: Any) -> None:
    faults_naming(sg, lambda: sg.find("Shot", [], ["code", junk]), "fields", repr(junk))


def test_batch_return_fields_not_a_list_faults(sg: Shotgun, project: dict) -> None:
    request = {
        "request_type": "create",
        "entity_type": "Shot",
        "data": {"code": "x", "project": project},
        "return_fields": 5,
    }
    faults_naming(sg, lambda: sg.batch([request]), "return_fields", "5")
    assert sg.find("Shot", [["code", "is", "x"]]) == []  # nothing half done


def test_latest_by_a_list_faults(sg: Shotgun) -> None:
    presets = [{"preset_name": "LATEST", "latest_by": []}]
    faults_naming(
        sg, lambda: sg.find("Version", [], additional_filter_presets=presets), "latest_by"
    )


@pytest.mark.parametrize("junk", [["code"], {"a": 1}])
def test_schema_field_methods_with_a_list_or_dict_field_name_fault(sg: Shotgun, junk: Any) -> None:
    faults_naming(sg, lambda: sg.schema_field_read("Shot", junk), "field name")
    faults_naming(sg, lambda: sg.schema_field_update("Shot", junk, {"name": "x"}), "field name")
    faults_naming(sg, lambda: sg.schema_field_delete("Shot", junk), "field name")


@pytest.mark.parametrize("operator", ["less_than", "greater_than"])
@pytest.mark.parametrize("field", ["id", "created_at", "sg_cut_in"])
def test_ordering_with_none_faults(sg: Shotgun, operator: str, field: str) -> None:
    faults_naming(sg, lambda: sg.find("Shot", [[field, operator, None]]), operator, "None")


def test_date_windows_out_of_range_fault(sg: Shotgun) -> None:
    faults_naming(sg, lambda: sg.find("Shot", [["created_at", "in_last", 10**12, "DAY"]]), "range")
    for operator in ("in_calendar_day", "in_calendar_month", "in_calendar_year"):
        filters = [["created_at", operator, 2**63]]
        faults_naming(sg, lambda f=filters: sg.find("Shot", f), "64-bit")


def test_a_page_beyond_any_row_faults(sg: Shotgun) -> None:
    faults_naming(sg, lambda: sg.find("Shot", [], page=2**62), "page")


def test_text_search_of_100000_characters_faults(sg: Shotgun) -> None:
    faults_naming(sg, lambda: sg.text_search("a" * 100_000, {"Shot": []}), "longer")


def test_contains_of_100000_characters_faults(sg: Shotgun) -> None:
    faults_naming(sg, lambda: sg.find("Shot", [["code", "contains", "a" * 100_000]]), "longer")


def test_ids_beyond_64_bits_fault_in_every_method(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "s", "project": project})
    person = sg.find_one("HumanUser", [])
    huge_person = {"type": "HumanUser", "id": HUGE_ID}
    huge_shot = {"type": "Shot", "id": HUGE_ID}
    calls = [
        lambda: sg.follow(huge_person, shot),
        lambda: sg.follow(person, huge_shot),
        lambda: sg.unfollow(huge_person, shot),
        lambda: sg.followers(huge_shot),
        lambda: sg.following(huge_person),
        lambda: sg.activity_stream_read("Shot", HUGE_ID),
        lambda: sg.note_thread_read(HUGE_ID),
        lambda: sg.work_schedule_read(
            "2024-01-01", "2024-01-07", {"type": "Project", "id": HUGE_ID}
        ),
        lambda: sg.work_schedule_read("2024-01-01", "2024-01-07", None, huge_person),
        lambda: sg.update_project_last_accessed({"type": "Project", "id": HUGE_ID}),
        lambda: sg.find("Shot", [["id", "is", HUGE_ID]]),
        lambda: sg.update("Shot", HUGE_ID, {"code": "x"}),
        lambda: sg.delete("Shot", HUGE_ID),
    ]
    for call in calls:
        with pytest.raises(faults.Fault):
            call()


@pytest.mark.parametrize("operator", ["any", "all"])
def test_a_group_of_1000_conditions_works(sg: Shotgun, project: dict, operator: str) -> None:
    made = sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "Shot",
                "data": {"code": f"s{n}", "project": project},
            }
            for n in range(5)
        ]
    )
    ids = [shot["id"] for shot in made]
    if operator == "any":
        filters = [["code", "is", f"s{n}"] for n in range(1000)]
        expected = ids
    else:
        filters = [["code", "is_not", f"x{n}"] for n in range(1000)]
        expected = ids
    found = sg.find("Shot", filters, filter_operator=operator)
    assert sorted(s["id"] for s in found) == sorted(expected)
    nested = {"filter_operator": operator, "filters": filters}
    assert len(sg.find("Shot", [nested])) == len(expected)
