"""`/api3/json`'s dispatch: each `method_name` to the Site operation site/api.py names for it.

`dispatch` runs in a worker thread (one hop per request, a whole batch too): it authenticates the
caller, decodes the method's parameters (site/api_params.py) and calls the operation. `info` is
the one method without authentication.
"""

from __future__ import annotations

from typing import Any

from callsheet.faults import Fault
from callsheet.server.settings import Settings
from callsheet.server.wire import RpcCall
from callsheet.site.actor import Actor
from callsheet.site.api import WIRE_METHODS, Wire, run_operation
from callsheet.site.auth import authenticate
from callsheet.site.site import Site


class UnknownMethodFault(Fault):
    """No such JSON-RPC method."""


def _wire_method(name: str, refused: frozenset[str] = frozenset()) -> Wire:
    method = WIRE_METHODS.get(name) if name not in refused else None
    if method is None:
        raise UnknownMethodFault(f"Unknown method: {name!r}.")
    return method


def _run(site: Site, method: Wire, actor: Actor | None, params: Any) -> Any:
    arguments = method.decode(params)
    return run_operation(site, method.operation, actor, arguments)


def dispatch(
    site: Site,
    settings: Settings,
    call: RpcCall,
    *,
    source: str | None = None,
    waited: bool = False,
) -> Any:
    """Authenticate and run one call; returns the value for `results`. Runs in a worker thread.

    `source` is the caller's address, `waited` whether it already waited out a login delay
    (site/auth.py)."""
    method = _wire_method(call.method)
    if not method.needs_auth:
        return _run(site, method, None, call.params)
    with site.store.holding_reads():  # the key, the throttle and the call: one connection
        actor = authenticate(site, call.auth, settings.auth, source=source, waited=waited)
        return _run(site, method, actor, call.params)


# The web page's own session is its credential; it never mints API session tokens.
WEB_REFUSED = frozenset({"get_session_token", "info"})


def dispatch_as(site: Site, settings: Settings, actor: Actor, method_name: str, params: Any) -> Any:
    """Run one API method for an actor the caller already authenticated (the web page)."""
    return _run(site, _wire_method(method_name, WEB_REFUSED), actor, params)
