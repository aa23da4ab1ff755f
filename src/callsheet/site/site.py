"""The engine: one `Site` (one database) answering the Shotgun operations.

Every operation takes an `Actor`, raises Faults and returns plain values; it never knows HTTP.
Arguments follow `shotgun_api3.Shotgun`'s method signatures; the wire layer and the in-process
client (callsheet.client) translate to them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from callsheet.faults import Fault, FilterFault, PermissionFault, SchemaFault, ValueFault
from callsheet.files import FileRoom
from callsheet.schema.default import default_schema
from callsheet.schema.model import Schema
from callsheet.site import schema_changes
from callsheet.site.actor import SYSTEM, Actor
from callsheet.site.event_meta import hide_unseen_links
from callsheet.site.operations import SiteOperations
from callsheet.site.permissions import ActorPermissions, RuleBook
from callsheet.site.scheduling import answer_fields
from callsheet.site.uploads import resolve_file_values
from callsheet.site.writes import (
    WriteContext,
    create_entities,
    create_entity,
    retire_entity,
    revive_entity,
    update_entity,
)
from callsheet.store.events import EventLogWriter
from callsheet.store.filters import parse_filters
from callsheet.store.kinds import LinkRef
from callsheet.store.paths import parse_path
from callsheet.store.query import ReadRequest, Sort, read, read_point
from callsheet.store.query import count as run_count
from callsheet.store.store import Store, now_utc
from callsheet.store.summaries import summarize as run_summarize
from callsheet.store.text_search import search_terms as run_text_search_terms
from callsheet.store.text_search import text_search as run_text_search

if TYPE_CHECKING:
    from callsheet.site.auth import AuthPolicy

T = TypeVar("T")
log = logging.getLogger("callsheet.site")
# A bootstrapped in-memory site as bytes, made by the first pathless open of this process: new
# in-memory sites are copies (a fresh mockgun-like site in milliseconds). It depends only on this
# code, never on another process's data, so no other process needs to see it.
_NEW_SITE_IMAGE: list[bytes] = []
MAX_PAGE_SIZE = 500
# SQLite refuses LIKE patterns over 50,000 bytes; no one searches display names with more.
MAX_SEARCH_TEXT_CHARS = 10_000
# Rows are numbered with 64-bit integers: no page starts beyond the last one.
MAX_OFFSET = 2**63 - 1


def page_window(
    limit: int | None, page: int | None, per_page: int | None = None
) -> tuple[int | None, int]:
    """`(limit, offset)` of a find's page: the one place paging is worked out.

    `page` is 1-based (0: no paging, `limit` rows or all); a page holds `per_page` rows (the
    wire's entities_per_page), else `limit` when it fits a page, else MAX_PAGE_SIZE.
    """
    for name, value in (("limit", limit), ("page", page), ("entities_per_page", per_page)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise ValueFault(f"{name} must be a non-negative integer, got {value!r}.")
    limit, page = limit or 0, page or 0  # None as the official client takes it: not given
    if not page:  # a limit beyond any row count means all rows (and must not overflow SQL)
        return (min(limit, MAX_OFFSET // 2) or None), 0
    size = per_page or (limit if 0 < limit <= MAX_PAGE_SIZE else MAX_PAGE_SIZE)
    size = min(size, MAX_PAGE_SIZE)
    offset = (page - 1) * size
    if offset > MAX_OFFSET:
        raise ValueFault(f"page {page} starts beyond the last row any site can hold.")
    return size, offset


def check_field_names(names: Any, what: str) -> None:
    """A list of field names (None: none), else a Fault naming the bad item."""
    if names is None:
        return
    if not isinstance(names, list | tuple):
        raise ValueFault(f"{what} must be a list of field names, got {names!r}.")
    for name in names:
        if not isinstance(name, str):
            raise ValueFault(f"{what} must hold field names (strings), got {name!r}.")


def check_no_nul(value: Any, what: Any, depth: int = 0) -> None:
    """Refuse text holding NUL characters: PostgreSQL cannot store them (and SQLite would keep
    what PostgreSQL refuses, so a site could not move between them)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueFault(f"{what}: text cannot contain NUL (\\x00) characters.")
    elif isinstance(value, dict) and depth < 32:
        for key, item in value.items():
            check_no_nul(key, what, depth + 1)
            check_no_nul(item, f"{what}.{key}" if depth == 0 else what, depth + 1)
    elif isinstance(value, list | tuple) and depth < 32:
        for item in value:
            check_no_nul(item, what, depth + 1)


class Site(SiteOperations):
    """One Callsheet site: a database and the Shotgun operations on it.

    The core operations (reads, writes, schema) are here; the others (following, activity,
    schedules, sessions, files, ...) in site/operations.py. site/api.py says which shotgun_api3
    method each one serves.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        # The file store, set by the server (callsheet/files/) or connect(); without it image
        # fields read as stored and uploads are refused.
        self.files: FileRoom | None = None
        # Session lifetimes and the login throttle; the server sets its configured policy.
        self.auth_policy: AuthPolicy | None = None
        self.rule_book = RuleBook(self)

    @classmethod
    def open(cls, url: str | None = None, *, pool_size: int = 10) -> Site:
        """Open a site (a SQLite path, a database URL, or None: in memory), creating it if new."""
        if url is None and _NEW_SITE_IMAGE:
            return cls(Store.from_memory_image(_NEW_SITE_IMAGE[0]))
        store, created = Store.open(url, default_schema(), pool_size=pool_size)
        site = cls(store)
        if created:
            from callsheet.site.bootstrap import bootstrap

            bootstrap(site)
            if url is None:  # new in-memory sites start as copies of this one (fast tests)
                _NEW_SITE_IMAGE.append(store.memory_image())
        return site

    def use_files(self, room: FileRoom) -> FileRoom:
        """Keep this site's files in `room` (FilesOfAnotherSiteFault if its folder holds
        another site's files); returns it."""
        room.storage.claim(self.store.site_identity())
        self.files = room
        return room

    def close(self) -> None:
        if self.files is not None:
            self.files.close()  # background thumbnails write to the store: finish them first
        self.store.close()

    @property
    def schema(self) -> Schema:
        return self.store.schema

    # -- permissions --------------------------------------------------------------------------
    def permissions_for(self, actor: Actor) -> ActorPermissions:
        """What `actor` may see and do, by the rules of their role (site/permissions/)."""
        return self.rule_book.permissions_for(actor)

    def _require_admin(self, actor: Actor, what: str) -> None:
        permissions = self.permissions_for(actor)
        if not permissions.is_admin:
            raise PermissionFault(
                f"{what} is only allowed for admins. Rule: {permissions.role_name}"
            )

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def writing(
        self, actor: Actor, *, permissions: ActorPermissions | None = None
    ) -> Iterator[WriteContext]:
        """One write transaction with its event rows; commits only if everything succeeded.

        Every write rule checks `permissions` (the actor's own unless Callsheet passes its own,
        as the permissions module does to write roles).
        """
        self.store.revalidate_schema()
        permissions = permissions or self.permissions_for(actor)
        after_commit: list[Callable[[], None]] = []
        on_rollback: list[Callable[[], None]] = []
        try:
            with self.store.write() as conn:
                now = now_utc()
                events = EventLogWriter(
                    store=self.store,
                    user=None if actor.system else LinkRef(actor.entity_type, actor.id),
                    session_uuid=actor.session_uuid,
                    now=now,
                    sudo_actual_user=actor.sudo_actual.link if actor.sudo_actual else None,
                    enabled=actor.generate_events,
                )
                ctx = WriteContext(
                    self.store, conn, actor, events, now, permissions, after_commit, on_rollback
                )
                yield ctx
                events.flush(conn)
        except BaseException:
            for undo in reversed(on_rollback):
                try:
                    undo()
                except Exception:  # the write's own error is the one to report
                    log.exception("undoing a rolled-back write failed")
            raise
        for call in after_commit:
            call()

    def _with_schema_retry(self, operation: Callable[[], T]) -> T:
        """Run; on an unknown name, reload the schema once in case another process changed it."""
        try:
            return operation()
        except SchemaFault:
            if not self.store.refresh_schema():
                raise
            return operation()

    # -- reads --------------------------------------------------------------------------------
    def read_request(
        self,
        entity_type: str,
        filters: Any = None,
        fields: Sequence[str] | None = None,
        order: Sequence[dict[str, Any]] | None = None,
        filter_operator: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        retired_only: bool = False,
        include_archived_projects: bool = True,
        additional_filter_presets: Sequence[dict[str, Any]] | None = None,
    ) -> ReadRequest:
        """Parse and check a find's arguments against the schema."""
        self.store.revalidate_schema()  # another process may have disabled or changed a type
        self.schema.entity(entity_type)
        check_field_names(fields, "fields")
        return ReadRequest(
            entity_type=entity_type,
            filters=parse_filters(self.schema, entity_type, filters, filter_operator),
            fields=list(fields) if fields else ["id"],
            sorts=self._sorts(entity_type, order),
            limit=limit,
            offset=offset,
            retired_only=bool(retired_only),
            include_archived_projects=include_archived_projects,
            # As given: store/presets.py checks the shape (a list of dicts) and names what is wrong.
            presets=additional_filter_presets or (),
        )

    def _sorts(self, entity_type: str, order: Any) -> list[Sort]:
        if not order:
            return []
        if not isinstance(order, list | tuple):
            raise FilterFault("order must be a list of {'field_name', 'direction'} dicts.")
        sorts = []
        for item in order:
            if not isinstance(item, dict):
                raise FilterFault(f"Invalid sort {item!r}: expected {{'field_name', 'direction'}}.")
            name = item.get("field_name", item.get("column"))
            direction = item.get("direction", "asc")
            if direction not in ("asc", "desc"):
                raise FilterFault(
                    f"Invalid sort direction {direction!r} for {name!r}: use asc or desc."
                )
            try:
                path = parse_path(self.schema, entity_type, name)
            except (SchemaFault, FilterFault):
                continue  # unknown or malformed sort fields are ignored, as ShotGrid does
            sorts.append(Sort(path, direction == "desc"))
        return sorts

    def find_page(self, actor: Actor, request: ReadRequest) -> tuple[list[dict[str, Any]], bool]:
        """One page of a find: the records the actor may see and whether more follow."""
        permissions = self.permissions_for(actor)
        request = permissions.readable(request)
        point = read_point(self.store, request, permissions.scope)
        if point is not None:
            records, more = point, False
        else:
            with self.store.read() as conn:
                records, more = read(conn, self.store, request, permissions.scope)
        resolve_file_values(self, request.entity_type, request.fields, records, permissions.scope)
        if request.entity_type == "EventLogEntry":
            hide_unseen_links(self, permissions.scope, request.fields, records)
        return records, more

    def find(
        self,
        actor: Actor,
        entity_type: str,
        filters: Any = None,
        fields: Sequence[str] | None = None,
        order: Sequence[dict[str, Any]] | None = None,
        filter_operator: str | None = None,
        limit: int = 0,
        retired_only: bool = False,
        page: int = 0,
        include_archived_projects: bool = True,
        additional_filter_presets: Sequence[dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """shotgun_api3's `find`: `limit` 0 means all; `page` is 1-based (0 means all)."""
        size, offset = page_window(limit, page)

        def run() -> list[dict[str, Any]]:
            request = self.read_request(
                entity_type,
                filters,
                fields,
                order,
                filter_operator,
                retired_only=retired_only,
                include_archived_projects=include_archived_projects,
                additional_filter_presets=additional_filter_presets,
            )
            request.limit, request.offset = size, offset
            return self.find_page(actor, request)[0]

        return self._with_schema_retry(run)

    def read_page(
        self,
        actor: Actor,
        entity_type: str,
        filters: Any = None,
        fields: Sequence[str] | None = None,
        order: Sequence[dict[str, Any]] | None = None,
        per_page: int | None = None,
        page: int = 1,
        retired_only: bool = False,
        include_archived_projects: bool = True,
        additional_filter_presets: Sequence[dict[str, Any]] | None = None,
        count: bool = False,
    ) -> dict[str, Any]:
        """The wire's `read`: one page exactly as asked, with its `paging_info`.

        `count` adds `entity_count`, the number of rows the whole find matches: one COUNT query.
        """
        if page is None or page == 0:
            page = 1
        size, offset = page_window(0, page, per_page or MAX_PAGE_SIZE)

        def run() -> dict[str, Any]:
            request = self.read_request(
                entity_type,
                filters,
                fields,
                order,
                retired_only=retired_only,
                include_archived_projects=include_archived_projects,
                additional_filter_presets=additional_filter_presets,
            )
            request.limit, request.offset = size, offset
            records, more = self.find_page(actor, request)
            paging_info: dict[str, Any] = {"has_next_page": more}
            if count:
                paging_info["entity_count"] = self.count(actor, request)
            return {"entities": records, "paging_info": paging_info}

        return self._with_schema_retry(run)

    def count(self, actor: Actor, request: ReadRequest) -> int:
        """How many rows of a find the actor may see (one COUNT query)."""
        permissions = self.permissions_for(actor)
        request = permissions.readable(request)
        with self.store.read() as conn:
            return run_count(conn, self.store, request, permissions.scope)

    def find_one(
        self,
        actor: Actor,
        entity_type: str,
        filters: Any = None,
        fields: Sequence[str] | None = None,
        order: Sequence[dict[str, Any]] | None = None,
        filter_operator: str | None = None,
        retired_only: bool = False,
        include_archived_projects: bool = True,
        additional_filter_presets: Sequence[dict[str, Any]] | None = None,
    ) -> dict[str, Any] | None:
        records = self.find(
            actor,
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

    def _read_back(
        self, ctx: WriteContext, entity_type: str, entity_id: int, fields: Sequence[str]
    ) -> dict[str, Any]:
        """What a write returns: the fields of the written entity that its actor may read."""
        request = self.read_request(entity_type, [["id", "is", entity_id]], list(fields))
        request = ctx.permissions.written(request)
        with self.store.read() as conn:
            records, _ = read(conn, self.store, request, ctx.permissions.scope)
        if not records:
            return {"type": entity_type, "id": entity_id}
        resolve_file_values(self, entity_type, request.fields, records, ctx.permissions.scope)
        return records[0]

    # -- writes -------------------------------------------------------------------------------
    def create(
        self,
        actor: Actor,
        entity_type: str,
        data: dict[str, Any],
        return_fields: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """Create one entity; returns the fields that were set plus `return_fields`."""
        with self.writing(actor) as ctx:
            return self._create(ctx, entity_type, data, return_fields)

    def _create(
        self, ctx: WriteContext, entity_type: str, data: Any, return_fields: Any
    ) -> dict[str, Any]:
        check_field_names(return_fields, "return_fields")
        check_no_nul(data, entity_type)
        entity_id = self._with_schema_retry(lambda: create_entity(ctx, entity_type, data))
        fields = [*(data or {}), *(return_fields or []), *answer_fields(entity_type, data)]
        if entity_type == "EventLogEntry":
            fields = [f for f in fields if f != "id"]
        return self._read_back(ctx, entity_type, entity_id, fields)

    def update(
        self,
        actor: Actor,
        entity_type: str,
        entity_id: int,
        data: dict[str, Any],
        multi_entity_update_modes: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Update one entity; returns `type`, `id` and the fields that were set."""
        with self.writing(actor) as ctx:
            return self._update(ctx, entity_type, entity_id, data, multi_entity_update_modes)

    def _update(
        self, ctx: WriteContext, entity_type: str, entity_id: Any, data: Any, modes: Any
    ) -> dict[str, Any]:
        check_no_nul(data, entity_type)
        if modes is not None and not isinstance(modes, dict):
            raise ValueFault(
                "multi_entity_update_modes must be a dict of field name to set/add/remove."
            )
        written = self._with_schema_retry(
            lambda: update_entity(ctx, entity_type, entity_id, data, modes)
        )
        fields = [f for f in written if f in (data or {})] + answer_fields(entity_type, data)
        return self._read_back(ctx, entity_type, entity_id, fields)

    def delete(self, actor: Actor, entity_type: str, entity_id: int) -> bool:
        """Retire an entity: True, or False if it already was. A missing id is a Fault."""
        with self.writing(actor) as ctx:
            return retire_entity(ctx, entity_type, entity_id)

    def revive(self, actor: Actor, entity_type: str, entity_id: int) -> bool:
        """Revive a retired entity: True, or False if it was not retired."""
        with self.writing(actor) as ctx:
            return revive_entity(ctx, entity_type, entity_id)

    def batch(self, actor: Actor, requests: Sequence[dict[str, Any]]) -> list[Any]:
        """Several creates, updates and deletes in one transaction: all or nothing, in order.

        A run of creates of one type is checked first and inserted together; the results and
        event rows are the same as one create after the other.
        """
        if not isinstance(requests, list | tuple):
            raise ValueFault("batch expects a list of requests.")
        results: list[Any] = []
        with self.writing(actor) as ctx:
            number = 0
            while number < len(requests):
                run = self._create_run(requests, number)
                try:
                    if len(run) > 1:
                        results.extend(self._create_many(ctx, run))
                    else:
                        results.append(self._batch_one(ctx, requests[number]))
                except Fault as fault:
                    failed = number + getattr(fault, "batch_offset", 0)
                    raise type(fault)(f"batch request {failed}: {fault.message}") from None
                number += max(len(run), 1)
        return results

    @staticmethod
    def _create_run(requests: Sequence[Any], start: int) -> list[dict[str, Any]]:
        """The creates of one entity type that follow each other from `start`."""
        first = requests[start]
        if not isinstance(first, dict) or first.get("request_type") != "create":
            return []
        run = [first]
        for request in requests[start + 1 :]:
            same = (
                isinstance(request, dict)
                and request.get("request_type") == "create"
                and request.get("entity_type") == first.get("entity_type")
            )
            if not same:
                break
            run.append(request)
        return run

    def _create_many(self, ctx: WriteContext, run: list[dict[str, Any]]) -> list[dict[str, Any]]:
        entity_type = _batch_entity_type(run[0])
        for item in run:
            check_field_names(item.get("return_fields"), "return_fields")
            check_no_nul(item.get("data"), entity_type)
        datas = [request.get("data") for request in run]
        ids = self._with_schema_retry(lambda: create_entities(ctx, entity_type, datas))
        wanted = [
            [
                *(r.get("data") or {}),
                *(r.get("return_fields") or []),
                *answer_fields(entity_type, r.get("data")),
            ]
            for r in run
        ]
        fields = list(dict.fromkeys(name for names in wanted for name in names))
        request = self.read_request(entity_type, [["id", "in", ids]], fields)
        request = ctx.permissions.written(request)
        with self.store.read() as conn:
            found, _ = read(conn, self.store, request, ctx.permissions.scope)
            records = {record["id"]: record for record in found}
        results = []
        for entity_id, names in zip(ids, wanted, strict=True):
            record = records.get(entity_id, {"type": entity_type, "id": entity_id})
            results.append(
                {"type": entity_type, "id": entity_id}
                | {name: record[name] for name in names if name in record}
            )
        return results

    def _batch_one(self, ctx: WriteContext, request: Any) -> Any:
        if not isinstance(request, dict):
            raise ValueFault(f"Each batch request must be a dict, got {request!r}.")
        kind = request.get("request_type")
        entity_type = _batch_entity_type(request)
        if kind == "create":
            return self._create(ctx, entity_type, request.get("data"), request.get("return_fields"))
        if kind == "update":
            return self._update(
                ctx,
                entity_type,
                request.get("entity_id"),
                request.get("data"),
                request.get("multi_entity_update_modes"),
            )
        if kind == "delete":
            return retire_entity(ctx, entity_type, request.get("entity_id"))
        raise ValueFault(f"Invalid batch request_type {kind!r}: use create, update or delete.")

    # -- summaries and search -----------------------------------------------------------------
    def summarize(
        self,
        actor: Actor,
        entity_type: str,
        filters: Any,
        summary_fields: Any,
        filter_operator: str | None = None,
        grouping: Any = None,
        include_archived_projects: bool = True,
    ) -> dict[str, Any]:
        """shotgun_api3's `summarize`: totals and nested groups over the rows the actor may see."""
        permissions = self.permissions_for(actor)

        def run() -> dict[str, Any]:
            request = permissions.readable(
                self.read_request(
                    entity_type,
                    filters,
                    ["id"],
                    None,
                    filter_operator,
                    include_archived_projects=include_archived_projects,
                )
            )
            for items in (summary_fields, grouping):
                if isinstance(items, list | tuple):
                    names = [item.get("field") for item in items if isinstance(item, dict)]
                    permissions.check_paths(entity_type, names)
            with self.store.read() as conn:
                return run_summarize(
                    conn, self.store, request, summary_fields, grouping, permissions.scope
                )

        return self._with_schema_retry(run)

    def text_search(
        self,
        actor: Actor,
        text: str,
        entity_types: dict[str, Any],
        project_ids: Sequence[int] | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        """Search display names of several entity types at once (those the actor may see)."""
        self.store.revalidate_schema()
        check_no_nul(text, "text_search")
        if isinstance(limit, int) and not isinstance(limit, bool) and limit > MAX_OFFSET // 2:
            limit = MAX_OFFSET // 2  # beyond any row count: all matches (SQL LIMIT is 64-bit)
        if isinstance(text, str) and len(text) > MAX_SEARCH_TEXT_CHARS:
            raise ValueFault(f"text_search text is longer than {MAX_SEARCH_TEXT_CHARS} characters.")
        if project_ids is not None and (
            not isinstance(project_ids, list | tuple)
            or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_OFFSET
                for i in project_ids
            )
        ):
            raise ValueFault(f"project_ids must be a list of Project ids, got {project_ids!r}.")
        permissions = self.permissions_for(actor)
        if isinstance(entity_types, dict):
            for entity_type, type_filters in entity_types.items():
                if entity_type in self.schema:
                    permissions.check_filters(entity_type, type_filters or [])
            visible = {
                t: f
                for t, f in entity_types.items()
                if t not in self.schema or permissions.may(t, "see")
            }
            if entity_types and not visible:
                return {"matches": [], "terms": run_text_search_terms(text)}
            entity_types = visible
        with self.store.read() as conn:
            return run_text_search(
                conn, self.store, text, entity_types, project_ids, limit, permissions.scope
            )

    # -- schema -------------------------------------------------------------------------------
    def schema_read(
        self, actor: Actor, project_entity: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        self.store.revalidate_schema()
        return schema_changes.schema_read(self.store, project_entity)

    def schema_entity_read(
        self, actor: Actor, project_entity: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        self.store.revalidate_schema()
        return schema_changes.schema_entity_read(self.store, project_entity)

    def schema_field_read(
        self,
        actor: Actor,
        entity_type: str,
        field_name: str | None = None,
        project_entity: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        self.store.revalidate_schema()
        return self._with_schema_retry(
            lambda: schema_changes.schema_field_read(
                self.store, entity_type, field_name, project_entity
            )
        )

    def schema_field_create(
        self,
        actor: Actor,
        entity_type: str,
        data_type: str,
        display_name: str,
        properties: dict[str, Any] | None = None,
    ) -> str:
        self._require_admin(actor, "Changing the schema")
        with self.store.write() as conn:
            return schema_changes.create_field(
                self.store, conn, entity_type, data_type, display_name, properties
            )

    def computed_field_create(
        self,
        actor: Actor,
        entity_type: str,
        data_type: str,
        display_name: str,
        definition: dict[str, Any],
    ) -> str:
        """A query or calculated field, made by an admin (never through the API, as ShotGrid)."""
        self._require_admin(actor, "Changing the schema")
        with self.store.write() as conn:
            return schema_changes.create_computed_field(
                self.store, conn, entity_type, data_type, display_name, definition
            )

    def schema_field_update(
        self,
        actor: Actor,
        entity_type: str,
        field_name: str,
        properties: dict[str, Any],
        project_entity: dict[str, Any] | None = None,
    ) -> bool:
        self._require_admin(actor, "Changing the schema")
        with self.store.write() as conn:
            return schema_changes.update_field(
                self.store, conn, entity_type, field_name, properties, project_entity
            )

    def schema_field_delete(self, actor: Actor, entity_type: str, field_name: str) -> bool:
        self._require_admin(actor, "Changing the schema")
        with self.store.write() as conn:
            return schema_changes.delete_field(self.store, conn, entity_type, field_name)

    # -- actors -------------------------------------------------------------------------------
    def actor_for(self, entity_type: str, entity_id: int, session_uuid: str | None = None) -> Actor:
        """The Actor of an existing, live HumanUser or ApiUser."""
        if entity_type not in ("HumanUser", "ApiUser"):
            raise ValueFault(f"An actor is a HumanUser or an ApiUser, not {entity_type!r}.")
        fields = ["name", "firstname", "generate_event_log_entries", "sg_status_list"]
        record = self.find_one(SYSTEM, entity_type, [["id", "is", entity_id]], fields)
        if record is None:
            raise ValueFault(f"{entity_type} {entity_id} doesn't exist.")
        name = record.get("name") if entity_type == "HumanUser" else record.get("firstname")
        generate = (
            record.get("generate_event_log_entries", True) if entity_type == "ApiUser" else True
        )
        return Actor(
            entity_type, entity_id, name, session_uuid=session_uuid, generate_events=generate
        )

    # -- records with chosen ids (site copies, mockgun-style fixtures) -------------------------
    def insert_with_ids(
        self,
        entity_type: str,
        records: Sequence[dict[str, Any]],
        *,
        retired: bool = False,
        events: bool = False,
    ) -> list[int]:
        """Insert `find`-shaped records keeping their ids, in one transaction (a clashing id is a
        Fault and nothing is written); later creates take ids above them.

        Every given value is written, multi-entity links in order (connection rows included);
        `created_at`/`updated_at`/`created_by` are taken as given. `events` logs the creation
        events a create would (site/bulk_inserts.py).
        """
        from callsheet.site.bulk_inserts import bulk_writing

        with bulk_writing(self, events=events) as write:
            return write.insert(entity_type, records, retired=retired, events=events).ids

    def bulk_writing(self, *, events: bool = False) -> Any:
        """A transaction of chosen-id inserts (site/bulk_inserts.py `BulkWrite`)."""
        from callsheet.site.bulk_inserts import bulk_writing

        return bulk_writing(self, events=events)


def _batch_entity_type(request: dict[str, Any]) -> str:
    """A batch request's entity type: a type's name (the schema says whether it exists)."""
    entity_type = request.get("entity_type")
    if not isinstance(entity_type, str):
        raise ValueFault(
            f"Each batch request needs an entity_type naming an entity type, got {entity_type!r}."
        )
    return entity_type
