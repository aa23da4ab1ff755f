"""The ASGI app: `create_app(site, settings)` builds the Starlette application.

Handlers only translate: the body is decoded on the event loop, then one thread-pool call runs
the whole operation (authentication included; a batch is one call too, STYLE.md §f), then the
answer is encoded. Every failure becomes the JSON-RPC fault envelope with HTTP 200: the official
client turns any other status into a ProtocolError (reference §1.3).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callsheet.faults import Fault
from callsheet.server.callers import run_authenticating, source_address
from callsheet.server.direct_uploads import direct_upload_routes
from callsheet.server.event_stream import api3_events, event_stream_running
from callsheet.server.files import (
    FileUrlMiddleware,
    attach_files,
    file_routes,
    remember_loopback_session,
)
from callsheet.server.media_workers import media_workers
from callsheet.server.methods import dispatch
from callsheet.server.request_guards import BodyLimitMiddleware, HostCheckMiddleware
from callsheet.server.settings import Settings
from callsheet.server.toolkit import toolkit_routes
from callsheet.server.web import web_routes
from callsheet.server.wire import (
    JSON_CONTENT_TYPE,
    EnvelopeFault,
    decode_call,
    encode_fault,
    encode_results,
)
from callsheet.site.site import Site

log = logging.getLogger("callsheet.server")
GZIP_LEVEL = 1


# A 500-row page allocates some 6,000 dicts and lists that live until the answer is sent; at
# Python's default of 700 the young generation was collected (and those objects traversed
# again) about nine times per page.
GC_YOUNG_THRESHOLD = 10_000


def settle_heap() -> None:
    """Before serving: move everything made at start-up (the schema, the tables, SQLAlchemy's
    metadata, the modules) out of the garbage collector's sight, and collect young objects less
    often. A full collection walked those 100,000+ long-lived objects again every few pages;
    frozen, it walks only what requests made (bench_floor.py: about 15% of a 1,000-row list).
    Only for a process that serves (`callsheet serve`), never for one embedding the engine."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


class InternalFault(Fault):
    """Something failed that should have been a clear Fault; the traceback is in the log."""


def _json(body: bytes) -> Response:
    return Response(body, media_type=JSON_CONTENT_TYPE)


async def api3_json(request: Request) -> Response:
    """`POST /api3/json`: one JSON-RPC call of shotgun_api3."""
    site: Site = request.app.state.site
    settings: Settings = request.app.state.settings
    method = "?"
    try:
        call = decode_call(await request.body())  # bounded by BodyLimitMiddleware
        method = call.method
        results = await run_authenticating(
            dispatch, site, settings, call, source=source_address(request)
        )
        if call.method == "get_session_token" and settings.allow_cookieless_local_downloads:
            remember_loopback_session(request, results)
        return _json(encode_results(results, bare=call.method == "info"))
    except Fault as fault:
        return _json(encode_fault(fault))
    except Exception:
        log.exception("unexpected error in %s", method)
        return _json(
            encode_fault(
                InternalFault(
                    f"Callsheet could not complete {method!r}: internal error (see the server log)."
                )
            )
        )


async def not_json_rpc(request: Request) -> Response:
    """Anything but POST on /api3/json: still the fault envelope, still HTTP 200."""
    return _json(encode_fault(EnvelopeFault("/api3/json answers POST requests only.")))


def create_app(site: Site, settings: Settings | None = None) -> Starlette:
    """The Starlette app serving `site`; its lifespan sizes the thread pool and closes the site."""
    settings = settings or Settings()
    attach_files(site, settings)
    site.auth_policy = settings.auth

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        workers = media_workers(site, settings)
        try:
            async with event_stream_running(app, site):
                yield
        finally:
            if workers is not None:
                workers.stop()
        site.close()

    routes = [
        Route("/api3/json", api3_json, methods=["POST"]),
        Route("/api3/json", not_json_rpc, methods=["GET", "PUT", "DELETE", "PATCH"]),
        Route("/api3/events", api3_events, methods=["GET"]),
        *file_routes(),
        *toolkit_routes(),
        *direct_upload_routes(),
        *web_routes(),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(HostCheckMiddleware, settings=settings),  # before anything else
            Middleware(BodyLimitMiddleware, settings=settings),
            # Level 1, not Starlette's 9: the official client always asks for gzip, and on
            # 1,000 rows level 9 took 9.1 ms against 0.7 ms for 21 kB instead of 15 kB
            # (bench/bench_floor.py), more than the whole budget over the floor (issue 11).
            Middleware(GZipMiddleware, minimum_size=1024, compresslevel=GZIP_LEVEL),
            Middleware(FileUrlMiddleware),
        ],
        lifespan=lifespan,
    )
    app.state.site = site
    app.state.settings = settings
    return app
