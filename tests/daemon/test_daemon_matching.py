"""matchEvents behaves exactly as shotgunEvents' Callback.canProcess, quirks included."""

from __future__ import annotations

import pytest

from callsheet.daemon.matching import matches


def event(event_type: str = "Shotgun_Task_Change", attribute: str | None = "sg_status_list"):
    return {"event_type": event_type, "attribute_name": attribute, "id": 1}


@pytest.mark.parametrize(
    ("spec", "ev", "expected"),
    [
        (None, event(), True),
        ({}, event(), True),
        ({"Shotgun_Task_Change": ["sg_status_list"]}, event(), True),
        ({"Shotgun_Task_Change": ["content"]}, event(), False),
        ({"Shotgun_Shot_Change": ["sg_status_list"]}, event(), False),
        ({"Shotgun_Task_Change": ["*"]}, event(), True),
        ({"Shotgun_Task_Change": None}, event(), True),
        ({"Shotgun_Task_New": None}, event("Shotgun_Task_New", None), True),
        ({"Shotgun_Task_New": ["*"]}, event("Shotgun_Task_New", None), True),
        ({"Shotgun_Task_New": ["content"]}, event("Shotgun_Task_New", None), False),
        ({"*": ["sg_status_list"]}, event("Shotgun_Shot_Change"), True),
        ({"*": ["*"]}, event("Shotgun_User_Login", None), True),
        ({"*": None}, event("Anything", None), True),
        # '*' shadows every other key: the Shot_New entry is ignored
        ({"*": ["code"], "Shotgun_Shot_New": None}, event("Shotgun_Shot_New", None), False),
        # a string spec is a substring test
        ({"Shotgun_Task_Change": "task_assignees"}, event(attribute="task_assignees"), True),
        ({"Shotgun_Task_Change": "task_assignees"}, event(attribute="task"), True),
        ({"Shotgun_Task_Change": "task_assignees"}, event(attribute="assignees"), True),
        ({"Shotgun_Task_Change": "task_assignees"}, event(attribute="content"), False),
        ({"Shotgun_Task_Change": "sg_status_list"}, event(attribute=None), False),
        # an empty list matches nothing
        ({"Shotgun_Task_Change": []}, event(), False),
        ({"*": []}, event(), False),
        # several keys
        ({"Shotgun_Shot_Change": ["code"], "Shotgun_Task_Change": ["sg_status_list"]}, event(), 1),
        ({"Shotgun_Task_Change": ["sg_status_list", "content"]}, event(attribute="content"), True),
        ({"Shotgun_Task_Change": ("content",)}, event(attribute="content"), True),
        ({"Shotgun_Task_Change": ["sg_status_list"]}, event(attribute=""), False),
    ],
)
def test_matches_follows_shotgun_events(spec, ev, expected) -> None:
    assert matches(spec, ev) is bool(expected)
