"""`POST /web/rpc`: the page's script calls the API's methods as the signed-in person.

The body is `{"method": "read", "params": {...}}` with params in the wire's shapes (the same
translation as `/api3/json`, so the page and shotgun_api3 can never disagree). The person's
session is the credential; `session_uuid` (one per browser window) comes in a header and lands in
the event log, so an Action Menu Item's script can find the changes made from that window.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from callsheet.faults import Fault
from callsheet.server.methods import dispatch_as
from callsheet.server.web.handlers import action
from callsheet.server.web.sessions import WebSession


@action
async def web_rpc(request: Request, session: WebSession, payload: Any) -> Any:
    """One API call from the page."""
    if not isinstance(payload, dict) or not isinstance(payload.get("method"), str):
        raise Fault('Expected {"method": ..., "params": ...}.')
    return await run_in_threadpool(
        dispatch_as,
        request.app.state.site,
        request.app.state.settings,
        session.actor,
        payload["method"],
        payload.get("params"),
    )


def routes() -> list[Route]:
    """The page's API endpoint."""
    return [Route("/web/rpc", web_rpc, methods=["POST"])]
