"""Uploads, thumbnails and downloads in the engine: Attachments and image references.

The bytes live in the site's `FileRoom` (callsheet/files/), named by the Attachment's id; the
database holds the Attachment row and, in image fields, an `ImageRef` that reads as a URL. A
thumbnail reads as the transient placeholder until the background resize has finished.
"""

from __future__ import annotations

import mimetypes
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callsheet.faults import Fault, NotFoundFault, PermissionFault, SchemaFault, ValueFault
from callsheet.files import FileRoom, ImageRef
from callsheet.files.thumbnails import is_image, make_thumbnail
from callsheet.site.actor import SYSTEM, Actor
from callsheet.site.change_events import log_thumbnail
from callsheet.site.thumbnail_rollup import roll_up_targets, set_image_source
from callsheet.site.write_context import WriteContext
from callsheet.site.writes import create_entity, update_entity
from callsheet.store import attachments
from callsheet.store.kinds import LinkRef, kind_of
from callsheet.store.paths import parse_path
from callsheet.store.scope import ReadScope

if TYPE_CHECKING:
    from callsheet.site.site import Site

THUMBNAIL_FIELDS = {False: "image", True: "filmstrip_image"}
MAX_FILENAME_CHARS = 255


class FilesNotConfiguredFault(Fault):
    """The site has no file store (the server sets one; an in-process site may not)."""


class ThumbnailNotReadyFault(Fault):
    """The source thumbnail of share_thumbnail is still being resized."""


@dataclass(frozen=True)
class StoredFile:
    """An attachment's bytes on disk and how to name them in a download."""

    path: Path
    filename: str
    content_type: str


def room_of(site: Site) -> FileRoom:
    """The site's FileRoom, or a Fault saying files are not available."""
    room: FileRoom | None = getattr(site, "files", None)
    if room is None:
        raise FilesNotConfiguredFault("This Callsheet site has no file store configured.")
    return room


def clean_filename(name: object) -> str:
    """A display name for an uploaded file: its last path part, printable, not too long."""
    text = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C").strip()
    return text[:MAX_FILENAME_CHARS] or "upload"


def _entity_id(entity_type: Any, entity_id: Any) -> int:
    if not isinstance(entity_type, str) or not entity_type:
        raise ValueFault("An upload needs an entity_type.")
    if isinstance(entity_id, str) and entity_id.isdigit() and len(entity_id) < 11:
        entity_id = int(entity_id)
    if isinstance(entity_id, bool) or not isinstance(entity_id, int) or not 0 < entity_id < 2**63:
        raise ValueFault(f"An upload needs the id of an existing {entity_type}, got {entity_id!r}.")
    return entity_id


def _check_exists(site: Site, conn: Any, entity_type: str, entity_id: int) -> None:
    site.schema.entity(entity_type)
    if not attachments.is_live(conn, site.store, entity_type, entity_id):
        raise NotFoundFault(f"{entity_type} with id {entity_id} doesn't exist.")


def _size(content: bytes | Path) -> int:
    return len(content) if isinstance(content, bytes) else content.stat().st_size


# `Attachment.file_size` is a number field, and a number is 32-bit (the store refuses more): a
# file of 2 GiB or more (a 4K daily) is stored whole, with its size left empty.
MAX_NUMBER = 2**31 - 1


def _file_size(content: bytes | Path) -> int | None:
    size = _size(content)
    return size if size <= MAX_NUMBER else None


def _parse_created_at(value: Any) -> datetime | None:
    if value in (None, "", "None"):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace(" ", "T"))
    except ValueError:
        raise ValueFault(f"created_at must be an ISO date and time, got {value!r}.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _attachment_values(site: Site, entity_type: str, entity_id: int, name: str) -> dict[str, Any]:
    """Links of a new Attachment: to the entity (when the field allows it) and its project."""
    attachment = site.schema.entity("Attachment")
    values: dict[str, Any] = {}
    links = attachment.fields.get("attachment_links")
    if links is not None and entity_type in (links.valid_types):
        values["attachment_links"] = [{"type": entity_type, "id": entity_id}]
    owner = site.schema.entity(entity_type)
    if "project" in owner.fields and entity_type != "Project":
        record = site.find(SYSTEM, entity_type, [["id", "is", entity_id]], ["project"])
        if record and record[0].get("project"):
            values["project"] = record[0]["project"]
    elif entity_type == "Project":
        values["project"] = {"type": "Project", "id": entity_id}
    values["filename"] = name
    return values


def _write_this_file(ctx: Any, attachment_id: int, name: str) -> dict[str, Any]:
    """Attachment.this_file as the upload url dict (its `url` is minted again on every read)."""
    value = {
        "content_type": mimetypes.guess_type(name)[0] or "application/octet-stream",
        "link_type": "upload",
        "name": name,
        "url": "",
        "type": "Attachment",
        "id": attachment_id,
    }
    f = ctx.store.schema.entity("Attachment").field("this_file")
    columns = kind_of(f).to_columns(f, value)
    attachments.set_columns(ctx.conn, ctx.store, "Attachment", attachment_id, columns)
    return value


def _put_file(ctx: WriteContext, room: FileRoom, attachment_id: int, content: bytes | Path) -> None:
    """Put an Attachment's bytes in place inside the write that creates it; if that write rolls
    back, the bytes go back where they came from (a moved upload can be tried again) and no
    file is left under an id the next Attachment may take (SQLite reuses a rolled-back id)."""
    path = room.storage.attachment_path(attachment_id)
    room.storage.store(path, content)
    if isinstance(content, Path):
        ctx.on_rollback.append(lambda: os.replace(path, content))
    else:
        ctx.on_rollback.append(lambda: path.unlink(missing_ok=True))


def upload_file(
    site: Site,
    actor: Actor,
    entity_type: Any,
    entity_id: Any,
    filename: Any,
    content: bytes | Path,
    field_name: str | None = None,
    display_name: str | None = None,
    tag_list: str | None = None,
    created_at: Any = None,
) -> int:
    """`upload`: a new Attachment on the entity, optionally put in a file/link field; its id.

    `content` is the bytes, or a finished file in the storage's `incoming_dir()` (moved).
    """
    room = room_of(site)
    entity_id = _entity_id(entity_type, entity_id)
    name = clean_filename(filename)
    if field_name in ("", "None"):
        field_name = None
    if field_name is not None:
        f = site.schema.entity(entity_type).field(field_name, operation="upload")
        if not f.traits.file_link:
            raise SchemaFault(f"{f.qualified_name} is not a file/link field; cannot upload to it.")
    values_created_at = _parse_created_at(created_at)
    with site.writing(actor) as ctx:
        _check_exists(site, ctx.conn, entity_type, entity_id)
        values = _attachment_values(site, entity_type, entity_id, name)
        values["file_size"] = _file_size(content)
        values["display_name"] = clean_filename(display_name) if display_name else name
        tags = [t.strip() for t in (tag_list or "").split(",") if t.strip()]
        if tags:
            values["tag_list"] = tags
        if values_created_at is not None:
            values["created_at"] = values_created_at
        attachment_id = create_entity(ctx, "Attachment", values)
        this_file = _write_this_file(ctx, attachment_id, name)
        if field_name is not None:
            update_entity(ctx, entity_type, entity_id, {field_name: this_file})
        _put_file(ctx, room, attachment_id, content)
        if field_name is not None:
            from callsheet.site.media import queue_transcode  # media builds on this module

            queue_transcode(ctx, entity_type, entity_id, field_name, attachment_id)
    return attachment_id


def attach_file(
    ctx: WriteContext,
    site: Site,
    entity_type: str,
    entity_id: int,
    name: str,
    content: bytes | Path,
) -> dict[str, Any]:
    """A new Attachment on the entity holding `content` (moved in), inside the caller's write;
    its `this_file` value, ready for a file/link field (media renditions are made this way)."""
    room = room_of(site)
    values = _attachment_values(site, entity_type, entity_id, name)
    values["file_size"] = _file_size(content)
    values["display_name"] = name
    attachment_id = create_entity(ctx, "Attachment", values)
    this_file = _write_this_file(ctx, attachment_id, name)
    _put_file(ctx, room, attachment_id, content)
    return this_file


def attach_image(
    ctx: WriteContext,
    site: Site,
    entity_type: str,
    entity_id: int,
    column: str,
    name: str,
    image: bytes,
    extension: str,
) -> int:
    """A thumbnail made by Callsheet (already sized) in an image field, with its event row."""
    room = room_of(site)
    values = {"filename": name, "file_size": len(image), "display_name": name}
    attachment_id = create_entity(ctx, "Attachment", values)
    _write_this_file(ctx, attachment_id, name)
    _put_file(ctx, room, attachment_id, image)
    thumbnail = room.storage.thumbnail_path(attachment_id, extension)
    room.storage.write(thumbnail, image)
    ctx.on_rollback.append(lambda: thumbnail.unlink(missing_ok=True))
    _set_thumbnail(ctx, entity_type, entity_id, column, ImageRef(attachment_id, extension))
    return attachment_id


def set_pending_image(
    ctx: WriteContext, entity_type: str, entity_id: int, column: str, attachment_id: int
) -> None:
    """Show the transient placeholder in an image field until a thumbnail is made."""
    _set_thumbnail(ctx, entity_type, entity_id, column, ImageRef(attachment_id))


def publish_thumbnail(
    site: Site,
    actor: Actor,
    entity_type: Any,
    entity_id: Any,
    filename: Any,
    content: bytes | Path,
    filmstrip: bool = False,
) -> int:
    """`upload_thumbnail` / `upload_filmstrip_thumbnail`: store, then resize in the background."""
    room = room_of(site)
    entity_id = _entity_id(entity_type, entity_id)
    column = THUMBNAIL_FIELDS[filmstrip]
    owner = site.schema.entity(entity_type)
    if column not in owner.fields:
        raise SchemaFault(f"{entity_type} has no {column} field; it cannot have a thumbnail.")
    if not is_image(content):
        raise ValueFault(f"The thumbnail {clean_filename(filename)!r} is not a readable image.")
    name = clean_filename(filename)
    with site.writing(actor) as ctx:
        _check_exists(site, ctx.conn, entity_type, entity_id)
        thumbnail = {column: (owner.fields[column], None)}
        ctx.permissions.check_update(ctx, entity_type, entity_id, thumbnail)
        values = {"filename": name, "file_size": _file_size(content), "display_name": name}
        attachment_id = create_entity(ctx, "Attachment", values)
        _write_this_file(ctx, attachment_id, name)
        _put_file(ctx, room, attachment_id, content)
        shown = _set_thumbnail(ctx, entity_type, entity_id, column, ImageRef(attachment_id))
    room.thumbnails.submit(lambda: _finish_thumbnail(site, shown, column, attachment_id, filmstrip))
    return attachment_id


def _set_thumbnail(
    ctx: WriteContext,
    entity_type: str,
    entity_id: int,
    column: str,
    ref: ImageRef,
    source: LinkRef | None = None,
) -> list[LinkRef]:
    """Point the image column at `ref`, with the event row ShotGrid writes for it (§5.3 of
    reference/event-log-and-daemons.md): scripts learn a thumbnail's age from the event log.
    `image_source_entity` names `source` (default: the record itself), and a Version's
    thumbnail rolls up to its Shot/Asset and Task (site/thumbnail_rollup.py); returns every
    record that now shows `ref`."""
    owner = LinkRef(entity_type, entity_id)
    _point_image(ctx, owner, column, ref)
    if column != THUMBNAIL_FIELDS[True]:
        set_image_source(ctx, owner, source or owner)
    shown = [owner]
    for target in roll_up_targets(ctx, owner, column):
        _point_image(ctx, target, column, ref)
        set_image_source(ctx, target, source or owner)
        shown.append(target)
    return shown


def _point_image(ctx: WriteContext, owner: LinkRef, column: str, ref: ImageRef) -> None:
    stored = attachments.column_value(ctx.conn, ctx.store, owner.type, owner.id, column)
    old = ImageRef.parse(stored)
    attachments.set_columns(ctx.conn, ctx.store, owner.type, owner.id, {column: ref.stored()})
    field = ctx.store.schema.field(owner.type, column)
    old_id = old.attachment_id if old else None
    log_thumbnail(ctx, owner, field, old_id, ref.attachment_id, transient=not ref.ready)


def _finish_thumbnail(
    site: Site, shown: list[LinkRef], column: str, attachment_id: int, filmstrip: bool
) -> None:
    """Background: resize, store, then point the image fields of the records showing the upload
    (the owner and its roll-ups) at the thumbnail, where still pending."""
    room = room_of(site)
    source = room.storage.attachment_path(attachment_id).read_bytes()
    resized, extension = make_thumbnail(source, filmstrip)
    room.storage.write(room.storage.thumbnail_path(attachment_id, extension), resized)
    pending, ready = ImageRef(attachment_id).stored(), ImageRef(attachment_id, extension).stored()
    # Only if still pending: a newer upload or a clear since then wins.
    for record in shown:
        attachments.replace_if_still(site.store, record.type, record.id, column, pending, ready)


def share_thumbnail(
    site: Site,
    actor: Actor,
    entities: Sequence[tuple[str, int]],
    source: tuple[str, int],
    filmstrip: bool = False,
) -> int:
    """`share_thumbnail`: the source's thumbnail on every entity; the thumbnail's Attachment id."""
    column = THUMBNAIL_FIELDS[filmstrip]
    source_id = _entity_id(*source)
    if site.find_one(actor, source[0], [["id", "is", source_id]]) is None:
        raise NotFoundFault(f"{source[0]} with id {source_id} doesn't exist.")
    with site.store.read() as conn:
        _check_exists(site, conn, source[0], source_id)
        if not attachments.has_column(site.store, source[0], column):
            raise SchemaFault(f"{source[0]} has no {column} field.")
        stored = attachments.column_value(conn, site.store, source[0], source_id, column)
    ref = ImageRef.parse(stored)
    if ref is None:
        raise ValueFault(f"{source[0]} {source[1]} has no {column} to share.")
    if not ref.ready:
        raise ThumbnailNotReadyFault(f"The thumbnail of {source[0]} {source[1]} is not ready yet.")
    with site.writing(actor) as ctx:
        for entity_type, given_id in entities:
            entity_id = _entity_id(entity_type, given_id)
            _check_exists(site, ctx.conn, entity_type, entity_id)
            if not attachments.has_column(site.store, entity_type, column):
                raise SchemaFault(f"{entity_type} has no {column} field.")
            field = site.schema.field(entity_type, column)
            ctx.permissions.check_update(ctx, entity_type, entity_id, {column: (field, None)})
            source_ref = LinkRef(source[0], source_id)
            _set_thumbnail(ctx, entity_type, entity_id, column, ref, source_ref)
    return ref.attachment_id


def attachment_file(
    site: Site, attachment_id: int, actor: Actor | None = None
) -> StoredFile | None:
    """The bytes of a live Attachment uploaded here (that `actor`, when given, may see), or
    None."""
    room = room_of(site)
    if actor is not None:
        try:
            if site.find_one(actor, "Attachment", [["id", "is", attachment_id]]) is None:
                return None
        except PermissionFault:
            return None
    filename = attachments.live_attachment_filename(site.store, attachment_id)
    path = room.storage.attachment_path(attachment_id)
    if filename is None or not path.is_file():
        return None
    name = clean_filename(filename)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return StoredFile(path, name, content_type)


def _file_fields(
    site: Site, entity_type: str, fields: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The image fields and the file-link fields among `fields`: worked out once per find shape
    (kept with the store's read plans, which a schema change clears), not on every read."""
    key = ("file-fields", entity_type, tuple(fields))
    found = site.store.cached_plan(key)
    if found is None:
        images, links = [], []
        for name in fields:
            try:
                traits = parse_path(site.schema, entity_type, name).field.traits
            except Fault:
                continue
            if traits.thumbnail:
                images.append(name)
            elif traits.file_link:
                links.append(name)
        found = site.store.cache_plan(key, (images, links))
    return found  # type: ignore[no-any-return]


def resolve_file_values(
    site: Site,
    entity_type: str,
    fields: Sequence[str],
    records: list[dict[str, Any]],
    scope: ReadScope,
) -> None:
    """Turn stored image references and upload links into URLs, in place (every read).

    An upload link gets a signed URL only for an Attachment the reader (`scope`) may see: a
    signed URL serves its file to anyone holding it, so it must grant no more than the reader
    has. Others read with the plain download URL, which asks for the reader's own login (and
    refuses them), as ShotGrid's `/file_serve/attachment/<id>` URLs do.
    """
    room: FileRoom | None = getattr(site, "files", None)
    if room is None or not records:
        return
    images, links = _file_fields(site, entity_type, fields)
    if not images and not links:
        return
    uploaded: list[tuple[dict[str, Any], str, dict[str, Any]]] = []
    for record in records:
        for name in images:
            if name in record:
                record[name] = room.image_url(record[name])
        for name in links:
            value = record.get(name)
            if (
                isinstance(value, dict)
                and value.get("link_type") == "upload"
                and isinstance(value.get("id"), int)
            ):
                uploaded.append((record, name, value))
    if not uploaded:
        return
    visible = attachments.visible_attachments(site.store, scope, (v["id"] for _, _, v in uploaded))
    for record, name, value in uploaded:
        attachment_id = value["id"]
        if attachment_id in visible:
            url = room.attachment_url(attachment_id)
        else:
            url = room.unsigned_attachment_url(attachment_id)
        record[name] = {**value, "url": url}
