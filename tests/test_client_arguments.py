"""connect()'s argument binding: the same arguments and TypeErrors as `Signature.bind`."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import callsheet
from callsheet.client import _ArgumentBinder, records_to_caller, to_caller, to_engine
from callsheet.site.api import METHODS


def _by_signature(signature: inspect.Signature, args: tuple, kwargs: dict) -> Any:
    try:
        bound = signature.bind("self", *args, **kwargs)
    except TypeError as error:
        return ("TypeError", str(error))
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    del arguments["self"]
    return list(arguments.items())  # the order counts too


def _by_binder(signature: inspect.Signature, args: tuple, kwargs: dict) -> Any:
    try:
        arguments = _ArgumentBinder.of(signature)("self", args, kwargs)
    except TypeError as error:
        return ("TypeError", str(error))
    return list(arguments.items())


def _calls(names: list[str]) -> list[tuple[tuple, dict]]:
    """Argument lists around a method's parameters: too few, all, too many, by keyword,
    repeated, unknown."""
    calls: list[tuple[tuple, dict]] = [((), {}), ((), {"nonsense": 1})]
    for count in range(len(names) + 2):
        values = tuple(f"v{n}" for n in range(count))
        calls.append((values, {}))
        calls.append((values, {"nonsense": 1}))
        if names:
            calls.append((values, {names[-1]: "kw"}))
            calls.append((values, {names[0]: "kw"}))
    calls.append(((), {name: name for name in names}))
    return calls


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_binder_answers_as_signature_bind(method: Any) -> None:
    signature = method.signature()
    names = [p.name for p in list(signature.parameters.values())[1:]]
    for args, kwargs in _calls(names):
        assert _by_binder(signature, args, kwargs) == _by_signature(signature, args, kwargs), (
            method.name,
            args,
            kwargs,
        )


def test_find_one_through_connect_binds_positional_and_keyword_arguments() -> None:
    sg = callsheet.connect()
    try:
        project = sg.create("Project", {"name": "Binder"})
        by_position = sg.find_one("Project", [["id", "is", project["id"]]], ["name"])
        by_keyword = sg.find_one(
            filters=[["id", "is", project["id"]]], fields=["name"], entity_type="Project"
        )
        assert (
            by_position == by_keyword == {"type": "Project", "id": project["id"], "name": "Binder"}
        )
        with pytest.raises(TypeError, match="nonsense"):
            sg.find_one("Project", [], nonsense=1)
        with pytest.raises(TypeError, match="missing a required argument: 'filters'"):
            sg.find_one("Project")
    finally:
        sg.close()


def test_to_engine_plain_values_and_containers() -> None:
    import datetime as dt

    moment = dt.datetime(2024, 5, 1, 12, 30, 15, 999, tzinfo=dt.UTC)
    value = {"a": [1, "x", None, True, 2.5, (3, moment)], "d": dt.date(2024, 1, 2)}
    assert to_engine(value) == {
        "a": [1, "x", None, True, 2.5, [3, moment.replace(microsecond=0)]],
        "d": "2024-01-02",
    }


def test_records_converted_in_place_as_to_caller_converts_copies() -> None:
    import datetime as dt

    def records() -> list[dict[str, Any]]:
        return [
            {
                "type": "Shot",
                "id": 1,
                "code": "2024-05-01T12:30:15Z",  # wire-form text: converted, as shotgun_api3 does
                "created_at": dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC),
                "sg_sequence": {"type": "Sequence", "id": 2, "name": "SQ01"},
                "odd": {"type": "Note", "id": 3, "name": "2024-05-01T12:30:15Z"},
                "shots": [{"type": "Shot", "id": 4, "name": "a"}],
                "meta": {"when": "2024-05-01T12:30:15Z"},
                "n": 5,
            },
            None,
        ]

    expected = to_caller(records())
    assert records_to_caller(records()) == expected
    assert records_to_caller(records()[0]) == expected[0]
    assert isinstance(expected[0]["created_at"].tzinfo, dt.tzinfo)
    assert isinstance(expected[0]["code"], dt.datetime)
