"""`callsheet import`: a whole site copied into this one, original ids kept, resumable.

Steps, each recorded in `_cs_transfer_progress` when done (store/transfer_progress.py):

1. *start*: the destination must be a new site (its first records, made when it was created, are
   replaced by the source's) or an import of the same source already under way (resumed);
   anything else is refused before a row is written, since the source's ids would clash.
2. *schema*: types' names and every field with its properties (transfer/schema_copy.py).
3. *records*: every type, live rows then retired ones, each split in id ranges read by several
   readers at once (pages of 500) and written by one writer; each page commits with its
   progress, so a kill at any point resumes after the last page committed. Files (uploads,
   thumbnails) are downloaded by the reader before its page is written, so a committed row
   always has its file.
4. *events* (optional): the source's event log, ids kept.
5. *accounts*: scripts get new keys (written to a file only its owner can read), people keep
   no password (they set one), roles keep their names and get their code's default rules.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from callsheet.faults import Fault, TransferFault
from callsheet.files import FileRoom, ImageRef
from callsheet.site.actor import SYSTEM
from callsheet.site.auth import new_script_key, set_script_key
from callsheet.site.bootstrap import ENGINE_SCRIPT_NAME
from callsheet.site.bulk_inserts import bulk_writing
from callsheet.site.site import Site
from callsheet.store import bookkeeping, bulk, transfer_progress
from callsheet.store.transfer_progress import Chunk
from callsheet.transfer.schema_copy import SchemaCopy, copy_schema, read_fields
from callsheet.transfer.source import PAGE_SIZE, Source

# Types copied first: local file links are resolved against LocalStorage roots.
FIRST_TYPES = ("LocalStorage", "PermissionRuleSet")
# The source's event log is copied only when asked (--events): it is history, not state.
EVENT_TYPE = "EventLogEntry"
# A type with more rows than this is split among the readers.
SPLIT_ABOVE_IDS = 2000
THUMBNAIL_URL = re.compile(r"/thumbnail/([0-9]{1,10})\.(jpg|png)(\?|$)")
TRANSIENT_URL = "/images/status/transient/"


@dataclass
class TypeReport:
    """What was copied of one type."""

    live: int = 0
    retired: int = 0
    files: int = 0


@dataclass
class ImportReport:
    """What an import did, for the final report."""

    source: str
    resumed: bool = False
    schema: SchemaCopy | None = None
    types: dict[str, TypeReport] = field(default_factory=dict)
    skipped_types: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    unknown_fields: set[str] = field(default_factory=set)
    keys_file: Path | None = None
    scripts: int = 0
    people_without_password: int = 0
    notes: list[str] = field(default_factory=list)
    # Where the writer's time went: writing pages, or waiting for the readers (the bench names
    # the bottleneck from these).
    write_s: float = 0.0
    wait_s: float = 0.0
    phase_s: dict[str, float] = field(default_factory=dict)


@dataclass
class ImportOptions:
    events: bool = False
    schema_only: bool = False
    readers: int = 4
    page_size: int = PAGE_SIZE
    keys_file: Path | None = None


class Progress:
    """What the importer tells whoever shows progress (transfer/report.py); silent here."""

    def start_type(self, entity_type: str, retired: bool, total: int | None) -> None: ...
    def advance(self, entity_type: str, retired: bool, count: int) -> None: ...
    def end_type(self, entity_type: str, retired: bool) -> None: ...
    def note(self, text: str) -> None: ...


def _fresh_counts() -> dict[str, int]:
    """Rows per type of a brand-new site (what `Site.open` makes), to recognise one."""
    new = Site.open(None)
    try:
        with new.store.read() as conn:
            return bulk.row_counts(conn, new.store)
    finally:
        new.close()


class Importer:
    """One import of `source` into `site` (see module docstring)."""

    def __init__(
        self,
        site: Site,
        source: Source,
        options: ImportOptions | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.site = site
        self.source = source
        self.options = options or ImportOptions()
        self.progress = progress or Progress()
        self.report = ImportReport(source.name)
        self._schema_read: dict[str, Any] = {}
        self._entity_read: dict[str, Any] = {}

    # -- the whole run ------------------------------------------------------------------------
    def run(self) -> ImportReport:
        """Copy everything not copied yet; returns the report."""
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            self.report.phase_s[name] = round(now - clock, 2)
            clock = now

        self._start()
        lap("start")
        self._entity_read, self._schema_read = self.source.schema()
        self._copy_schema()
        lap("schema")
        if self.options.schema_only:
            return self.report
        for entity_type in self._types():
            for retired in (False, True):
                self._copy_type(entity_type, retired)
        lap("records")
        self._fetch_external_thumbnails()
        lap("thumbnails")
        self._finish_accounts()
        lap("accounts")
        self._copy_bookkeeping()
        lap("bookkeeping")
        return self.report

    def _copy_bookkeeping(self) -> None:
        """What no entity holds (working weeks, role rules, follows, ...), when the source has
        it (an archive): all at once, so a resumed import writes it again whole."""
        rows = self.source.bookkeeping()
        if rows is None:
            return
        try:
            with self.site.store.write() as conn:
                bookkeeping.replace_archived_rows(conn, rows)
        except (ValueError, TypeError, sa.exc.StatementError) as error:
            raise TransferFault(f"The source's site rows cannot be stored: {error}") from None
        self.site.rule_book.forget()  # the roles' rules came with them

    # -- 1. start -----------------------------------------------------------------------------
    def _start(self) -> None:
        store = self.site.store
        started = transfer_progress.source_of(store)
        if started is not None:
            if started != self.source.name:
                raise TransferFault(
                    f"This site holds an import from {started}; it cannot take another from "
                    f"{self.source.name}. Import into a new site."
                )
            self.report.resumed = True
            return
        with store.read() as conn:
            counts = bulk.row_counts(conn, store)
        fresh = _fresh_counts()
        extra = {t: n - fresh.get(t, 0) for t, n in counts.items() if n != fresh.get(t, 0)}
        if extra:
            shown = ", ".join(f"{n:+d} {t}" for t, n in sorted(extra.items())[:6])
            raise TransferFault(
                "The destination site is not new (compared with a new site: "
                f"{shown}). An import keeps the source's ids, which would clash with its "
                "records: import into a new site (a new --data folder or database)."
            )
        # The source's latest event before anything is read: --follow replays from here.
        cursor = self.source.latest_event_id()
        types = [t.name for t in self.site.schema]
        with store.write() as conn:
            bulk.remove_all_rows(conn, store, types)
            transfer_progress.start(conn, self.source.name)
            transfer_progress.set_note(conn, "follow", "cursor", str(cursor))
        self.site.rule_book.forget()

    # -- 2. schema ----------------------------------------------------------------------------
    def _copy_schema(self) -> None:
        if transfer_progress.marked(self.site.store, "schema", "*") is not None:
            return
        per_project = self.source.project_visibility()
        self.report.schema = copy_schema(
            self.site, self._entity_read, self._schema_read, per_project
        )
        for name in self.report.schema.missing_types:
            self.report.skipped_types[name] = "this Callsheet has no such entity type"
        with self.site.store.write() as conn:
            transfer_progress.mark(conn, "schema", "*")
        self.progress.note(
            f"schema: {len(self.report.schema.enabled_types)} entity types enabled, "
            f"{len(self.report.schema.added)} fields added, "
            f"{len(self.report.schema.updated)} updated, {len(self.report.schema.skipped)} skipped"
        )

    # -- 3. records ---------------------------------------------------------------------------
    def _types(self) -> list[str]:
        names = [t for t in self._entity_read if t in self.site.schema]
        if not self.options.events:
            names = [t for t in names if t != EVENT_TYPE]
        first = [t for t in FIRST_TYPES if t in names]
        return first + sorted(t for t in names if t not in first)

    def _plan(self, entity_type: str, retired: bool) -> list[Chunk] | None:
        phase = "retired" if retired else "live"
        planned = transfer_progress.chunks(self.site.store, phase, entity_type)
        if planned:
            return planned
        try:
            bounds = self.source.id_bounds(entity_type, retired)
        except TransferFault as fault:
            self.report.skipped_types[entity_type] = f"the source refused to read it: {fault}"
            return None
        ranges: list[tuple[int, int]] = []
        if bounds is not None:
            low, high = bounds
            pieces = max(1, min(self.options.readers, (high - low) // SPLIT_ABOVE_IDS + 1))
            width = (high - low) // pieces + 1
            ranges = [
                (low + n * width, min(high, low + (n + 1) * width - 1)) for n in range(pieces)
            ]
        with self.site.store.write() as conn:
            bulk.commit_without_waiting_for_disk(conn, self.site.store)  # lost whole or kept
            transfer_progress.plan(conn, phase, entity_type, ranges)
        return transfer_progress.chunks(self.site.store, phase, entity_type)

    def _copy_type(self, entity_type: str, retired: bool) -> None:
        if entity_type in self.report.skipped_types:
            return
        chunks = self._plan(entity_type, retired)
        if chunks is None:
            return
        type_report = self.report.types.setdefault(entity_type, TypeReport())
        done_before = sum(c.copied for c in chunks)
        if retired:
            type_report.retired += done_before
        else:
            type_report.live += done_before
        todo = [c for c in chunks if not c.done]
        if not todo:
            return
        fields = read_fields(self.site, entity_type, self._schema_read)
        self.progress.start_type(entity_type, retired, None)
        pages: queue.Queue[Any] = queue.Queue(maxsize=self.options.readers * 2)
        stop = threading.Event()

        def read(chunk: Chunk) -> None:
            try:
                after = chunk.last_id
                for page in self.source.pages(
                    entity_type, fields, retired, after, chunk.end, self.options.page_size
                ):
                    if stop.is_set():
                        return
                    self._fetch_files(entity_type, page)
                    pages.put((chunk, page, False))
                pages.put((chunk, [], True))
            except BaseException as error:  # handed to the writer, which stops the import
                pages.put((chunk, error, True))

        with ThreadPoolExecutor(max_workers=self.options.readers) as readers:
            futures = [readers.submit(read, chunk) for chunk in todo]
            open_chunks = len(todo)
            try:
                while open_chunks:
                    waited = time.perf_counter()
                    chunk, page, finished = pages.get()
                    wrote = time.perf_counter()
                    self.report.wait_s += wrote - waited
                    if isinstance(page, BaseException):
                        raise page
                    self._write_page(entity_type, retired, chunk, page, finished)
                    self.report.write_s += time.perf_counter() - wrote
                    if page:
                        if retired:
                            type_report.retired += len(page)
                        else:
                            type_report.live += len(page)
                        self.progress.advance(entity_type, retired, len(page))
                    if finished:
                        open_chunks -= 1
            except BaseException:
                stop.set()
                while not all(f.done() for f in futures):  # unblock readers on a full queue
                    with contextlib.suppress(queue.Empty):
                        pages.get(timeout=0.05)
                raise
        self.progress.end_type(entity_type, retired)

    def _write_page(
        self, entity_type: str, retired: bool, chunk: Chunk, page: list[Any], finished: bool
    ) -> None:
        last_id = int(page[-1]["id"]) if page else chunk.last_id
        try:
            # Progress commits with the page, so a commit need not wait for the disk.
            with bulk_writing(self.site, durable=False) as write:
                if page:
                    result = write.insert(entity_type, page, retired=retired, derived_links=False)
                    self.report.problems.extend(
                        f"{p.entity_type} {p.entity_id} {p.field}: {p.message}"
                        for p in result.problems
                    )
                    self.report.unknown_fields.update(
                        f"{entity_type}.{name}" for name in result.unknown_fields
                    )
                write.advance(chunk, last_id, len(page), done=finished)
        except Fault as fault:
            raise TransferFault(
                f"Copying {entity_type} ids {page[0]['id'] if page else '-'}..{last_id} "
                f"failed: {fault.message} Nothing of this page was written; fix the cause and "
                "run the same import again to resume."
            ) from None

    # -- files --------------------------------------------------------------------------------
    def _room(self) -> FileRoom:
        room = self.site.files
        if room is None:
            raise TransferFault("The destination site has no file store; files cannot be copied.")
        return room

    def _fetch_files(self, entity_type: str, page: list[dict[str, Any]]) -> None:
        """Download the files a page names into the destination's file store (before the page
        is written: a committed row always has its file). Image values become the stored
        reference of the downloaded thumbnail."""
        entity = self.site.schema.entity(entity_type)
        for record in page:
            for name, value in list(record.items()):
                f = entity.fields.get(name)
                if f is None:
                    continue
                if f.traits.thumbnail:
                    record[name] = self._fetch_thumbnail(value)
                elif (
                    entity_type == "Attachment"
                    and name == "this_file"
                    and isinstance(value, dict)
                    and value.get("link_type") == "upload"
                ):
                    room = self._room()
                    path = room.storage.attachment_path(int(record["id"]))
                    if not path.exists() and self.source.download(value, path):
                        self.report.types.setdefault(entity_type, TypeReport()).files += 1

    def _fetch_thumbnail(self, value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return None
        if TRANSIENT_URL in value:
            return None  # the source had not finished resizing it: nothing to copy yet
        stored = ImageRef.parse(value)
        if stored is not None:  # a stored reference (an archive): copy its file
            if not stored.ready:
                return None
            path = self._room().storage.thumbnail_path(stored.attachment_id, stored.extension or "")
            if not path.exists():
                self.source.download(value, path)
            return value
        match = THUMBNAIL_URL.search(value)
        if match is None:
            return value  # another server's file: fetched once the records are in
        ref = ImageRef(int(match.group(1)), match.group(2))
        room = self._room()
        path = room.storage.thumbnail_path(ref.attachment_id, ref.extension or "jpg")
        if not path.exists():
            self.source.download(value, path)
        return ref.stored()

    def _fetch_external_thumbnails(self) -> None:
        """Thumbnails the source serves from elsewhere (ShotGrid's cloud storage): downloaded
        and published here as the destination's own (a new thumbnail Attachment each, as an
        upload makes). Resumable by construction: only values still holding a URL are fetched."""
        from callsheet.site.uploads import publish_thumbnail

        room = self._room() if self.site.files is not None else None
        if room is None:
            return
        for entity in self.site.schema:
            if not any(f.traits.thumbnail for f in entity.fields.values()):
                continue
            with self.site.store.read() as conn:
                pending = bulk.external_images(conn, self.site.store, entity.name)
            for entity_id, name, url in pending:
                incoming = room.storage.incoming_dir() / f"import-{entity.name}-{entity_id}-{name}"
                try:
                    fetched = self.source.download(url, incoming)
                except TransferFault as fault:
                    self.report.problems.append(f"{entity.name} {entity_id} {name}: {fault}")
                    continue
                if not fetched:
                    continue
                filename = url.split("?", 1)[0].rsplit("/", 1)[-1] or "thumbnail"
                try:
                    publish_thumbnail(
                        self.site,
                        SYSTEM,
                        entity.name,
                        entity_id,
                        filename,
                        incoming,
                        filmstrip=name == "filmstrip_image",
                    )
                except Fault as fault:
                    self.report.problems.append(f"{entity.name} {entity_id} {name}: {fault}")
                finally:
                    incoming.unlink(missing_ok=True)
                self.report.types.setdefault(entity.name, TypeReport()).files += 1

    # -- 5. accounts --------------------------------------------------------------------------
    def _finish_accounts(self) -> None:
        store = self.site.store
        if transfer_progress.marked(store, "accounts", "*") is not None:
            return
        self._ensure_engine_script()
        scripts = self.site.find(SYSTEM, "ApiUser", [], ["firstname"], order=[{"field_name": "id"}])
        keys = [
            (s["id"], s["firstname"], new_script_key())
            for s in scripts
            if s.get("firstname") != ENGINE_SCRIPT_NAME
        ]
        if keys:
            path = self.options.keys_file or self._default_keys_file()
            _write_private(
                path,
                "# Callsheet: new keys of the scripts imported from "
                f"{self.source.name} (id, name, key)\n"
                + "".join(f"{i}\t{name}\t{key}\n" for i, name, key in keys),
            )
            for script_id, _, key in keys:
                set_script_key(self.site, script_id, key)
            self.report.keys_file = path
        self.report.scripts = len(keys)
        people = self.site.find(SYSTEM, "HumanUser", [], ["id"])
        self.report.people_without_password = len(people)
        self.report.notes.append(
            "permission roles keep their names; their rules are each role's default (the API "
            "cannot read rules): review them on the Permissions page"
        )
        with store.write() as conn:
            transfer_progress.mark(conn, "accounts", "*")

    def _default_keys_file(self) -> Path:
        """Next to the destination's file store (its data folder), never the working folder."""
        room = self._room()
        return Path(room.storage.root).parent / "imported-script-keys.txt"

    def _ensure_engine_script(self) -> None:
        """Callsheet's own script (the actor of in-process connections), if the source had none."""
        found = self.site.find_one(SYSTEM, "ApiUser", [["firstname", "is", ENGINE_SCRIPT_NAME]])
        if found is not None:
            return
        role = self.site.find_one(SYSTEM, "PermissionRuleSet", [["code", "is", "api_admin"]])
        data: dict[str, Any] = {
            "firstname": ENGINE_SCRIPT_NAME,
            "description": "Callsheet's own script: the actor of in-process connections.",
        }
        if role is not None:
            data["permission_rule_set"] = {"type": "PermissionRuleSet", "id": role["id"]}
        self.site.create(SYSTEM, "ApiUser", data)


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (mode 0600), replacing any earlier one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def run_import(
    site: Site,
    source: Source,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
    on_done: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import `source` into `site` (resuming an import of the same source)."""
    report = Importer(site, source, options, progress).run()
    if on_done is not None:
        on_done(report)
    return report
