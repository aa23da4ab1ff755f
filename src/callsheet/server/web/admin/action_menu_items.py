"""Admin menu, Action Menu Items: create and edit every AMI field, the secret token write-only.

The fields are the ActionMenuItem fields of reference/data-model.md §5.1 that the schema has.
The secret token goes through site/action_menu.py (`set_secret_token`, `has_secret_token`): the
page never reads it back, it only says whether one is set.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callsheet.faults import Fault, NotFoundFault, ValueFault
from callsheet.server.web.admin.access import (
    form_list,
    ids_of,
    notice_of,
    redirect,
    render_admin,
    text,
)
from callsheet.server.web.handlers import page, path_id, read_page_form
from callsheet.server.web.sessions import WebSession
from callsheet.site import action_menu
from callsheet.site.accounts import permission_groups
from callsheet.site.actor import Actor
from callsheet.site.site import Site

AMI = "ActionMenuItem"
AMI_FIELDS = [
    "title",
    "entity_type",
    "url",
    "list_order",
    "folder",
    "selection_required",
    "open_in_overlay",
    "poll_for_data_updates",
    "light_payload",
    "permissions_groups",
    "projects",
    "created_at",
    "updated_at",
    "updated_by",
]
CHECKBOXES = ("selection_required", "open_in_overlay", "poll_for_data_updates", "light_payload")
NOTICES = {
    "created": "Action Menu Item created.",
    "saved": "Saved.",
    "retired": "Action Menu Item retired.",
}


def _projects(site: Site, actor: Actor) -> list[dict[str, Any]]:
    return site.find(actor, "Project", [], ["name", "is_template"], order=[{"field_name": "name"}])


def _choices(site: Site, actor: Actor) -> dict[str, Any]:
    return {
        "entity_types": sorted(site.schema.names()),
        "groups": permission_groups(site, "HumanUser"),
        "projects": _projects(site, actor),
    }


@page(admin=True)
async def items_page(request: Request, session: WebSession) -> Response:
    """GET /admin/action-menu-items: every AMI, in menu order per entity type."""
    site: Site = request.app.state.site

    def load() -> list[dict[str, Any]]:
        items = site.find(
            session.actor,
            AMI,
            [],
            AMI_FIELDS,
            order=[
                {"field_name": "entity_type", "direction": "asc"},
                {"field_name": "list_order", "direction": "asc"},
                {"field_name": "title", "direction": "asc"},
            ],
        )
        for item in items:
            item["signed"] = action_menu.has_secret_token(site, item["id"])
            item["kind"] = "POST" if action_menu.is_http(item.get("url")) else "Protocol"
        return items

    items = await run_in_threadpool(load)
    return render_admin(
        request,
        "admin_amis.html",
        "action_menu_items",
        title="Action Menu Items",
        items=items,
        notice=notice_of(request, NOTICES),
        highlight=request.query_params.get("id", ""),
    )


async def _form_page(
    request: Request,
    session: WebSession,
    item_id: int | None,
    *,
    error: str | None = None,
    posted: dict[str, Any] | None = None,
) -> Response:
    site: Site = request.app.state.site

    def load() -> dict[str, Any]:
        loaded = _choices(site, session.actor)
        item: dict[str, Any] = {}
        if item_id is not None:
            found = site.find_one(session.actor, AMI, [["id", "is", item_id]], AMI_FIELDS)
            if found is None:
                raise NotFoundFault(f"{AMI} {item_id} doesn't exist or is retired.")
            item = found
        loaded["item"] = item
        loaded["signed"] = item_id is not None and action_menu.has_secret_token(site, item_id)
        return loaded

    loaded = await run_in_threadpool(load)
    item = loaded["item"]
    values = posted if posted is not None else _form_values(item)
    return render_admin(
        request,
        "admin_ami.html",
        "action_menu_items",
        status_code=400 if error else 200,
        title=item.get("title") or "New Action Menu Item",
        item_id=item_id,
        values=values,
        error=error,
        notice=notice_of(request, NOTICES),
        **loaded,
    )


def _form_values(item: dict[str, Any]) -> dict[str, Any]:
    """The form's values from a record (or a new item's defaults)."""
    order = item.get("list_order")
    return {
        "title": item.get("title") or "",
        "entity_type": item.get("entity_type") or "",
        "url": item.get("url") or "",
        "list_order": "" if order is None else str(order),
        "folder": item.get("folder") or "",
        **{name: bool(item.get(name)) for name in CHECKBOXES},
        "permissions_groups": [g["id"] for g in item.get("permissions_groups") or []],
        "projects": [p["id"] for p in item.get("projects") or []],
    }


def ami_data(fields: dict[str, str], groups: list[int], projects: list[int]) -> dict[str, Any]:
    """The ActionMenuItem field values a posted form asks for; a Fault names a bad one."""
    title, url = text(fields, "title"), text(fields, "url")
    if not title:
        raise ValueFault("An Action Menu Item needs a title.")
    if not url:
        raise ValueFault("An Action Menu Item needs a URL (http(s):// or a custom protocol).")
    if ":" not in url:
        raise ValueFault(f"The URL {url!r} has no scheme; start it with https:// or yourapp://.")
    order_text = text(fields, "list_order")
    try:
        list_order = int(order_text) if order_text else None
    except ValueError:
        raise ValueFault(f"The order must be a whole number, got {order_text!r}.") from None
    return {
        "title": title,
        "entity_type": text(fields, "entity_type") or None,
        "url": url,
        "list_order": list_order,
        "folder": text(fields, "folder") or None,
        **{name: fields.get(name) == "on" for name in CHECKBOXES},
        "permissions_groups": [{"type": "PermissionRuleSet", "id": i} for i in groups],
        "projects": [{"type": "Project", "id": i} for i in projects],
    }


def new_token(fields: dict[str, str]) -> tuple[bool, str | None]:
    """Whether the form changes the secret token, and to what (None: remove it).

    The token is the HMAC key, used exactly as typed; an empty input leaves it as it is.
    """
    if fields.get("remove_secret_token") == "on":
        return True, None
    token = fields.get("secret_token", "")
    if not token.strip():
        return False, None
    return True, action_menu.checked_secret(token)  # refused before anything is written


async def _save(request: Request, session: WebSession, item_id: int | None) -> Response:
    site: Site = request.app.state.site
    form = await read_page_form(request)
    fields = form.fields
    group_values = await form_list(request, "permissions_groups")
    project_values = await form_list(request, "projects")

    def save() -> int:
        data = ami_data(
            fields,
            ids_of(group_values, "Permission groups"),
            ids_of(project_values, "Projects"),
        )
        change_token, token = new_token(fields)
        if item_id is None:
            saved_id = int(site.create(session.actor, AMI, data)["id"])
        else:
            site.update(session.actor, AMI, item_id, data)
            saved_id = item_id
        if change_token:
            action_menu.set_secret_token(site, session.actor, saved_id, token)
        return saved_id

    try:
        saved_id = await run_in_threadpool(save)
    except Fault as fault:
        # the token is never echoed back into the page, not even after a mistake
        posted: dict[str, Any] = {k: v for k, v in fields.items() if k != "secret_token"}
        posted.update({name: fields.get(name) == "on" for name in CHECKBOXES})
        posted["permissions_groups"] = [int(v) for v in group_values if v.isdigit()]
        posted["projects"] = [int(v) for v in project_values if v.isdigit()]
        return await _form_page(request, session, item_id, error=str(fault), posted=posted)
    if item_id is None:
        return redirect("/admin/action-menu-items", notice="created", id=saved_id)
    return redirect(f"/admin/action-menu-items/{saved_id}", notice="saved")


def _item_id(request: Request) -> int:
    return path_id(request, "item_id", "Action Menu Item")


@page(admin=True)
async def new_item_page(request: Request, session: WebSession) -> Response:
    """GET /admin/action-menu-items/new: the form for a new AMI."""
    return await _form_page(request, session, None)


@page(admin=True)
async def item_create(request: Request, session: WebSession) -> Response:
    """POST /admin/action-menu-items: create an AMI (and set its secret token)."""
    return await _save(request, session, None)


@page(admin=True)
async def item_page(request: Request, session: WebSession) -> Response:
    """GET /admin/action-menu-items/{id}: edit one AMI."""
    return await _form_page(request, session, _item_id(request))


@page(admin=True)
async def item_update(request: Request, session: WebSession) -> Response:
    """POST /admin/action-menu-items/{id}: save the AMI's fields (and its secret token)."""
    return await _save(request, session, _item_id(request))


@page(admin=True)
async def item_retire(request: Request, session: WebSession) -> Response:
    """POST /admin/action-menu-items/{id}/retire: retire the AMI (off every menu)."""
    site: Site = request.app.state.site
    item_id = _item_id(request)
    try:
        await run_in_threadpool(site.delete, session.actor, AMI, item_id)
    except Fault as fault:
        return await _form_page(request, session, item_id, error=str(fault))
    return redirect("/admin/action-menu-items", notice="retired")


def routes() -> list[Route]:
    """The Action Menu Items pages."""
    return [
        Route("/admin/action-menu-items", items_page, methods=["GET"]),
        Route("/admin/action-menu-items", item_create, methods=["POST"]),
        Route("/admin/action-menu-items/new", new_item_page, methods=["GET"]),
        Route("/admin/action-menu-items/{item_id:int}", item_page, methods=["GET"]),
        Route("/admin/action-menu-items/{item_id:int}", item_update, methods=["POST"]),
        Route("/admin/action-menu-items/{item_id:int}/retire", item_retire, methods=["POST"]),
    ]
