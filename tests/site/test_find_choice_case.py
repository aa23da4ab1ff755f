"""Choice fields compare case-insensitively whether or not the value is a valid one."""

from __future__ import annotations

from callsheet.client import Shotgun


def _ids(records: list[dict]) -> set[int]:
    return {r["id"] for r in records}


def test_find_list_field_matches_any_case_of_valid_and_invalid_values(
    sg: Shotgun, project: dict
) -> None:
    field = sg.schema_field_create("Asset", "list", "Level", {"valid_values": ["Low", "HIGH"]})
    low = sg.create("Asset", {"code": "a", "project": project, field: "Low"})
    high = sg.create("Asset", {"code": "b", "project": project, field: "HIGH"})
    empty = sg.create("Asset", {"code": "c", "project": project})
    assert _ids(sg.find("Asset", [[field, "is", "low"]])) == {low["id"]}
    assert _ids(sg.find("Asset", [[field, "in", ["high", "unknown"]]])) == {high["id"]}
    assert _ids(sg.find("Asset", [[field, "in", ["LOW", "high"]]])) == {low["id"], high["id"]}
    assert _ids(sg.find("Asset", [[field, "is_not", "hIgH"]])) == {low["id"], empty["id"]}
    assert _ids(sg.find("Asset", [[field, "not_in", ["low", "zzz"]]])) == {high["id"], empty["id"]}
