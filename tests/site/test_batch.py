"""batch: one transaction, results in request order, all or nothing (wire protocol §3.3)."""

from __future__ import annotations

import pytest

from callsheet.client import Shotgun
from callsheet.faults import Fault


def test_batch_returns_results_in_request_order(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    doomed = sg.create("Shot", {"code": "doomed", "project": project})
    results = sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "Shot",
                "data": {"code": "new", "project": project},
                "return_fields": ["sg_status_list"],
            },
            {
                "request_type": "update",
                "entity_type": "Shot",
                "entity_id": shot["id"],
                "data": {"code": "b"},
            },
            {"request_type": "delete", "entity_type": "Shot", "entity_id": doomed["id"]},
            {"request_type": "delete", "entity_type": "Shot", "entity_id": doomed["id"]},
        ]
    )
    created = results[0]
    assert created["type"] == "Shot" and created["code"] == "new"
    assert created["sg_status_list"] == "wtg"
    assert created["project"] == {"type": "Project", "id": project["id"], "name": "Test Project"}
    assert results[1:] == [{"type": "Shot", "id": shot["id"], "code": "b"}, True, False]


def test_batch_empty_list_returns_empty_list(sg: Shotgun) -> None:
    assert sg.batch([]) == []


def test_batch_later_request_sees_earlier_writes(sg: Shotgun, project: dict) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    results = sg.batch(
        [
            {
                "request_type": "update",
                "entity_type": "Shot",
                "entity_id": shot["id"],
                "data": {"code": "b"},
            },
            {"request_type": "delete", "entity_type": "Shot", "entity_id": shot["id"]},
            {"request_type": "delete", "entity_type": "Shot", "entity_id": shot["id"]},
        ]
    )
    assert results == [{"type": "Shot", "id": shot["id"], "code": "b"}, True, False]


@pytest.mark.parametrize(
    "failing",
    [
        {"request_type": "create", "entity_type": "Shot", "data": {"code": "x", "nope": 1}},
        {"request_type": "create", "entity_type": "Nope", "data": {"code": "x"}},
        {
            "request_type": "update",
            "entity_type": "Shot",
            "entity_id": 424242,
            "data": {"code": "x"},
        },
        {"request_type": "delete", "entity_type": "Shot", "entity_id": 424242},
        {"request_type": "bogus", "entity_type": "Shot"},
        "not a dict",
    ],
)
def test_batch_failing_request_rolls_back_everything(
    sg: Shotgun, project: dict, snapshot, failing: object
) -> None:
    shot = sg.create("Shot", {"code": "a", "project": project})
    asset = sg.create("Asset", {"code": "tree", "project": project})
    before = snapshot()
    with pytest.raises(Fault, match="batch request 3"):
        sg.batch(
            [
                {
                    "request_type": "create",
                    "entity_type": "Shot",
                    "data": {"code": "b", "project": project},
                },
                {
                    "request_type": "update",
                    "entity_type": "Shot",
                    "entity_id": shot["id"],
                    "data": {"code": "changed", "assets": [asset]},
                },
                {"request_type": "delete", "entity_type": "Asset", "entity_id": asset["id"]},
                failing,
            ]
        )
    assert snapshot() == before
    found = sg.find_one("Shot", [["id", "is", shot["id"]]], ["code", "assets"])
    assert found == {"type": "Shot", "id": shot["id"], "code": "a", "assets": []}
    assert sg.find_one("Asset", [["id", "is", asset["id"]]]) is not None


def test_batch_after_rollback_event_ids_stay_dense(sg: Shotgun, project: dict) -> None:
    with pytest.raises(Fault):
        sg.batch(
            [
                {
                    "request_type": "create",
                    "entity_type": "Shot",
                    "data": {"code": "b", "project": project},
                },
                {"request_type": "delete", "entity_type": "Shot", "entity_id": 424242},
            ]
        )
    sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "Shot",
                "data": {"code": "c", "project": project},
            }
        ]
    )
    order = [{"field_name": "id", "direction": "asc"}]
    ids = [row["id"] for row in sg.find("EventLogEntry", [], ["id"], order=order)]
    assert ids == list(range(ids[0], ids[0] + len(ids)))


def test_batch_not_a_list_is_fault(sg: Shotgun) -> None:
    with pytest.raises(Fault):
        sg.batch({"request_type": "delete"})  # type: ignore[arg-type]
