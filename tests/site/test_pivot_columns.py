"""Pivot columns (`step_<n>`) answer as ShotGrid's API does: None, and refused everywhere else.

ksallee/sg-groundtruth corpus/findings/field_types/pivot_column.md measured a live site: reads
are null on every row; writes, filters on either relation and sorts are refused.
"""

from __future__ import annotations

from typing import Any

import pytest

from callsheet.client import Shotgun
from callsheet.faults import Fault


@pytest.fixture
def asset(sg: Shotgun, project: dict[str, Any]) -> dict[str, Any]:
    asset = sg.create("Asset", {"code": "hero", "project": project})
    step = sg.find_one("Step", [["entity_type", "is", "Asset"]])
    sg.create("Task", {"content": "model", "entity": asset, "step": step, "project": project})
    return asset


def test_pivot_columns_read_none_even_with_tasks(sg: Shotgun, asset: dict[str, Any]) -> None:
    fields = sg.schema_field_read("Asset")
    pivots = sorted(name for name, f in fields.items() if f["data_type"]["value"] == "pivot_column")
    assert "step_0" in pivots and len(pivots) > 1
    assert fields["step_0"]["name"]["value"] == "ALL TASKS"
    assert fields["step_0"]["editable"]["value"] is False
    found = sg.find_one("Asset", [["id", "is", asset["id"]]], pivots)
    assert {name: found[name] for name in pivots} == dict.fromkeys(pivots)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda sg, a: sg.find("Asset", [["step_0", "is", None]]),
            r"API read\(\) of data type 'pivot_column' not supported in API: Asset\.step_0",
        ),
        (
            lambda sg, a: sg.find("Asset", [["step_0", "is_not", "fin"]]),
            r"not supported in API: Asset\.step_0",
        ),
        (
            lambda sg, a: sg.find("Asset", [["step_0", "contains", "x"]]),
            r"doesn't support 'contains' relation\. Valid relations: \['is', 'is_not'\]",
        ),
        (
            lambda sg, a: sg.find("Asset", [], ["code"], order=[{"field_name": "step_0"}]),
            r"Read failed for entity type \[Asset\]: Asset\.step_0 is a pivot column",
        ),
        (
            lambda sg, a: sg.update("Asset", a["id"], {"step_0": "fin"}),
            r"API update\(\) Asset\.step_0 is not editable",
        ),
        (
            lambda sg, a: sg.create("Asset", {"code": "x", "step_0": None}),
            r"API create\(\) Asset\.step_0 is not editable",
        ),
        (
            lambda sg, a: sg.summarize("Asset", [], [{"field": "step_0", "type": "count"}]),
            r"Asset\.step_0 of data type 'pivot_column' doesn't support summary type 'count'",
        ),
        (
            lambda sg, a: sg.summarize(
                "Asset", [], [{"field": "id", "type": "count"}], grouping=[{"field": "step_0"}]
            ),
            r"Grouping is not allowed for field Asset\.step_0",
        ),
    ],
)
def test_pivot_columns_refuse_filters_sorts_writes_and_groupings(
    sg: Shotgun, asset: dict[str, Any], call: Any, message: str
) -> None:
    with pytest.raises(Fault, match=message):
        call(sg, asset)
