"""The SQL of media jobs (site/media.py): queue, claim with a lease, renew, finish.

A job is claimed by one worker of any server process: on PostgreSQL the claim reads the oldest
claimable row `FOR UPDATE SKIP LOCKED`, so two processes never wait on or take the same row; on
SQLite the claim runs in the store's write transaction (`BEGIN IMMEDIATE`), which serializes
claims. A running job holds a lease its worker renews; once the lease has passed (the process was
killed, the machine lost power) the job is claimable again and its attempt count grows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.store.internal_tables import media_jobs
from callsheet.store.store import Store, now_utc

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
TRANSCODE = "transcode"


@dataclass(frozen=True)
class MediaJob:
    """One job as claimed or read."""

    id: int
    kind: str
    entity_type: str
    entity_id: int
    field_name: str
    attachment_id: int
    actor_type: str
    actor_id: int
    state: str
    attempts: int
    error: str | None

    @classmethod
    def of_row(cls, row: Any) -> MediaJob:
        return cls(
            row.id,
            row.kind,
            row.entity_type,
            row.entity_id,
            row.field_name,
            row.attachment_id,
            row.actor_type,
            row.actor_id,
            row.state,
            row.attempts,
            row.error,
        )


def enqueue(
    conn: Connection,
    *,
    kind: str,
    entity_type: str,
    entity_id: int,
    field_name: str,
    attachment_id: int,
    actor_type: str,
    actor_id: int,
) -> int:
    """A new queued job, inside the caller's write transaction (it exists only if that commits)."""
    now = now_utc()
    result = conn.execute(
        sa.insert(media_jobs).values(
            kind=kind,
            entity_type=entity_type,
            entity_id=entity_id,
            field_name=field_name,
            attachment_id=attachment_id,
            actor_type=actor_type,
            actor_id=actor_id,
            state=QUEUED,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def _claimable(now: dt.datetime) -> sa.ColumnElement[bool]:
    c = media_jobs.c
    return sa.or_(c.state == QUEUED, sa.and_(c.state == RUNNING, c.lease_until < now))


def claim(store: Store, worker: str, lease_s: float) -> MediaJob | None:
    """The oldest claimable job, now running under `worker`'s lease; None when there is none."""
    c = media_jobs.c
    with store.read() as conn:  # most polls find nothing: no write lock for them
        waiting = conn.execute(sa.select(c.id).where(_claimable(now_utc())).limit(1)).first()
    if waiting is None:
        return None
    with store.write() as conn:
        now = now_utc()
        row = conn.execute(
            sa.select(media_jobs)
            .where(_claimable(now))
            .order_by(c.id)
            .limit(1)
            .with_for_update(skip_locked=True)  # rendered on PostgreSQL only
        ).first()
        if row is None:
            return None
        lease = now + dt.timedelta(seconds=lease_s)
        conn.execute(
            sa.update(media_jobs)
            .where(c.id == row.id)
            .values(
                state=RUNNING,
                worker=worker,
                lease_until=lease,
                attempts=c.attempts + 1,
                updated_at=now,
            )
        )
        claimed = conn.execute(sa.select(media_jobs).where(c.id == row.id)).one()
    return MediaJob.of_row(claimed)


def renew(store: Store, job_id: int, worker: str, lease_s: float) -> bool:
    """Extend the lease of a job `worker` still holds; False if it lost it (claimed again)."""
    c = media_jobs.c
    with store.write() as conn:
        now = now_utc()
        updated = conn.execute(
            sa.update(media_jobs)
            .where(c.id == job_id, c.worker == worker, c.state == RUNNING)
            .values(lease_until=now + dt.timedelta(seconds=lease_s), updated_at=now)
        ).rowcount
    return bool(updated)


def finish(conn: Connection, job_id: int, worker: str | None, error: str | None = None) -> bool:
    """Mark a job done (or failed with `error`) in the caller's transaction; False if `worker`
    no longer holds it (None: whoever holds it)."""
    c = media_jobs.c
    condition = c.id == job_id
    if worker is not None:
        condition = sa.and_(condition, c.worker == worker, c.state == RUNNING)
    updated = conn.execute(
        sa.update(media_jobs)
        .where(condition)
        .values(
            state=FAILED if error else DONE, error=error, lease_until=None, updated_at=now_utc()
        )
    ).rowcount
    return bool(updated)


def latest_for(store: Store, entity_type: str, entity_id: int) -> MediaJob | None:
    """The newest job of an entity (its state and error, for pages and scripts)."""
    c = media_jobs.c
    with store.read() as conn:
        row = conn.execute(
            sa.select(media_jobs)
            .where(c.entity_type == entity_type, c.entity_id == entity_id)
            .order_by(c.id.desc())
            .limit(1)
        ).first()
    return None if row is None else MediaJob.of_row(row)


def job(store: Store, job_id: int) -> MediaJob | None:
    """One job by id."""
    with store.read() as conn:
        row = conn.execute(sa.select(media_jobs).where(media_jobs.c.id == job_id)).first()
    return None if row is None else MediaJob.of_row(row)


def pending_count(store: Store) -> int:
    """How many jobs are queued or running."""
    c = media_jobs.c
    with store.read() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).where(c.state.in_((QUEUED, RUNNING)))
            ).scalar_one()
        )
