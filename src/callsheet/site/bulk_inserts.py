"""Records inserted with the ids their caller chose: site copies and mockgun-style fixtures.

The engine's side of store/bulk.py: one write transaction (`BulkWrite`) in which any number of
batches go in, optionally with the creation events a create would log, after which the id
counters stand past every id inserted (later creates never collide). Permission caches are
dropped when roles or accounts arrive. `Site.insert_with_ids` is the one-call form.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from callsheet.schema.model import Field
from callsheet.site.actor import SYSTEM
from callsheet.site.change_events import log_create
from callsheet.site.write_context import WriteContext
from callsheet.store import bulk, transfer_progress
from callsheet.store.bulk import BulkResult
from callsheet.store.kinds import LinkRef
from callsheet.store.roles import bump_generation
from callsheet.store.transfer_progress import Chunk

if TYPE_CHECKING:
    from callsheet.site.site import Site

# Inserting these changes who may do what: the permission caches must be dropped.
ROLE_TYPES = frozenset({"PermissionRuleSet", "HumanUser", "ApiUser"})


class BulkWrite:
    """One transaction of chosen-id inserts (see module docstring)."""

    def __init__(self, site: Site, ctx: WriteContext) -> None:
        self.site = site
        self.ctx = ctx
        self.touched: set[str] = set()

    def insert(
        self,
        entity_type: str,
        records: Sequence[Mapping[str, Any]],
        *,
        retired: bool = False,
        events: bool = False,
        derived_links: bool = True,
    ) -> BulkResult:
        """Insert records (`find`-shaped dicts with their `id`); see store.bulk.insert_records.

        `events`: log the `Shotgun_<Type>_New` rows (and their attribute changes) a create
        would. `derived_links` False leaves connection rows and reverse sides to the records
        that hold them (a whole-site copy brings those too).
        """
        ctx = self.ctx
        bulk.check_type(ctx.store, entity_type)
        result, prepared = bulk.insert_records(
            ctx.conn,
            ctx.store,
            entity_type,
            records,
            retired=retired,
            derived_links=derived_links,
            now=ctx.now,
        )
        if events and entity_type != "EventLogEntry":
            entity = ctx.store.schema.entity(entity_type)
            for item in prepared:
                log_create(ctx, entity, LinkRef(entity_type, item.entity_id), item.values)
        self.touched.add(entity_type)
        return result

    def advance(self, chunk: Chunk, last_id: int, copied: int, *, done: bool = False) -> None:
        """Record an import's progress in this transaction (store/transfer_progress.py)."""
        transfer_progress.advance(self.ctx.conn, chunk, last_id, copied, done=done)

    def finish(self) -> None:
        """Counters past the inserted ids; permission caches dropped (called before commit)."""
        ctx = self.ctx
        bulk.raise_id_counters(ctx.conn, ctx.store, sorted(self.touched - {"EventLogEntry"}))
        if "EventLogEntry" in self.touched:
            bulk.raise_event_counter(ctx.conn, ctx.store)
        if self.touched & ROLE_TYPES:
            bump_generation(ctx.conn)
            ctx.after_commit.append(self.site.rule_book.forget)


@contextmanager
def bulk_writing(site: Site, *, events: bool = False, durable: bool = True) -> Iterator[BulkWrite]:
    """A transaction of chosen-id inserts: all of it commits, or none (Callsheet's own actor).

    `events` False writes no event rows at all (a copy brings the source's own history, if any).
    `durable` False: the commit does not wait for the disk (store/bulk.py
    `commit_without_waiting_for_disk`; a copy that records its progress in the same transaction).
    """
    with site.writing(SYSTEM) as ctx:
        ctx.events.enabled = events
        if not durable:
            bulk.commit_without_waiting_for_disk(ctx.conn, ctx.store)
        write = BulkWrite(site, ctx)
        yield write
        write.finish()


def adopt_fields(site: Site, fields: Sequence[Field]) -> dict[str, str]:
    """Make each field as given (names kept, added or updated); what was done per field."""
    done: dict[str, str] = {}
    with site.store.write() as conn:
        for f in fields:
            done[f.qualified_name] = bulk.adopt_field(conn, site.store, f)
    return done


def adopt_type_names(site: Site, names: Mapping[str, tuple[str, bool | None]]) -> list[str]:
    """Give entity types the display names and visibility given; the types changed."""
    changed = []
    with site.store.write() as conn:
        for entity_type, (display_name, visible) in names.items():
            if entity_type in site.schema and bulk.adopt_type_names(
                conn, site.store, entity_type, display_name, visible
            ):
                changed.append(entity_type)
    return changed
