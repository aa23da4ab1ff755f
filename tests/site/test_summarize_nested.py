"""summarize() over nested groupings of every grouping type, against answers recorded before the
summary code became linear (issue 10 §1.7): the rewrite must answer exactly as the old code did.

The data set is deterministic; `summarize_nested.json` holds the old code's answers (entity ids
replaced by names, so both databases compare with the same file). Regenerate it only on purpose:
`CALLSHEET_WRITE_SUMMARY_GOLDEN=1 pytest tests/site/test_summarize_nested.py -n 0 -k sqlite`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from read_sites import DIALECTS, site_copy

GOLDEN = Path(__file__).parent / "summarize_nested.json"
SHOTS = 60

SUMMARIES_A = [
    {"field": "id", "type": "record_count"},
    {"field": "sg_cut_duration", "type": "sum"},
    {"field": "{day}", "type": "earliest"},
    {"field": "sg_status_list", "type": "status_list"},
    {"field": "{flag}", "type": "checked"},
    {"field": "assets", "type": "count"},
    {"field": "{weight}", "type": "average"},
]
SUMMARIES_B = [
    {"field": "sg_cut_duration", "type": "maximum"},
    {"field": "{day}", "type": "latest"},
    {"field": "sg_status_list", "type": "status_percentage"},
    {"field": "{flag}", "type": "percentage"},
    {"field": "{weight}", "type": "minimum"},
    {"field": "code", "type": "count"},
    {"field": "tag_list", "type": "count"},
]
SUMMARIES_C = [
    {"field": "sg_cut_duration", "type": "minimum"},
    {"field": "sg_status_list", "type": "status_percentage_as_float"},
    {"field": "{flag}", "type": "unchecked"},
    {"field": "{weight}", "type": "sum"},
    {"field": "{moment}", "type": "latest"},
    {"field": "sg_cut_duration", "type": "average"},
]


def g(field: str, grouping_type: str = "exact", direction: str = "asc") -> dict[str, str]:
    return {"field": field, "type": grouping_type, "direction": direction}


CASES: dict[str, tuple[list[dict[str, str]], list[dict[str, str]]]] = {
    "id_then_code": (SUMMARIES_A, [g("id"), g("code")]),
    "sequence_then_status": (SUMMARIES_A, [g("sg_sequence", "exact", "desc"), g("sg_status_list")]),
    "entitytype_then_week": (SUMMARIES_B, [g("sg_sequence", "entitytype"), g("{day}", "week")]),
    "month_status_tens": (
        SUMMARIES_C,
        [g("{day}", "month"), g("sg_status_list"), g("sg_cut_duration", "tens")],
    ),
    "year_quarter_day": (
        SUMMARIES_A,
        [g("{day}", "year"), g("{day}", "quarter", "desc"), g("{day}", "day")],
    ),
    "hundreds_then_flag": (SUMMARIES_B, [g("sg_cut_duration", "hundreds"), g("{flag}")]),
    "firstletter_then_exact_number": (
        SUMMARIES_C,
        [g("code", "firstletter"), g("sg_cut_duration")],
    ),
    "moment_day_then_sequence": (SUMMARIES_A, [g("{moment}", "day"), g("sg_sequence")]),
    "moment_exact_then_week": (SUMMARIES_B, [g("{moment}"), g("{moment}", "week")]),
    "deep_code_then_status": (
        SUMMARIES_C,
        [g("sg_sequence.Sequence.code"), g("sg_status_list", "exact", "desc")],
    ),
    "project_sequence_status": (SUMMARIES_B, [g("project"), g("sg_sequence"), g("sg_status_list")]),
    "weight_tens_then_thousands": (
        SUMMARIES_A,
        [g("{weight}", "tens"), g("sg_cut_duration", "thousands")],
    ),
    "oneday_fivedays_clustered": (
        SUMMARIES_C,
        [g("{day}", "oneday"), g("{day}", "fivedays"), g("{day}", "clustered_date")],
    ),
    "deep_entity_then_flag": (
        SUMMARIES_A,
        [g("sg_sequence.Sequence.project"), g("{flag}", "exact", "desc")],
    ),
}


@pytest.fixture(scope="module", params=DIALECTS)
def shots(request: pytest.FixtureRequest) -> Any:
    with site_copy(request, request.param) as sg:
        names = {
            "day": sg.schema_field_create("Shot", "date", "Day"),
            "moment": sg.schema_field_create("Shot", "date_time", "Moment"),
            "flag": sg.schema_field_create("Shot", "checkbox", "Flag"),
            "weight": sg.schema_field_create("Shot", "float", "Weight"),
        }
        projects = [sg.create("Project", {"name": name}) for name in ("Nest A", "Nest B")]
        sequences = [
            sg.create("Sequence", {"code": f"SQ{n}", "project": projects[n % 2]}) for n in range(3)
        ]
        assets = [sg.create("Asset", {"code": f"as{n}", "project": projects[0]}) for n in range(3)]
        statuses = ["ip", "fin", "wtg", None, "ip"]
        batch = []
        for n in range(SHOTS):
            data = {
                "code": f"{'abcde'[n % 5]}{n:03d}",
                "project": projects[n % 2],
                "sg_status_list": statuses[n % 5],
                "sg_cut_duration": None if n % 9 == 4 else (n * 37) % 260,
                "sg_sequence": None if n % 7 == 3 else sequences[n % 3],
                "assets": assets[: n % 4],
                "tag_list": ["hero", "fx"][: n % 3],
                names["day"]: None
                if n % 11 == 5
                else f"2024-{1 + n % 6:02d}-{1 + (n * 5) % 28:02d}",
                names["moment"]: None
                if n % 13 == 6
                else f"2024-0{1 + n % 4}-{1 + n % 20:02d}T{n % 24:02d}:{n % 60:02d}:00Z",
                names["flag"]: n % 3 == 0,
                names["weight"]: None if n % 8 == 2 else round(n * 1.75 - 20, 2),
            }
            batch.append({"request_type": "create", "entity_type": "Shot", "data": data})
        sg.batch(batch)
        yield sg, names


def _request(names: dict[str, str], items: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**item, "field": item["field"].format(**names)} for item in items]


def _portable(value: Any) -> Any:
    """Entity dicts by type and name (ids differ between databases), datetimes as text."""
    if isinstance(value, dict):
        if "type" in value and "id" in value:
            return {"type": value["type"], "name": value.get("name"), "valid": value.get("valid")}
        return {key: _portable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_portable(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _answer(sg: Any, names: dict[str, str], case: str) -> Any:
    summaries, grouping = CASES[case]
    result = sg.summarize(
        "Shot", [], _request(names, summaries), grouping=_request(names, grouping)
    )
    # Custom field names are the same on every run (sg_day, ...), so keys compare as they are.
    return _portable(result)


@pytest.mark.parametrize("case", sorted(CASES))
def test_summarize_nested_grouping_answers_as_before(shots: Any, case: str) -> None:
    sg, names = shots
    answer = _answer(sg, names, case)
    if os.environ.get("CALLSHEET_WRITE_SUMMARY_GOLDEN"):
        recorded = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
        recorded[case] = answer
        GOLDEN.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
        return
    expected = json.loads(GOLDEN.read_text())[case]
    assert answer == expected
