"""The one table of API methods: each `shotgun_api3.Shotgun` method the server takes part in.

An entry names the method, its Python parameters exactly as `shotgun_api3.Shotgun` declares them
(names, order, defaults), the `Site` operation that answers it in process, and `Wire`: the
JSON-RPC `method_name` the official client sends for it, the decoder of its params and the Site
operation that answers it over HTTP. `server/methods.py` (the wire) and `callsheet.client`
(`connect()`, in process) both read this table, so the two surfaces cannot drift.

A Site operation returns what the server answers; `ApiMethod.answer` is what the official client
makes of that before handing it to its caller (e.g. `get_session_token` returns the token of
`{"session_id": ...}`), applied by `connect()` only. `find` is one read over all pages in process
and one page per call over the wire: the Site pages both the same way (Site.page_window).

Methods that are purely the client's own (set_session_uuid, add_user_agent, close, ...) have no
entry: `callsheet.client` implements them. Those served by the upload and download endpoints
(upload, share_thumbnail, download_attachment) have no Wire: the server's file routes call the
same engine functions.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from callsheet.faults import StaleSchemaFault
from callsheet.site import api_params
from callsheet.site.api_params import Decoder, mapped, no_params

REQUIRED: Any = inspect.Parameter.empty


@dataclass(frozen=True)
class Param:
    """One parameter of a shotgun_api3.Shotgun method, as its signature declares it."""

    name: str
    default: Any = REQUIRED
    var_keyword: bool = False  # `**kwargs` (upload_thumbnail, share_thumbnail)


@dataclass(frozen=True)
class Wire:
    """How the official client sends a method over `/api3/json` and what answers it."""

    method: str  # the JSON-RPC method_name
    operation: str  # the Site method called with the decoded arguments
    decode: Decoder = no_params  # params[1] of the call -> keyword arguments
    needs_auth: bool = True

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys of the params object the official client sends (site/api_params.py)."""
        return getattr(self.decode, "wire_keys", ())  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ApiMethod:
    """One method of shotgun_api3.Shotgun and the Site operations that serve it."""

    name: str
    params: tuple[Param, ...]
    operation: str  # the Site method connect() calls: operation(actor, **arguments)
    wire: Wire | None = None
    # the client's own work on its arguments before the call (connect() only)
    arguments: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # what the client hands its caller from the operation's answer (connect() only)
    answer: Callable[[Any], Any] | None = None
    # the operation builds its answer for this one call (a read's records), so connect() may
    # convert the records' values in place instead of copying every record
    answers_fresh_records: bool = False

    def signature(self) -> inspect.Signature:
        """The Python signature of the method, `self` first, as shotgun_api3 declares it."""
        parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        for p in self.params:
            kind = (
                inspect.Parameter.VAR_KEYWORD
                if p.var_keyword
                else inspect.Parameter.POSITIONAL_OR_KEYWORD
            )
            default = inspect.Parameter.empty if p.var_keyword else p.default
            parameters.append(inspect.Parameter(p.name, kind, default=default))
        return inspect.Signature(parameters)


def run_operation(site: Any, name: str, actor: Any, arguments: dict[str, Any]) -> Any:
    """Call the Site operation `name` for an API method: what the wire and connect() both do.

    Its reads share one pooled connection (Store.holding_reads). A StaleSchemaFault means
    another process changed the schema moments ago and this one has reloaded it; the call was
    wholly undone (a write is one transaction), so it runs once more.
    """
    operation = getattr(site, name)
    with site.store.holding_reads():
        try:
            return operation(actor, **arguments)
        except StaleSchemaFault:
            return operation(actor, **arguments)


def _p(*specs: str | tuple[str, Any]) -> tuple[Param, ...]:
    """Params from names (required) and (name, default) pairs; "**name" for **kwargs."""
    made = []
    for spec in specs:
        if isinstance(spec, tuple):
            made.append(Param(spec[0], spec[1]))
        elif spec.startswith("**"):
            made.append(Param(spec[2:], var_keyword=True))
        else:
            made.append(Param(spec))
    return tuple(made)


# -- the wire methods (reference §3-§4; shapes as shotgun_api3/shotgun.py sends them) ------------
READ = Wire("read", "read_page", api_params.read)
NAV_SEARCH = Wire("nav_search", "nav_search", api_params.nav_search)
_PROJECT = {"project_entity": "project"}
_ENTITY = {"entity_type": "type", "entity_id": "id"}


def _nav_criteria(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def arguments(given: dict[str, Any]) -> dict[str, Any]:
        return {
            "root_path": given["root_path"],
            "search_criteria": {key: given[key]},
            "seed_entity_field": given.get("seed_entity_field"),
        }

    return arguments


def _thumbnail_upload(field_name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def arguments(given: dict[str, Any]) -> dict[str, Any]:
        extra = given.pop("kwargs", None) or {}
        return {**given, **extra, "field_name": field_name}

    return arguments


def _share_arguments(given: dict[str, Any]) -> dict[str, Any]:
    extra = given.pop("kwargs", None) or {}
    return {**given, **extra}


def _subscribed(answer: Any) -> bool:
    return isinstance(answer, dict) and answer.get("status") == "success"


METHODS: tuple[ApiMethod, ...] = (
    ApiMethod("info", (), "info", Wire("info", "info", needs_auth=False)),
    ApiMethod(
        "find",
        _p(
            "entity_type",
            "filters",
            ("fields", None),
            ("order", None),
            ("filter_operator", None),
            ("limit", 0),
            ("retired_only", False),
            ("page", 0),
            ("include_archived_projects", True),
            ("additional_filter_presets", None),
        ),
        "find",
        READ,
        answers_fresh_records=True,
    ),
    ApiMethod(
        "find_one",
        _p(
            "entity_type",
            "filters",
            ("fields", None),
            ("order", None),
            ("filter_operator", None),
            ("retired_only", False),
            ("include_archived_projects", True),
            ("additional_filter_presets", None),
        ),
        "find_one",
        READ,
        answers_fresh_records=True,
    ),
    ApiMethod(
        "summarize",
        _p(
            "entity_type",
            "filters",
            "summary_fields",
            ("filter_operator", None),
            ("grouping", None),
            ("include_archived_projects", True),
        ),
        "summarize",
        Wire("summarize", "summarize", api_params.summarize),
    ),
    ApiMethod(
        "text_search",
        _p("text", "entity_types", ("project_ids", None), ("limit", None)),
        "text_search",
        Wire(
            "query_display_name_cache",
            "text_search",
            mapped(
                "query_display_name_cache",
                "text",
                "entity_types",
                "project_ids",
                required=("text", "entity_types"),
                renamed={"limit": "max_results"},
            ),
        ),
    ),
    ApiMethod(
        "create",
        _p("entity_type", "data", ("return_fields", None)),
        "create",
        Wire("create", "create", api_params.create),
    ),
    ApiMethod(
        "update",
        _p("entity_type", "entity_id", "data", ("multi_entity_update_modes", None)),
        "update",
        Wire("update", "update", api_params.update),
    ),
    ApiMethod(
        "delete",
        _p("entity_type", "entity_id"),
        "delete",
        Wire(
            "delete",
            "delete",
            mapped("delete", required=("entity_type", "entity_id"), renamed=_ENTITY),
        ),
    ),
    ApiMethod(
        "revive",
        _p("entity_type", "entity_id"),
        "revive",
        Wire(
            "revive",
            "revive",
            mapped("revive", required=("entity_type", "entity_id"), renamed=_ENTITY),
        ),
    ),
    ApiMethod("batch", _p("requests"), "batch", Wire("batch", "batch", api_params.batch)),
    ApiMethod(
        "schema_read",
        _p(("project_entity", None)),
        "schema_read",
        Wire("schema_read", "schema_read", mapped("schema_read", renamed=_PROJECT)),
    ),
    ApiMethod(
        "schema_entity_read",
        _p(("project_entity", None)),
        "schema_entity_read",
        Wire(
            "schema_entity_read",
            "schema_entity_read",
            mapped("schema_entity_read", renamed=_PROJECT),
        ),
    ),
    ApiMethod(
        "schema_field_read",
        _p("entity_type", ("field_name", None), ("project_entity", None)),
        "schema_field_read",
        Wire(
            "schema_field_read",
            "schema_field_read",
            mapped(
                "schema_field_read",
                "field_name",
                required=("entity_type",),
                renamed={"entity_type": "type", **_PROJECT},
            ),
        ),
    ),
    ApiMethod(
        "schema_field_create",
        _p("entity_type", "data_type", "display_name", ("properties", None)),
        "schema_field_create",
        Wire("schema_field_create", "schema_field_create", api_params.schema_field_create),
    ),
    ApiMethod(
        "schema_field_update",
        _p("entity_type", "field_name", "properties", ("project_entity", None)),
        "schema_field_update",
        Wire("schema_field_update", "schema_field_update", api_params.schema_field_update),
    ),
    ApiMethod(
        "schema_field_delete",
        _p("entity_type", "field_name"),
        "schema_field_delete",
        Wire(
            "schema_field_delete",
            "schema_field_delete",
            mapped(
                "schema_field_delete",
                "field_name",
                required=("entity_type", "field_name"),
                renamed={"entity_type": "type"},
            ),
        ),
    ),
    ApiMethod(
        "get_session_token",
        (),
        "get_session_token",
        Wire("get_session_token", "get_session_token"),
        answer=lambda answer: answer["session_id"],
    ),
    ApiMethod(
        "follow",
        _p("user", "entity"),
        "follow",
        Wire("follow", "follow", mapped("follow", "user", "entity", required=("user", "entity"))),
    ),
    ApiMethod(
        "unfollow",
        _p("user", "entity"),
        "unfollow",
        Wire(
            "unfollow",
            "unfollow",
            mapped("unfollow", "user", "entity", required=("user", "entity")),
        ),
    ),
    ApiMethod(
        "followers",
        _p("entity"),
        "followers",
        Wire("followers", "followers", mapped("followers", "entity", required=("entity",))),
    ),
    ApiMethod(
        "following",
        _p("user", ("project", None), ("entity_type", None)),
        "following",
        Wire(
            "following",
            "following",
            mapped("following", "user", "project", "entity_type", required=("user",)),
        ),
    ),
    ApiMethod(
        "activity_stream_read",
        _p(
            "entity_type",
            "entity_id",
            ("entity_fields", None),
            ("min_id", None),
            ("max_id", None),
            ("limit", None),
        ),
        "activity_stream_read",
        Wire(
            "activity_stream",
            "activity_stream_read",
            mapped(
                "activity_stream",
                "entity_fields",
                "min_id",
                "max_id",
                "limit",
                required=("entity_type", "entity_id"),
                renamed=_ENTITY,
            ),
        ),
    ),
    ApiMethod(
        "note_thread_read",
        _p("note_id", ("entity_fields", None)),
        "note_thread_read",
        Wire(
            "note_thread_contents",
            "note_thread_read",
            mapped("note_thread_contents", "note_id", "entity_fields", required=("note_id",)),
        ),
    ),
    ApiMethod(
        "preferences_read",
        _p(("prefs", None)),
        "preferences_read",
        Wire("preferences_read", "preferences_read", mapped("preferences_read", "prefs")),
    ),
    ApiMethod(
        "work_schedule_read",
        _p("start_date", "end_date", ("project", None), ("user", None)),
        "work_schedule_read",
        Wire(
            "work_schedule_read",
            "work_schedule_read",
            mapped(
                "work_schedule_read",
                "start_date",
                "end_date",
                "project",
                "user",
                required=("start_date", "end_date"),
            ),
        ),
    ),
    ApiMethod(
        "work_schedule_update",
        _p(
            "date",
            "working",
            ("description", None),
            ("project", None),
            ("user", None),
            ("recalculate_field", None),
        ),
        "work_schedule_update",
        Wire(
            "work_schedule_update",
            "work_schedule_update",
            mapped(
                "work_schedule_update",
                "date",
                "working",
                "description",
                "project",
                "user",
                "recalculate_field",
                required=("date", "working"),
            ),
        ),
    ),
    ApiMethod(
        "update_project_last_accessed",
        _p("project", ("user", None)),
        "update_project_last_accessed",
        Wire(
            "update_project_last_accessed_by_current_user",
            "update_project_last_accessed",
            api_params.project_last_accessed,
        ),
        answer=lambda answer: None,
    ),
    ApiMethod(
        "user_subscriptions_read",
        (),
        "user_subscriptions_read",
        Wire("user_subscriptions_read", "user_subscriptions_read"),
    ),
    ApiMethod(
        "user_subscriptions_create",
        _p("users"),
        "user_subscriptions_create",
        Wire(
            "user_subscriptions_create",
            "user_subscriptions_create",
            mapped("user_subscriptions_create", "users", required=("users",)),
        ),
        answer=_subscribed,
    ),
    ApiMethod(
        "export_page",
        _p("page_id", "format", ("layout_name", None)),
        "export_page",
        Wire(
            "export_page",
            "export_page",
            mapped("export_page", "page_id", "format", "layout_name"),
        ),
    ),
    ApiMethod(
        "nav_expand",
        _p("path", ("seed_entity_field", None), ("entity_fields", None)),
        "nav_expand",
        Wire(
            "nav_expand",
            "nav_expand",
            mapped("nav_expand", "path", "seed_entity_field", "entity_fields", required=("path",)),
        ),
    ),
    ApiMethod(
        "nav_search_string",
        _p("root_path", "search_string", ("seed_entity_field", None)),
        "nav_search",
        NAV_SEARCH,
        arguments=_nav_criteria("search_string"),
    ),
    ApiMethod(
        "nav_search_entity",
        _p("root_path", "entity", ("seed_entity_field", None)),
        "nav_search",
        NAV_SEARCH,
        arguments=_nav_criteria("entity"),
    ),
    # -- served by the file endpoints over HTTP (server/files.py), by the file store in process
    ApiMethod(
        "upload",
        _p(
            "entity_type",
            "entity_id",
            "path",
            ("field_name", None),
            ("display_name", None),
            ("tag_list", None),
            ("created_at", None),
        ),
        "upload",
    ),
    ApiMethod(
        "upload_thumbnail",
        _p("entity_type", "entity_id", "path", "**kwargs"),
        "upload",
        arguments=_thumbnail_upload("thumb_image"),
    ),
    ApiMethod(
        "upload_filmstrip_thumbnail",
        _p("entity_type", "entity_id", "path", "**kwargs"),
        "upload",
        arguments=_thumbnail_upload("filmstrip_thumb_image"),
    ),
    ApiMethod(
        "share_thumbnail",
        _p(
            "entities",
            ("thumbnail_path", None),
            ("source_entity", None),
            ("filmstrip_thumbnail", False),
            "**kwargs",
        ),
        "share_thumbnail",
        arguments=_share_arguments,
    ),
    ApiMethod(
        "download_attachment",
        _p(("attachment", False), ("file_path", None), ("attachment_id", None)),
        "download_attachment",
    ),
    ApiMethod(
        "get_attachment_download_url",
        _p("attachment"),
        "get_attachment_download_url",
    ),
    ApiMethod(
        "authenticate_human_user",
        _p("user_login", "user_password", ("auth_token", None)),
        "authenticate_human_user",
    ),
)

BY_NAME: dict[str, ApiMethod] = {method.name: method for method in METHODS}
WIRE_METHODS: dict[str, Wire] = {m.wire.method: m.wire for m in METHODS if m.wire is not None}
