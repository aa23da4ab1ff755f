"""Action Menu Items: which ones a person gets, the payload they send, its signature.

After reference/data-model.md §5. An ActionMenuItem (AMI) is an ordinary entity; this module adds
what the web page's context menu needs on top of it:

- `menu_items`: the AMIs for an entity type and project, limited by `projects` and
  `permissions_groups`, in `list_order`, with their `folder`;
- `build_payload`: every key of §5.2 as strings, signed (§5.3) when the AMI has a secret token;
- `store_light_payload`: a `light_payload` AMI's payload kept in an EventLogEntry;
- `changed_entities`: what a `poll_for_data_updates` page refreshes.

The secret token is the HMAC key of the signature, so it is kept as given, but in the internal
table `_cs_ami_secrets`, never in the entity's `secret_token` column: every read of that field
gives None and the event log shows only a mask. Writes of `secret_token` (the API's or the Admin
page's `set_secret_token`) are diverted there by the write rules (site/writes.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from callsheet.faults import Fault, ValueFault
from callsheet.site.actor import SYSTEM, Actor
from callsheet.store import bookkeeping

if TYPE_CHECKING:
    from callsheet.site.site import Site
    from callsheet.site.write_context import WriteContext

AMI_TYPE = "ActionMenuItem"
SECRET_FIELD = "secret_token"
SECRET_MASK = "*******"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
TRIGGERED_EVENT = "Shotgun_ActionMenuItem_Triggered"
LIGHT_PAYLOAD_KEY = "event_log_entry_id"
HTTP_SCHEMES = ("http", "https")
MAX_SECRET_CHARS = 1024
URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# would run code in the page (or stand in for it) instead of reaching a handler
UNSAFE_SCHEMES = frozenset({"javascript", "data", "vbscript", "blob", "about", "file"})
AMI_FIELDS = [
    "title",
    "url",
    "entity_type",
    "list_order",
    "folder",
    "selection_required",
    "open_in_overlay",
    "poll_for_data_updates",
    "light_payload",
]


class ActionMenuFault(Fault):
    """An Action Menu Item cannot be run as asked (not offered here, needs a selection, ...)."""


# -- the secret token -------------------------------------------------------------------------


def split_secret(entity_type: str, data: Any) -> tuple[Any, tuple[bool, Any]]:
    """`data` without an AMI's `secret_token`, and (whether it was given, its value)."""
    if entity_type != AMI_TYPE or not isinstance(data, dict) or SECRET_FIELD not in data:
        return data, (False, None)
    rest = {name: value for name, value in data.items() if name != SECRET_FIELD}
    return rest, (True, checked_secret(data[SECRET_FIELD]))


def checked_secret(token: Any) -> str | None:
    """A token as stored: a non-blank string, or None (an empty string clears it too)."""
    if token is None or token == "":
        return None
    if not isinstance(token, str):
        raise ValueFault(
            f"{AMI_TYPE}.{SECRET_FIELD} must be a string (or None to remove it), got {token!r}."
        )
    if len(token) > MAX_SECRET_CHARS or "\x00" in token or not token.strip():
        raise ValueFault(
            f"{AMI_TYPE}.{SECRET_FIELD} must be 1 to {MAX_SECRET_CHARS} characters of text."
        )
    return token


def write_secret(ctx: WriteContext, ami_id: int, token: str | None) -> str | None:
    """Store (or with None remove) an AMI's token in the write transaction; returns the old one."""
    return bookkeeping.write_ami_secret(ctx.conn, ami_id, token, ctx.now)


def secret_event_value(token: str | None) -> str | None:
    """What the event log shows of a token: a mask, never the token."""
    return None if token is None else SECRET_MASK


def set_secret_token(site: Site, actor: Actor, ami_id: int, token: str | None) -> None:
    """Set (None or "": remove) an AMI's secret token, as `actor` (an update of the AMI, so the
    actor needs the right to edit it and the event log records who changed it, masked)."""
    checked_secret(token)
    site.update(actor, AMI_TYPE, ami_id, {SECRET_FIELD: token})


def has_secret_token(site: Site, ami_id: int) -> bool:
    """Whether the AMI signs its payloads (the token itself is never given out)."""
    return secret_token_of(site, ami_id) is not None


def secret_token_of(site: Site, ami_id: int) -> str | None:
    """The AMI's token, for signing only; never to be sent anywhere."""
    return bookkeeping.ami_secret(site.store, ami_id)


def sign_payload(fields: Mapping[str, str], token: str) -> str:
    """HMAC-SHA1 (key = token), hex, over the sorted "key=value\\r\\n" lines of every field but
    `signature`, concatenated: what the reference receiver recomputes (§5.3)."""
    lines = sorted(f"{key}={value}\r\n" for key, value in fields.items() if key != "signature")
    return hmac.new(token.encode(), "".join(lines).encode(), hashlib.sha1).hexdigest()


# -- which items a person gets ----------------------------------------------------------------


def is_http(url: Any) -> bool:
    """True for http(s) URLs (a form POST); any other scheme is a custom protocol (a GET)."""
    scheme, _, _ = str(url or "").partition(":")
    return scheme.strip().lower() in HTTP_SCHEMES


def checked_url(item: Mapping[str, Any]) -> str:
    """The AMI's URL if the page may go there: it needs a scheme (http(s) or a custom protocol);
    script-running schemes are refused."""
    url = str(item.get("url") or "").strip()
    scheme = URL_SCHEME.match(url)
    if scheme is None:
        raise ActionMenuFault(
            f"{item['title']} has no usable URL ({url!r}): it needs one like "
            "https://host/path or myprotocol://action."
        )
    if scheme.group(1).lower() in UNSAFE_SCHEMES:
        raise ActionMenuFault(f"{item['title']}: {scheme.group(1)}: URLs are not allowed.")
    return url


def role_of(site: Site, actor: Actor) -> int | None:
    """The id of the actor's permission group (PermissionRuleSet), if any."""
    if actor.system:
        return None
    # read with Callsheet's own rights: a role the person may not see is still their role
    record = site.find_one(
        SYSTEM, actor.entity_type, [["id", "is", actor.id]], ["permission_rule_set"]
    )
    role = (record or {}).get("permission_rule_set") or {}
    return role.get("id")


def _any_of(*conditions: list[Any]) -> dict[str, Any]:
    return {"filter_operator": "any", "filters": list(conditions)}


def menu_items(
    site: Site, actor: Actor, entity_type: str | None, project_id: int | None
) -> list[dict[str, Any]]:
    """The AMIs `actor` gets on a page of `entity_type` (None: every type) in project
    `project_id` (None: a page outside projects), in menu order.

    An AMI applies to its `entity_type` (None: every type); non-empty `projects` limit it to
    those projects' pages and non-empty `permissions_groups` to people (or scripts) in those
    groups. The AMIs are read as `actor`, so one hidden from them by the permission rules is not
    offered; their limits are then checked with Callsheet's own rights, because a link to a
    project the person cannot see reads as absent and would lift the limit.
    """
    type_filters: list[Any] = []
    if entity_type is not None:
        type_filters.append(
            _any_of(["entity_type", "is", entity_type], ["entity_type", "is", None])
        )
    visible = [record["id"] for record in site.find(actor, AMI_TYPE, type_filters, ["id"])]
    if not visible:
        return []
    filters: list[Any] = [["id", "in", visible]]
    if project_id is None:
        filters.append(["projects", "is", None])
    else:
        project = {"type": "Project", "id": project_id}
        filters.append(_any_of(["projects", "is", None], ["projects", "is", project]))
    role_id = role_of(site, actor)
    if role_id is None:
        filters.append(["permissions_groups", "is", None])
    else:
        role = {"type": "PermissionRuleSet", "id": role_id}
        filters.append(
            _any_of(["permissions_groups", "is", None], ["permissions_groups", "is", role])
        )
    found = site.find(SYSTEM, AMI_TYPE, filters, AMI_FIELDS)
    return sorted((_menu_entry(record) for record in found), key=_menu_position)


def _menu_entry(record: dict[str, Any]) -> dict[str, Any]:
    folder = (record.get("folder") or "").strip() or None
    return {
        "id": record["id"],
        "title": record.get("title") or f"Action {record['id']}",
        "url": record.get("url") or "",
        "entity_type": record.get("entity_type"),
        "list_order": record.get("list_order"),
        "folder": folder,
        "selection_required": bool(record.get("selection_required")),
        "open_in_overlay": bool(record.get("open_in_overlay")),
        "poll_for_data_updates": bool(record.get("poll_for_data_updates")),
        "light_payload": bool(record.get("light_payload")),
        "kind": "http" if is_http(record.get("url")) else "protocol",
    }


def _menu_position(item: dict[str, Any]) -> tuple[Any, ...]:
    # items without a list_order come after the ordered ones, then by title, then by age
    order = item["list_order"]
    return (order is None, order or 0, item["title"].lower(), item["id"])


def menu_tree(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Menu entries: items, and folders (one level) holding theirs, each folder where its first
    item is in `list_order`."""
    entries: list[dict[str, Any]] = []
    folders: dict[str, dict[str, Any]] = {}
    for item in items:
        name = item["folder"]
        if name is None:
            entries.append({"type": "item", **item})
            continue
        if name not in folders:
            folders[name] = {"type": "folder", "title": name, "items": []}
            entries.append(folders[name])
        folders[name]["items"].append({"type": "item", **item})
    return entries


# -- the payload ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageState:
    """What the page showed when the menu was opened (the grid or a detail page).

    `filters` are the page query's filters in either shape `find` takes (None: every row);
    `project_id` is the project of a project's page; `columns` are (system name, display name)
    pairs of the visible columns; `sorts` (field, "asc"|"desc") pairs; `groupings` (field,
    method, direction) triples of a grouped page. `single_entity` marks a detail page, whose
    only entity is the selected one.
    """

    entity_type: str
    selected_ids: tuple[int, ...] = ()
    filters: Any = None
    project_id: int | None = None
    title: str = ""
    page_id: int | None = None
    view: str = "Default"
    columns: tuple[tuple[str, str], ...] = ()
    sorts: tuple[tuple[str, str], ...] = ()
    referrer_path: str = ""
    server_hostname: str = ""
    single_entity: bool = False
    groupings: tuple[tuple[str, str, str], ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


def applicable_item(site: Site, actor: Actor, ami_id: Any, state: PageState) -> dict[str, Any]:
    """The AMI if `actor` is offered it on this page; a Fault otherwise."""
    if isinstance(ami_id, bool) or not isinstance(ami_id, int):
        raise ValueFault(f"An Action Menu Item id must be an integer, got {ami_id!r}.")
    for item in menu_items(site, actor, state.entity_type, state.project_id):
        if item["id"] == ami_id:
            return item
    raise ActionMenuFault(
        f"Action Menu Item {ami_id} is not offered on {state.entity_type} pages"
        + (f" of project {state.project_id}" if state.project_id else "")
        + " to you."
    )


def _visible_ids(site: Site, actor: Actor, entity_type: str, ids: Sequence[int]) -> list[int]:
    """`ids` the actor can see, in the given order (others dropped)."""
    wanted = [i for i in dict.fromkeys(ids) if isinstance(i, int) and not isinstance(i, bool)]
    if not wanted:
        return []
    found = {r["id"] for r in site.find(actor, entity_type, [["id", "in", wanted]], ["id"])}
    return [i for i in wanted if i in found]


def _page_rows(site: Site, actor: Actor, state: PageState) -> list[dict[str, Any]]:
    """Every row the page query matches (not only the page shown), as the actor sees them."""
    entity = site.schema.entity(state.entity_type)
    filters: list[Any] = (
        [state.filters] if isinstance(state.filters, dict) else list(state.filters or [])
    )
    if state.project_id is not None and entity.is_project_entity:
        filters.append(["project", "is", {"type": "Project", "id": state.project_id}])
    fields = ["id", "project"] if entity.is_project_entity else ["id"]
    sorts = state.sorts or ((entity.display_name_field or "id", "asc"),)
    order = [{"field_name": name, "direction": direction} for name, direction in sorts]
    order.append({"field_name": "id", "direction": "asc"})
    return site.find(actor, state.entity_type, filters, fields, order=order)


def _shared_project(
    site: Site, actor: Actor, state: PageState, rows: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The project of a project's page, or the one project every entity on the page is in."""
    project_id = state.project_id
    if project_id is None:
        projects = {(r.get("project") or {}).get("id") for r in rows}
        if len(projects) != 1 or None in projects:
            return None
        project_id = projects.pop()
    return site.find_one(actor, "Project", [["id", "is", project_id]], ["name"])


def _user_fields(site: Site, actor: Actor) -> dict[str, str]:
    if actor.entity_type == "HumanUser":
        record = site.find_one(actor, "HumanUser", [["id", "is", actor.id]], ["login"])
        login = (record or {}).get("login") or ""
    else:
        record = site.find_one(actor, "ApiUser", [["id", "is", actor.id]], ["firstname"])
        login = (record or {}).get("firstname") or ""
    return {"user_id": str(actor.id), "user_login": str(login)}


def _joined(values: Iterable[Any]) -> str:
    return ",".join(str(v) for v in values)


def build_payload(
    site: Site,
    actor: Actor,
    ami_id: int,
    state: PageState,
    now: dt.datetime | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The AMI and its payload (§5.2: every value a string), signed when it has a secret token.

    `ids` are all the rows the page query matches as `actor` sees them, or the selection when
    the AMI requires one; selected ids the actor cannot see are dropped.
    """
    item = applicable_item(site, actor, ami_id, state)
    item["url"] = checked_url(item)
    selected = _visible_ids(site, actor, state.entity_type, state.selected_ids)
    if item["selection_required"] and not selected:
        raise ActionMenuFault(f"{item['title']} needs a selection: select one or more rows.")
    if item["selection_required"] or state.single_entity:
        rows = site.find(
            actor,
            state.entity_type,
            [["id", "in", selected or [0]]],
            ["id", "project"] if site.schema.entity(state.entity_type).is_project_entity else [],
        )
        ids = list(selected)
    else:
        rows = _page_rows(site, actor, state)
        ids = [r["id"] for r in rows]
    # a page without sorts of its own lists by display name, as the grid does
    sorts = list(state.sorts) or [
        (site.schema.entity(state.entity_type).display_name_field or "id", "asc")
    ]
    payload: dict[str, str] = {
        **_user_fields(site, actor),
        "entity_type": state.entity_type,
        "selected_ids": _joined(selected),
        "ids": _joined(ids),
        "title": state.title,
        "page_id": "" if state.page_id is None else str(state.page_id),
        "server_hostname": state.server_hostname,
        "referrer_path": state.referrer_path,
        "session_uuid": actor.session_uuid or "",
        "cols": _joined(name for name, _ in state.columns),
        "column_display_names": _joined(label for _, label in state.columns),
        "view": state.view or "Default",
        "sort_column": sorts[0][0],
        "sort_direction": sorts[0][1],
    }
    if len(sorts) > 1:
        payload["sort_columns"] = _joined(name for name, _ in sorts)
        payload["sort_directions"] = _joined(direction for _, direction in sorts)
    if state.groupings:
        column, method, direction = state.groupings[0]
        payload.update(grouping_column=column, grouping_method=method, grouping_direction=direction)
        if len(state.groupings) > 1:
            payload["grouping_columns"] = _joined(g[0] for g in state.groupings)
            payload["grouping_methods"] = _joined(g[1] for g in state.groupings)
            payload["grouping_directions"] = _joined(g[2] for g in state.groupings)
    project = _shared_project(site, actor, state, rows)
    if project is not None:
        payload["project_name"] = str(project.get("name") or "")
        payload["project_id"] = str(project["id"])
    payload.update({key: str(value) for key, value in state.extra.items()})
    token = secret_token_of(site, item["id"])
    if token is not None:
        moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        payload["timestamp"] = moment.strftime(TIMESTAMP_FORMAT)
        payload["signature"] = sign_payload(payload, token)
    return item, payload


def store_light_payload(
    site: Site, actor: Actor, item: Mapping[str, Any], payload: Mapping[str, str]
) -> int:
    """Keep a payload in an EventLogEntry (`meta["ami_payload"]`) and return its id, the only
    thing a `light_payload` URL carries.

    The entry is the person's (its `user` and `session_uuid` are theirs) but written with
    Callsheet's own rights, as ShotGrid's web page does: people may not create event log
    entries themselves, yet every person who is offered the AMI may run it.
    """
    from callsheet.site.writes import create_entity  # writes imports this module

    data: dict[str, Any] = {
        "event_type": TRIGGERED_EVENT,
        "meta": {"type": "ami_triggered", "ami_id": item["id"], "ami_payload": dict(payload)},
        "description": (
            f"{actor.name or 'Someone'} ran the Action Menu Item {item['title']} on "
            f"{payload.get('entity_type')} {payload.get('selected_ids') or ''}".rstrip()
        ),
    }
    if payload.get("project_id"):
        data["project"] = {"type": "Project", "id": int(payload["project_id"])}
    rule_book = getattr(site, "rule_book", None)
    rights = {"permissions": rule_book.system} if rule_book is not None else {}
    with site.writing(actor, **rights) as ctx:
        return create_entity(ctx, "EventLogEntry", data)


# -- what a polling page refreshes ------------------------------------------------------------

MAX_POLLED_EVENTS = 500


def latest_event_id(site: Site) -> int:
    """The newest event id (where a polling page starts)."""
    last = site.find_one(
        SYSTEM, "EventLogEntry", [], ["id"], order=[{"field_name": "id", "direction": "desc"}]
    )
    return int(last["id"]) if last else 0


def changed_entities(
    site: Site, actor: Actor, session_uuid: str, after: int, entity_type: str
) -> tuple[int, list[int]]:
    """Entities of `entity_type` the actor can see that events with `session_uuid` after event
    `after` changed: (the new cursor, their ids).

    An AMI's script stamps its changes with the page's session_uuid (shotgun_api3's
    `set_session_uuid`), which is how the page recognises them. The events are read with
    Callsheet's own rights (a person may not be allowed the event log) but only the ids of
    entities the actor can see come back.
    """
    try:
        uuid.UUID(str(session_uuid))
    except ValueError:
        return after, []  # not a window's id: nothing can carry it
    events = site.find(
        SYSTEM,
        "EventLogEntry",
        [["session_uuid", "is", session_uuid], ["id", "greater_than", after]],
        ["entity"],
        order=[{"field_name": "id", "direction": "asc"}],
        limit=MAX_POLLED_EVENTS,
    )
    cursor = max((e["id"] for e in events), default=after)
    ids = [
        e["entity"]["id"]
        for e in events
        if isinstance(e.get("entity"), dict) and e["entity"].get("type") == entity_type
    ]
    return cursor, _visible_ids(site, actor, entity_type, ids)
