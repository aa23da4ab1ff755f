"""The JSON-RPC envelope of `/api3/json` (reference §1.2-§4): decode requests, encode answers.

Faults become HTTP 200 `{"exception": true, "error_code": n, "message": ...}` here and nowhere
else. Datetimes leave as `YYYY-MM-DDTHH:MM:SSZ` (UTC, no fraction), the only form the official
client turns back into datetimes; naive datetimes are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from callsheet.faults import Fault

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
_DUMP_OPTIONS = (
    orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC | orjson.OPT_OMIT_MICROSECONDS | orjson.OPT_NON_STR_KEYS
)


class EnvelopeFault(Fault):
    """The request is not a JSON-RPC call of shotgun_api3's shape."""


@dataclass(frozen=True)
class RpcCall:
    """One decoded call: the method, the auth dict (None for info) and the method's params."""

    method: str
    auth: Any
    params: Any


def decode_call(body: bytes) -> RpcCall:
    """Parse `{"method_name": ..., "params": [auth, params]}`; a Fault for anything else."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise EnvelopeFault(f"The request body is not valid JSON: {error}") from None
    if not isinstance(payload, dict):
        raise EnvelopeFault("The request must be a JSON object with method_name and params.")
    method = payload.get("method_name")
    if not isinstance(method, str) or not method:
        raise EnvelopeFault("The request has no method_name (a string).")
    params = payload.get("params", [])
    if params is None:
        params = []
    if not isinstance(params, list) or len(params) > 2:
        raise EnvelopeFault(f"params of {method!r} must be a list: [auth] or [auth, parameters].")
    auth = params[0] if params else None
    return RpcCall(method, auth, params[1] if len(params) > 1 else None)


def _default(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, int):  # beyond 64 bits
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode_value(value: Any) -> bytes:
    """Any answer as JSON, datetimes in the wire's UTC form (`YYYY-MM-DDTHH:MM:SSZ`)."""
    return orjson.dumps(value, default=_default, option=_DUMP_OPTIONS)


def encode_results(results: Any, *, bare: bool = False) -> bytes:
    """`{"results": ...}` (or the value itself for `info`), datetimes in the wire's UTC form."""
    return encode_value(results if bare else {"results": results})


def encode_fault(fault: Fault) -> bytes:
    """The one mapping from a Fault to the wire's fault envelope."""
    return orjson.dumps(
        {"exception": True, "error_code": int(fault.error_code), "message": fault.message},
        option=_DUMP_OPTIONS,
    )
