"""Detail pages: `/detail/{EntityType}/{id}` for every entity type, with the page's endpoints.

The page (page.py) shows the entity's fields (record.py), linked records (linked.py), Notes with
Replies (notes.py) and its history (history.py); its script edits fields with the shared editors,
uploads thumbnails and adds Notes through the endpoints in actions.py.
"""

from __future__ import annotations

from starlette.routing import Route

from callsheet.server.web.detail.actions import (
    add_note,
    add_reply,
    history_page,
    linked_rows,
    thumbnail_state,
    update_field,
    upload_thumbnail,
)
from callsheet.server.web.detail.page import detail_page

BASE = "/detail/{entity_type}/{entity_id}"


def routes() -> list[Route]:
    """The detail page and its endpoints."""
    return [
        Route(BASE, detail_page, methods=["GET"]),
        Route(f"{BASE}/field", update_field, methods=["POST"]),
        Route(f"{BASE}/thumbnail", upload_thumbnail, methods=["POST"]),
        Route(f"{BASE}/thumbnail", thumbnail_state, methods=["GET"]),
        Route(f"{BASE}/history", history_page, methods=["GET"]),
        Route(f"{BASE}/linked", linked_rows, methods=["GET"]),
        Route(f"{BASE}/notes", add_note, methods=["POST"]),
        Route(f"{BASE}/replies", add_reply, methods=["POST"]),
    ]
