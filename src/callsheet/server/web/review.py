"""The review player: `/review/Version/{id}` and `/review/Playlist/{id}` (a screening room).

The page plays the browser renditions of a transcode (`sg_uploaded_movie_mp4`, `..._webm`; the
uploaded movie itself when the browser can play it), frame by frame, with the filmstrip for
scrubbing, and shows the Version's review notes as markers on the timeline; a note drawn on a
paused frame is posted to `/review/Version/{id}/notes` (site/review_notes.py). Everything is
read and written through the engine as the signed-in person.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callsheet.faults import NotFoundFault, ValueFault
from callsheet.server.web.handlers import action, page
from callsheet.server.web.rendering import render
from callsheet.server.web.sessions import WebSession
from callsheet.site import media, review_notes
from callsheet.site.actor import Actor
from callsheet.site.site import Site

DEFAULT_FRAME_RATE = 24.0
BROWSER_MOVIES = (".mp4", ".m4v", ".webm", ".ogv")
VERSION_FIELDS = [
    "code",
    "project",
    "entity",
    "sg_task",
    "user",
    "image",
    "filmstrip_image",
    "sg_uploaded_movie",
    "sg_uploaded_movie_mp4",
    "sg_uploaded_movie_webm",
    "sg_uploaded_movie_frame_rate",
    "sg_uploaded_movie_transcoding_status",
    "frame_count",
    "sg_first_frame",
    "description",
]
MAX_PLAYLIST_VERSIONS = 500


def _url(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("link_type") == "upload" and value.get("url"):
        return str(value["url"])
    return None


def _sources(record: dict[str, Any]) -> list[dict[str, str]]:
    sources = []
    for field, kind in (
        ("sg_uploaded_movie_mp4", "video/mp4"),
        ("sg_uploaded_movie_webm", "video/webm"),
    ):
        url = _url(record.get(field))
        if url:
            sources.append({"url": url, "type": kind})
    movie = record.get("sg_uploaded_movie")
    url = _url(movie)
    if not sources and url and str(movie.get("name", "")).lower().endswith(BROWSER_MOVIES):  # type: ignore[union-attr]
        sources.append({"url": url, "type": str(movie.get("content_type") or "")})  # type: ignore[union-attr]
    return sources


def _notes(site: Site, actor: Actor, version_id: int) -> list[dict[str, Any]]:
    """The Version's Notes with the frame they are about and their annotation images."""
    notes = site.find(
        actor,
        "Note",
        [["note_links", "is", {"type": "Version", "id": version_id}]],
        ["content", "subject", "user", "created_at"],
        [{"field_name": "id", "direction": "asc"}],
    )
    if not notes:
        return []
    pictures: dict[int, dict[str, Any]] = {}
    for attachment in site.find(
        actor,
        "Attachment",
        [["attachment_links", "in", [{"type": "Note", "id": n["id"]} for n in notes]]],
        ["this_file", "filename", "attachment_links"],
    ):
        if review_notes.frame_of(None, attachment.get("filename")) is None:
            continue
        for link in attachment.get("attachment_links") or []:
            if link.get("type") == "Note":
                pictures[link["id"]] = attachment
    views = []
    for note in notes:
        picture = pictures.get(note["id"])
        frame = review_notes.frame_of(note.get("content"), picture and picture.get("filename"))
        author = note.get("user") or {}
        views.append(
            {
                "id": note["id"],
                "content": note.get("content") or "",
                "author": author.get("name") if isinstance(author, dict) else None,
                "frame": frame,
                "annotation": _url(picture.get("this_file")) if picture else None,
            }
        )
    return views


def version_view(site: Site, actor: Actor, version_id: int) -> dict[str, Any]:
    """What the player needs of one Version (NotFoundFault when the person may not see it)."""
    record = site.find_one(actor, "Version", [["id", "is", version_id]], VERSION_FIELDS)
    if record is None:
        raise NotFoundFault(f"Version {version_id} doesn't exist or you may not see it.")
    job = media.transcode_state(site, "Version", version_id)
    rate = record.get("sg_uploaded_movie_frame_rate")
    return {
        "id": version_id,
        "code": record.get("code") or f"Version {version_id}",
        "sources": _sources(record),
        "frame_rate": float(rate) if rate else DEFAULT_FRAME_RATE,
        "frame_count": record.get("frame_count"),
        "first_frame": record.get("sg_first_frame") or 1,
        "filmstrip": record.get("filmstrip_image"),
        "poster": record.get("image"),
        "status": record.get("sg_uploaded_movie_transcoding_status"),
        "error": job["error"] if job and job["state"] == "failed" else None,
        "transcoding": bool(job and job["state"] in ("queued", "running")),
        "notes": _notes(site, actor, version_id),
        "project": record.get("project"),
    }


def _entity_id(request: Request) -> int:
    text = request.path_params["entity_id"]
    if not text.isdigit() or len(text) > 10:
        raise NotFoundFault(f"{text!r} is not an id.")
    return int(text)


def _playlist(site: Site, actor: Actor, playlist_id: int) -> dict[str, Any]:
    playlist = site.find_one(actor, "Playlist", [["id", "is", playlist_id]], ["code", "versions"])
    if playlist is None:
        raise NotFoundFault(f"Playlist {playlist_id} doesn't exist or you may not see it.")
    versions = []
    for link in (playlist.get("versions") or [])[:MAX_PLAYLIST_VERSIONS]:
        try:
            versions.append(version_view(site, actor, link["id"]))
        except NotFoundFault:
            continue  # a Version the person may not see is left out
    return {"id": playlist_id, "code": playlist.get("code") or "", "versions": versions}


@page()
async def review_version(request: Request, session: WebSession) -> Response:
    """The player for one Version (`?compare=<id>` opens another beside it)."""
    site: Site = request.app.state.site
    version_id = _entity_id(request)
    compare = request.query_params.get("compare", "")

    def run() -> dict[str, Any]:
        versions = [version_view(site, session.actor, version_id)]
        if compare.isdigit() and len(compare) < 11 and int(compare) != version_id:
            versions.append(version_view(site, session.actor, int(compare)))
        return {"playlist": None, "versions": versions, "compare": len(versions) > 1}

    return await _render(request, run, f"Review Version {version_id}")


@page()
async def review_playlist(request: Request, session: WebSession) -> Response:
    """The screening room: a Playlist's Versions in order."""
    site: Site = request.app.state.site
    playlist_id = _entity_id(request)

    def run() -> dict[str, Any]:
        playlist = _playlist(site, session.actor, playlist_id)
        return {
            "playlist": {"id": playlist["id"], "code": playlist["code"]},
            "versions": playlist["versions"],
            "compare": False,
        }

    return await _render(request, run, f"Screening room · Playlist {playlist_id}")


async def _render(request: Request, run: Any, title: str) -> Response:
    try:
        data = await run_in_threadpool(run)
    except NotFoundFault as fault:
        return render(request, "error.html", status_code=404, message=fault.message)
    data["notes_url"] = "/review/Version/{id}/notes"
    return render(request, "review.html", title=title, review=data)


@action
async def add_review_note(request: Request, session: WebSession, payload: Any) -> dict[str, Any]:
    """POST {content, frame, annotation (PNG data URL), playlist_id}: the Note; the notes again."""
    site: Site = request.app.state.site
    version_id = _entity_id(request)
    if not isinstance(payload, dict):
        raise ValueFault("Expected {content, frame, annotation}.")
    playlist = payload.get("playlist_id")
    playlist_id = playlist if isinstance(playlist, int) and not isinstance(playlist, bool) else None

    def run() -> dict[str, Any]:
        note = review_notes.create_review_note(
            site,
            session.actor,
            version_id,
            payload.get("content"),
            payload.get("frame"),
            payload.get("annotation"),
            playlist_id,
        )
        return {"note_id": note["id"], "notes": _notes(site, session.actor, version_id)}

    return await run_in_threadpool(run)


def routes() -> list[Route]:
    """The player pages and their notes endpoint."""
    return [
        Route("/review/Version/{entity_id}", review_version, methods=["GET"]),
        Route("/review/Playlist/{entity_id}", review_playlist, methods=["GET"]),
        Route("/review/Version/{entity_id}/notes", add_review_note, methods=["POST"]),
    ]
