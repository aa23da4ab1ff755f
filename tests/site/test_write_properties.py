"""Property: any create or update either succeeds or is a Fault that leaves no trace.

Random field names (real and made up) with random values of random Python types; SQLite only, one
site for the module (the property does not depend on a fresh database).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import callsheet
from callsheet.client import Shotgun
from callsheet.faults import Fault

ENTITY_TYPES = ["Shot", "Asset", "Task", "Version", "Note", "Sequence", "HumanUser", "Playlist"]
NAME_FIELDS = {"Task": "content", "Note": "subject", "HumanUser": "login"}
PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One SQLite site with a project and one live entity of each type to link to and update."""
    path = tmp_path_factory.mktemp("properties") / "site.sqlite3"
    shutil.copy(sqlite_template, path)
    sg = callsheet.connect(str(path))
    project = sg.create("Project", {"name": "Properties"})
    entities = {}
    for entity_type in ENTITY_TYPES:
        data: dict[str, Any] = {NAME_FIELDS.get(entity_type, "code"): f"seed {entity_type}"}
        if entity_type != "HumanUser":
            data["project"] = project
        entities[entity_type] = sg.create(entity_type, data)
    retired = sg.create("Shot", {"code": "retired", "project": project})
    sg.delete("Shot", retired["id"])
    entities["retired"] = retired
    entities["Project"] = project
    yield {"sg": sg, "entities": entities}
    sg.close()


def _fields(entity_type: str) -> dict[str, Any]:
    from callsheet.schema.default import default_schema

    return dict(default_schema().entity(entity_type).fields)


FIELDS = {t: _fields(t) for t in ENTITY_TYPES}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.integers(min_value=-(2**31) - 2, max_value=2**31 + 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "  ", "ip", "wtg", "2024-01-02", "2024-02-30", "Character", "255,0,0"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
    st.datetimes(
        min_value=dt.datetime(1971, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.none() | st.just(dt.UTC),
    ),
)


def _links(entities: dict) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(
        [{"type": e["type"], "id": e["id"]} for e in entities.values()]
        + [{"type": "Shot", "id": 424242}, {"type": "NotAType", "id": 1}, {"type": "Shot"}]
    )


def _any_value(entities: dict) -> st.SearchStrategy[Any]:
    """Values of any Python type, nested: mostly wrong for the field they land in."""
    return st.recursive(
        scalars | _links(entities),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(["type", "id", "name", "url", "x"]), children, max_size=3
            )
        ),
        max_leaves=6,
    )


def _fitting_value(field: Any, entities: dict) -> st.SearchStrategy[Any]:
    """Values of the field's own shape, so that a good share of the writes succeed."""
    by_type: dict[str, st.SearchStrategy[Any]] = {
        "text": st.text(max_size=30) | st.none(),
        "number": st.integers(min_value=-(2**31), max_value=2**31 - 1) | st.none(),
        "float": st.floats(min_value=-1e6, max_value=1e6) | st.none(),
        "checkbox": st.booleans(),
        "date": st.dates(min_value=dt.date(1970, 1, 2)).map(dt.date.isoformat) | st.none(),
        "date_time": st.datetimes(min_value=dt.datetime(1971, 1, 1), timezones=st.just(dt.UTC)),
        "entity": _links(entities) | st.none(),
        "multi_entity": st.lists(_links(entities), max_size=3),
        "list": st.sampled_from([*field.valid_values, None]),
        "status_list": st.sampled_from([*field.valid_values, None]),
    }
    return by_type.get(field.data_type, _any_value(entities))


@st.composite
def writes(draw: st.DrawFn, entities: dict) -> tuple[str, dict[str, Any]]:
    entity_type = draw(st.sampled_from(ENTITY_TYPES))
    fields = FIELDS[entity_type]
    data: dict[str, Any] = {}
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            name = draw(st.text(min_size=1, max_size=12))
            data[name] = draw(_any_value(entities))
            continue
        name = draw(st.sampled_from(sorted(fields)))
        fitting = draw(st.booleans())
        value = _fitting_value(fields[name], entities) if fitting else _any_value(entities)
        data[name] = draw(value)
    return entity_type, data


def _assert_success_or_clean_fault(sg: Shotgun, snapshot_of: Any, write: Any) -> None:
    before = snapshot_of(sg)
    try:
        result = write()
    except Fault as fault:
        event(f"fault: {type(fault).__name__}")
        assert snapshot_of(sg) == before
        return
    event("written")
    assert isinstance(result, dict)
    assert {"type", "id"} <= set(result)


@PROPERTY_SETTINGS
@given(data=st.data())
def test_create_random_fields_and_values_succeeds_or_faults_cleanly(
    site: dict, snapshot_of: Any, data: st.DataObject
) -> None:
    sg, entities = site["sg"], site["entities"]
    entity_type, values = data.draw(writes(entities))
    if entity_type != "HumanUser" and data.draw(st.booleans()):
        values.setdefault("project", entities["Project"])
    _assert_success_or_clean_fault(sg, snapshot_of, lambda: sg.create(entity_type, values))


@PROPERTY_SETTINGS
@given(data=st.data())
def test_update_random_fields_and_values_succeeds_or_faults_cleanly(
    site: dict, snapshot_of: Any, data: st.DataObject
) -> None:
    sg, entities = site["sg"], site["entities"]
    entity_type, values = data.draw(writes(entities))
    modes = data.draw(
        st.none()
        | st.dictionaries(
            st.sampled_from(list(values)),
            st.sampled_from(["set", "add", "remove", "bogus"]),
            max_size=2,
        )
    )
    target = entities[entity_type]["id"]
    _assert_success_or_clean_fault(
        sg, snapshot_of, lambda: sg.update(entity_type, target, values, modes)
    )
