"""Refused writes: a Fault naming entity type, field and value, and not a trace in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from callsheet.client import Shotgun
from callsheet.faults import Fault

INT32_MAX = 2**31 - 1


@pytest.fixture
def targets(sg: Shotgun, project: dict) -> dict[str, dict]:
    """Entities the bad writes point at: live, retired, and a shot to update."""
    shot = sg.create("Shot", {"code": "sh", "project": project})
    asset = sg.create("Asset", {"code": "tree", "project": project})
    retired = sg.create("Sequence", {"code": "gone", "project": project})
    retired_asset = sg.create("Asset", {"code": "gone", "project": project})
    sg.delete("Sequence", retired["id"])
    sg.delete("Asset", retired_asset["id"])
    for data_type, name in (("currency", "Budget"), ("percent", "Done"), ("timecode", "Tc")):
        sg.schema_field_create("Shot", data_type, name)
    return {
        "project": project,
        "shot": shot,
        "asset": asset,
        "retired": retired,
        "retired_asset": retired_asset,
    }


def _bad(entity_type: str, field: str, value: Any, shown: str | None = None) -> Any:
    """A create of `entity_type` whose `field` holds `value`; `shown` must appear in the message."""
    return pytest.param(
        entity_type,
        field,
        value,
        repr(value) if shown is None else shown,
        id=f"{entity_type}.{field}={value!r}"[:60],
    )


BAD_VALUES = [
    _bad("Shot", "code", 5, "5"),
    _bad("Shot", "code", ["a"], "a"),
    _bad("Shot", "sg_cut_in", "abc"),
    _bad("Shot", "sg_cut_in", 1.5, "1.5"),
    _bad("Shot", "sg_cut_in", True, "True"),
    _bad("Shot", "sg_cut_in", INT32_MAX + 1, str(INT32_MAX + 1)),
    _bad("Shot", "sg_cut_in", -INT32_MAX - 2, str(-INT32_MAX - 2)),
    _bad("Shot", "sg_budget", "lots"),
    _bad("Shot", "sg_done", "half"),
    _bad("Shot", "sg_tc", "01:00:00:00"),
    _bad("Shot", "sg_status_list", "zzz"),
    _bad("Shot", "sg_status_list", 5, "5"),
    _bad("Shot", "tag_list", "a"),
    _bad("Shot", "image", "http://example.com/x.png"),
    _bad("Shot", "sg_sequence", 5, "5"),
    _bad("Shot", "sg_sequence", {"type": "Sequence"}, "Sequence"),
    _bad("Shot", "sg_sequence", {"type": "Sequence", "id": "1"}, "Sequence"),
    _bad("Shot", "assets", {"type": "Asset", "id": 1}, "dict"),
    _bad("Shot", "assets", [1], "1"),
    _bad("Shot", "assets", "tree", "tree"),
    _bad("Shot", "created_at", "garbage"),
    _bad("Shot", "created_at", 1700000000, "1700000000"),
    _bad("Task", "milestone", None),
    _bad("Task", "milestone", "yes"),
    _bad("Task", "milestone", 1, "1"),
    _bad("Task", "start_date", "2026-02-30"),
    _bad("Task", "start_date", "2024/01/02"),
    _bad("Task", "start_date", 5, "5"),
    _bad("Task", "duration", 1.5, "1.5"),
    _bad("Task", "duration", "long"),
    _bad("Task", "splits", "notalist"),
    _bad("Asset", "sg_asset_type", "Bogus"),
    _bad("Asset", "sg_asset_type", 3, "3"),
    _bad("Version", "sg_uploaded_movie_frame_rate", "fast"),
    _bad("Version", "sg_uploaded_movie_frame_rate", float("nan"), "nan"),
    _bad("Version", "sg_uploaded_movie_frame_rate", 1e300, "1e+300"),
    _bad("Version", "sg_uploaded_movie", 5, "5"),
    _bad("Playlist", "sg_date_and_time", "tomorrow"),
    _bad("HumanUser", "password_proxy", 5, "5"),
    _bad("LocalStorage", "uuid", "not-a-uuid"),
    _bad("Step", "entity_type", "NotAType"),
]

SCOPED = {"Shot", "Task", "Asset", "Version", "Playlist"}


def _assert_refused(
    sg: Shotgun, snapshot: Callable[[], dict], write: Callable[[], Any], *needles: str
) -> Fault:
    before = snapshot()
    with pytest.raises(Fault) as caught:
        write()
    message = str(caught.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"
    assert snapshot() == before
    return caught.value


@pytest.mark.parametrize(("entity_type", "field", "value", "shown"), BAD_VALUES)
def test_create_bad_value_is_fault_naming_field_and_value(
    sg: Shotgun, targets: dict, snapshot, entity_type: str, field: str, value: Any, shown: str
) -> None:
    data: dict = {"code": "x", field: value}
    if entity_type == "Task":
        data = {"content": "x", field: value}
    if entity_type == "HumanUser":
        data = {"login": "x", field: value}
    if entity_type in SCOPED:
        data["project"] = targets["project"]
    _assert_refused(sg, snapshot, lambda: sg.create(entity_type, data), entity_type, field, shown)


@pytest.mark.parametrize(
    ("entity_type", "field", "value", "shown"),
    [p for p in BAD_VALUES if p.values[0] == "Shot" and p.values[1] != "created_at"],
)
def test_update_bad_value_is_fault_naming_field_and_value(
    sg: Shotgun, targets: dict, snapshot, entity_type: str, field: str, value: Any, shown: str
) -> None:
    shot = targets["shot"]
    _assert_refused(
        sg,
        snapshot,
        lambda: sg.update("Shot", shot["id"], {"description": "changed", field: value}),
        "Shot",
        field,
        shown,
    )
    assert sg.find_one("Shot", [["id", "is", shot["id"]]], ["description"])["description"] is None


@pytest.mark.parametrize(
    ("field", "link_key", "needles"),
    [
        ("sg_sequence", "missing sequence", ("Shot.sg_sequence", "Sequence", "424242")),
        ("sg_sequence", "retired", ("Shot.sg_sequence", "Sequence")),
        ("sg_sequence", "asset", ("Shot.sg_sequence", "Asset")),
        ("assets", "missing asset", ("Shot.assets", "Asset", "424242")),
        ("assets", "retired_asset", ("Shot.assets", "Asset")),
        ("assets", "shot", ("Shot.assets", "Shot")),
        ("assets", "unknown type", ("Shot.assets", "NotAType")),
    ],
)
def test_write_bad_link_target_is_fault(
    sg: Shotgun, targets: dict, snapshot, field: str, link_key: str, needles: tuple[str, ...]
) -> None:
    links = {
        "missing sequence": {"type": "Sequence", "id": 424242},
        "missing asset": {"type": "Asset", "id": 424242},
        "unknown type": {"type": "NotAType", "id": 1},
    }
    link = links.get(link_key) or targets[link_key]
    value = link if field == "sg_sequence" else [targets["asset"], link]
    data = {"code": "x", "project": targets["project"], field: value}
    _assert_refused(sg, snapshot, lambda: sg.create("Shot", data), *needles)
    shot = targets["shot"]
    _assert_refused(sg, snapshot, lambda: sg.update("Shot", shot["id"], {field: value}), *needles)
    if field == "assets":
        _assert_refused(
            sg,
            snapshot,
            lambda: sg.update("Shot", shot["id"], {field: [link]}, {field: "add"}),
            *needles,
        )


@pytest.mark.parametrize(
    ("operation", "entity_type", "data", "needles"),
    [
        ("create", "NotAType", {"code": "x"}, ("NotAType",)),
        ("create", "Shot", {"code": "x", "no_such_field": 1}, ("Shot", "no_such_field")),
        ("create", "Shot", {"code": "x", "id": 7}, ("Shot", "id")),
        (
            "create",
            "Shot",
            {"code": "x", "updated_at": dt.datetime(2001, 1, 1)},
            ("Shot", "updated_at"),
        ),
        ("create", "Shot", {"code": "x", "updated_by": None}, ("Shot", "updated_by")),
        ("create", "Shot", {"code": "x", "open_notes_count": 3}, ("Shot", "open_notes_count")),
        ("update", "Shot", {"no_such_field": 1}, ("Shot", "no_such_field")),
        ("update", "Shot", {"id": 7}, ("Shot", "id")),
        ("update", "Shot", {"updated_at": dt.datetime(2001, 1, 1)}, ("Shot", "updated_at")),
        ("update", "Shot", {"created_at": dt.datetime(2001, 1, 1)}, ("Shot", "created_at")),
        ("update", "Shot", {"created_by": None}, ("Shot", "created_by")),
        ("update", "Shot", {"open_notes_count": 3}, ("Shot", "open_notes_count")),
        ("update", "NotAType", {"code": "x"}, ("NotAType",)),
        ("update", "EventLogEntry", {"description": "x"}, ("EventLogEntry",)),
        ("create", "Shot", [("code", "x")], ("create",)),
        ("update", "Shot", None, ("update",)),
    ],
)
def test_write_refused_field_or_type_is_fault(
    sg: Shotgun,
    targets: dict,
    snapshot,
    operation: str,
    entity_type: str,
    data: Any,
    needles: tuple[str, ...],
) -> None:
    if operation == "create":
        if isinstance(data, dict):
            data = {**data, "project": targets["project"]}
        write = lambda: sg.create(entity_type, data)  # noqa: E731
    else:
        entity_id = targets["shot"]["id"]
        if entity_type == "EventLogEntry":
            entity_id = sg.find_one("EventLogEntry", [])["id"]
        write = lambda: sg.update(entity_type, entity_id, data)  # noqa: E731
    _assert_refused(sg, snapshot, write, *needles)


@pytest.mark.parametrize("entity_id", [424242, "1", None, 1.0, True, 2**31, -(2**31) - 1, 2**64])
def test_update_bad_or_missing_id_is_fault(
    sg: Shotgun, targets: dict, snapshot, entity_id: Any
) -> None:
    _assert_refused(sg, snapshot, lambda: sg.update("Shot", entity_id, {"code": "x"}), "Shot")


@pytest.mark.parametrize("mode", ["bogus", None, 5])
def test_update_bad_multi_entity_mode_is_fault(
    sg: Shotgun, targets: dict, snapshot, mode: Any
) -> None:
    shot, asset = targets["shot"], targets["asset"]
    _assert_refused(
        sg,
        snapshot,
        lambda: sg.update("Shot", shot["id"], {"assets": [asset]}, {"assets": mode}),
        "assets",
    )


def test_create_int32_bounds_are_accepted(sg: Shotgun, project: dict) -> None:
    for value in (INT32_MAX, -INT32_MAX - 1):
        shot = sg.create("Shot", {"code": "x", "project": project, "sg_cut_in": value})
        assert shot["sg_cut_in"] == value


@pytest.mark.parametrize(
    ("entity_type", "field", "value", "expected"),
    [
        ("Task", "start_date", "1968-10-13", "1968-10-13"),
        (
            "Playlist",
            "sg_date_and_time",
            dt.datetime(1969, 12, 31, tzinfo=dt.UTC),
            dt.datetime(1969, 12, 31, tzinfo=dt.UTC),
        ),
    ],
)
def test_create_date_before_1970_is_accepted(
    sg: Shotgun, project: dict, entity_type: str, field: str, value: Any, expected: Any
) -> None:
    # The docs say year >= 1970, but the official client's own test fixtures write
    # Task.due_date "1968-10-13" (reference/api3-wire-protocol.md §5), so it must work.
    name = "content" if entity_type == "Task" else "code"
    created = sg.create(entity_type, {name: "x", "project": project, field: value})
    assert created[field] == expected


def test_create_color_not_rgb_or_pipeline_step_is_fault(
    sg: Shotgun, project: dict, snapshot
) -> None:
    data = {"content": "x", "project": project, "color": "zz"}
    _assert_refused(sg, snapshot, lambda: sg.create("Task", data), "Task", "color", "zz")


def test_create_text_with_lone_surrogate_is_fault(sg: Shotgun, project: dict, snapshot) -> None:
    data = {"code": "a\ud800b", "project": project}
    _assert_refused(sg, snapshot, lambda: sg.create("Shot", data), "Shot", "code")


def test_create_text_with_nul_is_stored_or_fault(
    sg: Shotgun, project: dict, snapshot, dialect: str, request: pytest.FixtureRequest
) -> None:
    before = snapshot()
    try:
        shot = sg.create("Shot", {"code": "a\x00b", "project": project})
    except Fault:
        assert snapshot() == before
    else:
        assert sg.find_one("Shot", [["id", "is", shot["id"]]], ["code"])["code"] == "a\x00b"


@pytest.mark.parametrize("entity_id", [2**31, 2**64, -(2**63) - 1])
@pytest.mark.parametrize("operation", ["delete", "revive"])
def test_delete_or_revive_id_outside_int32_is_fault(
    sg: Shotgun, snapshot, operation: str, entity_id: int
) -> None:
    _assert_refused(sg, snapshot, lambda: getattr(sg, operation)("Shot", entity_id), "Shot")


def test_create_duplicate_login_is_fault(sg: Shotgun, snapshot) -> None:
    sg.create("HumanUser", {"login": "dup", "name": "First"})
    _assert_refused(
        sg, snapshot, lambda: sg.create("HumanUser", {"login": "DUP"}), "HumanUser", "login", "DUP"
    )


def test_update_login_to_one_in_use_is_fault(sg: Shotgun, snapshot) -> None:
    sg.create("HumanUser", {"login": "taken", "name": "First"})
    other = sg.create("HumanUser", {"login": "free", "name": "Second"})
    assert sg.update("HumanUser", other["id"], {"login": "free"})["login"] == "free"
    _assert_refused(
        sg,
        snapshot,
        lambda: sg.update("HumanUser", other["id"], {"login": "taken"}),
        "HumanUser",
        "login",
        "taken",
    )


def test_create_login_of_retired_user_is_allowed(sg: Shotgun) -> None:
    gone = sg.create("HumanUser", {"login": "reuse", "name": "Gone"})
    sg.delete("HumanUser", gone["id"])
    again = sg.create("HumanUser", {"login": "reuse", "name": "Again"})
    assert again["login"] == "reuse"


@pytest.mark.parametrize("field", ["sg_sequence", "assets"])
def test_create_link_id_outside_int32_is_fault(
    sg: Shotgun, project: dict, snapshot, field: str
) -> None:
    link = {"type": "Sequence" if field == "sg_sequence" else "Asset", "id": 2**64}
    value = link if field == "sg_sequence" else [link]
    data = {"code": "x", "project": project, field: value}
    _assert_refused(sg, snapshot, lambda: sg.create("Shot", data), "Shot", field)


def test_create_float_field_with_huge_int_is_fault(sg: Shotgun, project: dict, snapshot) -> None:
    data = {"code": "x", "project": project, "sg_uploaded_movie_frame_rate": 10**400}
    _assert_refused(
        sg, snapshot, lambda: sg.create("Version", data), "Version", "sg_uploaded_movie_frame_rate"
    )


def test_create_naive_datetime_year_one_is_stored(sg: Shotgun, project: dict) -> None:
    # Local time cannot be shifted below year 1, so the client takes such a value as UTC.
    data = {"code": "x", "project": project, "sg_date_and_time": dt.datetime(1, 1, 1)}
    created = sg.create("Playlist", data)
    assert created["sg_date_and_time"].astimezone(dt.UTC).replace(tzinfo=None) == dt.datetime(
        1, 1, 1
    )


def test_create_serializable_with_nan_is_stored_or_fault(
    sg: Shotgun, project: dict, snapshot, dialect: str, request: pytest.FixtureRequest
) -> None:
    before = snapshot()
    try:
        sg.create("Task", {"content": "x", "project": project, "splits": [{"a": float("nan")}]})
    except Fault:
        assert snapshot() == before


@pytest.mark.parametrize(
    ("entity_type", "field", "data"),
    [
        ("Project", "name", {"name": "Same"}),
        ("LocalStorage", "code", {"code": "same", "linux_path": "/mnt"}),
    ],
)
def test_create_duplicate_identity_is_fault(
    sg: Shotgun, snapshot, entity_type: str, field: str, data: dict
) -> None:
    sg.create(entity_type, data)
    _assert_refused(sg, snapshot, lambda: sg.create(entity_type, dict(data)), entity_type, field)
