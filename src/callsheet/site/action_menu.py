"""Action Menu Items: which ones a person gets, the payload they send, its signature.

After reference/data-model.md §5. An ActionMenuItem (AMI) is an ordinary entity; this module adds
what the web page's context menu needs on top of it:

- `menu_items`: the AMIs for an entity type and project, limited by `projects` and
  `permissions_groups`, in `list_order`, with their `folder`;
- `build_payload`: every key of §5.2 as strings, signed (§5.3) when the AMI has a secret token;
- `store_light_payload`: a `light_payload` AMI's payload kept in an EventLogEntry;
- `changed_entities`: what a `poll_for_data_updates` page refreshes.

The secret token is the HMAC key of the signature, so it is kept as given, but in the internal
table `_cs_ami_secrets`, never in the entity's `secret_token` column: every read of that field
gives None and the event log shows only a mask. Writes of `secret_token` (the API's or the Admin
page's `set_secret_token`) are diverted there by the write rules (site/writes.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from callsheet.faults import Fault, ValueFault
from callsheet.site.actor import Actor
from callsheet.site.internal_tables import ami_secrets, ensure_internal_tables

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from callsheet.site.site import Site

AMI_TYPE = "ActionMenuItem"
SECRET_FIELD = "secret_token"
SECRET_MASK = "*******"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
TRIGGERED_EVENT = "Shotgun_ActionMenuItem_Triggered"
LIGHT_PAYLOAD_KEY = "event_log_entry_id"
HTTP_SCHEMES = ("http", "https")
MAX_SECRET_CHARS = 1024
AMI_FIELDS = [
    "title",
    "url",
    "entity_type",
    "list_order",
    "folder",
    "selection_required",
    "open_in_overlay",
    "poll_for_data_updates",
    "light_payload",
    "projects",
    "permissions_groups",
]


class ActionMenuFault(Fault):
    """An Action Menu Item cannot be run as asked (not offered here, needs a selection, ...)."""


# -- the secret token -------------------------------------------------------------------------


def split_secret(entity_type: str, data: Any) -> tuple[Any, tuple[bool, Any]]:
    """`data` without an AMI's `secret_token`, and (whether it was given, its value)."""
    if entity_type != AMI_TYPE or not isinstance(data, dict) or SECRET_FIELD not in data:
        return data, (False, None)
    rest = {name: value for name, value in data.items() if name != SECRET_FIELD}
    return rest, (True, checked_secret(data[SECRET_FIELD]))


def checked_secret(token: Any) -> str | None:
    """A token as stored: a non-blank string, or None (an empty string clears it too)."""
    if token is None or token == "":
        return None
    if not isinstance(token, str):
        raise ValueFault(
            f"{AMI_TYPE}.{SECRET_FIELD} must be a string (or None to remove it), got {token!r}."
        )
    if len(token) > MAX_SECRET_CHARS or "\x00" in token or not token.strip():
        raise ValueFault(
            f"{AMI_TYPE}.{SECRET_FIELD} must be 1 to {MAX_SECRET_CHARS} characters of text."
        )
    return token


def write_secret(conn: Connection, ami_id: int, token: str | None, now: dt.datetime) -> str | None:
    """Store (or with None remove) an AMI's token in the write transaction; returns the old one."""
    # The table may be new on this site; created in this transaction (ensure_internal_tables
    # would open a second one), so a rolled-back write leaves no table behind either.
    ami_secrets.create(conn, checkfirst=True)
    old = conn.execute(
        sa.select(ami_secrets.c.token).where(ami_secrets.c.ami_id == ami_id)
    ).scalar()
    if old != token:
        conn.execute(sa.delete(ami_secrets).where(ami_secrets.c.ami_id == ami_id))
        if token is not None:
            conn.execute(sa.insert(ami_secrets).values(ami_id=ami_id, token=token, updated_at=now))
    return old  # type: ignore[no-any-return]


def secret_event_value(token: str | None) -> str | None:
    """What the event log shows of a token: a mask, never the token."""
    return None if token is None else SECRET_MASK


def set_secret_token(site: Site, actor: Actor, ami_id: int, token: str | None) -> None:
    """Set (None or "": remove) an AMI's secret token, as `actor` (an update of the AMI, so the
    actor needs the right to edit it and the event log records who changed it, masked)."""
    checked_secret(token)
    site.update(actor, AMI_TYPE, ami_id, {SECRET_FIELD: token})


def has_secret_token(site: Site, ami_id: int) -> bool:
    """Whether the AMI signs its payloads (the token itself is never given out)."""
    return secret_token_of(site, ami_id) is not None


def secret_token_of(site: Site, ami_id: int) -> str | None:
    """The AMI's token, for signing only; never to be sent anywhere."""
    ensure_internal_tables(site.store)
    with site.store.read() as conn:
        return conn.execute(  # type: ignore[no-any-return]
            sa.select(ami_secrets.c.token).where(ami_secrets.c.ami_id == ami_id)
        ).scalar()


def sign_payload(fields: Mapping[str, str], token: str) -> str:
    """HMAC-SHA1 (key = token), hex, over the sorted "key=value\\r\\n" lines of every field but
    `signature`, concatenated: what the reference receiver recomputes (§5.3)."""
    lines = sorted(f"{key}={value}\r\n" for key, value in fields.items() if key != "signature")
    return hmac.new(token.encode(), "".join(lines).encode(), hashlib.sha1).hexdigest()
