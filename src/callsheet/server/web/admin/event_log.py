"""Admin menu, Event Log: the event stream, filtered, paged by id, and updating live.

Pages go back in time by id (`before`): ids are dense and in commit order, so a page never
shifts when new events arrive, and no count of the whole log is needed. The first page follows
the log live: the page's script long-polls `/admin/event-log/poll` for entries with an id above
the newest it shows; the poll is woken by the same commit signal as `/api3/events` (the app's
event waker) and answers rendered rows, so the page and the poll format an event one way.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callsheet.faults import Fault, ValueFault
from callsheet.server.web.admin.access import admin_action, render_admin
from callsheet.server.web.handlers import page
from callsheet.server.web.rendering import environment
from callsheet.server.web.sessions import WebSession
from callsheet.site.actor import Actor
from callsheet.site.site import Site

EVENT_FIELDS = [
    "event_type",
    "description",
    "entity",
    "attribute_name",
    "user",
    "project",
    "session_uuid",
    "meta",
    "created_at",
]
PAGE_SIZE = 50
NEWER_LIMIT = 200  # one live answer; the script asks again at once when it was full
LONG_POLL_S = 20.0
WAIT_SLICE_S = 1.0  # how often a waiting poll checks that its caller is still there
EVENT_ACTIONS = ("New", "Change", "Retirement", "Revival")
_EXACT_USER = re.compile(r"^(HumanUser|ApiUser):(\d{1,18})$")
NEWEST_FIRST = [{"field_name": "id", "direction": "desc"}]


@dataclass(frozen=True)
class EventQuery:
    """The Event Log's filters, as the filter form and the live poll send them."""

    event_type: str = ""
    entity_type: str = ""
    entity_id: int | None = None
    user: str = ""  # "ApiUser:5" / "HumanUser:3" exactly, else part of a name
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> EventQuery:
        """Read the filters; a Fault names a malformed one."""

        def get(name: str) -> str:
            value = params.get(name)
            return value.strip() if isinstance(value, str) else ""

        entity_id = get("entity_id")
        if entity_id and not (entity_id.isdigit() and len(entity_id) <= 18):
            raise ValueFault(f"The entity id must be a whole number, got {entity_id!r}.")
        if entity_id and not get("entity_type"):
            raise ValueFault("Choose the entity type of the entity id.")
        return cls(
            event_type=get("event_type"),
            entity_type=get("entity_type"),
            entity_id=int(entity_id) if entity_id else None,
            user=get("user"),
            date_from=_date(get("from"), "from"),
            date_to=_date(get("to"), "to"),
        )

    def filters(self) -> list[list[Any]]:
        """The find filters of these choices."""
        filters: list[list[Any]] = []
        if self.event_type:
            filters.append(["event_type", "contains", self.event_type])
        if self.entity_type and self.entity_id is not None:
            filters.append(["entity", "is", {"type": self.entity_type, "id": self.entity_id}])
        elif self.entity_type:
            filters.append(["entity", "type_is", self.entity_type])
        exact = _EXACT_USER.match(self.user)
        if exact:
            filters.append(["user", "is", {"type": exact[1], "id": int(exact[2])}])
        elif self.user:
            filters.append(["user", "name_contains", self.user])
        if self.date_from:
            start = dt.datetime.combine(self.date_from, dt.time(), dt.UTC)
            filters.append(["created_at", "greater_than", start - dt.timedelta(seconds=1)])
        if self.date_to:
            end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time(), dt.UTC)
            filters.append(["created_at", "less_than", end])
        return filters

    def params(self) -> dict[str, str]:
        """The filters as query parameters (links to other pages, the live poll)."""
        values = {
            "event_type": self.event_type,
            "entity_type": self.entity_type,
            "entity_id": "" if self.entity_id is None else str(self.entity_id),
            "user": self.user,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {key: value for key, value in values.items() if value}


def _date(value: str, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueFault(f"The {name} date must look like 2024-05-31, got {value!r}.") from None


def prepared(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events with their meta as indented JSON text for the page."""
    for event in events:
        meta = event.get("meta")
        event["meta_text"] = (
            orjson.dumps(meta, option=orjson.OPT_INDENT_2, default=str).decode() if meta else ""
        )
    return events


def read_older(
    site: Site, actor: Actor, query: EventQuery, before: int | None, size: int = PAGE_SIZE
) -> tuple[list[dict[str, Any]], bool]:
    """One page of events, newest first, below `before`; and whether older ones exist."""
    filters = query.filters()
    if before is not None:
        filters.append(["id", "less_than", before])
    events = site.find(
        actor, "EventLogEntry", filters, EVENT_FIELDS, order=NEWEST_FIRST, limit=size + 1
    )
    return prepared(events[:size]), len(events) > size


def read_newer(site: Site, actor: Actor, query: EventQuery, after: int) -> list[dict[str, Any]]:
    """Events above `after`, oldest first (at most NEWER_LIMIT)."""
    events = site.find(
        actor,
        "EventLogEntry",
        [*query.filters(), ["id", "greater_than", after]],
        EVENT_FIELDS,
        order=[{"field_name": "id", "direction": "asc"}],
        limit=NEWER_LIMIT,
    )
    return prepared(events)


def newest_event_id(site: Site, actor: Actor) -> int:
    """The id of the newest event the actor may see (0 on an empty log)."""
    newest = site.find_one(actor, "EventLogEntry", [], ["id"], order=NEWEST_FIRST)
    return int(newest["id"]) if newest else 0


def _int_param(params: Mapping[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not value.isdigit() or len(value) > 18:
        raise ValueFault(f"{name} must be an event id, got {value!r}.")
    return int(value)


@page(admin=True)
async def event_log(request: Request, session: WebSession) -> Response:
    """GET /admin/event-log: the filter bar, one page of events, live on the first page."""
    site: Site = request.app.state.site
    error = None
    try:
        query = EventQuery.from_params(request.query_params)
        before = _int_param(request.query_params, "before")
    except ValueFault as fault:
        query, before, error = EventQuery(), None, str(fault)

    def load() -> dict[str, Any]:
        nonlocal query, before, error
        try:
            events, older = read_older(site, session.actor, query, before)
        except Fault as fault:  # e.g. an entity type this site does not have
            query, before, error = EventQuery(), None, str(fault)
            events, older = read_older(site, session.actor, query, before)
        people = site.find(session.actor, "HumanUser", [], ["name"], order=[{"field_name": "name"}])
        scripts = site.find(session.actor, "ApiUser", [], ["firstname"])
        return {
            "events": events,
            "older": older,
            "newest": newest_event_id(site, session.actor),
            "user_names": sorted(
                {p["name"] for p in people if p.get("name")}
                | {s["firstname"] for s in scripts if s.get("firstname")}
            ),
        }

    loaded = await run_in_threadpool(load)
    events = loaded["events"]
    newest = max([loaded["newest"], *(e["id"] for e in events)])
    entity_types = sorted(site.schema.names())
    live = before is None
    return render_admin(
        request,
        "admin_event_log.html",
        "event_log",
        status_code=400 if error else 200,
        title="Event Log",
        error=error,
        query=query,
        params=query.params(),
        events=events,
        older_link=(
            {**query.params(), "before": str(events[-1]["id"])} if loaded["older"] else None
        ),
        newest_link=query.params() if before is not None else None,
        entity_types=entity_types,
        event_type_names=[
            f"Shotgun_{name}_{action}" for name in entity_types for action in EVENT_ACTIONS
        ],
        user_names=loaded["user_names"],
        live=({"after": newest, "filters": query.params()} if live else None),
    )


@admin_action
async def event_log_poll(request: Request, session: WebSession, payload: Any) -> Any:
    """GET /admin/event-log/poll?after=N&<filters>: rendered rows of newer events (long-poll)."""
    site: Site = request.app.state.site
    query = EventQuery.from_params(payload)
    after = _int_param(payload, "after") or 0
    waker = getattr(request.app.state, "event_waker", None)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LONG_POLL_S
    while True:
        # armed before reading, so a commit landing between the read and the wait still wakes us
        armed = waker.arm() if waker is not None else None
        events = await run_in_threadpool(read_newer, site, session.actor, query, after)
        remaining = deadline - loop.time()
        if events or remaining <= 0 or (waker is not None and waker.closing):
            break
        if await request.is_disconnected():
            break
        if armed is None:
            await asyncio.sleep(min(WAIT_SLICE_S, remaining))
        else:
            with suppress(TimeoutError):
                await asyncio.wait_for(armed.wait(), min(WAIT_SLICE_S, remaining))
    macros = environment.get_template("admin_macros.html").module
    newest_first = list(reversed(events))
    return {
        "rows": str(macros.event_rows(newest_first)),  # type: ignore[attr-defined]
        "count": len(events),
        "last_id": events[-1]["id"] if events else after,
        "more": len(events) == NEWER_LIMIT,
    }


def routes() -> list[Route]:
    """The Event Log page and its live poll."""
    return [
        Route("/admin/event-log", event_log, methods=["GET"]),
        Route("/admin/event-log/poll", event_log_poll, methods=["GET"]),
    ]
