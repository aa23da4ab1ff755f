"""`GET /api3/events`: event log entries after a cursor, long-polled, woken by commits.

The contract (the daemon codes against it): `after` (last seen id, default 0), `limit` (default
500, at most 1000), `timeout` (seconds, default 25, at most 60); a larger limit or timeout is
lowered to the maximum (a shotgunEvents config may ask for bigger batches), anything else
malformed is refused. Credentials in `X-Callsheet-Script-Name` +
`X-Callsheet-Script-Key` or `X-Callsheet-Session-Token`; refused: 401 `{"error": ...}`; bad
parameters: 400. The answer `{"events": [...], "last_id": n}` comes as soon as an entry with
`id > after` exists, or with no events when the timeout passes. Events are what `find` returns
for EVENT_FIELDS, encoded as on `/api3/json`.

Waking: after each commit that wrote events, in this process or another (site/event_feed.py:
PostgreSQL LISTEN, or one shared poll of a SQLite file while anyone waits), our listener hands
the news to the loop with `call_soon_threadsafe` and every waiter reads once. Waiters never poll
on their own, so idle waiters cost nothing. A waiter arms its wake-up *before* reading, so a
commit landing between its read and its wait still wakes it.

Shutdown: uvicorn waits for running requests *before* it runs the lifespan shutdown, so a waiting
long-poll would hold `callsheet serve` for its whole timeout. The stream chains the server's
SIGINT/SIGTERM handlers: a signal first answers every waiter (no events), and requests arriving
after it are refused at once with 503.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from types import FrameType
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from callsheet.faults import AuthenticationFault, Fault
from callsheet.server.callers import run_authenticating, source_address
from callsheet.server.settings import Settings
from callsheet.server.wire import JSON_CONTENT_TYPE, encode_value
from callsheet.site.actor import Actor
from callsheet.site.auth import AUTH_FAILED, authenticate
from callsheet.site.event_feed import commit_wakeups, waiting_for_events
from callsheet.site.site import Site

log = logging.getLogger("callsheet.server")

EVENT_FIELDS = [
    "id",
    "event_type",
    "attribute_name",
    "meta",
    "entity",
    "user",
    "project",
    "session_uuid",
    "created_at",
]
DEFAULT_LIMIT, MAX_LIMIT = 500, 1000
DEFAULT_TIMEOUT_S, MAX_TIMEOUT_S = 25.0, 60.0
SHUTDOWN_SIGNALS = (signal.SIGINT, signal.SIGTERM)
SHUTTING_DOWN = "Callsheet is shutting down; ask again in a moment."


class BadParameter(Exception):
    """A query parameter of /api3/events is missing its form or range."""


@dataclass(frozen=True)
class StreamQuery:
    """The parsed query string of one /api3/events request."""

    after: int
    limit: int
    timeout_s: float


def parse_query(params: Mapping[str, str]) -> StreamQuery:
    """`after`, `limit`, `timeout` from the query string; BadParameter names the bad one."""
    after = _integer(params, "after", 0, 0)
    limit = min(_integer(params, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
    raw = params.get("timeout")
    timeout_s = DEFAULT_TIMEOUT_S
    if raw is not None:
        try:
            timeout_s = float(raw)
        except ValueError:
            raise BadParameter(f"timeout must be a number of seconds, got {raw!r}.") from None
        if not 0 <= timeout_s < float("inf"):  # also refuses nan
            raise BadParameter(f"timeout must be a number of seconds from 0, got {raw!r}.")
    return StreamQuery(after, limit, min(timeout_s, MAX_TIMEOUT_S))


def _integer(params: Mapping[str, str], name: str, default: int, low: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise BadParameter(f"{name} must be a non-negative integer, got {raw!r}.")
    value = int(raw)
    if value < low:
        raise BadParameter(f"{name} must be at least {low}, got {raw!r}.")
    return value


def credentials_from_headers(headers: Mapping[str, str]) -> dict[str, Any] | None:
    """The auth dict `authenticate` takes, from the X-Callsheet-* headers (None: none given)."""
    script = headers.get("x-callsheet-script-name")
    if script is not None:
        return {"script_name": script, "script_key": headers.get("x-callsheet-script-key", "")}
    token = headers.get("x-callsheet-session-token")
    if token is not None:
        return {"session_token": token}
    return None


def read_events(site: Site, actor: Actor, after: int, limit: int) -> list[dict[str, Any]]:
    """Entries with id > after, oldest first: the same find a polling client makes."""
    return site.find(
        actor,
        "EventLogEntry",
        [["id", "greater_than", after]],
        EVENT_FIELDS,
        order=[{"field_name": "id", "direction": "asc"}],
        limit=limit,
    )


class EventWaker:
    """Wakes every waiting request at once; lives on the event loop (never touch from threads)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.closing = False  # the server is shutting down: nobody waits any more

    def arm(self) -> asyncio.Event:
        """The event the next `wake()` sets; take it before checking for new rows."""
        return self._event

    def wake(self) -> None:
        """Set the armed event and arm a fresh one."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    def close(self) -> None:
        """The server is shutting down: answer every waiter now and let nobody wait again."""
        self.closing = True
        self.wake()


@dataclass(frozen=True)
class Watch:
    """Where one request's wait starts: the wake-up armed before its first read, and that read."""

    armed: asyncio.Event
    first: list[dict[str, Any]]
    deadline: float


async def wait_for_events(
    site: Site,
    actor: Actor,
    query: StreamQuery,
    waker: EventWaker,
    watch: Watch,
    disconnected: Callable[[], Awaitable[bool]],
) -> list[dict[str, Any]]:
    """`watch.first` if it has events, else what arrives before the deadline or shutdown."""
    loop = asyncio.get_running_loop()
    armed, events = watch.armed, watch.first
    with waiting_for_events(site):
        while not events and not waker.closing:
            remaining = watch.deadline - loop.time()
            if remaining <= 0 or await disconnected():
                break  # nobody reads the answer: stop querying on every wake-up
            try:
                await asyncio.wait_for(armed.wait(), remaining)
            except TimeoutError:
                break
            if waker.closing:
                break
            armed = waker.arm()  # before reading: a commit after the read still sets it
            events = await run_in_threadpool(read_events, site, actor, query.after, query.limit)
    return events


def _error(status: int, message: str) -> Response:
    return Response(
        encode_value({"error": message}), status_code=status, media_type=JSON_CONTENT_TYPE
    )


def _authenticate_and_read(
    site: Site,
    settings: Settings,
    credentials: dict[str, Any],
    query: StreamQuery,
    source: str | None,
    *,
    waited: bool = False,
) -> tuple[Actor, list[dict[str, Any]]]:
    actor = authenticate(site, credentials, settings.auth, source=source, waited=waited)
    return actor, read_events(site, actor, query.after, query.limit)


async def api3_events(request: Request) -> Response:
    """`GET /api3/events`: the event stream (module docstring has the contract)."""
    site: Site = request.app.state.site
    settings: Settings = request.app.state.settings
    try:
        query = parse_query(request.query_params)
    except BadParameter as error:
        return _error(400, str(error))
    credentials = credentials_from_headers(request.headers)
    if credentials is None:
        return _error(401, AUTH_FAILED)
    waker: EventWaker = request.app.state.event_waker
    if waker.closing:
        return _error(503, SHUTTING_DOWN)
    try:
        deadline = asyncio.get_running_loop().time() + query.timeout_s
        armed = waker.arm()
        actor, first = await run_authenticating(
            _authenticate_and_read, site, settings, credentials, query, source_address(request)
        )
        watch = Watch(armed, first, deadline)
        events = await wait_for_events(site, actor, query, waker, watch, request.is_disconnected)
    except AuthenticationFault:
        return _error(401, AUTH_FAILED)
    except Fault as fault:
        return _error(400, fault.message)
    except Exception:
        log.exception("unexpected error in /api3/events")
        return _error(500, "Callsheet could not read the event log: internal error (see the log).")
    last_id = events[-1]["id"] if events else query.after
    return Response(
        encode_value({"events": events, "last_id": last_id}), media_type=JSON_CONTENT_TYPE
    )


@contextmanager
def closing_on_shutdown_signals(waker: EventWaker) -> Iterator[None]:
    """While serving, SIGINT/SIGTERM first close `waker`, then reach the server's own handler.

    Only on the main thread (where signal handlers live) and only over a handler the server
    installed (uvicorn's `handle_exit`); the previous handler is put back afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # a server in a thread (tests, benchmarks) is stopped without signals
        return
    loop = asyncio.get_running_loop()
    chained: dict[signal.Signals, tuple[Callable[..., Any], Callable[..., Any]]] = {}
    for number in SHUTDOWN_SIGNALS:
        previous = signal.getsignal(number)
        if not callable(previous):
            continue  # SIG_DFL / SIG_IGN: not ours to change

        def on_signal(
            signum: int, frame: FrameType | None, previous: Callable[..., Any] = previous
        ) -> None:
            with suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(waker.close)  # safe from a signal handler
            previous(signum, frame)

        signal.signal(number, on_signal)
        chained[number] = (on_signal, previous)
    try:
        yield
    finally:
        for number, (on_signal, previous) in chained.items():
            if signal.getsignal(number) is on_signal:
                signal.signal(number, previous)


@asynccontextmanager
async def event_stream_running(app: Starlette, site: Site) -> AsyncIterator[None]:
    """For the app's lifespan: the waker, woken after every commit of events (any process)."""
    loop = asyncio.get_running_loop()
    waker = EventWaker()
    app.state.event_waker = waker

    def on_commit() -> None:  # runs on a committing worker thread or the site's watcher
        with suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
            loop.call_soon_threadsafe(waker.wake)

    try:
        with commit_wakeups(site, on_commit), closing_on_shutdown_signals(waker):
            yield
    finally:
        waker.close()
