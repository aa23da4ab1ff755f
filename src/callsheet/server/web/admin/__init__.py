"""The Admin menu's pages, for people in the Admin permission group only.

One module per page; each has a `routes()` function. Every page is an `@page(admin=True)` (a 403
page for anyone else) and every JSON endpoint an `@admin_action` (a 403 answer). Changes go
through the engine as the signed-in admin, so the event log records who made them.
"""

from __future__ import annotations

import importlib
import importlib.util

from starlette.routing import BaseRoute

# In menu order. "permissions" is the Permissions page, written with the permission rules; it is
# picked up when its module exists.
PAGES = (
    "scripts",
    "people",
    "action_menu_items",
    "fields",
    "entities",
    "permissions",
    "event_log",
    "task_templates",
    "schedule",
)


def routes() -> list[BaseRoute]:
    """The routes of every Admin page."""
    collected: list[BaseRoute] = []
    for name in PAGES:
        module = f"{__name__}.{name}"
        if importlib.util.find_spec(module) is None:
            continue
        collected.extend(importlib.import_module(module).routes())
    return collected
