"""The method table of `/api3/json`: each `method_name` to the translation that serves it.

`dispatch` runs in a worker thread (one hop per request, a whole batch too): it authenticates the
caller, then calls the method's translation. `info` is the one method without authentication.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from callsheet import __version__
from callsheet.faults import Fault
from callsheet.server import translate
from callsheet.server.settings import Settings
from callsheet.server.translate import params_dict
from callsheet.server.wire import RpcCall
from callsheet.site import activity, following, preferences, work_schedule
from callsheet.site.actor import Actor
from callsheet.site.auth import authenticate, issue_session_token
from callsheet.site.site import MAX_PAGE_SIZE, Site

Method = Callable[[Site, Actor, Any, Settings], Any]
DIRECT_UPLOAD_TYPES: dict[str, Any] = {
    "Version": ["sg_uploaded_movie"],
    "Attachment": "*",
    "*": ["this_file"],
}


class UnknownMethodFault(Fault):
    """No such JSON-RPC method."""


class NotAvailableFault(Fault):
    """A method ShotGrid has that Callsheet does not serve (yet)."""


def server_info() -> dict[str, Any]:
    """`info`: the version gates of reference §6 (8.50 enables every client feature)."""
    return {
        "version": [8, 50, 0],
        "full_version": [8, 50, 0, 0],
        "callsheet_version": __version__,
        "user_authentication_method": "default",
        "api_max_entities_per_page": MAX_PAGE_SIZE,
        # The cloud flow, served by Callsheet itself (server/direct_uploads.py), for the fields
        # ShotGrid sends that way (its own value; reference §7.1): big movies go in parts.
        "s3_direct_uploads_enabled": True,
        "s3_enabled_upload_types": dict(DIRECT_UPLOAD_TYPES),
        "unified_login_flow_enabled": False,
        "authentication_app_session_launcher_enabled": False,
    }


def _plain(operation: Callable[[Site, Actor, Any], Any]) -> Method:
    return lambda site, actor, params, settings: operation(site, actor, params)


def _session_token(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    return {"session_id": issue_session_token(site, actor, settings.auth)}


def _follow(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    p = params_dict(params, "follow", "user", "entity")
    return following.follow(site, actor, p["user"], p["entity"])


def _unfollow(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    p = params_dict(params, "unfollow", "user", "entity")
    return following.unfollow(site, actor, p["user"], p["entity"])


def _followers(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    p = params_dict(params, "followers", "entity")
    return following.followers(site, actor, p["entity"])


def _following(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    p = params_dict(params, "following", "user")
    return following.following(site, actor, p["user"], p.get("project"), p.get("entity_type"))


def _activity_stream(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    p = params_dict(params, "activity_stream", "type", "id")
    return activity.activity_stream(
        site,
        actor,
        p["type"],
        p["id"],
        p.get("entity_fields"),
        p.get("min_id"),
        p.get("max_id"),
        p.get("limit"),
    )


def _note_thread(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    p = params_dict(params, "note_thread_contents", "note_id")
    return activity.note_thread(site, actor, p["note_id"], p.get("entity_fields"))


def _preferences(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    return preferences.preferences_read(site, actor, params_dict(params, "prefs").get("prefs"))


def _work_schedule_read(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    p = params_dict(params, "work_schedule_read", "start_date", "end_date")
    return work_schedule.work_schedule_read(
        site, actor, p["start_date"], p["end_date"], p.get("project"), p.get("user")
    )


def _work_schedule_update(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    p = params_dict(params, "work_schedule_update", "date", "working")
    return work_schedule.work_schedule_update(
        site,
        actor,
        p["date"],
        p["working"],
        p.get("description"),
        p.get("project"),
        p.get("user"),
        p.get("recalculate_field"),
    )


def _last_accessed(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    p = params_dict(params, "update_project_last_accessed_by_current_user", "project_id")
    return preferences.update_project_last_accessed(site, actor, p["project_id"], p.get("user_id"))


def _subscriptions_read(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    return preferences.user_subscriptions_read(site, actor)


def _subscriptions_create(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    p = params_dict(params, "user_subscriptions_create", "users")
    return preferences.user_subscriptions_create(site, actor, p["users"])


def _export_page(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
    p = params_dict(params, "export_page")
    return preferences.export_page(
        site, actor, p.get("page_id"), p.get("format"), p.get("layout_name")
    )


def _not_available(name: str) -> Method:
    def refuse(site: Site, actor: Actor, params: Any, settings: Settings) -> Any:
        raise NotAvailableFault(f"{name} is not available on this Callsheet server.")

    return refuse


METHODS: dict[str, Method] = {
    "read": _plain(translate.read),
    "create": _plain(translate.create),
    "update": _plain(translate.update),
    "delete": _plain(translate.delete),
    "revive": _plain(translate.revive),
    "batch": _plain(translate.batch),
    "summarize": _plain(translate.summarize),
    "query_display_name_cache": _plain(translate.text_search),
    "schema_read": _plain(translate.schema_read),
    "schema_entity_read": _plain(translate.schema_entity_read),
    "schema_field_read": _plain(translate.schema_field_read),
    "schema_field_create": _plain(translate.schema_field_create),
    "schema_field_update": _plain(translate.schema_field_update),
    "schema_field_delete": _plain(translate.schema_field_delete),
    "get_session_token": _session_token,
    "follow": _follow,
    "unfollow": _unfollow,
    "followers": _followers,
    "following": _following,
    "activity_stream": _activity_stream,
    "note_thread_contents": _note_thread,
    "preferences_read": _preferences,
    "work_schedule_read": _work_schedule_read,
    "work_schedule_update": _work_schedule_update,
    "update_project_last_accessed_by_current_user": _last_accessed,
    "user_subscriptions_read": _subscriptions_read,
    "user_subscriptions_create": _subscriptions_create,
    "export_page": _export_page,
    "nav_expand": _not_available("nav_expand"),
    "nav_search": _not_available("nav_search"),
}


def dispatch(
    site: Site,
    settings: Settings,
    call: RpcCall,
    *,
    source: str | None = None,
    waited: bool = False,
) -> Any:
    """Authenticate and run one call; returns the value for `results`. Runs in a worker thread.

    `source` is the caller's address, `waited` whether it already waited out a login delay
    (site/auth.py)."""
    if call.method == "info":
        return server_info()
    method = METHODS.get(call.method)
    if method is None:
        raise UnknownMethodFault(f"Unknown method: {call.method!r}.")
    actor = authenticate(site, call.auth, settings.auth, source=source, waited=waited)
    return method(site, actor, call.params, settings)


# The web page's own session is its credential; it never mints API session tokens.
WEB_REFUSED = frozenset({"get_session_token", "info"})


def dispatch_as(site: Site, settings: Settings, actor: Actor, method_name: str, params: Any) -> Any:
    """Run one API method for an actor the caller already authenticated (the web page)."""
    method = METHODS.get(method_name) if method_name not in WEB_REFUSED else None
    if method is None:
        raise UnknownMethodFault(f"Unknown method: {method_name!r}.")
    return method(site, actor, params, settings)
