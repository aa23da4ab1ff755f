"""Callsheet's engine against hand-written SQL on the same database, and against mockgun.

For SQLite and PostgreSQL, each operation's median time through `callsheet.connect()` is printed
next to the median of hand-written SQL (the raw DBAPI cursor, no SQLAlchemy) that answers the same
question with the same result, and their ratio against a target:

  (a) find 500 Shots by status and by their Sequence's code (deep filter), 6 fields, one deep
  (b) find one Task by id with 10 fields
  (c) summarize record_count of all Tasks grouped by status
  (d) create 10,000 Shots in batches of 500, with their event log rows
  (e) the find of (a) on a 10,000-Shot site, Callsheet (in-memory SQLite) vs mockgun

Before timing, every raw answer is checked equal to the engine's, so both sides do the same work.

    python bench/bench_engine.py --scale 0.01
    python bench/bench_engine.py --scale 0.1 --skip-generate --profile /tmp/profiles
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import SHOT_STATUSES, Shape, generate, populate

import callsheet

FIND_STATUSES = ["ip", "fin", "cbb"]  # 60% of Shots (generate.SHOT_STATUSES)
FIND_SEQUENCES = [f"SQ{n:04d}" for n in range(2, 11)]  # 9 Sequences of 100 Shots: 540 match
FIND_FIELDS = [
    "code",
    "sg_status_list",
    "sg_sequence",
    "project",
    "description",
    "sg_sequence.Sequence.code",
]
TASK_FIELDS = [
    "content",
    "sg_status_list",
    "entity",
    "step",
    "project",
    "start_date",
    "due_date",
    "created_at",
    "created_by",
    "updated_at",
]
# More find shapes (issue 11 §3: every shape <= 2x hand-written SQL), each with the same return
# fields: text, a choice, two single-entity links (names joined), a date_time.
SHAPE_FIELDS = ["code", "sg_status_list", "sg_sequence", "project", "description", "created_at"]


@dataclass(frozen=True)
class FindShape:
    """One find: the engine's filters and order, and the WHERE / ORDER BY of the same question
    in hand-written SQL over `"Shot" s` joined to its Sequence `q` and Project `p`."""

    label: str
    filters: list[Any]
    where: str
    params: tuple[Any, ...] = ()
    order: tuple[dict[str, str], ...] = ()
    order_sql: str = "s.id"


def find_shapes(shot_ids: list[int]) -> dict[str, FindShape]:
    hundred = shot_ids[:: max(1, len(shot_ids) // 100)][:100]
    marks = ",".join("?" * len(hundred))
    return {
        "find_simple": FindShape(
            "(f) find 500 Shots by status",
            [["sg_status_list", "is", "ip"]],
            "s.sg_status_list = ?",
            ("ip",),
        ),
        "find_in_ids": FindShape(
            "(g) find Shots `id in` 100 ids",
            [["id", "in", hundred]],
            f"s.id IN ({marks})",
            tuple(hundred),
        ),
        "find_contains": FindShape(
            "(h) find 500 Shots, code contains",
            [["code", "contains", "_0010"]],
            "lower(s.code) LIKE ?",
            ("%_0010%".replace("_", "\\_"),),
        ),
        "find_sort_linked": FindShape(
            "(i) find 500 Shots sorted by Sequence code",
            [["sg_status_list", "in", FIND_STATUSES]],
            f"s.sg_status_list IN ({','.join('?' * len(FIND_STATUSES))})",
            tuple(FIND_STATUSES),
            ({"field_name": "sg_sequence.Sequence.code", "direction": "desc"},),
            "q.code DESC, s.id",
        ),
    }


CREATE_TOTAL = 10_000
CREATE_BATCH = 500
# issue 11 §3: finds <= 2x, find_one by id <= 5x, summaries <= 1.5x, batch creates <= 2x
TARGETS = {"find_500": 2.0, "find_one": 5.0, "summarize": 1.5, "create_10k": 2.0}
LABELS = {
    "find_500": "(a) find 500 Shots, deep filter + deep field",
    "find_one": "(b) find one Task by id, 10 fields",
    "summarize": "(c) summarize Tasks by status",
    "create_10k": "(d) create 10,000 Shots (batch 500)",
}
assert set(FIND_STATUSES) <= set(SHOT_STATUSES)
for _name in ("find_simple", "find_in_ids", "find_contains", "find_sort_linked"):
    TARGETS[_name] = TARGETS["find_500"]
    LABELS[_name] = find_shapes([1])[_name].label


# How the timed runs become one number: the median (what the targets name), or with
# `--fastest` the minimum, which on a machine shared with other work is the least disturbed run
# (other work only ever adds time).
SUMMARY: list[Callable[[list[float]], float]] = [statistics.median]
# The clock of the timed runs: wall time, or with `--cpu` this process's CPU time
# (time.process_time), which other work on a loaded machine cannot add to. Both sides run in
# this process, so for SQLite both are measured whole; a PostgreSQL server's own work is left
# out of both sides.
CLOCK: list[Callable[[], float]] = [time.perf_counter]


def median_time(run: Callable[[], Any], repeat: int, warmup: int = 1) -> float:
    """Median wall time of `run` in seconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        run()
    clock = CLOCK[0]
    times = []
    for _ in range(repeat):
        started = clock()
        run()
        times.append(clock() - started)
    return SUMMARY[0](times)


# -- the hand-written side ------------------------------------------------------------------------


class RawSQL:
    """Hand-written SQL through the plain DBAPI driver (sqlite3 or psycopg), autocommit."""

    def __init__(self, database: str) -> None:
        self.is_sqlite = not database.startswith(("postgresql://", "postgres://"))
        if self.is_sqlite:
            self.conn: Any = sqlite3.connect(database, isolation_level=None)
            self.conn.execute("PRAGMA busy_timeout = 30000")
        else:
            import psycopg

            self.conn = psycopg.connect(database, autocommit=True)

    def sql(self, text: str) -> str:
        return text if self.is_sqlite else text.replace("?", "%s")

    def all(self, text: str, params: tuple | list = ()) -> list[tuple]:
        cur = self.conn.execute(self.sql(text), params)
        return cur.fetchall()

    def close(self) -> None:
        self.conn.close()

    # (a)
    def find_shots(self) -> list[dict[str, Any]]:
        statuses = ",".join("?" * len(FIND_STATUSES))
        codes = ",".join("?" * len(FIND_SEQUENCES))
        rows = self.all(
            f"""SELECT s.id, s.code, s.sg_status_list, s.sg_sequence__id, q.code,
                       s.project__id, p.name, s.description
                FROM "Shot" s
                LEFT JOIN "Sequence" q ON s.sg_sequence__type = 'Sequence'
                     AND q.id = s.sg_sequence__id AND q._retired_at IS NULL
                LEFT JOIN "Project" p ON s.project__type = 'Project'
                     AND p.id = s.project__id AND p._retired_at IS NULL
                WHERE s._retired_at IS NULL AND s.sg_status_list IN ({statuses})
                  AND q.code IN ({codes})
                ORDER BY s.id LIMIT 500""",
            [*FIND_STATUSES, *FIND_SEQUENCES],
        )
        return [{**_hand_shot(r), "sg_sequence.Sequence.code": r[4]} for r in rows]

    # (f)-(i)
    def find_shape(self, shape: FindShape) -> list[dict[str, Any]]:
        escape = " ESCAPE '\\'" if "LIKE" in shape.where else ""
        rows = self.all(
            f"""SELECT s.id, s.code, s.sg_status_list, s.sg_sequence__id, q.code,
                       s.project__id, p.name, s.description, s.created_at
                FROM "Shot" s
                LEFT JOIN "Sequence" q ON s.sg_sequence__type = 'Sequence'
                     AND q.id = s.sg_sequence__id AND q._retired_at IS NULL
                LEFT JOIN "Project" p ON s.project__type = 'Project'
                     AND p.id = s.project__id AND p._retired_at IS NULL
                WHERE s._retired_at IS NULL AND {shape.where}{escape}
                ORDER BY {shape.order_sql} LIMIT 500""",
            shape.params,
        )
        return [{**_hand_shot(r), "created_at": _local(r[8])} for r in rows]

    # (b)
    def find_task(self, task_id: int) -> dict[str, Any] | None:
        rows = self.all(
            """SELECT t.id, t.content, t.sg_status_list, t.entity__type, t.entity__id, e.code,
                      t.step__id, st.code, t.project__id, p.name, t.start_date, t.due_date,
                      t.created_at, t.created_by__type, t.created_by__id, u.firstname,
                      t.updated_at
               FROM "Task" t
               LEFT JOIN "Shot" e ON t.entity__type = 'Shot' AND e.id = t.entity__id
                    AND e._retired_at IS NULL
               LEFT JOIN "Step" st ON t.step__type = 'Step' AND st.id = t.step__id
                    AND st._retired_at IS NULL
               LEFT JOIN "Project" p ON t.project__type = 'Project' AND p.id = t.project__id
                    AND p._retired_at IS NULL
               LEFT JOIN "ApiUser" u ON t.created_by__type = 'ApiUser'
                    AND u.id = t.created_by__id AND u._retired_at IS NULL
               WHERE t.id = ? AND t._retired_at IS NULL""",
            (task_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return {
            "type": "Task",
            "id": r[0],
            "content": r[1],
            "sg_status_list": r[2],
            "entity": {"type": r[3], "id": r[4], "name": r[5]} if r[5] is not None else None,
            "step": {"type": "Step", "id": r[6], "name": r[7]} if r[7] is not None else None,
            "project": {"type": "Project", "id": r[8], "name": r[9]} if r[9] is not None else None,
            "start_date": _date(r[10]),
            "due_date": _date(r[11]),
            "created_at": _local(r[12]),
            "created_by": {"type": r[13], "id": r[14], "name": r[15]} if r[14] else None,
            "updated_at": _local(r[16]),
        }

    # (c)
    def summarize_tasks(self) -> dict[str, Any]:
        rows = self.all(
            'SELECT sg_status_list, count(*) FROM "Task" WHERE _retired_at IS NULL '
            "GROUP BY sg_status_list"
        )
        groups = [
            {"group_name": status, "group_value": status, "summaries": {"id": count}}
            for status, count in sorted(rows, key=lambda r: str(r[0]).lower())
        ]
        return {"summaries": {"id": sum(r[1] for r in rows)}, "groups": groups}

    # (d)
    def create_shots(
        self, batches: list[list[dict[str, Any]]], actor: tuple[str, int, str]
    ) -> None:
        """The same rows the engine writes: Shots, then their events with ids from the counter."""
        actor_type, actor_id, actor_name = actor
        shot_columns = (
            "code, project__type, project__id, sg_sequence__type, sg_sequence__id, "
            "sg_status_list, description, created_at, created_by__type, created_by__id, "
            "updated_at, updated_by__type, updated_by__id"
        )
        one_row = "(" + ",".join("?" * 13) + ")"
        event_sql = self.sql(
            'INSERT INTO "EventLogEntry" (id, event_type, attribute_name, description, '
            "entity__type, entity__id, project__type, project__id, user__type, user__id, meta, "
            "session_uuid, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
        )
        for batch in batches:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
            stamp = now.isoformat(" ") + ".000000" if self.is_sqlite else now
            self.conn.execute("BEGIN IMMEDIATE" if self.is_sqlite else "BEGIN")
            sequence_ids = sorted({s["sg_sequence"]["id"] for s in batch})
            sequences = {
                r[0]: (r[1], r[2])
                for r in self.all(
                    'SELECT id, code, project__id FROM "Sequence" WHERE id IN ('
                    + ",".join("?" * len(sequence_ids))
                    + ") AND _retired_at IS NULL",
                    sequence_ids,
                )
            }
            params: list[Any] = []
            for s in batch:
                params += [
                    s["code"],
                    "Project",
                    s["project"]["id"],
                    "Sequence",
                    s["sg_sequence"]["id"],
                    s["sg_status_list"],
                    s["description"],
                    stamp,
                    actor_type,
                    actor_id,
                    stamp,
                    actor_type,
                    actor_id,
                ]
            ids = [
                r[0]
                for r in self.all(
                    f'INSERT INTO "Shot" ({shot_columns}) VALUES '
                    + ",".join([one_row] * len(batch))
                    + " RETURNING id",
                    params,
                )
            ]
            events: list[tuple] = []
            for shot_id, s in zip(sorted(ids), batch, strict=True):
                events.extend(_shot_events(shot_id, s, sequences, actor_name))
            last = self.all(
                "UPDATE _cs_counters SET value = value + ? WHERE name = 'event_log' "
                "RETURNING value",
                (len(events),),
            )[0][0]
            first = last - len(events) + 1
            cur = self.conn.cursor()
            cur.executemany(
                event_sql,
                [
                    (first + n, *e[:7], actor_type, actor_id, e[7], None, stamp)
                    for n, e in enumerate(events)
                ],
            )
            self.conn.execute("COMMIT")


def _shot_events(
    shot_id: int, s: dict[str, Any], sequences: dict[int, tuple[str, int]], actor: str
) -> list[tuple]:
    """(event_type, attribute, description, entity type/id, project type/id, meta) of a create."""
    project = s["project"]["id"]
    seq_id = s["sg_sequence"]["id"]
    seq_code, seq_project = sequences[seq_id]
    code = s["code"]

    def row(event_type: str, attribute: str | None, text: str, meta: dict, entity=None) -> tuple:
        entity_type, entity_id = entity or ("Shot", shot_id)
        proj = seq_project if entity else project
        return (
            event_type,
            attribute,
            text,
            entity_type,
            entity_id,
            "Project",
            proj,
            json.dumps(meta),
        )

    def change(field: str, data_type: str, label: str, value: Any, text: str) -> tuple:
        meta = {
            "type": "attribute_change",
            "attribute_name": field,
            "entity_type": "Shot",
            "entity_id": shot_id,
            "field_data_type": data_type,
            "old_value": None,
            "new_value": value,
            "in_create": True,
        }
        return row(
            "Shotgun_Shot_Change",
            field,
            f'{actor} changed "{label}" from "" to "{text}" on Shot {code}',
            meta,
        )

    return [
        row(
            "Shotgun_Shot_New",
            None,
            f"{actor} created new Shot {code}",
            {"type": "new_entity", "entity_type": "Shot", "entity_id": shot_id},
        ),
        change("code", "text", "Shot Code", code, code),
        change(
            "sg_sequence",
            "entity",
            "Sequence",
            {"type": "Sequence", "id": seq_id, "name": seq_code},
            f"Sequence {seq_id}",
        ),
        row(
            "Shotgun_Sequence_Change",
            "shots",
            f'{actor} changed "Shots" on Sequence {seq_code}',
            {
                "type": "attribute_change",
                "attribute_name": "shots",
                "actual_attribute_changed": "Shot.sg_sequence",
                "entity_type": "Sequence",
                "entity_id": seq_id,
                "field_data_type": "multi_entity",
                "added": [{"type": "Shot", "id": shot_id, "name": code}],
                "removed": [],
                "in_create": True,
            },
            entity=("Sequence", seq_id),
        ),
        change("sg_status_list", "status_list", "Status", s["sg_status_list"], s["sg_status_list"]),
        change("description", "text", "Description", s["description"], s["description"]),
    ]


def _date(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _hand_shot(r: Any) -> dict[str, Any]:
    """A Shot as find() answers it, from the hand-written SQL's columns (id, code, status,
    sequence id and code, project id and name, description)."""
    return {
        "type": "Shot",
        "id": r[0],
        "code": r[1],
        "sg_status_list": r[2],
        "sg_sequence": {"type": "Sequence", "id": r[3], "name": r[4]} if r[4] else None,
        "project": {"type": "Project", "id": r[5], "name": r[6]} if r[6] else None,
        "description": r[7],
    }


def _local(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC).astimezone()


# -- the engine side ------------------------------------------------------------------------------


def engine_find_shots(sg: Any) -> list[dict[str, Any]]:
    return sg.find(
        "Shot",
        [
            ["sg_status_list", "in", FIND_STATUSES],
            ["sg_sequence.Sequence.code", "in", FIND_SEQUENCES],
        ],
        FIND_FIELDS,
        limit=500,
    )


def shot_batches(sg: Any, tag: str) -> list[list[dict[str, Any]]]:
    """10,000 new Shots over the site's Sequences, as 20 batches of 500."""
    sequences = sg.find("Sequence", [], ["project"], order=[{"field_name": "id"}], limit=200)
    shots = []
    for n in range(CREATE_TOTAL):
        seq = sequences[n % len(sequences)]
        shots.append(
            {
                "code": f"NEW_{tag}_{n:05d}",
                "project": {"type": "Project", "id": seq["project"]["id"]},
                "sg_sequence": {"type": "Sequence", "id": seq["id"]},
                "sg_status_list": SHOT_STATUSES[n % len(SHOT_STATUSES)],
                "description": f"bench shot {n}",
            }
        )
    return [shots[i : i + CREATE_BATCH] for i in range(0, len(shots), CREATE_BATCH)]


def engine_create(sg: Any, batches: list[list[dict[str, Any]]]) -> None:
    for batch in batches:
        sg.batch([{"request_type": "create", "entity_type": "Shot", "data": d} for d in batch])


# -- one dialect ----------------------------------------------------------------------------------


@dataclass
class Result:
    dialect: str
    operation: str
    engine_s: float
    raw_s: float

    @property
    def ratio(self) -> float:
        return self.engine_s / self.raw_s

    @property
    def target(self) -> float:
        return TARGETS[self.operation]


def _event_count(raw: RawSQL) -> int:
    return raw.all('SELECT count(*) FROM "EventLogEntry"')[0][0]


def bench_dialect(
    dialect: str,
    database: str,
    repeat: int,
    profile_dir: Path | None,
    log: Callable[[str], None],
    skip_creates: bool = False,
) -> list[Result]:
    sg = callsheet.connect(database)
    raw = RawSQL(database)
    results: list[Result] = []
    try:
        # (a)
        engine_rows, raw_rows = engine_find_shots(sg), raw.find_shots()
        if engine_rows != raw_rows:
            raise SystemExit(
                f"{dialect}: raw find differs from the engine's\n{engine_rows[:2]}\n{raw_rows[:2]}"
            )
        log(f"  (a) both return {len(engine_rows)} Shots")
        results.append(
            Result(
                dialect,
                "find_500",
                median_time(lambda: engine_find_shots(sg), repeat),
                median_time(raw.find_shots, repeat),
            )
        )
        # (f)-(i)
        shot_ids = [r[0] for r in raw.all('SELECT id FROM "Shot" ORDER BY id LIMIT 5000')]
        for name, shape in find_shapes(shot_ids).items():

            def engine_shape(shape: FindShape = shape) -> Any:
                return sg.find("Shot", shape.filters, SHAPE_FIELDS, list(shape.order), limit=500)

            engine_rows, raw_rows = engine_shape(), raw.find_shape(shape)
            if engine_rows != raw_rows or not raw_rows:
                raise SystemExit(
                    f"{dialect}: raw {name} differs from the engine's ({len(engine_rows)} vs "
                    f"{len(raw_rows)} rows)\n{engine_rows[:2]}\n{raw_rows[:2]}"
                )
            results.append(
                Result(
                    dialect,
                    name,
                    median_time(engine_shape, repeat),
                    median_time(lambda shape=shape: raw.find_shape(shape), repeat),
                )
            )
        # (b)
        task_id = raw.all('SELECT max(id) FROM "Task"')[0][0] // 2
        engine_task = sg.find_one("Task", [["id", "is", task_id]], TASK_FIELDS)
        if engine_task != raw.find_task(task_id):
            raise SystemExit(
                f"{dialect}: raw find_one differs\n{engine_task}\n{raw.find_task(task_id)}"
            )

        def engine_one() -> Any:
            return sg.find_one("Task", [["id", "is", task_id]], TASK_FIELDS)

        results.append(
            Result(
                dialect,
                "find_one",
                median_time(engine_one, repeat * 20, warmup=5),
                median_time(lambda: raw.find_task(task_id), repeat * 20, warmup=5),
            )
        )
        # (c)
        summary_args = (
            "Task",
            [],
            [{"field": "id", "type": "record_count"}],
        )
        grouping = [{"field": "sg_status_list", "type": "exact", "direction": "asc"}]

        def engine_summary() -> Any:
            return sg.summarize(*summary_args, grouping=grouping)

        engine_summary_result = engine_summary()
        if engine_summary_result != raw.summarize_tasks():
            raise SystemExit(
                f"{dialect}: raw summarize differs\n{engine_summary_result}\n"
                f"{raw.summarize_tasks()}"
            )
        log(
            f"  (c) {engine_summary_result['summaries']['id']:,} Tasks in "
            f"{len(engine_summary_result['groups'])} groups"
        )
        results.append(
            Result(
                dialect,
                "summarize",
                median_time(engine_summary, repeat),
                median_time(raw.summarize_tasks, repeat),
            )
        )
        if profile_dir:
            _profile(
                profile_dir / f"{dialect}-find_500.txt",
                lambda: [engine_find_shots(sg) for _ in range(20)],
            )
            _profile(
                profile_dir / f"{dialect}-find_one.txt", lambda: [engine_one() for _ in range(500)]
            )
            _profile(
                profile_dir / f"{dialect}-summarize.txt",
                lambda: [engine_summary() for _ in range(3)],
            )
        if skip_creates:
            return results
        # (d): 10,000 new Shots per run; fewer runs, a 500-Shot warm-up each side
        create_repeat = max(1, min(repeat, 3))
        actor = (sg.actor.entity_type, sg.actor.id, sg.actor.name)
        runs = iter(range(1000))
        before = _event_count(raw)
        engine_create(sg, shot_batches(sg, "warm")[:1])
        per_shot_engine = (_event_count(raw) - before) / CREATE_BATCH
        before = _event_count(raw)
        raw.create_shots(shot_batches(sg, "rawwarm")[:1], actor)
        per_shot_raw = (_event_count(raw) - before) / CREATE_BATCH
        if per_shot_engine != per_shot_raw:
            raise SystemExit(
                f"{dialect}: engine writes {per_shot_engine} events per Shot, raw {per_shot_raw}"
            )
        log(f"  (d) both write {per_shot_engine:g} event rows per Shot")
        engine_times, raw_times = [], []
        for _ in range(create_repeat):
            batches = shot_batches(sg, f"e{next(runs)}")
            started = time.perf_counter()
            engine_create(sg, batches)
            engine_times.append(time.perf_counter() - started)
            batches = shot_batches(sg, f"r{next(runs)}")
            started = time.perf_counter()
            raw.create_shots(batches, actor)
            raw_times.append(time.perf_counter() - started)
        results.append(
            Result(
                dialect, "create_10k", statistics.median(engine_times), statistics.median(raw_times)
            )
        )
        if profile_dir:
            batches = shot_batches(sg, "profile")[:4]
            _profile(profile_dir / f"{dialect}-create.txt", lambda: engine_create(sg, batches))
    finally:
        raw.close()
        sg.close()
    return results


def _profile(path: Path, run: Callable[[], Any]) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    run()
    profiler.stop()
    path.write_text(profiler.output_text(unicode=True, color=False, show_all=False))


# -- (e) mockgun ----------------------------------------------------------------------------------


def bench_mockgun(repeat: int, log: Callable[[str], None]) -> tuple[float, float, int]:
    """The find of (a) on a 10,000-Shot site: Callsheet in-memory vs mockgun; returns times."""
    from shotgun_api3.lib import mockgun

    shape = Shape(projects=10, sequences=100, shots_per_sequence=100, tasks=False, versions=False)
    sg = callsheet.connect()
    populate(sg, shape, log=lambda _: None)
    folder = Path(tempfile.mkdtemp(prefix="callsheet-mockgun-"))
    schema, entities = folder / "schema.pickle", folder / "schema_entity.pickle"
    schema.write_bytes(pickle.dumps(sg.schema_read()))
    entities.write_bytes(pickle.dumps(sg.schema_entity_read()))
    mockgun.Shotgun.set_schema_paths(str(schema), str(entities))
    mock = mockgun.Shotgun("https://mockgun.example.com", script_name="bench", api_key="x")
    # the same projects, sequences and shots, created through mockgun's create/batch
    ids: dict[tuple[str, int], dict[str, Any]] = {}
    for p in sg.find(
        "Project",
        [["name", "starts_with", "Feature"]],
        ["name", "code"],
        order=[{"field_name": "id"}],
    ):
        ids[("Project", p["id"])] = mock.create("Project", {"name": p["name"], "code": p["code"]})
    for entity_type, fields in (
        ("Sequence", ["code", "project", "sg_status_list", "description"]),
        (
            "Shot",
            [
                "code",
                "project",
                "sg_sequence",
                "sg_status_list",
                "description",
                "sg_cut_in",
                "sg_cut_out",
            ],
        ),
    ):
        records = sg.find(entity_type, [], fields, order=[{"field_name": "id"}])
        for start in range(0, len(records), CREATE_BATCH):
            requests = []
            for r in records[start : start + CREATE_BATCH]:
                data = {}
                for f in fields:
                    v = r[f]
                    data[f] = (
                        {"type": v["type"], "id": ids[(v["type"], v["id"])]["id"]}
                        if isinstance(v, dict)
                        else v
                    )
                requests.append(
                    {"request_type": "create", "entity_type": entity_type, "data": data}
                )
            for r, made in zip(
                records[start : start + CREATE_BATCH], mock.batch(requests), strict=True
            ):
                ids[(entity_type, r["id"])] = made
    mock_rows = mock.find(
        "Shot",
        [
            ["sg_status_list", "in", FIND_STATUSES],
            ["sg_sequence.Sequence.code", "in", FIND_SEQUENCES],
        ],
        FIND_FIELDS,
        limit=500,
    )
    engine_rows = engine_find_shots(sg)
    log(
        f"  (e) {len(sg.find('Shot', [], ['id'])):,} Shots each; Callsheet returns "
        f"{len(engine_rows)}, mockgun {len(mock_rows)} (mockgun ignores the limit here and "
        "leaves out link names)"
    )

    def mock_find() -> Any:
        return mock.find(
            "Shot",
            [
                ["sg_status_list", "in", FIND_STATUSES],
                ["sg_sequence.Sequence.code", "in", FIND_SEQUENCES],
            ],
            FIND_FIELDS,
            limit=500,
        )

    engine_s = median_time(lambda: engine_find_shots(sg), repeat)
    mock_s = median_time(mock_find, repeat)
    sg.close()
    return engine_s, mock_s, len(engine_rows)


# -- main -----------------------------------------------------------------------------------------


def postgres_reachable(url: str) -> str | None:
    """None when a server answers at `url`'s host; else why not."""
    import psycopg

    base = url.rpartition("/")[0]
    try:
        psycopg.connect(f"{base}/postgres", connect_timeout=3).close()
    except Exception as error:  # any failure means: skip PostgreSQL, saying why
        return str(error).strip().splitlines()[0]
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=float, default=0.01, help="1 = 100,000 Shots (default 0.01)"
    )
    parser.add_argument(
        "--sqlite", default=None, help="SQLite file (default /tmp/callsheet-bench-<scale>.sqlite3)"
    )
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/callsheet_bench",
        help="PostgreSQL URL; the database is (re)created unless --skip-generate",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per operation (median)")
    parser.add_argument(
        "--skip-generate", action="store_true", help="reuse the generated databases"
    )
    parser.add_argument("--skip-mockgun", action="store_true")
    parser.add_argument("--skip-creates", action="store_true", help="leave out (d)")
    parser.add_argument(
        "--fastest", action="store_true", help="the fastest run of each, not the median"
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time reads by this process's CPU time, not wall time ((d) stays wall time)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="write pyinstrument profiles of the engine operations to this folder",
    )
    args = parser.parse_args(argv)
    if args.fastest:
        SUMMARY[0] = min
    if args.cpu:
        CLOCK[0] = time.process_time
    sqlite_path = args.sqlite or os.path.join(
        tempfile.gettempdir(), f"callsheet-bench-{args.scale:g}.sqlite3"
    )
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(message, flush=True)

    databases = [("sqlite", sqlite_path)]
    if args.no_postgres:
        log("PostgreSQL: skipped (--no-postgres)")
    else:
        why = postgres_reachable(args.postgres)
        if why is None:
            databases.append(("postgresql", args.postgres))
        else:
            log(f"PostgreSQL: SKIPPED, no server at {args.postgres} ({why})")
    results: list[Result] = []
    for dialect, database in databases:
        if not args.skip_generate:
            made = generate(database, args.scale, replace=True, log=lambda m: None)
            log(f"{dialect}: generated scale {args.scale:g} in {made.seconds:.1f} s")
        log(f"{dialect}: benchmarking {database}")
        results.extend(
            bench_dialect(dialect, database, args.repeat, args.profile, log, args.skip_creates)
        )
    mockgun = None if args.skip_mockgun else bench_mockgun(args.repeat, log)

    print()
    print(
        f"scale {args.scale:g} ({round(100_000 * args.scale):,} Shots, "
        f"{round(400_000 * args.scale):,} Tasks); {'fastest' if args.fastest else 'medians'} "
        f"{'(CPU time) ' if args.cpu else ''}"
        f"of {args.repeat} runs "
        f"((b): {args.repeat * 20}; (d): {max(1, min(args.repeat, 3))}) after warm-up"
    )
    header = (
        f"{'dialect':<11} {'operation':<45} {'callsheet':>11} {'raw SQL':>11} "
        f"{'ratio':>7} {'target':>7}"
    )
    print(header)
    print("-" * len(header) + "-------")
    failed = 0
    for r in results:
        verdict = "PASS" if r.ratio <= r.target else "FAIL"
        failed += verdict == "FAIL"
        print(
            f"{r.dialect:<11} {LABELS[r.operation]:<45} {_ms(r.engine_s):>11} {_ms(r.raw_s):>11} "
            f"{r.ratio:>6.2f}x {'<= ' + format(r.target, 'g'):>7} {verdict}"
        )
    if mockgun:
        engine_s, mock_s, count = mockgun
        print(
            f"\n(e) find {count} of 10,000 Shots: Callsheet in-memory {_ms(engine_s)}, "
            f"mockgun {_ms(mock_s)}: Callsheet is {mock_s / engine_s:.1f}x faster"
        )
    return 1 if failed else 0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


if __name__ == "__main__":
    sys.exit(main())
