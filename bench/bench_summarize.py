"""summarize with nested groupings against hand-written GROUP BY SQL (issue 10 §1.7).

Nested groupings used to nest each level's rows by rescanning the next level for every group:
8,000 Shots grouped by [id, code] took 6.7 s. Now each level is one GROUP BY and the levels are
nested in one pass, so the ratio to the same GROUP BYs written by hand (plain `sqlite3` /
`psycopg`, nested with a dict) should stay small and not grow with the number of Shots:

  (a) record_count + max(sg_cut_duration) grouped by [id, code]         (one group per Shot)
  (b) the same grouped by [sg_sequence, sg_status_list]                  (entity groups)
  (c) the same grouped by [sg_cut_duration tens, sg_status_list]

    python bench/bench_summarize.py --shots 8000
    python bench/bench_summarize.py --shots 8000 --postgres postgresql://postgres@127.0.0.1/bench_sum
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import callsheet

SUMMARIES = [
    {"field": "id", "type": "record_count"},
    {"field": "sg_cut_duration", "type": "maximum"},
]
CASES: dict[str, tuple[list[dict[str, str]], str, str]] = {
    # name: (grouping, level-1 key SQL, level-2 key SQL)
    "(a) [id, code]": (
        [{"field": "id", "type": "exact"}, {"field": "code", "type": "exact"}],
        "id",
        "code",
    ),
    "(b) [sg_sequence, sg_status_list]": (
        [{"field": "sg_sequence", "type": "exact"}, {"field": "sg_status_list", "type": "exact"}],
        "sg_sequence__id",
        "sg_status_list",
    ),
    "(c) [sg_cut_duration tens, sg_status_list]": (
        [
            {"field": "sg_cut_duration", "type": "tens"},
            {"field": "sg_status_list", "type": "exact"},
        ],
        "CAST(sg_cut_duration / 10 AS INTEGER) * 10",
        "sg_status_list",
    ),
}


def fill(sg: Any, shots: int) -> None:
    project = sg.create("Project", {"name": "Bench summarize"})
    sequences = [
        sg.create("Sequence", {"code": f"SQ{n:03d}", "project": project}) for n in range(40)
    ]
    for start in range(0, shots, 500):
        sg.batch(
            [
                {
                    "request_type": "create",
                    "entity_type": "Shot",
                    "data": {
                        "code": f"sh{n:05d}",
                        "project": project,
                        "sg_sequence": sequences[n % len(sequences)],
                        "sg_status_list": ["ip", "fin", "wtg", "rdy"][n % 4],
                        "sg_cut_duration": (n * 37) % 2000,
                    },
                }
                for n in range(start, min(shots, start + 500))
            ]
        )


def hand_written(raw: Any, first: str, second: str) -> Any:
    """The two GROUP BYs the engine runs, nested with a dict (what the engine must not beat)."""
    base = 'FROM "Shot" WHERE _retired_at IS NULL'
    aggregates = "count(id), max(sg_cut_duration)"
    cursor = raw.cursor()
    cursor.execute(f"SELECT {first}, {aggregates} {base} GROUP BY 1")
    level1 = cursor.fetchall()
    cursor.execute(f"SELECT {first}, {second}, {aggregates} {base} GROUP BY 1, 2")
    children: dict[Any, list[Any]] = defaultdict(list)
    for row in cursor.fetchall():
        children[row[0]].append(
            {"group_value": row[1], "summaries": {"id": row[2], "sg_cut_duration": row[3]}}
        )
    return [
        {
            "group_value": key,
            "summaries": {"id": count, "sg_cut_duration": top},
            "groups": children[key],
        }
        for key, count, top in level1
    ]


def median_s(run: Callable[[], Any], repeat: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(url: str, label: str, shots: int, repeat: int) -> None:
    sg = callsheet.connect(url)
    try:
        fill(sg, shots)
        store = sg.site.store
        print(f"{label}, {shots} Shots")
        for name, (grouping, first, second) in CASES.items():
            engine = median_s(
                lambda g=grouping: sg.summarize("Shot", [], SUMMARIES, grouping=g), repeat
            )
            raw_connection = store.engine.raw_connection()
            try:
                raw = raw_connection.driver_connection
                sql = median_s(
                    lambda r=raw, a=first, b=second: hand_written(r, a, b),  # type: ignore[misc]
                    repeat,
                )
            finally:
                raw_connection.close()
            print(
                f"  {name:45s} engine {engine * 1000:8.1f} ms   SQL {sql * 1000:8.1f} ms"
                f"   ratio {engine / sql:5.2f}"
            )
    finally:
        sg.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=8000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", help="a PostgreSQL URL of an empty database to fill")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(str(Path(folder) / "site.sqlite3"), "SQLite", args.shots, args.repeat)
    if args.postgres:
        measure(args.postgres, "PostgreSQL", args.shots, args.repeat)


if __name__ == "__main__":
    main()
