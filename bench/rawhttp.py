"""The one raw HTTP client of the side-by-side benchmarks (`bench_zou.py`, `bench_floor.py`).

`Http` is one kept-alive `http.client` connection: it sends bytes, reads the whole answer and
hands the bytes back, so every server (Callsheet, Zou, the canned replay of `canned.py`) is timed
through the same code. `Api3` builds the JSON-RPC bodies `shotgun_api3` sends to `/api3/json`
(`Shotgun._build_payload`, `_construct_read_parameters`, `_dict_to_list` in shotgun_api3 3.10;
filters go through the client's own `_translate_filters`) and decodes answers with the stdlib
`json.loads`, as the client does. `bench_floor.py` checks that these bodies are byte for byte the
ones the client sends.
"""

from __future__ import annotations

import gzip
import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit

from shotgun_api3.shotgun import _translate_filters


class HttpError(RuntimeError):
    """A status >= 400, or a JSON-RPC fault envelope."""


class Http:
    """One kept-alive HTTP/1.1 connection to `url` (scheme://host:port)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = dict(headers or {})
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        """Send one request and read the whole answer: (status, body bytes as sent).

        The answer's reason and headers stay in `last_reason` / `last_headers`.
        """
        all_headers = {**self.headers, **(headers or {})}
        try:
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
        except (ConnectionError, http.client.RemoteDisconnected):
            # The server closed an idle kept-alive connection: reconnect once, like the clients.
            self.connection.close()
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
        data = response.read()
        self.last_reason, self.last_headers = response.reason, response.getheaders()
        return response.status, data

    def json(self, method: str, path: str, payload: Any = None) -> Any:
        """A JSON request and its decoded JSON answer (json.loads, as the clients do)."""
        body = None if payload is None else json.dumps(payload).encode("utf-8")
        headers = {"content-type": "application/json"} if body is not None else None
        status, data = self.request(method, path, body, headers)
        if status >= 400:
            raise HttpError(f"{method} {path}: HTTP {status}: {data[:300]!r}")
        return json.loads(data) if data else None

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# The headers shotgun_api3 3.10 sends with every call (`_call_rpc`, `_make_call`); httplib2 adds
# "accept-encoding: gzip, deflate" on its own. The raw client leaves accept-encoding out unless a
# shape asks for it, so the server answers plain JSON (as Zou always does).
API3_HEADERS = {
    "content-type": "application/json; charset=utf-8",
    "connection": "keep-alive",
}


def conditions(filters: list[list[Any]]) -> dict[str, Any]:
    """`[[path, relation, value...], ...]` as the client sends them: its own `_translate_filters`,
    because its entity optimization (`_optimize_filter_field`) iterates a set, so the order of
    `type`/`id` in the bytes changes from one process to the next (string hash seeds)."""
    return dict(_translate_filters(filters, None))


def read_params(
    entity_type: str,
    filters: list[list[Any]],
    fields: list[str],
    page: int = 1,
    per_page: int = 500,
    paging_info: bool = True,
    counts: bool = False,
) -> dict[str, Any]:
    """The `read` parameters of `find()`: a server of 8.50 is asked for paging info without
    counts (`has_next_page`), and not at all for one page (`limit` <= 500); `counts` asks for
    `return_paging_info` instead (the total `entity_count`)."""
    return {
        "type": entity_type,
        "return_fields": fields or ["id"],
        "filters": conditions(filters),
        "return_only": "active",
        "paging": {"entities_per_page": per_page, "current_page": page},
        "api_return_image_urls": True,
        "return_paging_info" if counts else "return_paging_info_without_counts": paging_info,
    }


class Api3:
    """Callsheet's `/api3/json` over one `Http`, with the client's bodies."""

    def __init__(self, url: str, script: str, key: str, headers: dict | None = None) -> None:
        self.http = Http(url, {**API3_HEADERS, **(headers or {})})
        self.auth = {"script_name": script, "script_key": key}

    def body(self, method: str, params: Any) -> bytes:
        payload = {"method_name": method, "params": [self.auth, params]}
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def call_raw(self, method: str, params: Any) -> bytes:
        status, data = self.http.request("POST", "/api3/json", self.body(method, params))
        if status != 200:
            raise HttpError(f"{method}: HTTP {status}: {data[:300]!r}")
        return data

    def call(self, method: str, params: Any) -> Any:
        data = self.call_raw(method, params)
        if any(k.lower() == "content-encoding" and v == "gzip" for k, v in self.http.last_headers):
            data = gzip.decompress(data)  # asked for with accept-encoding, as httplib2 does
        answer = json.loads(data)
        if isinstance(answer, dict) and answer.get("exception"):
            raise HttpError(f"{method}: {answer.get('message')}")
        return answer["results"] if isinstance(answer, dict) and "results" in answer else answer

    def create(self, entity_type: str, data: dict[str, Any], fields: list[str] | None = None):
        params = {
            "type": entity_type,
            "fields": [{"field_name": k, "value": v} for k, v in data.items()],
            "return_fields": fields or ["id"],
        }
        results = self.call("create", params)
        return results[0] if isinstance(results, list) else results

    def update(self, entity_type: str, entity_id: int, data: dict[str, Any]) -> Any:
        params = {
            "type": entity_type,
            "id": entity_id,
            "fields": [{"field_name": k, "value": v} for k, v in data.items()],
        }
        return self.call("update", params)

    def find(
        self,
        entity_type: str,
        filters: list[list[Any]],
        fields: list[str],
        limit: int = 0,
        counts: bool = False,
    ) -> list[dict[str, Any]]:
        """`find()`'s loop: pages of 500 until `has_next_page` is false or `limit` is reached.

        With `counts`, the loop of a client that sees a server without paging info without
        counts: `return_paging_info`, and it stops when it holds `entity_count` records.
        """
        if 0 < limit <= 500:
            params = read_params(entity_type, filters, fields, 1, limit, paging_info=False)
            return self.call("read", params)["entities"]
        records: list[dict[str, Any]] = []
        page = 1
        while True:
            params = read_params(entity_type, filters, fields, page, counts=counts)
            result = self.call("read", params)
            records.extend(result["entities"])
            if limit and len(records) >= limit:
                return records[:limit]
            if counts:
                if not result["entities"] or len(records) == result["paging_info"]["entity_count"]:
                    return records
            elif not result["paging_info"]["has_next_page"]:
                return records
            page += 1

    def close(self) -> None:
        self.http.close()


def timings(operation: Any, repeat: int, warmup: int = 1) -> list[float]:
    """Wall times in seconds of `repeat` calls of `operation`, after `warmup` untimed calls."""
    for _ in range(warmup):
        operation()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        operation()
        times.append(time.perf_counter() - started)
    return times


def interleaved(operations: dict[str, Any], repeat: int, warmup: int = 1) -> dict[str, list[float]]:
    """Each operation's wall times (seconds), one call of each in turn per round, after `warmup`
    untimed rounds: load from other work on the machine falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in operations}
    for round_ in range(warmup + repeat):
        for name, operation in operations.items():
            started = time.perf_counter()
            operation()
            if round_ >= warmup:
                times[name].append(time.perf_counter() - started)
    return times
