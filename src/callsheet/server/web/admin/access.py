"""What every Admin page shares: the admin-only JSON guard, multi-valued form fields, notices."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from callsheet.faults import ValueFault
from callsheet.server.web.handlers import action, current_session, json_response
from callsheet.server.web.rendering import render
from callsheet.server.web.sessions import WebSession

NOT_ADMIN = "This page is for people in the Admin permission group."
# A form may tick many projects or entity types; the shared form reader's field limit is for
# uploads, the lists here are read again from the body with this one.
MAX_LIST_VALUES = 5000

ActionHandler = Callable[[Request, WebSession, Any], Awaitable[Any]]


def admin_action(handler: ActionHandler) -> Callable[[Request], Awaitable[Response]]:
    """An `@action` JSON endpoint for admins only: anyone else gets HTTP 403."""
    inner = action(handler)

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        session = await current_session(request)
        if session is not None and not session.is_admin:
            return json_response({"exception": True, "error_code": 403, "message": NOT_ADMIN}, 403)
        return await inner(request)

    return endpoint


async def form_list(request: Request, name: str) -> list[str]:
    """Every value posted under `name` (checkbox lists), in order; blanks dropped."""
    body = await request.body()
    pairs = parse_qsl(
        body.decode("utf-8", errors="replace"),
        keep_blank_values=False,
        max_num_fields=MAX_LIST_VALUES,
    )
    return [value for key, value in pairs if key == name]


def ids_of(values: list[str], what: str) -> list[int]:
    """Record ids from form values; a Fault names a value that is not one."""
    ids = []
    for value in values:
        if not value.strip().isdigit():
            raise ValueFault(f"{what} must be record ids, got {value!r}.")
        ids.append(int(value))
    return ids


def text(fields: Mapping[str, str], name: str) -> str:
    """A posted text field, trimmed ('' when absent)."""
    return fields.get(name, "").strip()


def redirect(path: str, **query: Any) -> Response:
    """After a successful POST, back to a page (Post/Redirect/Get), with a notice code."""
    shown = {key: value for key, value in query.items() if value not in (None, "")}
    return RedirectResponse(path + (f"?{urlencode(shown)}" if shown else ""), status_code=303)


def notice_of(request: Request, notices: Mapping[str, str]) -> str | None:
    """The message for the `notice` code a redirect carried (only our own fixed texts)."""
    return notices.get(request.query_params.get("notice", ""))


def render_admin(
    request: Request, template: str, section: str, status_code: int = 200, **context: Any
) -> Response:
    """An Admin page: the template with the Admin sub-navigation marking `section`."""
    return render(request, template, status_code=status_code, admin_section=section, **context)
