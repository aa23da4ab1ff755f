"""Jinja2 templates of the web page: one environment, the value formatting filters, `render`."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from callsheet import __version__
from callsheet.server.web import values

environment = Environment(
    loader=PackageLoader("callsheet.server.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals["callsheet_version"] = __version__
environment.filters["display"] = values.display_text
environment.filters["entity_url"] = values.entity_url
environment.filters["safe_href"] = values.safe_href
environment.filters["status_color"] = values.status_color


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """An HTML page: the template with the request, the session (if any) and `context`."""
    session = getattr(request.state, "web_session", None)
    page = environment.get_template(template).render(
        request=request,
        session=session,
        csrf_token=session.csrf_token if session else context.pop("csrf_token", ""),
        **context,
    )
    return HTMLResponse(
        page,
        status_code=status_code,
        headers={
            # only our own assets; AMIs may frame or post to other sites
            "Content-Security-Policy": (
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
                "script-src 'self'; frame-src *; form-action *; frame-ancestors 'self'"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Cache-Control": "no-store",
        },
    )
