"""The context menu's Action Menu Items: which ones to show, and running one.

Routes (JSON, called by static/action_menu.js):
- `POST /web/action-menu/items` `{entity_type, project_id}`: the AMIs offered on that page, as
  menu entries (items and one level of folders) in `list_order`.
- `POST /web/action-menu/run` `{ami_id, source, state, referrer_path}`: builds the payload on
  the server (the secret token never reaches the browser) and says what the page does with it:
  POST a form to an http(s) URL (new tab or modal overlay), or navigate to a custom protocol's
  `url?query` (with `light_payload`, only `?event_log_entry_id=N`).
- `POST /web/action-menu/changes` `{entity_type, after}`: for `poll_for_data_updates`, the
  page's entities changed since event `after` by events carrying this window's session_uuid.

Everything runs through the engine as the signed-in person (site/action_menu.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from callsheet.faults import ValueFault
from callsheet.server.web.handlers import action
from callsheet.server.web.sessions import WebSession
from callsheet.site import action_menu
from callsheet.site.action_menu import PageState
from callsheet.site.site import Site

MAX_SELECTED = 100_000
MAX_TEXT = 1000
MAX_COLUMNS = 200


def _optional_int(value: Any, what: str) -> int | None:
    return None if value is None else _int(value, what)


def _int(value: Any, what: str) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueFault(f"{what} must be a positive whole number, got {value!r}.")
    return value


def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueFault(f"{what} must be text of at most {MAX_TEXT} characters.")
    return value


def _entity_type(site: Site, value: Any) -> str:
    if not isinstance(value, str) or value not in site.schema:
        raise ValueFault(f"Unknown entity type {value!r}.")
    return value


def page_state(request: Request, site: Site, body: dict[str, Any]) -> PageState:
    """The page's state as the menu script sent it (grid or detail page), checked."""
    state = body.get("state")
    if not isinstance(state, dict):
        raise ValueFault("state must be the page's state object.")
    entity_type = _entity_type(site, state.get("entity_type"))
    single = body.get("source") == "detail"
    if single:
        selected: Any = [state.get("id")]
    else:
        selected = state.get("selected_ids") or []
    if not isinstance(selected, list) or len(selected) > MAX_SELECTED:
        raise ValueFault("selected_ids must be a list of ids.")
    selected_ids = tuple(_int(i, "A selected id") for i in selected)
    project = state.get("project")
    project_id = _int(project.get("id"), "project id") if isinstance(project, dict) else None
    filters = state.get("filters")
    if filters is not None and not isinstance(filters, dict | list):
        raise ValueFault("filters must be the grid's filter object.")
    columns = state.get("columns") or []
    if not isinstance(columns, list) or len(columns) > MAX_COLUMNS:
        raise ValueFault("columns must be a list of {field, display_name}.")
    sorts = state.get("sorts") or []
    if not isinstance(sorts, list) or len(sorts) > MAX_COLUMNS:
        raise ValueFault("sorts must be a list of {field, direction}.")
    path = _text(body.get("referrer_path"), "referrer_path")
    return PageState(
        entity_type=entity_type,
        selected_ids=selected_ids,
        filters=filters if not single else None,
        project_id=project_id,
        title=_text(state.get("title"), "title"),
        page_id=_optional_int(state.get("page_id"), "page_id"),
        view=_text(state.get("view"), "view") or "Default",
        columns=tuple(
            (
                _text(c.get("field"), "A column's field"),
                _text(c.get("display_name") or c.get("field"), "A column's name"),
            )
            for c in columns
            if isinstance(c, dict)
        ),
        sorts=tuple(
            (
                _text(s.get("field"), "A sort's field"),
                "desc" if s.get("direction") == "desc" else "asc",
            )
            for s in sorts
            if isinstance(s, dict) and s.get("field")
        ),
        referrer_path=path if path.startswith("/") else "",
        server_hostname=request.url.netloc,
        single_entity=single,
        groupings=_groupings(state.get("groupings")),
    )


def _groupings(groupings: Any) -> tuple[tuple[str, str, str], ...]:
    """A grouped page's groupings: [{field, method, direction}] (none while the grid has none)."""
    if groupings is None:
        return ()
    if not isinstance(groupings, list) or len(groupings) > MAX_COLUMNS:
        raise ValueFault("groupings must be a list of {field, method, direction}.")
    return tuple(
        (
            _text(g.get("field"), "A grouping's field"),
            _text(g.get("method") or "exact", "A grouping's method"),
            "desc" if g.get("direction") == "desc" else "asc",
        )
        for g in groupings
        if isinstance(g, dict) and g.get("field")
    )


@action
async def menu_items(request: Request, session: WebSession, payload: Any) -> Any:
    """The menu entries (items and folders) offered on a page of that type and project."""
    site = request.app.state.site
    if not isinstance(payload, dict):
        raise ValueFault("Expected {entity_type, project_id}.")
    entity_type = _entity_type(site, payload.get("entity_type"))
    project_id = _optional_int(payload.get("project_id") or None, "project_id")

    def load() -> list[dict[str, Any]]:
        items = action_menu.menu_items(site, session.actor, entity_type, project_id)
        return action_menu.menu_tree([_public(item) for item in items])

    return await run_in_threadpool(load)


def _public(item: dict[str, Any]) -> dict[str, Any]:
    """What the browser needs of an AMI to draw it (not its URL: the run answer carries it)."""
    keep = ("id", "title", "folder", "list_order", "selection_required", "kind")
    public = {key: item[key] for key in keep}
    # an http(s) page opens its tab at the click itself (popup blockers allow only that)
    public["target"] = "overlay" if item["open_in_overlay"] else "tab"
    return public


def _with_query(url: str, query: str) -> str:
    base, hash_mark, fragment = url.partition("#")
    joined = f"{base}{'&' if '?' in base else '?'}{query}"
    return joined + (f"#{fragment}" if hash_mark else "")


@action
async def run_item(request: Request, session: WebSession, payload: Any) -> Any:
    """POST: the payload of one AMI for the page's state, and how the page delivers it."""
    site = request.app.state.site
    if not isinstance(payload, dict):
        raise ValueFault("Expected {ami_id, source, state}.")
    ami_id = _int(payload.get("ami_id"), "ami_id")
    state = page_state(request, site, payload)
    actor = session.actor

    def run() -> dict[str, Any]:
        # where polling starts: before the AMI's script can write anything
        after = action_menu.latest_event_id(site)
        item, fields = action_menu.build_payload(site, actor, ami_id, state)
        answer: dict[str, Any] = {"title": item["title"], "kind": item["kind"]}
        if item["kind"] == "http":
            answer.update(
                url=item["url"],
                fields=fields,
                target="overlay" if item["open_in_overlay"] else "tab",
            )
        elif item["light_payload"]:
            entry_id = action_menu.store_light_payload(site, actor, item, fields)
            query = urlencode({action_menu.LIGHT_PAYLOAD_KEY: entry_id})
            answer.update(url=_with_query(item["url"], query), event_log_entry_id=entry_id)
        else:
            answer.update(url=_with_query(item["url"], urlencode(fields)))
        if item["poll_for_data_updates"]:
            answer["poll"] = {"after": after, "entity_type": state.entity_type}
        return answer

    return await run_in_threadpool(run)


@action
async def changes(request: Request, session: WebSession, payload: Any) -> Any:
    """POST: `{cursor, ids}`: the page's entities this window's AMI scripts changed."""
    site = request.app.state.site
    if not isinstance(payload, dict):
        raise ValueFault("Expected {entity_type, after}.")
    entity_type = _entity_type(site, payload.get("entity_type"))
    after = payload.get("after")
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise ValueFault(f"after must be an event id, got {after!r}.")
    actor = session.actor
    cursor, ids = await run_in_threadpool(
        action_menu.changed_entities, site, actor, actor.session_uuid or "", after, entity_type
    )
    return {"cursor": cursor, "ids": ids}


def routes() -> list[Route]:
    """The context menu's endpoints."""
    return [
        Route("/web/action-menu/items", menu_items, methods=["POST"]),
        Route("/web/action-menu/run", run_item, methods=["POST"]),
        Route("/web/action-menu/changes", changes, methods=["POST"]),
    ]
