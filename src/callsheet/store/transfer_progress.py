"""The SQL of an import's progress (`_cs_transfer_progress`, store/internal_tables.py).

Each piece of work (one id range of one entity type, live or retired rows) is a row holding the
largest id copied so far; it is updated in the transaction that inserts the page, so the rows and
the progress commit together.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.store.internal_tables import transfer_progress as progress
from callsheet.store.store import Store, now_utc

SOURCE_PHASE = "source"


@dataclass(frozen=True)
class Chunk:
    """An id range [start, end] of one type and phase, copied up to `last_id`."""

    phase: str
    entity_type: str
    start: int
    end: int
    last_id: int
    copied: int
    done: bool


def source_of(store: Store) -> str | None:
    """The source an import into this site copies from (None: no import started)."""
    with store.read() as conn:
        return conn.execute(  # type: ignore[no-any-return]
            sa.select(progress.c.note).where(progress.c.phase == SOURCE_PHASE)
        ).scalar()


def start(conn: Connection, source: str) -> None:
    """Record the source of a new import (inside the transaction that prepares the site)."""
    conn.execute(sa.delete(progress))
    conn.execute(
        sa.insert(progress).values(
            phase=SOURCE_PHASE,
            entity_type="*",
            chunk_start=0,
            chunk_end=0,
            last_id=0,
            copied=0,
            done=False,
            note=source,
            updated_at=now_utc(),
        )
    )


def chunks(store: Store, phase: str, entity_type: str) -> list[Chunk]:
    """The pieces of one type and phase, in id order (empty: not planned yet)."""
    with store.read() as conn:
        rows = conn.execute(
            sa.select(progress)
            .where(progress.c.phase == phase, progress.c.entity_type == entity_type)
            .order_by(progress.c.chunk_start)
        ).all()
    return [
        Chunk(r.phase, r.entity_type, r.chunk_start, r.chunk_end, r.last_id, r.copied, r.done)
        for r in rows
    ]


def plan(conn: Connection, phase: str, entity_type: str, ranges: list[tuple[int, int]]) -> None:
    """Record the id ranges of one type and phase (all at once, so a resume sees the same)."""
    now = now_utc()
    rows = [
        {
            "phase": phase,
            "entity_type": entity_type,
            "chunk_start": low,
            "chunk_end": high,
            "last_id": low - 1,
            "copied": 0,
            "done": False,
            "updated_at": now,
        }
        for low, high in ranges
    ]
    if not rows:  # nothing to copy: one finished piece says so
        rows = [
            {
                "phase": phase,
                "entity_type": entity_type,
                "chunk_start": 0,
                "chunk_end": 0,
                "last_id": 0,
                "copied": 0,
                "done": True,
                "updated_at": now,
            }
        ]
    conn.execute(sa.insert(progress), rows)


def advance(
    conn: Connection, chunk: Chunk, last_id: int, copied: int, *, done: bool = False
) -> None:
    """Note that a piece is copied up to `last_id` (`copied` more rows)."""
    conn.execute(
        sa.update(progress)
        .where(
            progress.c.phase == chunk.phase,
            progress.c.entity_type == chunk.entity_type,
            progress.c.chunk_start == chunk.start,
        )
        .values(
            last_id=last_id,
            copied=progress.c.copied + copied,
            done=done,
            updated_at=now_utc(),
        )
    )


def mark(conn: Connection, phase: str, name: str, note: str | None = None) -> None:
    """Record that a one-off step (schema, accounts, ...) is finished."""
    conn.execute(
        sa.delete(progress).where(progress.c.phase == phase, progress.c.entity_type == name)
    )
    conn.execute(
        sa.insert(progress).values(
            phase=phase,
            entity_type=name,
            chunk_start=0,
            chunk_end=0,
            last_id=0,
            copied=0,
            done=True,
            note=note,
            updated_at=now_utc(),
        )
    )


def marked(store: Store, phase: str, name: str) -> str | None:
    """The note of a finished one-off step ('' when it has none); None when not finished."""
    with store.read() as conn:
        row = conn.execute(
            sa.select(progress.c.note).where(
                progress.c.phase == phase, progress.c.entity_type == name, progress.c.done
            )
        ).first()
    return None if row is None else (row[0] or "")


def set_note(conn: Connection, phase: str, name: str, note: str) -> None:
    """Keep a cursor or a value under (phase, name) (the follow's event cursor)."""
    mark(conn, phase, name, note)
