"""Generate a realistic Callsheet site for the benchmarks.

At scale 1: 10 projects, 1,000 Sequences, 100,000 Shots (100 per Sequence), 400,000 Tasks (4 per
Shot: Layout, Animation, Lighting, Comp, with statuses and dates) and 200,000 Versions (2 per Shot,
linked to the Shot and its Animation or Comp Task), with their event log.

How it loads fast and still stores exactly what the engine would:
1. `callsheet.connect(database)` creates the site (schema, bootstrap).
2. The projects and the whole first Sequence (its Shots, Tasks and Versions) are created through
   the engine's own `batch`, 500 requests at a time.
3. Everything else is bulk-inserted with SQLAlchemy Core into the engine's own tables, in the same
   shape: one `created_at`/`updated_at` per emulated batch of 500 creates, `created_by` and
   `updated_by` the acting script, `_retired_at` NULL, and the event rows the engine writes for a
   create (`_New`, one `_Change` per set field, the back-link `_Change` on the linked Shot or
   Sequence), with dense ids taken from the `_cs_counters` row.
4. The row builder is then checked against step 2: the rows it would have written for the
   engine-made Sequence must equal, column by column, what the engine stored (entity rows and
   event rows). So when the engine changes what it stores, the generator fails loudly instead of
   producing a site the engine would never have made.

Usage:
    python bench/generate.py --database /tmp/bench.sqlite3 --scale 0.01 --replace
    python bench/generate.py --database postgresql://postgres@127.0.0.1:5432/cs_bench --replace
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

import callsheet

BATCH_SIZE = 500  # shotgun_api3 batches this many requests at most per call
ROWS_PER_TRANSACTION = 20_000  # bulk-load commit size (entities)
SHOT_STEPS = ("Layout", "Animation", "Lighting", "Comp")
VERSION_STEPS = ("Animation", "Comp")  # one Version per Shot for each of these Tasks
# Repeating status patterns (a rough real-show mix); index by entity number.
SEQUENCE_STATUSES = ("ip", "ip", "ip", "fin", "hld")
SHOT_STATUSES = ("ip", "ip", "ip", "rev", "fin", "fin", "wtg", "rdy", "hld", "omt")
SHOT_STATUSES = tuple(s if s != "rev" else "cbb" for s in SHOT_STATUSES)  # Shot has no "rev"
TASK_STATUSES = ("wtg", "rdy", "ip", "ip", "rev", "fin", "fin", "fin", "hld", "na", "ip", "rev")
VERSION_STATUSES = ("rev", "rev", "vwd", "apr", "na")
START_DAY = dt.date(2025, 1, 6)

Link = tuple[str, int]


@dataclass
class Shape:
    """How many of each entity a scale gives."""

    projects: int
    sequences: int
    shots_per_sequence: int
    tasks: bool = True
    versions: bool = True

    @classmethod
    def at(cls, scale: float, *, tasks: bool = True, versions: bool = True) -> Shape:
        sequences = max(1, round(1000 * scale))
        shots = max(1, round(100_000 * scale))
        return cls(
            projects=min(10, sequences),
            sequences=sequences,
            shots_per_sequence=max(1, shots // sequences),
            tasks=tasks,
            versions=versions,
        )

    @property
    def shots(self) -> int:
        return self.sequences * self.shots_per_sequence


@dataclass
class Creation:
    """One create as the engine receives it: the type, the data in order, the entity id."""

    entity_type: str
    data: dict[str, Any]  # links as (type, id); dates as dt.date
    entity_id: int = 0


@dataclass
class SiteFacts:
    """What the row builder needs from the site: schema names, the actor, link partners."""

    sg: Any
    actor_type: str
    actor_id: int
    actor_name: str
    names: dict[Link, str] = field(default_factory=dict)  # display names of linkable entities
    projects_of: dict[Link, Link] = field(default_factory=dict)  # entity -> its project
    # Per type, the columns the engine fills from field defaults (e.g. Task.time_logs_sum = 0),
    # copied from the first engine-made row; check_bulk_row proves the copy right.
    defaults: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, sg: Any) -> SiteFacts:
        actor = sg.actor
        facts = cls(
            sg, actor.entity_type, actor.id, actor.name or f"{actor.entity_type} {actor.id}"
        )
        for step in sg.find("Step", [], ["code"]):
            facts.names[("Step", step["id"])] = step["code"]
        return facts

    @property
    def store(self) -> Any:
        return self.sg.site.store

    def entity(self, entity_type: str) -> Any:
        return self.store.schema.entity(entity_type)

    def partner(self, entity_type: str, field_name: str, target_type: str) -> str | None:
        return self.store.links.partner(entity_type, field_name, target_type)


# -- the data of a site ---------------------------------------------------------------------------


def plan(shape: Shape, steps: dict[str, int]) -> Iterator[tuple[int, dict[str, list[Creation]]]]:
    """Per Sequence number: its creates by type (Sequence, Shot, Task, Version), ids unset."""
    for s in range(shape.sequences):
        project = ("Project", 0)  # filled by the caller: project index s % projects
        seq_code = f"SQ{s + 1:04d}"
        out: dict[str, list[Creation]] = {"Sequence": [], "Shot": [], "Task": [], "Version": []}
        out["Sequence"].append(
            Creation(
                "Sequence",
                {
                    "code": seq_code,
                    "project": project,
                    "sg_status_list": SEQUENCE_STATUSES[s % len(SEQUENCE_STATUSES)],
                    "description": f"Sequence {seq_code}",
                },
            )
        )
        for k in range(shape.shots_per_sequence):
            n = s * shape.shots_per_sequence + k
            code = f"{seq_code}_{(k + 1) * 10:04d}"
            out["Shot"].append(
                Creation(
                    "Shot",
                    {
                        "code": code,
                        "project": project,
                        "sg_sequence": ("Sequence", -1),  # this Sequence
                        "sg_status_list": SHOT_STATUSES[n % len(SHOT_STATUSES)],
                        "description": f"Shot {code} of sequence {seq_code}",
                        "sg_cut_in": 1001,
                        "sg_cut_out": 1001 + 24 + n % 200,
                    },
                )
            )
            if shape.tasks:
                for t, step in enumerate(SHOT_STEPS):
                    start = START_DAY + dt.timedelta(days=(n + 7 * t) % 300)
                    out["Task"].append(
                        Creation(
                            "Task",
                            {
                                "content": step,
                                "project": project,
                                "entity": ("Shot", -(k + 1)),  # the k-th Shot of this Sequence
                                "step": ("Step", steps[step]),
                                "sg_status_list": TASK_STATUSES[(4 * n + t) % len(TASK_STATUSES)],
                                "start_date": start,
                                "due_date": start + dt.timedelta(days=10),
                                # what the engine computes from the two dates (last, as it logs)
                                "duration": working_minutes(start, start + dt.timedelta(days=10)),
                            },
                        )
                    )
            if shape.versions and shape.tasks:
                for v, step in enumerate(VERSION_STEPS):
                    out["Version"].append(
                        Creation(
                            "Version",
                            {
                                "code": f"{code}_{step.lower()}_v001",
                                "project": project,
                                "entity": ("Shot", -(k + 1)),
                                "sg_task": ("Task", -(4 * k + SHOT_STEPS.index(step) + 1)),
                                "sg_status_list": VERSION_STATUSES[(2 * n + v) % 5],
                                "description": f"{step} v001 of {code}",
                            },
                        )
                    )
        yield s, out


def _resolve(creations: list[Creation], project: Link, local: dict[str, list[int]]) -> None:
    """Fill in the project and the links to this Sequence's own entities (negative ids)."""
    for c in creations:
        for name, value in c.data.items():
            if name == "project":
                c.data[name] = project
            elif isinstance(value, tuple) and value[1] < 0:
                c.data[name] = (value[0], local[value[0]][-value[1] - 1])


# -- what the engine stores for one create --------------------------------------------------------


def entity_row(facts: SiteFacts, c: Creation, now: dt.datetime) -> dict[str, Any]:
    """The entity's row, as writes.create_entity builds it."""
    row: dict[str, Any] = {"id": c.entity_id, **facts.defaults.get(c.entity_type, {})}
    for name, value in c.data.items():
        if isinstance(value, tuple):
            row[f"{name}__type"], row[f"{name}__id"] = value
        else:
            row[name] = value
    row["created_at"] = now
    row["updated_at"] = now
    row["created_by__type"] = row["updated_by__type"] = facts.actor_type
    row["created_by__id"] = row["updated_by__id"] = facts.actor_id
    row["_retired_at"] = None
    return row


def _event_value(facts: SiteFacts, value: Any) -> Any:
    if isinstance(value, tuple):
        return {"type": value[0], "id": value[1], "name": facts.names.get(value)}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return f"{value[0]} {value[1]}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


# Fields the engine leaves out of a create's `_Change` rows (writes.NOT_LOGGED_ON_CREATE).
NOT_LOGGED_ON_CREATE = frozenset(
    {"id", "created_at", "updated_at", "created_by", "updated_by", "project"}
)


# A new site's calendar: Monday to Friday, 8 hours a day, no holidays (docs/scheduling.md); the
# engine stores durations in minutes. check_against_engine fails if the engine's rule moves.
WORKING_WEEKDAYS = range(5)
MINUTES_PER_WORKING_DAY = 8 * 60


def working_minutes(start: dt.date, due: dt.date) -> int:
    """A Task's duration from its start and due dates (both working days count)."""
    days = (due - start).days + 1
    working = sum(
        1 for n in range(days) if (start + dt.timedelta(days=n)).weekday() in WORKING_WEEKDAYS
    )
    return working * MINUTES_PER_WORKING_DAY


def event_rows(facts: SiteFacts, c: Creation) -> list[dict[str, Any]]:
    """The event rows of one create, in the engine's order, without id/user/created_at."""
    entity = facts.entity(c.entity_type)
    ref = (c.entity_type, c.entity_id)
    name = c.data.get(entity.display_name_field)
    project = c.data.get("project")
    actor = facts.actor_name
    rows = [
        _event(
            f"Shotgun_{c.entity_type}_New",
            ref,
            project,
            None,
            {"type": "new_entity", "entity_type": c.entity_type, "entity_id": c.entity_id},
            f"{actor} created new {entity.display_name} {name}",
        )
    ]
    for field_name, value in c.data.items():
        if field_name in NOT_LOGGED_ON_CREATE or value in (None, [], False):
            continue
        f = entity.fields[field_name]
        meta = {
            "type": "attribute_change",
            "attribute_name": field_name,
            "entity_type": c.entity_type,
            "entity_id": c.entity_id,
            "field_data_type": f.data_type,
            "old_value": None,
            "new_value": _event_value(facts, value),
            "in_create": True,
        }
        rows.append(
            _event(
                f"Shotgun_{c.entity_type}_Change",
                ref,
                project,
                field_name,
                meta,
                f'{actor} changed "{f.display_name}" from "" to "{_text(value)}" '
                f"on {entity.display_name} {name}",
            )
        )
        if f.data_type == "entity" and isinstance(value, tuple):
            rows.extend(_backref(facts, value, f, ref))
    return rows


def _backref(facts: SiteFacts, target: Link, f: Any, source: Link) -> list[dict[str, Any]]:
    partner = facts.partner(f.entity_type, f.name, target[0])
    if partner is None:
        return []
    target_entity = facts.entity(target[0])
    partner_field = target_entity.fields.get(partner)
    if partner_field is None:
        return []
    source_dict = {"type": source[0], "id": source[1], "name": facts.names.get(source)}
    meta: dict[str, Any] = {
        "type": "attribute_change",
        "attribute_name": partner,
        "actual_attribute_changed": f.qualified_name,
        "entity_type": target[0],
        "entity_id": target[1],
        "field_data_type": partner_field.data_type,
    }
    if partner_field.data_type in ("multi_entity", "addressing"):
        meta["added"], meta["removed"] = [source_dict], []
    else:
        meta["old_value"], meta["new_value"] = None, source_dict
    meta["in_create"] = True
    return [
        _event(
            f"Shotgun_{target[0]}_Change",
            target,
            facts.projects_of.get(target),
            partner,
            meta,
            f'{facts.actor_name} changed "{partner_field.display_name}" on '
            f"{target_entity.display_name} {facts.names.get(target, target[1])}",
        )
    ]


def _event(
    event_type: str,
    entity: Link,
    project: Link | None,
    attribute: str | None,
    meta: dict[str, Any],
    description: str,
) -> dict[str, Any]:
    return {
        "event_type": event_type,
        "attribute_name": attribute,
        "description": description,
        "entity__type": entity[0],
        "entity__id": entity[1],
        "project__type": project[0] if project else None,
        "project__id": project[1] if project else None,
        "meta": meta,
    }


# -- loading --------------------------------------------------------------------------------------


class BulkLoader:
    """Inserts creates the way the engine would store them, many per transaction."""

    def __init__(self, facts: SiteFacts) -> None:
        self.facts = facts
        self.store = facts.store
        self.next_id: dict[str, int] = {}
        self.entities = 0
        self.events = 0

    def _first_free_id(self, conn: Any, entity_type: str) -> int:
        if entity_type not in self.next_id:
            table = self.store.table(entity_type)
            self.next_id[entity_type] = (
                conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
            ) + 1
        return self.next_id[entity_type]

    def assign_ids(self, creations: list[Creation]) -> None:
        with self.store.engine.connect() as conn:
            for c in creations:
                c.entity_id = self._first_free_id(conn, c.entity_type)
                self.next_id[c.entity_type] += 1

    def load(self, creations: list[Creation]) -> None:
        """Insert creates (one entity type, ids assigned) and their events, batch by batch."""
        if not creations:
            return
        facts = self.facts
        table = self.store.table(creations[0].entity_type)
        events_table = self.store.table("EventLogEntry")
        counter = self.store.counter_table
        for start in range(0, len(creations), ROWS_PER_TRANSACTION):
            chunk = creations[start : start + ROWS_PER_TRANSACTION]
            with self.store.write() as conn:
                next_event = (
                    conn.execute(
                        sa.select(counter.c.value).where(counter.c.name == "event_log")
                    ).scalar_one()
                    + 1
                )
                entity_rows: list[dict[str, Any]] = []
                events: list[dict[str, Any]] = []
                for b in range(0, len(chunk), BATCH_SIZE):
                    now = _now()
                    for c in chunk[b : b + BATCH_SIZE]:
                        entity_rows.append(entity_row(facts, c, now))
                    # the engine flushes a batch's events at its end, in create order
                    for c in chunk[b : b + BATCH_SIZE]:
                        for event in event_rows(facts, c):
                            event["id"] = next_event
                            event["user__type"] = facts.actor_type
                            event["user__id"] = facts.actor_id
                            event["session_uuid"] = None
                            event["created_at"] = now
                            next_event += 1
                            events.append(event)
                conn.execute(sa.insert(table), entity_rows)
                for e in range(0, len(events), 50_000):
                    conn.execute(sa.insert(events_table), events[e : e + 50_000])
                conn.execute(
                    sa.update(counter)
                    .where(counter.c.name == "event_log")
                    .values(value=next_event - 1)
                )
            self.entities += len(entity_rows)
            self.events += len(events)

    def finish(self) -> None:
        """PostgreSQL: move each id sequence past the ids inserted explicitly."""
        if self.store.dialect.is_sqlite:
            return
        with self.store.write() as conn:
            for entity_type in self.next_id:
                conn.execute(
                    sa.text(
                        "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                        f'(SELECT max(id) FROM "{entity_type}"))'
                    ),
                    {"t": f'"{entity_type}"'},
                )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _engine_data(c: Creation) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in c.data.items():
        if isinstance(value, tuple):
            data[name] = {"type": value[0], "id": value[1]}
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        else:
            data[name] = value
    return data


def create_with_engine(sg: Any, creations: list[Creation]) -> None:
    """Create through the engine's `batch`, 500 requests per call; sets the ids."""
    for start in range(0, len(creations), BATCH_SIZE):
        part = creations[start : start + BATCH_SIZE]
        requests = [
            {"request_type": "create", "entity_type": c.entity_type, "data": _engine_data(c)}
            for c in part
        ]
        for c, result in zip(part, sg.batch(requests), strict=True):
            c.entity_id = result["id"]


def _remember(facts: SiteFacts, creations: Iterable[Creation]) -> None:
    for c in creations:
        ref = (c.entity_type, c.entity_id)
        facts.names[ref] = c.data[facts.entity(c.entity_type).display_name_field]
        facts.projects_of[ref] = c.data["project"]


# -- checking the builder against the engine ------------------------------------------------------


def check_against_engine(facts: SiteFacts, creations: list[Creation], first_event: int) -> None:
    """Fail unless the builder reproduces what the engine stored for `creations`."""
    store = facts.store
    events_table = store.table("EventLogEntry")
    with store.engine.connect() as conn:
        stored_events = [
            dict(r)
            for r in conn.execute(
                sa.select(events_table)
                .where(events_table.c.id >= first_event)
                .order_by(events_table.c.id)
            ).mappings()
        ]
        expected_events: list[dict[str, Any]] = []
        for c in creations:
            table = store.table(c.entity_type)
            stored = dict(
                conn.execute(sa.select(table).where(table.c.id == c.entity_id)).mappings().one()
            )
            expected = entity_row(facts, c, stored["created_at"])
            for column, value in expected.items():
                if _normal(stored[column]) != _normal(value):
                    raise SystemExit(
                        f"generator out of date: {c.entity_type} {c.entity_id}.{column}: engine "
                        f"stored {stored[column]!r}, generator writes {value!r}"
                    )
            for event in event_rows(facts, c):
                expected_events.append(event)
    if len(stored_events) != len(expected_events):
        raise SystemExit(
            f"generator out of date: engine wrote {len(stored_events)} events for "
            f"{len(creations)} creates, generator writes {len(expected_events)}"
        )
    pairs = zip(stored_events, expected_events, strict=True)
    for number, (stored_event, event) in enumerate(pairs):
        for column, value in event.items():
            if _normal(stored_event[column]) != _normal(value):
                raise SystemExit(
                    f"generator out of date: event #{number} ({stored_event['event_type']}) "
                    f"{column}: engine stored {stored_event[column]!r}, generator writes {value!r}"
                )
        if stored_event["user__id"] != facts.actor_id or stored_event["session_uuid"] is not None:
            raise SystemExit("generator out of date: event user/session differ")


def engine_defaults(facts: SiteFacts, sample: Creation) -> dict[str, Any]:
    """Non-NULL columns of an engine-made row that its create did not set."""
    table = facts.store.table(sample.entity_type)
    set_columns = set(entity_row(facts, sample, _now()))
    with facts.store.engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.id == sample.entity_id)).mappings().one()
    return {k: v for k, v in row.items() if k not in set_columns and v is not None}


def check_bulk_row(facts: SiteFacts, engine_made: Creation, bulk_made: Creation) -> None:
    """Columns the builder does not set must hold what the engine's own rows hold (defaults)."""
    table = facts.store.table(engine_made.entity_type)
    set_columns = set(entity_row(facts, engine_made, _now())) | {"created_at", "updated_at"}
    with facts.store.engine.connect() as conn:
        rows = {
            r["id"]: dict(r)
            for r in conn.execute(
                sa.select(table).where(table.c.id.in_([engine_made.entity_id, bulk_made.entity_id]))
            ).mappings()
        }
    engine_row, bulk_row = rows[engine_made.entity_id], rows[bulk_made.entity_id]
    for column in engine_row:
        if column not in set_columns and engine_row[column] != bulk_row[column]:
            raise SystemExit(
                f"generator out of date: {table.name}.{column} is {engine_row[column]!r} when the "
                f"engine creates, {bulk_row[column]!r} when bulk-loaded"
            )


def _normal(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


# -- the whole site -------------------------------------------------------------------------------


@dataclass
class Generated:
    shape: Shape
    seconds: float
    engine_entities: int
    bulk_entities: int
    bulk_events: int


def populate(sg: Any, shape: Shape, log: Callable[[str], None] = print) -> Generated:
    """Fill a fresh site (from `callsheet.connect`) with `shape`'s projects, shots, tasks..."""
    started = time.perf_counter()
    facts = SiteFacts.of(sg)
    if sg.find_one("Shot", []) is not None:
        raise SystemExit("this site already has Shots; generate into a fresh database (--replace)")
    steps = {name: ref[1] for ref, name in facts.names.items() if ref[0] == "Step"}
    project_refs: list[Link] = []
    for p in range(shape.projects):
        result = sg.create(
            "Project",
            {"name": f"Feature {p + 1:02d}", "code": f"F{p + 1:02d}", "sg_status": "Active"},
        )
        project_refs.append(("Project", result["id"]))
        facts.names[project_refs[-1]] = result["name"]
    loader = BulkLoader(facts)
    pending: dict[str, list[Creation]] = {"Sequence": [], "Shot": [], "Task": [], "Version": []}
    engine_made: dict[str, Creation] = {}
    engine_entities = 0
    for s, by_type in plan(shape, steps):
        project = project_refs[s % len(project_refs)]
        local: dict[str, list[int]] = {}
        if s == 0:  # the realistic part: through the engine's batch, then the builder is checked
            counter = facts.store.counter_table
            with facts.store.engine.connect() as conn:
                first_event = (
                    conn.execute(
                        sa.select(counter.c.value).where(counter.c.name == "event_log")
                    ).scalar_one()
                    + 1
                )
            made: list[Creation] = []
            for entity_type, creations in by_type.items():
                _resolve(creations, project, local)
                create_with_engine(sg, creations)
                local[entity_type] = [c.entity_id for c in creations]
                _remember(facts, creations)
                made.extend(creations)
                if creations:
                    engine_made[entity_type] = creations[0]
            engine_entities = len(made)
            check_against_engine(facts, made, first_event)
            for entity_type, sample in engine_made.items():
                facts.defaults[entity_type] = engine_defaults(facts, sample)
            continue
        for entity_type, creations in by_type.items():
            _resolve(creations, project, local)
            loader.assign_ids(creations)
            local[entity_type] = [c.entity_id for c in creations]
            _remember(facts, creations)
            pending[entity_type].extend(creations)
        if sum(len(v) for v in pending.values()) >= 4 * ROWS_PER_TRANSACTION:
            _flush(loader, pending, log)
    _flush(loader, pending, log)
    loader.finish()
    if shape.sequences > 1:
        for entity_type, made in engine_made.items():
            check_bulk_row(facts, made, _first_bulk(facts, entity_type, made.entity_id))
    return Generated(
        shape,
        time.perf_counter() - started,
        engine_entities + shape.projects,
        loader.entities,
        loader.events,
    )


def _first_bulk(facts: SiteFacts, entity_type: str, after_id: int) -> Creation:
    table = facts.store.table(entity_type)
    with facts.store.engine.connect() as conn:
        entity_id = conn.execute(sa.select(sa.func.max(table.c.id))).scalar()
    return Creation(entity_type, {}, entity_id)


def _flush(
    loader: BulkLoader, pending: dict[str, list[Creation]], log: Callable[[str], None]
) -> None:
    # Types in dependency order, as a studio's import would batch them.
    for entity_type in ("Sequence", "Shot", "Task", "Version"):
        loader.load(pending[entity_type])
        pending[entity_type] = []
    log(f"  ... {loader.entities:,} entities, {loader.events:,} events bulk-loaded")


# -- databases ------------------------------------------------------------------------------------


def prepare_database(database: str, *, replace: bool) -> None:
    """Drop (with replace) and create the PostgreSQL database or remove the SQLite file."""
    if database.startswith(("postgresql://", "postgres://")):
        import psycopg

        base, _, name = database.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as admin:
            if replace:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            exists = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                admin.execute(f'CREATE DATABASE "{name}"')
        return
    if replace:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(database + suffix):
                os.remove(database + suffix)


def generate(
    database: str,
    scale: float,
    *,
    replace: bool = False,
    log: Callable[[str], None] = print,
    shots_only: bool = False,
) -> Generated:
    """Create the site at `database` and fill it at `scale` (without Tasks and Versions when
    `shots_only`: the scale benchmark's millions of Shots)."""
    prepare_database(database, replace=replace)
    sg = callsheet.connect(database)
    try:
        shape = Shape.at(scale, tasks=not shots_only, versions=not shots_only)
        log(
            f"generating {shape.projects} projects, {shape.sequences:,} sequences, "
            f"{shape.shots:,} shots, {4 * shape.shots if shape.tasks else 0:,} tasks, "
            f"{2 * shape.shots if shape.versions else 0:,} versions into {database}"
        )
        result = populate(sg, shape, log)
        if not sg.site.store.dialect.is_sqlite:
            with sg.site.store.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            with sg.site.store.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        return result
    finally:
        sg.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default="/tmp/callsheet-bench.sqlite3",
        help="SQLite file path or postgresql:// URL",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100,000 Shots")
    parser.add_argument(
        "--replace", action="store_true", help="drop the database (or delete the file) first"
    )
    parser.add_argument("--shots-only", action="store_true", help="no Tasks and Versions")
    args = parser.parse_args(argv)
    result = generate(args.database, args.scale, replace=args.replace, shots_only=args.shots_only)
    print(
        f"done in {result.seconds:.1f} s: {result.engine_entities:,} entities through the engine, "
        f"{result.bulk_entities:,} entities and {result.bulk_events:,} events bulk-loaded"
    )


if __name__ == "__main__":
    sys.exit(main())
