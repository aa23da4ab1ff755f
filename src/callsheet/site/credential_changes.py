"""A change of an account's credentials or status ends its sessions, in the same transaction.

Session tokens (the API's `get_session_token`, the web page's cookie) are looked up on every
request, but a token issued before a new password, a new script key, a deactivation or a
retirement must not outlive it: "Generate new key" promises that every tool using the old key
stops. The write paths (writes.py update, retirement.py retire and revive, accounts' new key)
call this module, so the API, the web page and the CLI all end sessions the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from callsheet.site.write_context import WriteContext
from callsheet.store.credentials import end_account_sessions

# Fields whose change ends the account's sessions: what it logs in with, and whether it may.
CREDENTIAL_FIELDS = {
    "HumanUser": frozenset({"login", "password_proxy", "sg_status_list", "locked_until"}),
    "ApiUser": frozenset({"firstname", "sg_status_list"}),
}


def note_changed_fields(
    ctx: WriteContext, entity_type: str, entity_id: int, names: Iterable[str]
) -> None:
    """After an update: end the account's sessions if a credential or its status changed."""
    fields = CREDENTIAL_FIELDS.get(entity_type)
    if fields is not None and not fields.isdisjoint(names):
        end_account_sessions(ctx.conn, entity_type, entity_id)


def note_retirement(ctx: WriteContext, entity_type: str, entity_id: int) -> None:
    """After a retire or a revive: an account's sessions end (a revived one starts anew)."""
    if entity_type in CREDENTIAL_FIELDS:
        end_account_sessions(ctx.conn, entity_type, entity_id)
