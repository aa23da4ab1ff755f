"""Structured values kept as JSON: serializable, url (file/link). Neither filters nor sorts."""

from __future__ import annotations

import json
import mimetypes
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa

from callsheet.faults import ValueFault
from callsheet.schema.model import Field
from callsheet.store.kinds.base import FieldKind, register

if TYPE_CHECKING:
    from callsheet.store.store import Store


class SerializableKind(FieldKind):
    data_types: ClassVar[tuple[str, ...]] = ("serializable", "jsonb")
    sortable = False
    summaries = ("record_count", "count")
    groupings = ()

    def columns(self, field: Field) -> list[sa.Column[Any]]:
        return [sa.Column(field.name, sa.JSON(none_as_null=True), nullable=True)]

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict | list):
            raise ValueFault(
                f"{field.qualified_name} is a serializable field and expects a dict or list, "
                f"got {type(value).__name__}."
            )
        try:
            # NaN and Infinity are not JSON (PostgreSQL refuses them): a Fault, not a driver error.
            return json.loads(json.dumps(value, default=_json_default, allow_nan=False))
        except (TypeError, ValueError) as error:
            raise ValueFault(
                f"{field.qualified_name} value cannot be serialized: {error}"
            ) from None


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not serializable")


WEB_LINK_KEYS = ("content_type", "link_type", "name", "url")
LOCAL_LINK_KEYS = (
    "content_type",
    "link_type",
    "local_path",
    "local_path_linux",
    "local_path_mac",
    "local_path_windows",
    "local_storage",
    "name",
    "relative_path",
    "url",
)


class UrlKind(SerializableKind):
    """A file/link value: a web link, a local file under a LocalStorage, or an upload."""

    data_types = ("url",)

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ValueFault(
                f"{field.qualified_name} is a file/link field and expects a dict such as "
                f"{{'url': ..., 'name': ...}} or {{'local_path': ...}}, got {value!r}."
            )
        if value.get("link_type") == "upload" and store is None:
            return dict(value)
        if "local_path" in value or "relative_path" in value:
            return store.local_link(field, value)
        if value.get("link_type") == "upload" and isinstance(value.get("id"), int):
            return {
                k: value.get(k) for k in ("content_type", "link_type", "name", "url", "type", "id")
            }
        url = value.get("url")
        if not isinstance(url, str) or not url.strip():
            raise ValueFault(f"{field.qualified_name} link needs a 'url' (or 'local_path').")
        name = value.get("name") or url
        content_type = value.get("content_type") or mimetypes.guess_type(url)[0]
        return {"content_type": content_type, "link_type": "web", "name": name, "url": url}


def upload_attachment_id(stored: Any) -> int | None:
    """The Attachment a stored file/link value names when it is an upload (else None)."""
    if isinstance(stored, dict) and stored.get("link_type") == "upload":
        attachment_id = stored.get("id")
        if isinstance(attachment_id, int) and not isinstance(attachment_id, bool):
            return attachment_id
    return None


register(SerializableKind())
register(UrlKind())
