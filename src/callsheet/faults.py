"""The one exception family every layer of Callsheet raises.

Each class carries the `error_code` that the wire layer puts in the JSON-RPC fault envelope;
`shotgun_api3` maps 102 to `AuthenticationFault` and everything else to a plain `Fault`.
Messages follow ShotGrid's wording where it is known (reference/data-model.md, §3.2).
"""

from __future__ import annotations


class Fault(Exception):
    """A request Callsheet refuses; the message names what is wrong."""

    error_code: int = 103

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class AuthenticationFault(Fault):
    """Bad credentials, expired session or locked account (never says which part was wrong)."""

    error_code = 102


class PermissionFault(Fault):
    """The actor's role does not allow the operation."""

    error_code = 104


class SchemaFault(Fault):
    """An unknown entity type or field, or a schema change that cannot be made."""


class StaleSchemaFault(SchemaFault):
    """The database refused a name this process's schema still had: another process changed the
    schema moments ago. The schema is reloaded before this is raised, so the request may run
    again (the API does so once)."""


class FilterFault(Fault):
    """A malformed filter, an unknown operator for a data type, or a bad filter value."""


class ValueFault(Fault):
    """A value of the wrong type or outside the field's valid values."""


class NotFoundFault(Fault):
    """The entity does not exist (or is retired, where the operation needs a live one)."""


class SiteVersionFault(Fault):
    """The database was made by a newer Callsheet (or cannot be brought up to date)."""


class LimitFault(Fault):
    """A request that would cost more than one request may (too many groups, too long a run)."""


class TransferFault(Fault):
    """A site import or export cannot go on: the source is unreachable, refuses the
    credentials, or the destination cannot take the copy (callsheet.transfer)."""
