"""Bulk insert of entity rows with the ids the caller chooses, and the id counters around it.

Two callers need rows whose ids come from elsewhere: an import copies a site with its original
ids (callsheet.transfer), and test fixtures written for mockgun insert records with the ids they
choose (issue 15). Both hand records in the shape `find` returns them (`{"type", "id", field:
value}`); each value is checked and stored by its field's kind, as a create stores it, but links
are not required to point at rows that exist yet (a copy arrives in any order) and server-kept
fields (`created_at`, `updated_by`, ...) are taken as given.

Later creates never collide with chosen ids: SQLite gives a new row the largest id plus one, and on
PostgreSQL `raise_id_counters` moves each table's sequence past its largest id.

While a site is kept in step with another (`callsheet import --follow`), ids created here must
not take ids the source will create later: an *id floor* (`set_id_floor`) makes this site's own
creates start at a high id (FOLLOW_ID_FLOOR) while the copied rows keep the source's lower ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.faults import Fault, SchemaFault, ValueFault
from callsheet.schema.links import TableLink
from callsheet.schema.model import Field
from callsheet.store import internal_tables
from callsheet.store.kinds import FieldKind, LinkRef, kind_of
from callsheet.store.links import write_links
from callsheet.store.prepared import run_prepared_on
from callsheet.store.rows import MAX_ID, MIN_ID
from callsheet.store.store import EVENT_COUNTER, RETIRED_COLUMN, Store, now_utc

# Half the 32-bit id space: ShotGrid sites hold ids in the millions, far below; a site being kept
# in step creates its own rows from here (docs/transfer.md).
FOLLOW_ID_FLOOR = 2**30
ID_FLOOR_COUNTER = "id_floor"
# Values no API write may carry but a copy keeps: bookkeeping kept by the server on writes.
TAKEN_AS_GIVEN = frozenset({"created_at", "updated_at", "created_by", "updated_by"})
# Record keys that are not fields.
RECORD_KEYS = frozenset({"type", "id"})


@dataclass
class Problem:
    """A value that could not be stored (the rest of its record was)."""

    entity_type: str
    entity_id: int
    field: str
    message: str


@dataclass
class PreparedRow:
    """One record as columns, with its side values (multi-entity links, tags)."""

    entity_id: int
    row: dict[str, Any]
    values: dict[str, tuple[Field, Any]]


@dataclass
class BulkResult:
    """What an insert did: ids inserted, values refused, fields the destination lacks."""

    ids: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_fields: set[str] = field(default_factory=set)


class _LinksUnchecked:
    """The store as kinds see it while copying: links may point at rows not copied yet."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def require_live(self, entity_type: str, entity_id: int, field: Field) -> None:
        if entity_type not in self._store.schema:
            raise ValueFault(
                f"{field.qualified_name} links to unknown entity type {entity_type!r}."
            )


@dataclass(frozen=True)
class _FieldPlan:
    """How one field's values go in, decided once per batch instead of once per value (a
    copy's writer spends most of its time per value: bench/profile_transfer.py)."""

    field: Field
    kind: FieldKind
    thumbnail: bool  # the stored reference (or a URL kept as text), as the caller gives it
    stored: bool  # False: computed on read, or a secret no read returns
    file_link: bool

    def stored_value(self, value: Any, store: Any) -> Any:
        """The value in stored form, checked by the field's kind (`store` as `_LinksUnchecked`
        makes it: links not required to exist yet). Upload links keep only what names their
        Attachment: URLs are minted per read."""
        stored = self.kind.to_stored(self.field, value, store)
        if self.file_link and isinstance(stored, dict) and stored.get("link_type") == "upload":
            stored = {**stored, "url": ""}
        return stored


def _field_plans(store: Store, entity_type: str) -> dict[str, _FieldPlan]:
    entity = store.schema.entity(entity_type, operation="insert")
    plans = {}
    for name, f in entity.fields.items():
        kind = kind_of(f)
        traits = f.traits
        writes = kind.writable and not traits.secret and not traits.thumbnail
        plans[name] = _FieldPlan(f, kind, traits.thumbnail, writes, traits.file_link)
    return plans


def prepare_row(
    store: Store,
    entity_type: str,
    record: Mapping[str, Any],
    result: BulkResult,
    *,
    retired_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    plans: Mapping[str, _FieldPlan] | None = None,
) -> PreparedRow:
    """The columns of one record; a value its field refuses is left out and noted. `plans`:
    the type's `_field_plans`, when the caller prepares many rows."""
    plans = plans if plans is not None else _field_plans(store, entity_type)
    entity_id = record.get("id")
    if isinstance(entity_id, bool) or not isinstance(entity_id, int):
        raise ValueFault(f"{entity_type} record needs an integer 'id', got {entity_id!r}.")
    if not MIN_ID <= entity_id <= MAX_ID:
        raise ValueFault(f"{entity_type} id {entity_id} is out of range ({MIN_ID}..{MAX_ID}).")
    columns = store.table(entity_type).c
    links_unchecked = _LinksUnchecked(store)
    row: dict[str, Any] = {"id": entity_id, RETIRED_COLUMN: retired_at}
    values: dict[str, tuple[Field, Any]] = {}
    for name, value in record.items():
        if name in RECORD_KEYS:
            continue
        plan = plans.get(name)
        if plan is None:
            result.unknown_fields.add(name)
            continue
        if value is None or (isinstance(value, list) and not value):
            continue  # empty: the NULL column (or no link rows) says so already
        if plan.thumbnail:
            row[name] = value if isinstance(value, str) else None
            continue
        if not plan.stored:
            continue
        try:
            stored = plan.stored_value(value, links_unchecked)
        except Fault as fault:
            result.problems.append(Problem(entity_type, entity_id, name, fault.message))
            continue
        values[name] = (plan.field, stored)
        row.update(plan.kind.to_columns(plan.field, stored))
    stamp = now or now_utc()
    for name in ("created_at", "updated_at"):
        if name in columns and row.get(name) is None:
            row[name] = stamp
    return PreparedRow(entity_id, {k: v for k, v in row.items() if k in columns}, values)


def existing_ids(conn: Connection, store: Store, entity_type: str, ids: Sequence[int]) -> list[int]:
    """Those of `ids` already taken by a row of the type (live or retired)."""
    table = store.table(entity_type)
    found: list[int] = []
    for start in range(0, len(ids), 900):
        chunk = sorted(ids[start : start + 900])
        found.extend(
            row_id for (row_id,) in conn.execute(sa.select(table.c.id).where(table.c.id.in_(chunk)))
        )
    return sorted(found)


def insert_records(
    conn: Connection,
    store: Store,
    entity_type: str,
    records: Sequence[Mapping[str, Any]],
    *,
    retired: bool = False,
    derived_links: bool = False,
    now: dt.datetime | None = None,
) -> tuple[BulkResult, list[PreparedRow]]:
    """Insert records with their own ids, inside the caller's transaction.

    Multi-entity values are written in their order to the storage the field uses. With
    `derived_links` False (a copy of a whole site), links held by another record that the copy
    brings too are left to it: connection entity rows (AssetShotConnection, ...) and the
    reverse side of a pair. With True (fixtures), every given value is written.
    A clashing id is a Fault naming them, and nothing of the batch stays (the caller's
    transaction rolls back).
    """
    result = BulkResult()
    if not records:
        return result, []
    stamp = now or now_utc()
    retired_at = stamp if retired else None
    plans = _field_plans(store, entity_type)
    prepared = [
        prepare_row(
            store, entity_type, record, result, retired_at=retired_at, now=stamp, plans=plans
        )
        for record in records
    ]
    ids = [item.entity_id for item in prepared]
    if len(set(ids)) != len(ids):
        raise ValueFault(f"{entity_type} records repeat an id: each id can be inserted once.")
    clashing = existing_ids(conn, store, entity_type, ids)
    if clashing:
        shown = ", ".join(str(i) for i in clashing[:10])
        raise ValueFault(
            f"{entity_type} ids already exist in this site: {shown}"
            + (f" and {len(clashing) - 10} more" if len(clashing) > 10 else "")
            + ". Chosen ids must be free (import into a new site, or resume the same import)."
        )
    table = store.table(entity_type)
    # One executemany for the page (psycopg pipelines it, SQLite runs it in C): every row sets
    # the columns any row of the page sets, NULL where its record had nothing.
    columns = list(dict.fromkeys(name for item in prepared for name in item.row))
    if store.dialect.is_sqlite:
        conn.execute(
            sa.insert(table), [{**dict.fromkeys(columns), **item.row} for item in prepared]
        )
    else:
        copy_rows(conn, table, columns, [item.row for item in prepared])
    write_side_values(conn, store, entity_type, prepared, derived_links=derived_links, now=stamp)
    result.ids = ids
    return result, prepared


def commit_without_waiting_for_disk(conn: Connection, store: Store) -> None:
    """PostgreSQL: this transaction's COMMIT returns before its WAL is on disk (`SET LOCAL
    synchronous_commit = off`; a copy commits once per page and per type, and waiting for the
    disk each time was a large share of its time on a busy machine). A crash of the database
    server may lose the last such transactions, each whole, never half of one (PostgreSQL
    documents it as consistent, only not durable): a copy whose progress commits with its rows
    resumes after the last page that stayed. A kill of the importer loses nothing. SQLite needs
    nothing: in WAL mode with synchronous NORMAL (store/dialects.py) a commit waits for no disk.
    """
    if not store.dialect.is_sqlite:
        conn.execute(sa.text("SET LOCAL synchronous_commit = off"))


def copy_rows(
    conn: Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """PostgreSQL: rows in with `COPY ... FROM STDIN`, inside the caller's transaction (several
    times faster than INSERTs: one stream, no statement per row). Names come from the table;
    JSON columns are sent as JSON text, other values as psycopg adapts them."""
    preparer = conn.dialect.identifier_preparer
    json_columns = {name for name in columns if isinstance(table.c[name].type, sa.JSON)}
    statement = (
        f"COPY {preparer.quote(table.name)} "
        f"({', '.join(preparer.quote(name) for name in columns)}) FROM STDIN"
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        _json_text(row.get(name)) if name in json_columns else row.get(name)
                        for name in columns
                    ]
                )
    finally:
        cursor.close()


def _json_text(value: Any) -> str | None:
    import json

    return None if value is None else json.dumps(value)


def written_by_other_side(store: Store, entity_type: str, f: Field) -> bool:
    """A multi-entity field whose links are stored with another record: the rows of a
    connection entity (Shot.assets: AssetShotConnection), the entity field pointing back
    (Shot.tasks: Task.entity), a link table read from its other side (Shot.notes: the Notes'
    links).
    A whole-site copy brings those records, so it neither writes these links nor reads them."""
    if not f.traits.is_multi_link:
        return False
    storage = store.links.storage(entity_type, f.name)
    return not (isinstance(storage, TableLink) and not storage.reverse)


def _side(store: Store, entity_type: str, f: Field) -> str | None:
    """What a field's value writes besides its columns: "own_links" (rows of the link table),
    "other_side" (links another record holds), "side_loaded" (its kind's own rows) or None."""
    if f.traits.is_multi_link:
        return "other_side" if written_by_other_side(store, entity_type, f) else "own_links"
    return "side_loaded" if getattr(kind_of(f), "side_loaded", False) else None


def write_side_values(
    conn: Connection,
    store: Store,
    entity_type: str,
    prepared: Iterable[PreparedRow],
    *,
    derived_links: bool,
    now: dt.datetime,
) -> None:
    """Multi-entity links and tags of inserted rows."""
    link_rows: list[dict[str, Any]] = []
    stamp = {"now": now, "actor": (None, None)}
    # Per field, once (not per value): multi-entity and side-loaded kinds have side values.
    sides: dict[str, str | None] = {}
    for item in prepared:
        for f, stored in item.values.values():
            if f.name not in sides:
                sides[f.name] = _side(store, entity_type, f)
            side = sides[f.name]
            if side is None:
                continue
            if side == "side_loaded":
                if stored:
                    kind_of(f).write(conn, store, f, item.entity_id, stored)  # type: ignore[attr-defined]
            else:
                links = [(link.type, link.id) for link in stored or []]
                links = list(dict.fromkeys(links))
                if not links:
                    continue
                if side == "own_links":
                    link_rows.extend(
                        {
                            "owner_type": entity_type,
                            "owner_field": f.name,
                            "owner_id": item.entity_id,
                            "position": position,
                            "target_type": target_type,
                            "target_id": target_id,
                        }
                        for position, (target_type, target_id) in enumerate(links, start=1)
                    )
                elif derived_links:
                    write_links(conn, store, entity_type, item.entity_id, f.name, [], links, stamp)
    if link_rows:
        if store.dialect.is_sqlite:
            conn.execute(sa.insert(store.link_table), link_rows)
        else:
            copy_rows(conn, store.link_table, list(link_rows[0]), link_rows)


def link_value(stored: Any) -> LinkRef | None:
    return stored if isinstance(stored, LinkRef) else None


# -- id counters ------------------------------------------------------------------------------


def _sequence_name(conn: Connection, store: Store, entity_type: str) -> str | None:
    table = store.table(entity_type)
    quoted = store.engine.dialect.identifier_preparer.quote(table.name)
    return conn.execute(  # type: ignore[no-any-return]
        sa.select(sa.func.pg_get_serial_sequence(quoted, "id"))
    ).scalar()


def raise_id_counters(conn: Connection, store: Store, entity_types: Iterable[str]) -> None:
    """Make later creates of each type take ids above every id it holds (never lowers a
    counter). SQLite needs nothing: a new row gets the largest id plus one."""
    if store.dialect.is_sqlite:
        return
    for entity_type in entity_types:
        _raise_sequence(conn, store, entity_type, 0)


def _raise_sequence(conn: Connection, store: Store, entity_type: str, at_least: int) -> None:
    name = _sequence_name(conn, store, entity_type)
    if name is None:
        return
    table = store.table(entity_type)
    highest = conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
    last, called = conn.execute(
        sa.text(f"SELECT last_value, is_called FROM {name}")  # name from pg_get_serial_sequence
    ).one()
    current = int(last) if called else int(last) - 1
    target = max(int(highest), current, at_least)
    if target > current and target >= 1:
        conn.execute(sa.select(sa.func.setval(name, target, True)))


def raise_event_counter(conn: Connection, store: Store) -> None:
    """Move the event id counter past the largest EventLogEntry id (after copying events)."""
    table = store.table("EventLogEntry")
    highest = conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
    counters = store.counter_table
    conn.execute(
        sa.update(counters)
        .where(counters.c.name == EVENT_COUNTER, counters.c.value < highest)
        .values(value=highest)
    )


# -- the id floor of a site kept in step ------------------------------------------------------


def id_floor(conn: Connection) -> int | None:
    """The id this site's own creates start from while it follows another (None: none)."""
    counters = internal_tables.counters
    value = conn.execute(
        sa.select(counters.c.value).where(counters.c.name == ID_FLOOR_COUNTER)
    ).scalar()
    return None if value is None else int(value)


def set_id_floor(conn: Connection, store: Store, floor: int | None) -> None:
    """Start this site's own creates at `floor` (None: lift it, creates continue after the
    largest id). PostgreSQL: every entity sequence moves; SQLite: rows.insert_row asks
    `first_id_under_floor` while a floor is set."""
    counters = internal_tables.counters
    conn.execute(sa.delete(counters).where(counters.c.name == ID_FLOOR_COUNTER))
    if floor is not None:
        if not MIN_ID < floor < MAX_ID:
            raise ValueFault(f"An id floor must lie between {MIN_ID} and {MAX_ID}, got {floor}.")
        conn.execute(sa.insert(counters).values(name=ID_FLOOR_COUNTER, value=floor))
    if store.dialect.is_sqlite:
        return
    for entity in store.schema:
        if entity.name == "EventLogEntry":
            continue
        if floor is None:
            _lower_sequence_to_rows(conn, store, entity.name)
        else:
            _raise_sequence(conn, store, entity.name, floor - 1)


def _lower_sequence_to_rows(conn: Connection, store: Store, entity_type: str) -> None:
    name = _sequence_name(conn, store, entity_type)
    if name is None:
        return
    table = store.table(entity_type)
    highest = conn.execute(sa.select(sa.func.max(table.c.id))).scalar()
    if highest is None:
        conn.execute(sa.select(sa.func.setval(name, 1, False)))
    else:
        conn.execute(sa.select(sa.func.setval(name, int(highest), True)))


def first_id_under_floor(conn: Connection, store: Store, entity_type: str) -> int | None:
    """SQLite, while an id floor is set: the id the next create of the type must take when the
    table holds no id at or above the floor yet (after it, largest-plus-one stays above)."""
    if not store.dialect.is_sqlite:
        return None
    counters = internal_tables.counters
    found = run_prepared_on(  # every create asks: compiled once (store/prepared.py)
        conn,
        store,
        ("id-floor",),
        lambda: sa.select(counters.c.value).where(counters.c.name == ID_FLOOR_COUNTER),
    )
    if not found or found[0][0] is None:
        return None
    floor = int(found[0][0])
    table = store.table(entity_type)
    highest = conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
    return floor if highest < floor else None


# -- whole tables -----------------------------------------------------------------------------


def row_counts(conn: Connection, store: Store) -> dict[str, int]:
    """Rows (live and retired) per entity type."""
    counts = {}
    for entity in store.schema:
        table = store.table(entity.name)
        counts[entity.name] = int(
            conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0
        )
    return counts


def remove_all_rows(conn: Connection, store: Store, entity_types: Iterable[str]) -> None:
    """Delete every row of the types, with their links, tags and secrets (a new site's first
    records, replaced by a copy's)."""
    types = list(entity_types)
    for entity_type in types:
        conn.execute(sa.delete(store.table(entity_type)))
    links, tags = store.link_table, store.tag_table
    conn.execute(sa.delete(links).where(links.c.owner_type.in_(types)))
    conn.execute(sa.delete(tags).where(tags.c.owner_type.in_(types)))
    if "ApiUser" in types:
        conn.execute(sa.delete(internal_tables.script_keys))
        conn.execute(sa.delete(internal_tables.sessions))
    if "HumanUser" in types:
        conn.execute(sa.delete(internal_tables.sessions))
        conn.execute(sa.delete(internal_tables.user_subscriptions))
    if "PermissionRuleSet" in types:
        conn.execute(sa.delete(internal_tables.permission_rules))
    if "ActionMenuItem" in types:
        conn.execute(sa.delete(internal_tables.ami_secrets))


def id_range(conn: Connection, store: Store, entity_type: str) -> tuple[int, int] | None:
    """The smallest and largest id of the type's rows (None: no rows)."""
    table = store.table(entity_type)
    low, high = conn.execute(sa.select(sa.func.min(table.c.id), sa.func.max(table.c.id))).one()
    return None if low is None else (int(low), int(high))


def check_type(store: Store, entity_type: str) -> None:
    """SchemaFault unless the type exists here."""
    if entity_type not in store.schema:
        raise SchemaFault(f"Entity type {entity_type!r} doesn't exist in this site.")


# -- schema of a copied site ------------------------------------------------------------------


def adopt_field(conn: Connection, store: Store, f: Field) -> str:
    """Make the site's field `f` as given (its system name kept): added when missing (ALTER
    TABLE), its properties replaced when present with the same data type. Returns what was
    done: "added", "updated", "same" or "clash" (present with another data type: left alone)."""
    entity = store.schema.entity(f.entity_type)
    present = entity.fields.get(f.name)
    if present is None:
        kind_of(f)  # SchemaFault: a data type this Callsheet cannot hold
        store.add_field(conn, f)
        return "added"
    if present.data_type != f.data_type:
        return "clash"
    if present == f:
        return "same"
    store.update_field(conn, f)
    return "updated"


def adopt_type_names(
    conn: Connection, store: Store, entity_type: str, display_name: str, visible: bool | None
) -> bool:
    """Give an entity type the display name and visibility of the copied site; True if changed."""
    from dataclasses import replace as replaced

    from callsheet.schema.model import Schema

    entity = store.schema.entity(entity_type)
    if entity.display_name == display_name and entity.visible == visible:
        return False
    types = {t.name: t for t in store.schema}
    types[entity_type] = replaced(entity, display_name=display_name, visible=visible)
    store._replace_schema(conn, Schema(types), entity_type)
    return True


# -- rows replaced while following ------------------------------------------------------------


def remove_rows(conn: Connection, store: Store, entity_type: str, ids: Sequence[int]) -> None:
    """Delete rows by id with the link and tag rows they own (to be inserted again as the
    source now has them)."""
    if not ids:
        return
    table = store.table(entity_type)
    links, tags = store.link_table, store.tag_table
    for start in range(0, len(ids), 900):
        chunk = list(ids[start : start + 900])
        conn.execute(sa.delete(table).where(table.c.id.in_(chunk)))
        conn.execute(
            sa.delete(links).where(links.c.owner_type == entity_type, links.c.owner_id.in_(chunk))
        )
        conn.execute(
            sa.delete(tags).where(tags.c.owner_type == entity_type, tags.c.owner_id.in_(chunk))
        )


def connection_row_ids(
    conn: Connection,
    store: Store,
    connection_type: str,
    column: str,
    entity_type: str,
    entity_id: int,
) -> list[int]:
    """Ids of the connection rows (live or retired) whose `column` names the entity."""
    c = store.table(connection_type).c
    rows = conn.execute(
        sa.select(c.id).where(c[f"{column}__type"] == entity_type, c[f"{column}__id"] == entity_id)
    )
    return [row_id for (row_id,) in rows]


def external_images(conn: Connection, store: Store, entity_type: str) -> list[tuple[int, str, str]]:
    """(id, field, URL) of image values that are still another server's URL (a copy's
    thumbnails not yet fetched)."""
    entity = store.schema.entity(entity_type)
    table = store.table(entity_type)
    found: list[tuple[int, str, str]] = []
    for f in entity.fields.values():
        if not f.traits.thumbnail or f.name not in table.c:
            continue
        column = table.c[f.name]
        rows = conn.execute(
            sa.select(table.c.id, column).where(
                sa.or_(column.like("http://%"), column.like("https://%"))
            )
        )
        found.extend((int(row_id), f.name, str(value)) for row_id, value in rows)
    return found
