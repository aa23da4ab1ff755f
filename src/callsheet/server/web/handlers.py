"""How web endpoints are written: `page` for HTML pages, `action` for JSON calls from the page.

Both resolve the signed-in person first (one thread-pool hop), redirect or refuse when there is
none, check the CSRF token on every state-changing request, and turn Faults into a readable page
or a JSON fault. Handlers receive the request and the `WebSession`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from callsheet.faults import Fault, NotFoundFault
from callsheet.server.forms import Form, read_form
from callsheet.server.web.rendering import render
from callsheet.server.web.sessions import (
    CSRF_FIELD,
    SESSION_UUID_HEADER,
    WebSession,
    check_csrf,
    load_session,
    session_token_of,
)
from callsheet.server.wire import JSON_CONTENT_TYPE, encode_fault, encode_results, encode_value

log = logging.getLogger("callsheet.server.web")

PageHandler = Callable[[Request, WebSession], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class NotAdminFault(Fault):
    """The page is on the Admin menu and the signed-in person is not in the Admin group."""


async def current_session(request: Request) -> WebSession | None:
    """The signed-in person of this request (cached on the request)."""
    if hasattr(request.state, "web_session"):
        return request.state.web_session  # type: ignore[no-any-return]
    site = request.app.state.site
    settings = request.app.state.settings
    session_uuid = request.headers.get(SESSION_UUID_HEADER) or request.query_params.get(
        "session_uuid"
    )
    session = await run_in_threadpool(
        load_session, site, settings, session_token_of(request), session_uuid
    )
    request.state.web_session = session
    return session


async def read_page_form(request: Request) -> Form:
    """The posted form (urlencoded or multipart), kept on `request.state.form`."""
    if not hasattr(request.state, "form"):
        limit = request.app.state.settings.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise Fault(f"The form is larger than the limit of {limit} bytes.")
        body = await request.body()
        request.state.form = read_form(request.headers.get("content-type", ""), body)
    return request.state.form  # type: ignore[no-any-return]


def _signin_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)


def page(
    *, admin: bool = False
) -> Callable[[PageHandler], Callable[[Request], Awaitable[Response]]]:
    """An HTML endpoint for signed-in people (the Admin group only when `admin`)."""

    def decorate(handler: PageHandler) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            session = await current_session(request)
            if session is None:
                return _signin_redirect(request)
            try:
                if admin and not session.is_admin:
                    raise NotAdminFault("This page is for people in the Admin permission group.")
                if request.method not in SAFE_METHODS:
                    form = await read_page_form(request)
                    check_csrf(request, session, form.fields.get(CSRF_FIELD))
                return await handler(request, session)
            except Fault as fault:
                status = 403 if isinstance(fault, NotAdminFault) else 400
                if isinstance(fault, NotFoundFault):
                    status = 404
                return render(request, "error.html", status_code=status, message=str(fault))

        return endpoint

    return decorate


# Record ids are 64-bit: a longer run of digits in a URL names nothing (and must not reach SQL).
MAX_ID_DIGITS = 18


def path_id(request: Request, name: str, what: str) -> int:
    """The positive record id in the URL's `name` part, or the page's not-found Fault."""
    raw = str(request.path_params[name])
    if not raw.isdigit() or len(raw) > MAX_ID_DIGITS or int(raw) == 0:
        raise NotFoundFault(f"There is no {what} {raw!r}.")
    return int(raw)


def json_response(value: Any, status_code: int = 200) -> Response:
    """A JSON answer in the wire's encoding (datetimes as the API sends them)."""
    return Response(encode_value(value), status_code=status_code, media_type=JSON_CONTENT_TYPE)


def action(
    handler: Callable[[Request, WebSession, Any], Awaitable[Any]],
) -> Callable[[Request], Awaitable[Response]]:
    """A JSON endpoint called by the page's script: body JSON in, `{"results": ...}` out.

    Faults answer `{"exception": true, "message": ..., "error_code": ...}` with HTTP 200 (as the
    API does) so the page shows the message; no session is HTTP 401.
    """

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        session = await current_session(request)
        if session is None:
            return json_response({"exception": True, "message": "Not signed in."}, 401)
        try:
            if request.method not in SAFE_METHODS:
                check_csrf(request, session, None)
                body = await request.body()
                payload = orjson.loads(body) if body else {}
            else:
                payload = dict(request.query_params)
            results = await handler(request, session, payload)
            return Response(encode_results(results), media_type=JSON_CONTENT_TYPE)
        except orjson.JSONDecodeError:
            return Response(
                encode_fault(Fault("The request body is not JSON.")), media_type=JSON_CONTENT_TYPE
            )
        except Fault as fault:
            return Response(encode_fault(fault), media_type=JSON_CONTENT_TYPE)
        except Exception:
            log.exception("unexpected error in %s", request.url.path)
            return Response(
                encode_fault(Fault("Callsheet could not complete this; see the server log.")),
                media_type=JSON_CONTENT_TYPE,
            )

    return endpoint
