"""`/api3/json` in process: the envelope, the body limit, and random garbage never being a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from asgi_calls import post
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callsheet.server import Settings, create_app
from callsheet.server.methods import METHODS
from callsheet.server.wire import decode_call, encode_results
from callsheet.site.accounts import create_script
from callsheet.site.site import Site

AUTH = {"script_name": "wire", "script_key": "wire-key"}


@pytest.fixture(scope="module")
def app() -> Iterator[Any]:
    site = Site.open()
    create_script(site, "wire", "wire-key")
    yield create_app(site, Settings(max_body_bytes=64 * 1024))
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
