"""The projects home: every project the signed-in person may see, with thumbnails."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callsheet.server.web.handlers import page
from callsheet.server.web.rendering import render
from callsheet.server.web.sessions import WebSession

PROJECT_FIELDS = ["name", "image", "sg_status", "sg_description", "is_template", "updated_at"]


@page()
async def projects_home(request: Request, session: WebSession) -> Response:
    """GET /: project cards, active projects first, templates last."""
    site = request.app.state.site

    def load() -> list[dict]:
        projects = site.find(
            session.actor,
            "Project",
            [],
            PROJECT_FIELDS,
            order=[{"field_name": "name", "direction": "asc"}],
        )
        return sorted(
            projects, key=lambda p: (bool(p.get("is_template")), p.get("sg_status") != "Active")
        )

    projects = await run_in_threadpool(load)
    return render(request, "home.html", projects=projects, title="Projects")


def routes() -> list[Route]:
    """The projects home."""
    return [Route("/", projects_home, methods=["GET"])]
