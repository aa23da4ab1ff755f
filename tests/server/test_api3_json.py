"""`/api3/json` in process: the envelope, the body limit, and random garbage never being a 500."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from asgi_calls import post
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callsheet.server import Settings, create_app
from callsheet.server.wire import decode_call, encode_results
from callsheet.site.accounts import create_script
from callsheet.site.api import WIRE_METHODS as METHODS
from callsheet.site.site import Site

AUTH = {"script_name": "wire", "script_key": "wire-key"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    site = Site.open()
    create_script(site, "wire", "wire-key")
    folder = tmp_path_factory.mktemp("wire")
    yield create_app(site, Settings(data_dir=folder, max_body_bytes=64 * 1024))
    site.close()


def call(app: Any, payload: Any) -> tuple[int, dict[str, Any]]:
    status, headers, body = post(app, "/api3/json", json.dumps(payload).encode())
    assert headers["content-type"].startswith("application/json")
    return status, json.loads(body)


def test_info_needs_no_auth_and_is_bare(app: Any) -> None:
    status, answer = call(app, {"method_name": "info", "params": []})
    assert status == 200 and answer["version"] == [8, 50, 0]
    assert (
        answer["api_max_entities_per_page"] == 500 and answer["s3_direct_uploads_enabled"] is True
    )
    assert answer["user_authentication_method"] == "default" and "callsheet_version" in answer


def test_unknown_method_fault_names_it(app: Any) -> None:
    status, answer = call(app, {"method_name": "frobnicate", "params": [AUTH]})
    assert status == 200 and answer["exception"] is True and "frobnicate" in answer["message"]


def test_missing_credentials_are_error_102(app: Any) -> None:
    _, answer = call(app, {"method_name": "read", "params": [{}, {"type": "Shot"}]})
    assert answer["error_code"] == 102


def test_body_over_the_limit_is_a_fault(app: Any) -> None:
    body = orjson.dumps({"method_name": "read", "params": [AUTH, {"x": "y" * 70_000}]})
    status, _, answer = post(app, "/api3/json", body)
    assert status == 200 and "limit" in json.loads(answer)["message"]


def test_results_encode_datetimes_in_utc_z_form() -> None:
    import datetime as dt

    moment = dt.datetime(2024, 1, 2, 3, 4, 5, 678, tzinfo=dt.UTC)
    assert encode_results({"at": moment}) == b'{"results":{"at":"2024-01-02T03:04:05Z"}}'
    assert encode_results(dt.datetime(2024, 1, 2, 3, 4, 5)) == b'{"results":"2024-01-02T03:04:05Z"}'


def test_decode_call_splits_auth_and_params() -> None:
    decoded = decode_call(b'{"method_name": "read", "params": [{"a": 1}, {"type": "Shot"}]}')
    assert (
        decoded.method == "read" and decoded.auth == {"a": 1} and decoded.params["type"] == "Shot"
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
wire_keys = st.sampled_from(
    [
        "type",
        "id",
        "fields",
        "filters",
        "return_fields",
        "paging",
        "field_name",
        "value",
        "entity",
        "user",
        "project",
        "date",
        "start_date",
        "end_date",
        "text",
        "entity_types",
        "summaries",
        "grouping",
        "properties",
        "data_type",
        "note_id",
        "prefs",
        "users",
    ]
)
params = json_values | st.dictionaries(wire_keys, json_values, max_size=6)
envelopes = st.fixed_dictionaries(
    {
        "method_name": st.sampled_from(sorted(METHODS)) | st.text(max_size=10) | json_values,
        "params": st.one_of(
            st.tuples(st.just(AUTH), params).map(list),
            st.tuples(json_values).map(list),
            json_values,
        ),
    }
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=envelopes | json_values)
def test_random_envelopes_answer_a_result_or_a_fault(app: Any, payload: Any) -> None:
    status, answer = call(app, payload)
    assert status == 200
    if isinstance(answer, dict) and answer.get("exception"):
        assert isinstance(answer["error_code"], int) and answer["message"]
        assert "Traceback" not in answer["message"] and "internal error" not in answer["message"]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=200))
def test_random_bytes_answer_a_fault(app: Any, body: bytes) -> None:
    status, _, answer = post(app, "/api3/json", body)
    assert status == 200 and json.loads(answer)["exception"] is True


# -- junk in every key of every wire method (issue 10 §1.8 and its fuzz extension) ----------------
EXAMPLES = int(os.environ.get("CALLSHEET_FUZZ_EXAMPLES", "15"))
junk_scalars = (
    json_values
    | st.sampled_from([2**63, 2**63 - 1, -(2**63) - 1, 10**12, 2**62, "x" * 12_000, ""])
    | st.fixed_dictionaries(
        {"type": st.sampled_from(["Shot", "HumanUser", "Nope"])}, optional={"id": json_values}
    )
)
junk = st.recursive(
    junk_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
# What the official client sends for each key, so junk in one key reaches past the others.
WIRE_PLAUSIBLE: dict[str, Any] = {
    "type": "Shot",
    "id": 1,
    "filters": {"logical_operator": "and", "conditions": []},
    "return_fields": ["code"],
    "fields": [{"field_name": "code", "value": "wired"}],
    "paging": {"entities_per_page": 10, "current_page": 1},
    "return_only": "active",
    "summaries": [{"field": "id", "type": "count"}],
    "text": "wire",
    "entity_types": {"Shot": {"logical_operator": "and", "conditions": []}},
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
    "properties": [{"property_name": "name", "value": "Wired"}],
    "project_id": 1,
    "page_id": 1,
    "format": "csv",
    "path": "/Project",
    "root_path": "/Project",
}
WIRE_CASES = [(name, key) for name, method in sorted(METHODS.items()) for key in method.keys]
WIRE_FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_clean_answer(app: Any, payload: Any) -> None:
    status, answer = call(app, payload)
    assert status == 200
    if isinstance(answer, dict) and answer.get("exception"):
        assert isinstance(answer["error_code"], int) and answer["message"]
        assert "internal error" not in answer["message"], (payload, answer)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
@pytest.mark.parametrize(("name", "key"), WIRE_CASES)
@WIRE_FUZZ
@given(value=junk)
def test_junk_in_any_key_of_any_method_is_a_json_answer(
    app: Any, name: str, key: str, value: Any
) -> None:
    params = {k: WIRE_PLAUSIBLE.get(k) for k in METHODS[name].keys if k in WIRE_PLAUSIBLE}
    params[key] = value
    assert_clean_answer(app, {"method_name": name, "params": [AUTH, params]})


batch_items = st.fixed_dictionaries(
    {"request_type": st.sampled_from(["create", "update", "delete"]) | junk},
    optional={
        "type": st.just("Shot") | junk,
        "id": junk,
        "fields": st.lists(
            st.fixed_dictionaries({"field_name": st.just("code") | junk, "value": junk}), max_size=3
        )
        | junk,
        "return_fields": junk,
    },
)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
@WIRE_FUZZ
@given(requests=st.lists(batch_items, max_size=4) | junk)
def test_junk_batches_are_a_json_answer(app: Any, requests: Any) -> None:
    assert_clean_answer(app, {"method_name": "batch", "params": [AUTH, requests]})
