"""Reads as an Artist against the same reads as an Admin, on the generated site.

An Artist sees only the projects they are on: every read adds those conditions to its SQL (the
main WHERE, each deep-link join, each filter subquery, the linked names). The target is that an
Artist's reads take at most 1.5x an Admin's. The Artist here is on 9 of the 10 projects, and the
reads are chosen so both return the same rows (the hidden project holds none of them), so the
ratio is the cost of the permission SQL alone:

  (a) find 500 Shots by status and their Sequence's code (deep filter), 6 fields, one deep
  (b) find one Task by id with 10 fields (the prepared point lookup)
  (c) summarize record_count of all Tasks grouped by status
  (d) find 500 Versions with deep fields through their Shot and Task, newest first
  (e) text_search Shots by code

    python bench/bench_permissions.py --scale 0.1
    python bench/bench_permissions.py --scale 0.1 --skip-generate --no-postgres
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import (
    FIND_FIELDS,
    FIND_SEQUENCES,
    FIND_STATUSES,
    TASK_FIELDS,
    postgres_reachable,
)
from generate import generate

import callsheet
from callsheet.site.accounts import admin_actor, create_user

TARGET = 1.5
ARTIST_LOGIN, ADMIN_LOGIN = "bench artist", "bench admin"
HIDDEN_PROJECT = "Feature 01"  # its Sequences are not among FIND_SEQUENCES
VERSION_FIELDS = [
    "code",
    "entity",
    "entity.Shot.code",
    "entity.Shot.sg_sequence",
    "sg_task",
    "sg_task.Task.content",
    "project",
    "sg_status_list",
]
# bench_engine's Task fields, but `created_by` (a script, which Artists may not see: it reads None
# for them) swapped for a deep field, so both read the same values
FIELDS_OF_TASK = [f for f in TASK_FIELDS if f != "created_by"] + ["entity.Shot.code"]


def prepare(database: str, log: Callable[[str], None]) -> None:
    """An Admin and an Artist person; the Artist on every project but HIDDEN_PROJECT."""
    sg = callsheet.connect(database)
    try:
        site = sg.site
        if sg.find_one("HumanUser", [["login", "is", ARTIST_LOGIN]]) is None:
            create_user(site, ARTIST_LOGIN, "Bench Artist", "pw", "Artist")
            create_user(site, ADMIN_LOGIN, "Bench Admin", "pw", "Admin")
        artist = sg.find_one("HumanUser", [["login", "is", ARTIST_LOGIN]])
        projects = sg.find("Project", [["name", "starts_with", "Feature"]], ["name"])
        on = [p for p in projects if p["name"] != HIDDEN_PROJECT]
        site.update(admin_actor(site), "HumanUser", artist["id"], {"projects": on})
        log(f"  the Artist is on {len(on)} of {len(projects)} projects")
    finally:
        sg.close()


@dataclass
class Read:
    label: str
    run: Callable[[Any], Any]
    repeat_factor: int = 1


def reads(task_id: int) -> list[Read]:
    return [
        Read(
            "(a) find 500 Shots, deep filter + deep field",
            lambda sg: sg.find(
                "Shot",
                [
                    ["sg_status_list", "in", FIND_STATUSES],
                    ["sg_sequence.Sequence.code", "in", FIND_SEQUENCES],
                ],
                FIND_FIELDS,
                limit=500,
            ),
        ),
        Read(
            "(b) find one Task by id, 10 fields",
            lambda sg: sg.find_one("Task", [["id", "is", task_id]], FIELDS_OF_TASK),
            repeat_factor=20,
        ),
        Read(
            "(c) summarize Tasks by status",
            lambda sg: sg.summarize(
                "Task",
                [["project.Project.name", "is_not", HIDDEN_PROJECT]],
                [{"field": "id", "type": "record_count"}],
                grouping=[{"field": "sg_status_list", "type": "exact", "direction": "asc"}],
            ),
        ),
        Read(
            "(d) find 500 Versions, deep fields",
            lambda sg: sg.find(
                "Version",
                [["project.Project.name", "is_not", HIDDEN_PROJECT]],
                VERSION_FIELDS,
                order=[{"field_name": "id", "direction": "desc"}],
                limit=500,
            ),
        ),
        Read(
            "(e) text_search Shots",
            lambda sg: sg.text_search("SQ0005", {"Shot": []}, limit=50),
        ),
    ]


@dataclass
class Result:
    dialect: str
    label: str
    admin_s: float
    artist_s: float
    rows: str

    @property
    def ratio(self) -> float:
        return self.artist_s / self.admin_s


def bench_dialect(
    dialect: str, database: str, repeat: int, log: Callable[[str], None]
) -> list[Result]:
    prepare(database, log)
    admin = callsheet.connect(database, as_user=ADMIN_LOGIN)
    artist = callsheet.connect(database, as_user=ARTIST_LOGIN)
    results = []
    try:
        hidden = admin.find_one("Project", [["name", "is", HIDDEN_PROJECT]])
        task = admin.find_one(
            "Task",
            [["project", "is_not", hidden]],
            order=[{"field_name": "id", "direction": "desc"}],
        )
        for read in reads(task["id"]):
            as_admin, as_artist = read.run(admin), read.run(artist)
            if as_admin != as_artist:
                raise SystemExit(
                    f"{dialect} {read.label}: the Artist reads other rows than the Admin"
                )
            admin_s, artist_s = paired_medians(
                lambda r=read: r.run(admin),
                lambda r=read: r.run(artist),
                repeat * read.repeat_factor,
            )
            results.append(Result(dialect, read.label, admin_s, artist_s, _size(as_admin)))
        # what the Artist does not see: the hidden project's rows are absent
        assert artist.find_one("Shot", [["project", "is", hidden]]) is None
        assert admin.find_one("Shot", [["project", "is", hidden]]) is not None
    finally:
        admin.close()
        artist.close()
    return results


def paired_medians(
    first: Callable[[], Any], second: Callable[[], Any], repeat: int
) -> tuple[float, float]:
    """Median times of two calls measured alternately, so load from other work on the machine
    falls on both alike."""
    for _ in range(max(1, repeat // 10)):
        first()
        second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for run, into in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            run()
            into.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def _size(answer: Any) -> str:
    if isinstance(answer, list):
        return f"{len(answer)} rows"
    if isinstance(answer, dict) and "matches" in answer:
        return f"{len(answer['matches'])} matches"
    if isinstance(answer, dict) and "groups" in answer:
        return f"{answer['summaries']['id']:,} in {len(answer['groups'])} groups"
    return "1 row" if answer else "none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1, help="1 = 100,000 Shots")
    parser.add_argument("--sqlite", default=None, help="SQLite file")
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432/callsheet_bench_permissions"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip-generate", action="store_true")
    args = parser.parse_args(argv)
    sqlite_path = args.sqlite or os.path.join(
        tempfile.gettempdir(), f"callsheet-bench-permissions-{args.scale:g}.sqlite3"
    )

    def log(message: str) -> None:
        print(message, flush=True)

    databases = [("sqlite", sqlite_path)]
    if not args.no_postgres:
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
        results.extend(bench_dialect(dialect, database, args.repeat, log))
    print()
    print(f"scale {args.scale:g}; medians of {args.repeat} runs ((b): {args.repeat * 20})")
    header = (
        f"{'dialect':<11} {'read':<46} {'Admin':>10} {'Artist':>10} {'ratio':>7} "
        f"{'target':>7}  rows"
    )
    print(header)
    print("-" * (len(header) + 20))
    failed = 0
    for r in results:
        verdict = "PASS" if r.ratio <= TARGET else "FAIL"
        failed += verdict == "FAIL"
        print(
            f"{r.dialect:<11} {r.label:<46} {_ms(r.admin_s):>10} {_ms(r.artist_s):>10} "
            f"{r.ratio:>6.2f}x {'<= ' + format(TARGET, 'g'):>7} {verdict}  {r.rows}"
        )
    return 1 if failed else 0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


if __name__ == "__main__":
    sys.exit(main())
