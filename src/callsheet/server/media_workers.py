"""The media worker pool of `callsheet serve`: threads that claim transcode jobs of any process.

The lifespan starts it after the site opens and stops it before the site closes. Jobs live in
the database (store/media_jobs.py), so the pool of each server process takes its share, and a
job whose process died is claimed by another (or the restarted one) once its lease passes.
"""

from __future__ import annotations

import logging
from functools import partial

from callsheet.media import transcode
from callsheet.media.workers import JobWorkers
from callsheet.server.settings import Settings
from callsheet.site import media
from callsheet.site.media import MediaJob
from callsheet.site.site import Site

log = logging.getLogger("callsheet.server.media")


def media_workers(site: Site, settings: Settings) -> JobWorkers[MediaJob] | None:
    """The started pool (None when `media_workers` is 0 or FFmpeg is missing)."""
    if settings.media_workers <= 0:
        return None
    if not transcode.available():
        log.warning("ffmpeg/ffprobe not found: uploaded movies stay queued until they are")
        return None
    lease_s = settings.media_lease_s
    workers: JobWorkers[MediaJob] = JobWorkers(
        settings.media_workers,
        claim=partial(media.claim, site, lease_s=lease_s),
        renew=lambda job, worker: media.renew(site, job, worker, lease_s),
        run=lambda job, worker: media.run_job(site, job, worker, transcode.make_renditions),
        lease_s=lease_s,
        poll_s=settings.media_poll_s,
    )
    workers.start()
    return workers
