"""Junk in every parameter of every method of the table, in process: a Fault or an answer, never
an internal error (issue 10 §1: the next list of holes is found by the suite, not a reviewer).

`CALLSHEET_FUZZ_EXAMPLES` sets the examples per method and parameter (default small for CI);
tests/server/test_api3_json.py does the same over the wire.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import callsheet
from callsheet import faults
from callsheet.client import Shotgun
from callsheet.site.api import METHODS

EXAMPLES = int(os.environ.get("CALLSHEET_FUZZ_EXAMPLES", "15"))
# Long texts are part of the junk; hypothesis warns about the size of their repr.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.sampled_from([0, -1, 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**12])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "x" * 12_000, "Shot", "code", "id", "is", "in_last", "DAY", "\x00"])
)
entityish = st.fixed_dictionaries(
    {"type": st.sampled_from(["Shot", "HumanUser", "Project", "Note", "Nope"]) | scalars},
    optional={"id": scalars, "name": scalars, "url": scalars},
)
junk = st.recursive(
    scalars | entityish,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.text(max_size=10) | st.sampled_from(["type", "id"]), children, max_size=4
        )
    ),
    max_leaves=16,
)

# A plausible value per parameter name, so junk in one position reaches past the others.
PLAUSIBLE: dict[str, Any] = {
    "entity_type": "Shot",
    "entity_id": 1,
    "filters": [],
    "fields": ["code"],
    "data": {"code": "fuzzed"},
    "summary_fields": [{"field": "id", "type": "count"}],
    "text": "fuzz",
    "entity_types": {"Shot": []},
    "requests": [],
    "user": {"type": "HumanUser", "id": 1},
    "entity": {"type": "Shot", "id": 1},
    "project": {"type": "Project", "id": 1},
    "note_id": 1,
    "start_date": "2024-01-01",
    "end_date": "2024-01-07",
    "date": "2024-01-02",
    "working": True,
    "users": [],
    "field_name": "code",
    "data_type": "text",
    "display_name": "Fuzzed",
    "properties": {"description": "fuzz"},
    "page_id": 1,
    "format": "csv",
    "path": "/Project",
    "root_path": "/Project",
    "search_string": "fuzz",
    "entities": [{"type": "Shot", "id": 1}],
    "attachment": 1,
    "user_login": "nobody",
    "user_password": "wrong",
}
CASES = [
    (method.name, position)
    for method in METHODS
    for position in range(len(method.params))
    if not method.params[position].var_keyword
]


@pytest.fixture(scope="module")
def sg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shotgun]:
    connection = callsheet.connect()
    project = connection.create("Project", {"name": "fuzz"})
    connection.create("Shot", {"code": "fuzz shot", "project": project})
    yield connection
    connection.close()


def arguments(name: str, position: int, value: Any) -> list[Any]:
    method = next(m for m in METHODS if m.name == name)
    given = []
    for index, param in enumerate(method.params):
        if param.var_keyword:
            break
        if index == position:
            given.append(value)
        elif param.name in PLAUSIBLE:
            given.append(PLAUSIBLE[param.name])
        elif param.default is not param.__class__.__dataclass_fields__["default"].default:
            given.append(param.default)
        else:
            given.append(None)
    return given


@pytest.mark.parametrize(("name", "position"), CASES)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=junk)
def test_junk_in_any_position_is_a_fault_or_an_answer(
    sg: Shotgun,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    position: int,
    value: Any,
) -> None:
    monkeypatch.chdir(tmp_path)  # a junk file_path lands here, if anywhere
    try:
        getattr(sg, name)(*arguments(name, position, value))
    except faults.Fault as fault:
        assert fault.message and "Traceback" not in fault.message
