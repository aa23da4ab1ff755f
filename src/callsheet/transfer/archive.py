"""Archives: a whole site in one ZIP file (`callsheet export`), read back by `callsheet import`.

Format version 2 (docs/transfer.md describes it for other tools):

    manifest.json                  {"format": "callsheet-archive", "version": 2, "types": ...}
    schema/entity_types.json       the answer of schema_entity_read()
    schema/fields.json             the answer of schema_read()
    schema/project_visibility.json {type: {field: {project id: visible}}}
    site/bookkeeping.json          rows no entity holds: working weeks, work-day exceptions,
                                   preferences, role rules, follows, subscriptions, project
                                   visits (store/bookkeeping.py; absent in version 1)
    entities/<Type>.jsonl          live records, one JSON object per line, in id order
    entities/<Type>.retired.jsonl  retired records, the same way
    files/attachments/<id>         the bytes of each uploaded Attachment
    files/thumbnails/<id>.<ext>    resized thumbnails, named as image values name them

A record holds every stored field as `find` returns it from an engine without a file store:
links as {"type", "id", "name"}, times as "YYYY-MM-DDTHH:MM:SSZ" (UTC), uploads as
{"link_type": "upload", "type": "Attachment", "id", "name", "content_type", "url": ""}, image
fields as "thumbnail:<id>.<ext>" (the file under files/thumbnails/). The event log is the type
EventLogEntry.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from callsheet import __version__
from callsheet.faults import TransferFault
from callsheet.site.actor import SYSTEM
from callsheet.site.site import Site
from callsheet.store import bookkeeping
from callsheet.transfer.schema_copy import copied_fields
from callsheet.transfer.source import PAGE_SIZE

FORMAT_NAME = "callsheet-archive"
# 2: `site/bookkeeping.json` (store/bookkeeping.py ARCHIVED_TABLES); 1 lacked it.
FORMAT_VERSION = 2
BOOKKEEPING_MEMBER = "site/bookkeeping.json"


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _member(kind: str, entity_type: str) -> str:
    return (
        f"entities/{entity_type}.retired.jsonl"
        if kind == "retired"
        else f"entities/{entity_type}.jsonl"
    )


def export_site(
    site: Site,
    files_dir: Path | None,
    path: Path,
    on_type: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Write the whole site to the archive at `path`; returns its manifest.

    `site` must have no file store attached, so values are written in stored form.
    """
    if site.files is not None:
        raise TransferFault("Export reads the site without its file store (stored values).")
    entity_read = site.schema_entity_read(SYSTEM)
    schema_read = site.schema_read(SYSTEM)
    visibility = {
        entity.name: {
            f.name: dict(f.properties["project_visibility"])
            for f in entity.fields.values()
            if f.properties.get("project_visibility")
        }
        for entity in site.schema
    }
    manifest: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "written_by": f"Callsheet {__version__}",
        "created_at": _json_value(dt.datetime.now(dt.UTC)),
        "types": {},
        "latest_event_id": 0,
    }
    temporary = path.with_name(path.name + ".partial")
    attachments: list[int] = []
    thumbnails: set[str] = set()
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr("schema/entity_types.json", json.dumps(entity_read, sort_keys=True))
        archive.writestr("schema/fields.json", json.dumps(schema_read, sort_keys=True))
        archive.writestr(
            "schema/project_visibility.json",
            json.dumps({t: v for t, v in visibility.items() if v}, sort_keys=True),
        )
        with site.store.read() as conn:
            rows = bookkeeping.archived_rows(conn)
        archive.writestr(BOOKKEEPING_MEMBER, json.dumps(rows, sort_keys=True))
        for entity in site.schema:
            fields = copied_fields(site, entity.name, schema_read)
            counts: dict[str, Any] = {}
            for kind in ("live", "retired"):
                count, low, high = 0, None, None
                with archive.open(_member(kind, entity.name), "w", force_zip64=True) as out:
                    for page in _pages(site, entity.name, fields, kind == "retired"):
                        for record in page:
                            _note_files(entity.name, record, attachments, thumbnails)
                            out.write(json.dumps(record, default=_json_value).encode() + b"\n")
                        count += len(page)
                        low = page[0]["id"] if low is None else low
                        high = page[-1]["id"]
                counts[kind] = {"count": count, "ids": [low, high] if count else None}
            manifest["types"][entity.name] = counts
            if entity.name == "EventLogEntry" and counts["live"]["ids"]:
                manifest["latest_event_id"] = counts["live"]["ids"][1]
            if on_type is not None:
                on_type(entity.name, counts["live"]["count"], counts["retired"]["count"])
        missing = []
        if files_dir is not None:
            for attachment_id in attachments:
                source = files_dir / "attachments" / str(attachment_id)
                if source.is_file():
                    archive.write(source, f"files/attachments/{attachment_id}", zipfile.ZIP_STORED)
                else:
                    missing.append(attachment_id)
            for name in sorted(thumbnails):
                source = files_dir / "thumbnails" / name
                if source.is_file():
                    archive.write(source, f"files/thumbnails/{name}", zipfile.ZIP_STORED)
        manifest["missing_files"] = missing
        archive.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
    temporary.replace(path)
    return manifest


def _pages(
    site: Site, entity_type: str, fields: list[str], retired: bool
) -> Iterator[list[dict[str, Any]]]:
    after = 0
    while True:
        page = site.find(
            SYSTEM,
            entity_type,
            [["id", "greater_than", after]],
            fields,
            order=[{"field_name": "id", "direction": "asc"}],
            limit=PAGE_SIZE,
            retired_only=retired,
        )
        if not page:
            return
        yield page
        after = page[-1]["id"]
        if len(page) < PAGE_SIZE:
            return


def _note_files(
    entity_type: str, record: dict[str, Any], attachments: list[int], thumbnails: set[str]
) -> None:
    for value in record.values():
        if isinstance(value, str) and value.startswith("thumbnail:"):
            thumbnails.add(value.removeprefix("thumbnail:"))
    this_file = record.get("this_file") if entity_type == "Attachment" else None
    if isinstance(this_file, dict) and this_file.get("link_type") == "upload":
        attachments.append(int(record["id"]))


class ArchiveSource:
    """An archive read as a source (`callsheet import ARCHIVE`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).resolve()
        self.name = f"archive {self.path}"
        try:
            self.archive = zipfile.ZipFile(self.path)
            self.manifest = json.loads(self.archive.read("manifest.json"))
        except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
            raise TransferFault(f"{self.path} is not a Callsheet archive: {error}.") from None
        if self.manifest.get("format") != FORMAT_NAME:
            raise TransferFault(
                f"{self.path} is not a Callsheet archive (no {FORMAT_NAME} manifest)."
            )
        version = self.manifest.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise TransferFault(
                f"{self.path} has archive format version {version!r}; this Callsheet reads "
                f"versions up to {FORMAT_VERSION}."
            )

    def _json(self, member: str) -> Any:
        return json.loads(self.archive.read(member))

    def bookkeeping(self) -> dict[str, Any] | None:
        """The rows no entity holds (store/bookkeeping.py ARCHIVED_TABLES; version 2 on)."""
        if BOOKKEEPING_MEMBER not in self.archive.namelist():
            return None
        rows = self._json(BOOKKEEPING_MEMBER)
        if not isinstance(rows, dict):
            raise TransferFault(f"{self.path}: {BOOKKEEPING_MEMBER} is not a JSON object.")
        return rows

    def schema(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return self._json("schema/entity_types.json"), self._json("schema/fields.json")

    def project_visibility(self) -> dict[int, dict[str, Any]]:
        answers: dict[int, dict[str, Any]] = {}
        for entity_type, fields in self._json("schema/project_visibility.json").items():
            for name, per_project in fields.items():
                for project_id, visible in per_project.items():
                    answer = answers.setdefault(int(project_id), {})
                    answer.setdefault(entity_type, {})[name] = {"visible": {"value": visible}}
        return answers

    def id_bounds(self, entity_type: str, retired: bool) -> tuple[int, int] | None:
        counts = self.manifest["types"].get(entity_type) or {}
        ids = (counts.get("retired" if retired else "live") or {}).get("ids")
        return None if not ids else (int(ids[0]), int(ids[1]))

    def _records(self, entity_type: str, retired: bool) -> Iterator[dict[str, Any]]:
        member = _member("retired" if retired else "live", entity_type)
        try:
            handle = self.archive.open(member)
        except KeyError:
            return
        with handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)

    def pages(
        self,
        entity_type: str,
        fields: list[str],
        retired: bool,
        after_id: int,
        last_id: int,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[list[dict[str, Any]]]:
        wanted = set(fields) | {"type", "id"}
        page: list[dict[str, Any]] = []
        for record in self._records(entity_type, retired):
            if record["id"] <= after_id:
                continue
            if record["id"] > last_id:
                break
            page.append({k: v for k, v in record.items() if k in wanted})
            if len(page) == page_size:
                yield page
                page = []
        if page:
            yield page

    def record(self, entity_type: str, entity_id: int, fields: list[str]) -> tuple[Any, bool]:
        for retired in (False, True):
            for record in self._records(entity_type, retired):
                if record["id"] == entity_id:
                    return {
                        k: v for k, v in record.items() if k in set(fields) | {"type", "id"}
                    }, retired
        return None, False

    def download(self, value: dict[str, Any] | str, path: Path) -> bool:
        if isinstance(value, str):
            member = f"files/thumbnails/{value.removeprefix('thumbnail:')}"
        else:
            member = f"files/attachments/{int(value['id'])}"
        try:
            info = self.archive.getinfo(member)
        except KeyError:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".incoming-{path.name}")
        with self.archive.open(info) as data, open(partial, "wb") as out:
            shutil.copyfileobj(data, out)
        partial.replace(path)
        return True

    def latest_event_id(self) -> int:
        return int(self.manifest.get("latest_event_id") or 0)

    def events_after(self, event_id: int, limit: int) -> list[dict[str, Any]]:
        return []  # an archive does not change

    def close(self) -> None:
        self.archive.close()
