"""The two endpoints Toolkit (tk-core) calls beside `/api3/json`.

- `POST /api3/sgtk_install_script` (form field `session_token`): the credentials of the Toolkit
  App Store's script, asked by tk-core's app_store descriptor
  (tank/descriptor/io_descriptor/appstore.py). A Callsheet site has no App Store access, so it
  answers as a site without it does: a JSON object whose `script_name` and `script_key` are null.
  tk-core then treats the App Store as unreachable and takes bundles from its bundle cache and
  its fallback paths (`SHOTGUN_BUNDLE_CACHE_FALLBACK_PATHS`); `message` says so for a person
  reading the answer. A sender without a valid session gets 403, as an unauthenticated one does.
- `POST /api3/track_metrics/`: usage metrics (tank/util/metrics.py, fire and forget). Accepted
  and dropped: Callsheet keeps no usage data.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from callsheet.faults import Fault
from callsheet.server.callers import run_authenticating, source_address
from callsheet.server.forms import read_form
from callsheet.server.request_guards import SMALL_FORM_MAX_BODY_BYTES, too_large
from callsheet.server.settings import Settings
from callsheet.site.actor import Actor
from callsheet.site.auth import authenticate
from callsheet.site.site import Site

NO_APP_STORE_MESSAGE = (
    "This site has no Toolkit App Store access. Toolkit takes app_store bundles from its "
    "bundle cache (SHOTGUN_BUNDLE_CACHE_PATH) and the folders in "
    "SHOTGUN_BUNDLE_CACHE_FALLBACK_PATHS; see Callsheet's docs/toolkit.md."
)


def _session_actor(
    site: Site, settings: Settings, token: str, source: str | None, *, waited: bool = False
) -> Actor:
    return authenticate(site, {"session_token": token}, settings.auth, source=source, waited=waited)


async def sgtk_install_script(request: Request) -> Response:
    """The App Store script's credentials: none on this site."""
    site: Site = request.app.state.site
    settings: Settings = request.app.state.settings
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > SMALL_FORM_MAX_BODY_BYTES:
                raise too_large(SMALL_FORM_MAX_BODY_BYTES)
        form = read_form(request.headers.get("content-type", ""), bytes(body))
        token = form.fields.get("session_token") or ""
        if not token:
            raise Fault("sgtk_install_script needs the form field 'session_token'.")
        await run_authenticating(_session_actor, site, settings, token, source_address(request))
    except Fault as fault:
        return JSONResponse({"error": fault.message}, status_code=403)
    return JSONResponse({"script_name": None, "script_key": None, "message": NO_APP_STORE_MESSAGE})


async def track_metrics(request: Request) -> Response:
    """Usage metrics: read (bounded by the body limit) and dropped."""
    async for _ in request.stream():
        pass
    return JSONResponse({})


def toolkit_routes() -> list[Route]:
    """The routes of the Toolkit endpoints."""
    return [
        Route("/api3/sgtk_install_script", sgtk_install_script, methods=["POST"]),
        Route("/api3/track_metrics/", track_metrics, methods=["POST"]),
        Route("/api3/track_metrics", track_metrics, methods=["POST"]),
    ]
