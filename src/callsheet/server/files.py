"""File endpoints of the official client (reference §7): uploads, thumbnails, downloads.

Not built yet. Each route answers the way the client expects an *error* to look, so callers get
a clear message instead of retries: upload endpoints answer HTTP 200 with a text body that does
not start with `1` (an HTTP error would be retried three times, then reported as "Max attempts
limit reached."); downloads answer 404, which `download_attachment` reports as
`ShotgunFileDownloadError`. The next step replaces these handlers (same paths) with ones that
authenticate the form fields (`callsheet.site.auth.authenticate` takes the same auth dict),
store through `callsheet/files/` and answer `1:<attachment_id>\n`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

NOT_AVAILABLE = "0\nFile uploads are not available on this Callsheet server yet.\n"
UPLOAD_PATHS = (
    "/upload/upload_file",
    "/upload/publish_thumbnail",
    "/upload/share_thumbnail",
    "/upload/api_get_upload_link_info",
    "/upload/api_get_upload_link_for_part",
    "/upload/api_complete_multipart_upload",
    "/upload/api_link_file",
)


async def upload_not_available(request: Request) -> Response:
    """A form post the client treats as a failed upload (HTTP 200, body not starting with 1)."""
    await request.body()
    return PlainTextResponse(NOT_AVAILABLE)


async def thumbnail_url_not_available(request: Request) -> Response:
    """The legacy thumbnail URL lookup (`0\\n<error>` means none)."""
    return PlainTextResponse("0\nThumbnails are not available on this Callsheet server yet.\n")


async def attachment_not_found(request: Request) -> Response:
    """`/file_serve/attachment/<id>`: no attachment can exist yet."""
    return PlainTextResponse("Attachment not found.\n", status_code=404)


def file_routes() -> list[Route]:
    """The routes of the file endpoints, mounted at the root as the client requires."""
    routes = [Route(path, upload_not_available, methods=["POST"]) for path in UPLOAD_PATHS]
    routes.append(Route("/upload/get_thumbnail_url", thumbnail_url_not_available))
    routes.append(Route("/file_serve/attachment/{attachment_id}", attachment_not_found))
    return routes
