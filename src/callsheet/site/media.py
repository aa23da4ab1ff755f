"""Transcodes in the engine: queue a job with the upload, write the renditions when it is done.

An upload to a field ShotGrid transcodes (`Version.sg_uploaded_movie`) queues a job in the same
transaction (store/media_jobs.py), sets `sg_uploaded_movie_transcoding_status` to 0 and, when
the Version has no thumbnail, shows the transient placeholder in `image`, as ShotGrid does
(probe 006 of a real site: 0 in flight, 1 once the transcode has landed, 2 when refused). A
worker (media/workers.py, started by `callsheet serve`) makes the renditions with FFmpeg
(media/transcode.py, called through `make`), then this module writes them through the engine as
the uploader: an Attachment each for the MP4, the WebM and the poster frame in
`sg_uploaded_movie_mp4`, `sg_uploaded_movie_webm` and `sg_uploaded_movie_image`, the frame
rate and duration, the frame count when empty, and the thumbnail and filmstrip when the Version
had none; every write with its event rows. A movie FFmpeg cannot read ends its job `failed` with
FFmpeg's words, status 2, and those words in the `description` of the movie's Attachment; a job
whose server died is claimed again, at most MAX_ATTEMPTS times.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from callsheet.faults import Fault, StaleSchemaFault
from callsheet.files import ImageRef
from callsheet.files.thumbnails import make_thumbnail
from callsheet.site import uploads
from callsheet.site.actor import SYSTEM, Actor
from callsheet.site.write_context import WriteContext
from callsheet.site.writes import update_entity
from callsheet.store import attachments, media_jobs
from callsheet.store.media_jobs import TRANSCODE, MediaJob

if TYPE_CHECKING:
    from callsheet.site.site import Site

__all__ = ["MediaJob", "claim", "fail", "queue_transcode", "renew", "run_job"]
log = logging.getLogger("callsheet.site.media")

# (entity type, upload field) -> the fields its transcode fills (ShotGrid's default schema)
TRANSCODED_FIELDS = {("Version", "sg_uploaded_movie")}
STATUS_FIELD = "sg_uploaded_movie_transcoding_status"
IN_FLIGHT, TRANSCODED, REFUSED = 0, 1, 2
MAX_ATTEMPTS = 3
MAX_FAILURE_CHARS = 2000
WORK_DIR = "media"


class Facts(Protocol):
    @property
    def frame_rate(self) -> float: ...
    @property
    def frame_count(self) -> int: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def aspect_ratio(self) -> float: ...


class MadeRenditions(Protocol):
    """What media.transcode.make_renditions returns (media/ is not imported by the engine)."""

    @property
    def facts(self) -> Facts: ...
    @property
    def mp4(self) -> Path: ...
    @property
    def webm(self) -> Path: ...
    @property
    def poster(self) -> Path: ...
    @property
    def filmstrip(self) -> Path: ...


Make = Callable[[Path, Path, str], MadeRenditions]


def _has(site_or_ctx_store: Any, entity_type: str, name: str) -> bool:
    return name in site_or_ctx_store.schema.entity(entity_type).fields


def queue_transcode(
    ctx: WriteContext, entity_type: str, entity_id: int, field_name: str, attachment_id: int
) -> None:
    """Called inside an upload's write: queue the transcode of a movie field ShotGrid transcodes."""
    if (entity_type, field_name) not in TRANSCODED_FIELDS:
        return
    store = ctx.store
    if _has(store, entity_type, STATUS_FIELD):
        update_entity(ctx, entity_type, entity_id, {STATUS_FIELD: IN_FLIGHT})
    if _has(store, entity_type, "image"):
        stored = attachments.column_value(ctx.conn, store, entity_type, entity_id, "image")
        if stored is None:
            uploads.set_pending_image(ctx, entity_type, entity_id, "image", attachment_id)
    media_jobs.enqueue(
        ctx.conn,
        kind=TRANSCODE,
        entity_type=entity_type,
        entity_id=entity_id,
        field_name=field_name,
        attachment_id=attachment_id,
        actor_type=ctx.actor.entity_type,
        actor_id=ctx.actor.id,
    )


def claim(site: Site, worker: str, lease_s: float) -> MediaJob | None:
    """The next job for `worker` (None: nothing to do)."""
    return media_jobs.claim(site.store, worker, lease_s)


def renew(site: Site, job: MediaJob, worker: str, lease_s: float) -> bool:
    """Keep the lease of a running job."""
    return media_jobs.renew(site.store, job.id, worker, lease_s)


def _actor(site: Site, job: MediaJob) -> Actor:
    return Actor(job.actor_type, job.actor_id)


def _still_holds(ctx: WriteContext, job: MediaJob) -> bool:
    value = attachments.column_value(
        ctx.conn, ctx.store, job.entity_type, job.entity_id, job.field_name
    )
    return isinstance(value, dict) and value.get("id") == job.attachment_id


def _pending_on(ctx: WriteContext, job: MediaJob, column: str) -> bool:
    if not _has(ctx.store, job.entity_type, column):
        return False
    stored = attachments.column_value(ctx.conn, ctx.store, job.entity_type, job.entity_id, column)
    ref = ImageRef.parse(stored)
    return ref is not None and not ref.ready and ref.attachment_id == job.attachment_id


def run_job(site: Site, job: MediaJob, worker: str, make: Make) -> None:
    """Make the renditions of a claimed job and write them, or record why it failed."""
    room = uploads.room_of(site)
    work = room.storage.incoming_dir() / WORK_DIR / str(job.id)
    try:
        if job.attempts > MAX_ATTEMPTS:
            raise Fault(
                f"The transcode was interrupted {job.attempts - 1} times (its server stopped "
                "while transcoding); Callsheet does not try it again. Upload the movie again."
            )
        source = room.storage.attachment_path(job.attachment_id)
        if not source.is_file():
            raise Fault(f"The uploaded movie (Attachment {job.attachment_id}) has no file.")
        stem = Path(_movie_name(site, job)).stem or "movie"
        shutil.rmtree(work, ignore_errors=True)  # a killed attempt's leftovers
        made = make(source, work, stem)
        try:
            _write_renditions(site, job, worker, made, stem)
        except StaleSchemaFault:  # another process changed the schema: now reloaded
            _write_renditions(site, job, worker, made, stem)
    except Fault as fault:
        log.info("media job %s (%s %s) failed: %s", job.id, job.entity_type, job.entity_id, fault)
        fail(site, job, worker, fault.message)
    except Exception as error:
        log.exception("media job %s failed", job.id)
        fail(site, job, worker, f"Callsheet could not transcode the movie: {error}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _movie_name(site: Site, job: MediaJob) -> str:
    name = attachments.live_attachment_filename(site.store, job.attachment_id)
    return uploads.clean_filename(name or "movie")


def _write_renditions(
    site: Site, job: MediaJob, worker: str, made: MadeRenditions, stem: str
) -> None:
    facts = made.facts
    poster = made.poster.read_bytes()
    thumbnail, extension = make_thumbnail(poster)
    filmstrip = made.filmstrip.read_bytes()
    with site.writing(_actor(site, job)) as ctx:
        if not media_jobs.finish(ctx.conn, job.id, worker):
            raise LostLeaseFault(f"Media job {job.id} was taken over by another worker.")
        if not _still_holds(ctx, job):
            return  # a newer upload (or a clear) replaced the movie: its own job writes
        kind, entity_id = job.entity_type, job.entity_id
        values: dict[str, Any] = {
            "sg_uploaded_movie_mp4": uploads.attach_file(
                ctx, site, kind, entity_id, f"{stem}.mp4", made.mp4
            ),
            "sg_uploaded_movie_webm": uploads.attach_file(
                ctx, site, kind, entity_id, f"{stem}.webm", made.webm
            ),
            "sg_uploaded_movie_image": uploads.attach_file(
                ctx, site, kind, entity_id, f"{stem}_poster.jpg", made.poster
            ),
            "sg_uploaded_movie_frame_rate": facts.frame_rate,
            "uploaded_movie_duration": round(facts.duration_s, 3),
            "sg_movie_aspect_ratio": facts.aspect_ratio,
            STATUS_FIELD: TRANSCODED,
        }
        current = site.find(SYSTEM, kind, [["id", "is", entity_id]], ["frame_count"])
        if current and current[0].get("frame_count") is None:
            values["frame_count"] = facts.frame_count
        fields = site.schema.entity(kind).fields
        update_entity(ctx, kind, entity_id, {k: v for k, v in values.items() if k in fields})
        if _pending_on(ctx, job, "image"):
            uploads.attach_image(
                ctx, site, kind, entity_id, "image", f"{stem}_t.{extension}", thumbnail, extension
            )
            if "filmstrip_image" in fields:
                uploads.attach_image(
                    ctx, site, kind, entity_id, "filmstrip_image", f"{stem}_filmstrip.jpg",
                    filmstrip, "jpg",
                )  # fmt: skip


class LostLeaseFault(Fault):
    """Another worker holds the job now (this one was too slow to renew its lease)."""


def fail(site: Site, job: MediaJob, worker: str | None, message: str) -> None:
    """End a job `failed` with `message`: status 2 on the record, the placeholder taken away."""

    def write(actor: Actor) -> None:
        with site.writing(actor) as ctx:
            if not media_jobs.finish(ctx.conn, job.id, worker, error=message):
                return
            if not _still_holds(ctx, job):
                return
            if _has(ctx.store, job.entity_type, STATUS_FIELD):
                update_entity(ctx, job.entity_type, job.entity_id, {STATUS_FIELD: REFUSED})
            if _pending_on(ctx, job, "image"):
                update_entity(ctx, job.entity_type, job.entity_id, {"image": None})
            # the reason, on the record of the upload itself (readable by anyone who sees it)
            update_entity(ctx, "Attachment", job.attachment_id, {"description": failure(message)})

    try:
        write(_actor(site, job))
    except Fault:  # the uploader may no longer write here: record the failure as Callsheet
        write(SYSTEM)


def failure(message: str) -> str:
    """What the uploaded movie's Attachment says when its transcode failed."""
    return f"Transcoding failed: {message}"[:MAX_FAILURE_CHARS]


def transcode_state(site: Site, entity_type: str, entity_id: int) -> dict[str, Any] | None:
    """The newest transcode of an entity: its state and, when failed, FFmpeg's reason."""
    job = media_jobs.latest_for(site.store, entity_type, entity_id)
    if job is None:
        return None
    return {"state": job.state, "error": job.error, "attempts": job.attempts, "id": job.id}
