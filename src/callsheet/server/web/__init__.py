"""The web page served at `/`: sign-in, projects, entity pages, detail pages, the Admin menu.

Server-rendered Jinja2 templates (templates/) with a little JavaScript (static/), all served by
Callsheet itself. Every change goes through the engine as the signed-in person.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"


# Each area of the page is one module with a `routes()` function; an area not written yet is
# simply absent (importlib finds none), so areas can land one at a time. `schedule` comes before
# `grid`, whose /project/{id}/{entity_type} would take /project/{id}/schedule.
AREAS = ("signin", "home", "rpc", "schedule", "grid", "detail", "admin", "action_menu")


def web_routes() -> list[BaseRoute]:
    """Every route of the web page: each area's routes, then the static assets."""
    routes: list[BaseRoute] = []
    for area in AREAS:
        name = f"{__name__}.{area}"
        if importlib.util.find_spec(name) is None:
            continue
        routes.extend(importlib.import_module(name).routes())
    routes.append(Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"))
    return routes
