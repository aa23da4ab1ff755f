"""The web page served at `/`: sign-in, projects, entity pages, detail pages, the Admin menu.

Server-rendered Jinja2 templates (templates/) with a little JavaScript (static/), all served by
Callsheet itself. Every change goes through the engine as the signed-in person.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"


def web_routes() -> list[BaseRoute]:
    """Every route of the web page."""
    from callsheet.server.web.home import projects_home
    from callsheet.server.web.rpc import web_rpc
    from callsheet.server.web.signin import signin, signin_form, signout

    return [
        Route("/", projects_home, methods=["GET"]),
        Route("/signin", signin_form, methods=["GET"]),
        Route("/signin", signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/web/rpc", web_rpc, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
