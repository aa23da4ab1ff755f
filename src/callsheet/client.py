"""`callsheet.connect()`: the methods of `shotgun_api3.Shotgun`, in process, on a real database.

A studio's unit tests use it instead of mockgun. Values come back exactly as the official client
hands them to its caller: datetimes timezone-aware in local time (the client converts the wire's
UTC), dates as "YYYY-MM-DD", and so on; naive datetimes passed in are local time, as the client
treats them. When `shotgun_api3` is installed, faults are also instances of its `Fault` classes, so
`except shotgun_api3.Fault` works unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import cache, wraps
from typing import Any, TypeVar

from callsheet import faults
from callsheet.site.actor import Actor
from callsheet.site.bootstrap import engine_script_id
from callsheet.site.site import Site

F = TypeVar("F", bound=Callable[..., Any])
_WIRE_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@cache
def _client_fault_class(fault_class: type[faults.Fault]) -> type[Exception]:
    """A class that is both our fault and shotgun_api3's matching one (when it is installed)."""
    try:
        import shotgun_api3
    except ImportError:
        return fault_class
    base = (
        shotgun_api3.AuthenticationFault
        if issubclass(fault_class, faults.AuthenticationFault)
        else shotgun_api3.Fault
    )
    return type(fault_class.__name__, (fault_class, base), {})


def _raising_client_faults(method: F) -> F:
    @wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except faults.Fault as fault:
            raise _client_fault_class(type(fault))(fault.message) from None

    return call  # type: ignore[return-value]


def to_engine(value: Any) -> Any:
    """Arguments as shotgun_api3 would send them: naive datetimes are local time."""
    if isinstance(value, dt.datetime):
        try:
            moment = value if value.tzinfo else value.astimezone()
            return moment.astimezone(dt.UTC).replace(microsecond=0)
        except (ValueError, OverflowError):  # too close to year 1 to shift: take it as UTC
            return value.replace(tzinfo=dt.UTC, microsecond=0)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return to_engine(dt.datetime.combine(dt.date.today(), value))
    if isinstance(value, dict):
        return {k: to_engine(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_engine(v) for v in value]
    return value


def to_caller(value: Any) -> Any:
    """Results as shotgun_api3 hands them over: UTC datetimes (and wire-form strings) in local time.

    This runs on every value of every find, so the common shapes take the short path.
    """
    kind = type(value)
    if kind is dict:
        if len(value) == 3 and "type" in value and "id" in value:
            name = value.get("name")
            if type(name) is not str or len(name) != 20:
                return value  # an entity dict (fresh per read): nothing to convert
        return {
            key: to_caller(item) if type(item) in _CONVERTED else item
            for key, item in value.items()
        }
    if kind is list:
        return [to_caller(item) if type(item) in _CONVERTED else item for item in value]
    if kind is str:
        if len(value) == 20 and _WIRE_DATETIME.match(value):
            moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            return moment.astimezone()
        return value
    if isinstance(value, dt.datetime):
        try:
            return value.astimezone()
        except (ValueError, OverflowError):  # at the edge of the calendar: keep it in UTC
            return value
    return value


_CONVERTED = frozenset({dict, list, str, dt.datetime})


class Shotgun:
    """An in-process stand-in for `shotgun_api3.Shotgun`, backed by a Callsheet Site.

    Like the official client, one object serves one thread at a time; open one per thread (on the
    same file or database URL) to work in parallel.
    """

    def __init__(self, site: Site, actor: Actor, *, owns_site: bool = True) -> None:
        self.site = site
        self._actor = actor
        self._owns_site = owns_site
        self.base_url = "callsheet://in-process"

    # -- connection-level ---------------------------------------------------------------------
    def set_session_uuid(self, session_uuid: str | None) -> None:
        self._actor = self._actor.with_session(session_uuid)

    def add_user_agent(self, agent: str) -> None:
        """Accepted for compatibility; there is no HTTP here."""

    def reset_user_agent(self) -> None:
        """Accepted for compatibility; there is no HTTP here."""

    def close(self) -> None:
        if self._owns_site:
            self.site.close()

    def info(self) -> dict[str, Any]:
        from callsheet import __version__

        return {
            "version": [8, 50, 0],
            "callsheet_version": __version__,
            "api_max_entities_per_page": 500,
            "s3_direct_uploads_enabled": False,
            "user_authentication_method": "default",
        }

    @property
    def actor(self) -> Actor:
        return self._actor

    # -- reads --------------------------------------------------------------------------------
    @_raising_client_faults
    def find(
        self,
        entity_type: str,
        filters: Any,
        fields: list[str] | None = None,
        order: list[dict[str, Any]] | None = None,
        filter_operator: str | None = None,
        limit: int = 0,
        retired_only: bool = False,
        page: int = 0,
        include_archived_projects: bool = True,
        additional_filter_presets: list[dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        if isinstance(filters, dict) and filter_operator is not None:
            raise faults.FilterFault("filter_operator cannot be given with filters in dict form.")
        records = self.site.find(
            self._actor,
            entity_type,
            to_engine(filters),
            fields,
            order,
            filter_operator,
            limit,
            retired_only,
            page,
            include_archived_projects,
            additional_filter_presets,
        )
        return to_caller(records)

    def find_one(
        self,
        entity_type: str,
        filters: Any,
        fields: list[str] | None = None,
        order: list[dict[str, Any]] | None = None,
        filter_operator: str | None = None,
        retired_only: bool = False,
        include_archived_projects: bool = True,
        additional_filter_presets: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any] | None:
        records = self.find(
            entity_type,
            filters,
            fields,
            order,
            filter_operator,
            1,
            retired_only,
            include_archived_projects=include_archived_projects,
            additional_filter_presets=additional_filter_presets,
        )
        return records[0] if records else None

    @_raising_client_faults
    def summarize(
        self,
        entity_type: str,
        filters: Any,
        summary_fields: list[dict[str, Any]],
        filter_operator: str | None = None,
        grouping: list[dict[str, Any]] | None = None,
        include_archived_projects: bool = True,
    ) -> dict[str, Any]:
        result = self.site.summarize(
            self._actor,
            entity_type,
            to_engine(filters),
            summary_fields,
            filter_operator,
            grouping,
            include_archived_projects,
        )
        return to_caller(result)

    @_raising_client_faults
    def text_search(
        self,
        text: str,
        entity_types: dict[str, Any],
        project_ids: list[int] | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        return to_caller(
            self.site.text_search(self._actor, text, to_engine(entity_types), project_ids, limit)
        )

    # -- writes -------------------------------------------------------------------------------
    @_raising_client_faults
    def create(
        self, entity_type: str, data: dict[str, Any], return_fields: list[str] | None = None
    ) -> dict[str, Any]:
        return to_caller(self.site.create(self._actor, entity_type, to_engine(data), return_fields))

    @_raising_client_faults
    def update(
        self,
        entity_type: str,
        entity_id: int,
        data: dict[str, Any],
        multi_entity_update_modes: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        return to_caller(
            self.site.update(
                self._actor, entity_type, entity_id, to_engine(data), multi_entity_update_modes
            )
        )

    @_raising_client_faults
    def delete(self, entity_type: str, entity_id: int) -> bool:
        return self.site.delete(self._actor, entity_type, entity_id)

    @_raising_client_faults
    def revive(self, entity_type: str, entity_id: int) -> bool:
        return self.site.revive(self._actor, entity_type, entity_id)

    @_raising_client_faults
    def batch(self, requests: list[dict[str, Any]]) -> list[Any]:
        return to_caller(self.site.batch(self._actor, to_engine(requests)))

    # -- schema -------------------------------------------------------------------------------
    @_raising_client_faults
    def schema_read(self, project_entity: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.site.schema_read(self._actor, project_entity)

    @_raising_client_faults
    def schema_entity_read(self, project_entity: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.site.schema_entity_read(self._actor, project_entity)

    @_raising_client_faults
    def schema_field_read(
        self,
        entity_type: str,
        field_name: str | None = None,
        project_entity: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return self.site.schema_field_read(self._actor, entity_type, field_name, project_entity)

    @_raising_client_faults
    def schema_field_create(
        self,
        entity_type: str,
        data_type: str,
        display_name: str,
        properties: dict[str, Any] | None = None,
    ) -> str:
        return self.site.schema_field_create(
            self._actor, entity_type, data_type, display_name, properties
        )

    @_raising_client_faults
    def schema_field_update(
        self,
        entity_type: str,
        field_name: str,
        properties: dict[str, Any],
        project_entity: dict[str, Any] | None = None,
    ) -> bool:
        return self.site.schema_field_update(
            self._actor, entity_type, field_name, properties, project_entity
        )

    @_raising_client_faults
    def schema_field_delete(self, entity_type: str, field_name: str) -> bool:
        return self.site.schema_field_delete(self._actor, entity_type, field_name)

    def schema(self, entity_type: str) -> None:
        raise _client_fault_class(faults.Fault)(
            f"Deprecated: use schema_field_read('type':'{entity_type}')"
        )

    def entity_types(self) -> None:
        raise _client_fault_class(faults.Fault)("Deprecated: use schema_entity_read()")


def connect(
    url_or_path: str | None = None,
    *,
    as_user: dict[str, Any] | str | None = None,
    session_uuid: str | None = None,
) -> Shotgun:
    """An in-process Shotgun on an in-memory (None), SQLite file or PostgreSQL database.

    `as_user` acts as another HumanUser or ApiUser: an entity dict, or a HumanUser login. By
    default the connection acts as Callsheet's own script.
    """
    site = Site.open(url_or_path)
    try:
        actor = _actor(site, as_user, session_uuid)
    except faults.Fault as fault:
        site.close()
        raise _client_fault_class(type(fault))(fault.message) from None
    return Shotgun(site, actor)


def _actor(site: Site, as_user: dict[str, Any] | str | None, session_uuid: str | None) -> Actor:
    if as_user is None:
        return site.actor_for("ApiUser", engine_script_id(site), session_uuid)
    if isinstance(as_user, str):
        from callsheet.site.actor import SYSTEM

        user = site.find_one(SYSTEM, "HumanUser", [["login", "is", as_user]])
        if user is None:
            raise faults.ValueFault(f"No HumanUser with login {as_user!r}.")
        return site.actor_for("HumanUser", user["id"], session_uuid)
    if isinstance(as_user, dict):
        return site.actor_for(as_user.get("type"), as_user.get("id"), session_uuid)  # type: ignore[arg-type]
    raise faults.ValueFault(f"as_user must be an entity dict or a login, got {as_user!r}.")
