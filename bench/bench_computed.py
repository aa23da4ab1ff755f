"""A find of 500 Shots with computed fields against the same find without them (issue 12 §6).

On the generated site (bench/generate.py: 100,000 Shots, 4 Tasks and 2 Versions each at scale 1),
three query fields are added to Shot, each one correlated subquery per returned row:

  sg_task_count       record_count of the Shot's Tasks (Task.entity is the current entity)
  sg_finished_tasks   status_percentage of those Tasks (share of "fin")
  sg_latest_version   single_record: the code of the Shot's newest Version

and, once calculated fields exist (store/kinds/calculated.py), the CALCULATED fields below. The
target: the find with them takes at most 3x the find without them, on both databases.

    python bench/bench_computed.py --scale 0.1
    python bench/bench_computed.py --scale 1 --postgres postgresql://postgres@127.0.0.1:5432/cs_bench_computed
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import generate as generator

import callsheet

CURRENT_SHOT = [["entity", "is", {"type": "Entity", "id": 0, "valid": "parent_entity_token"}]]
QUERY_FIELDS: dict[str, dict[str, Any]] = {
    "Task Count": {"entity_type": "Task", "filters": CURRENT_SHOT},
    "Finished Tasks": {
        "entity_type": "Task",
        "filters": CURRENT_SHOT,
        "summary_default": "status_percentage",
        "summary_field": "sg_status_list",
    },
    "Latest Version": {
        "entity_type": "Version",
        "filters": CURRENT_SHOT,
        "summary_default": "single_record",
        "summary_field": "code",
        "summary_value": {"column": "created_at", "direction": "desc"},
    },
}
# The one calculated field (§6): display name -> definition.
CALCULATED_FIELDS: dict[str, Any] = {
    "Cut Length": {"formula": "{sg_cut_out} - {sg_cut_in} + 1", "output_type": "number"}
}
PLAIN_FIELDS = ["code", "sg_status_list", "sg_sequence", "sg_cut_in", "sg_cut_out"]


def add_computed_fields(sg: Any) -> list[str]:
    """Create the benchmark's computed fields on Shot (once); their system names."""
    site = sg.site
    existing = {f.display_name: name for name, f in site.store.schema.entity("Shot").fields.items()}
    wanted: list[tuple[str, str, Any]] = [("summary", n, d) for n, d in QUERY_FIELDS.items()]
    wanted += [("calculated", n, d) for n, d in CALCULATED_FIELDS.items()]
    names = []
    for data_type, display_name, definition in wanted:
        name = existing.get(display_name) or site.computed_field_create(
            sg.actor, "Shot", data_type, display_name, definition
        )
        names.append(name)
    return names


def timed(call: Any, repeat: int) -> float:
    call()  # warm: plans cached, pages in memory
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(database: str, scale: float, repeat: int, reuse: bool) -> dict[str, Any]:
    if not reuse:
        generator.generate(database, scale, replace=True, log=lambda line: None)
    sg = callsheet.connect(database)
    try:
        computed = add_computed_fields(sg)
        total = sg.summarize("Shot", [], [{"field": "id", "type": "record_count"}])
        shots = total["summaries"]["id"]
        offset = max(0, shots // 2 - 250)  # a page from the middle, not the cached first rows
        filters = [["sg_status_list", "is_not", "omt"]]

        def find(fields: list[str]) -> Any:
            return lambda: sg.find("Shot", filters, fields, limit=500, page=offset // 500 + 1)

        # Interleaved, so neither side profits from the other's warm caches.
        plain_runs, computed_runs = [], []
        for _ in range(3):
            plain_runs.append(timed(find(PLAIN_FIELDS), repeat))
            computed_runs.append(timed(find(PLAIN_FIELDS + computed), repeat))
        plain, with_computed = min(plain_runs), min(computed_runs)
        sample = sg.find("Shot", filters, computed, limit=1)[0]
        return {
            "database": "sqlite" if "://" not in database else "postgresql",
            "shots": shots,
            "computed": computed,
            "plain_ms": plain * 1000,
            "computed_ms": with_computed * 1000,
            "ratio": with_computed / plain,
            "sample": {k: sample[k] for k in computed},
        }
    finally:
        sg.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100,000 Shots")
    parser.add_argument("--sqlite", default="/tmp/callsheet-bench-computed.sqlite3")
    parser.add_argument("--postgres", help="a PostgreSQL database URL (dropped and made again)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="the databases are generated already")
    parser.add_argument(
        "--skip-generator-check",
        action="store_true",
        help="load the site even though generate.py's rows no longer match the engine's (its "
        "Tasks lack the duration scheduling now derives; nothing this benchmark reads)",
    )
    args = parser.parse_args()
    if args.skip_generator_check:
        generator.check_against_engine = lambda *args, **kwargs: None
    databases = [args.sqlite, *([args.postgres] if args.postgres else [])]
    for database in databases:
        result = measure(database, args.scale, args.repeat, args.reuse)
        print(
            f"{result['database']:<10} {result['shots']:>7,} Shots  500 rows: "
            f"{result['plain_ms']:7.1f} ms plain, {result['computed_ms']:7.1f} ms with "
            f"{len(result['computed'])} computed fields: {result['ratio']:.2f}x "
            f"(target <= 3x)  e.g. {result['sample']}"
        )


if __name__ == "__main__":
    main()
