"""A server's memory under many distinct query shapes: every cache it keeps must be bounded.

A fresh `callsheet serve` (SQLite, or `--database` PostgreSQL) gets --requests reads (default
100,000) drawn from --shapes distinct query shapes (default 10,000): each shape is its own
combination of entity type, return fields, filter structure (operators, AND/OR nesting, deep
links) and order, so plan caches, SQLAlchemy's compiled cache and the server's own lookups see
that many different keys. Values change from request to request as well. The server's resident
memory (VmRSS from /proc) is sampled as the requests go; the figure is the peak after the last
request, next to the server's memory right after start-up.

Target (issue 11 §4): under 300 MB after 100,000 requests of 10,000 shapes.

    python bench/bench_memory.py [--requests 100000] [--shapes 10000] [--database URL]
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_wire import KEY, SCRIPT, start_server
from rawhttp import Api3, read_params

TARGET_MB = 300.0
SHOT_FIELDS = [
    "code",
    "description",
    "sg_status_list",
    "sg_cut_in",
    "sg_cut_out",
    "sg_cut_duration",
    "created_at",
    "updated_at",
    "sg_sequence",
    "sg_sequence.Sequence.code",
    "project.Project.name",
    "tags",
    "assets",
    "image",
]
TASK_FIELDS = [
    "content",
    "sg_status_list",
    "start_date",
    "due_date",
    "duration",
    "entity",
    "entity.Shot.code",
    "step",
    "step.Step.code",
    "task_assignees",
    "project",
]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def shot_condition(kind: int, n: int) -> list[Any]:
    """One of a dozen condition forms on Shot; `n` varies the value, never the shape."""
    forms: list[list[Any]] = [
        ["code", "starts_with", f"SH{n % 10}"],
        ["code", "contains", str(n % 100)],
        ["sg_status_list", "is", ["ip", "wtg", "fin"][n % 3]],
        ["sg_status_list", "in", ["ip", "wtg"]],
        ["sg_cut_in", "greater_than", n % 1000],
        ["sg_cut_out", "between", [n % 100, 1000 + n % 100]],
        ["sg_sequence.Sequence.code", "is", f"SQ{n % 10:02d}"],
        ["id", "in", [n % 50 + 1, n % 70 + 2, n % 90 + 3]],
        ["description", "is_not", None],
        ["created_at", "in_last", [1 + n % 30, "DAY"]],
        ["project.Project.name", "is", "bench"],
        ["updated_at", "greater_than", "2020-01-01T00:00:00Z"],
    ]
    return forms[kind % len(forms)]


def shapes(count: int) -> list[tuple[str, list[int], list[str], str]]:
    """`count` distinct (type, condition forms, fields, order) combinations, in a fixed order."""
    found: list[tuple[str, list[int], list[str], str]] = []
    orders = ["id", "-id", "code", "-updated_at"]
    for size in itertools.count(1):
        for forms in itertools.combinations(range(12), min(size, 4)):
            for width in range(1, len(SHOT_FIELDS) + 1, 3):
                for order in orders:
                    found.append(("Shot", list(forms), SHOT_FIELDS[:width], order))
                    if len(found) >= count:
                        return found
        if size > 6:
            break
    for width in itertools.count(1):  # more, on Task, if ever asked for that many
        found.append(("Task", [], TASK_FIELDS[: 1 + width % len(TASK_FIELDS)], "id"))
        if len(found) >= count:
            return found
    return found


def request(shape: tuple[str, list[int], list[str], str], n: int) -> dict[str, Any]:
    entity_type, forms, fields, order = shape
    conditions = [shot_condition(kind, n) for kind in forms]
    params = read_params(entity_type, conditions, fields, per_page=20, paging_info=False)
    if len(forms) > 2:  # AND of the first two, OR'ed with the rest: nesting is a shape too
        params["filters"] = {
            "logical_operator": "or",
            "conditions": [
                {"logical_operator": "and", "conditions": params["filters"]["conditions"][:2]},
                *params["filters"]["conditions"][2:],
            ],
        }
    params["sorts"] = [
        {"field_name": order.lstrip("-"), "direction": "desc" if order[0] == "-" else "asc"}
    ]
    return params


def seed(api: Api3) -> None:
    project = api.create("Project", {"name": "bench"})
    for s in range(10):
        sequence = api.create("Sequence", {"code": f"SQ{s:02d}", "project": project})
        batch = [  # the wire form of shotgun_api3's batch()
            {
                "request_type": "create",
                "type": "Shot",
                "return_fields": ["id"],
                "fields": [
                    {"field_name": name, "value": value}
                    for name, value in {
                        "code": f"SH{s}{k:03d}",
                        "project": project,
                        "sg_sequence": sequence,
                        "sg_cut_in": k,
                        "sg_cut_out": k + 100,
                        "description": f"shot {k}",
                    }.items()
                ],
            }
            for k in range(50)
        ]
        api.call("batch", batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--shapes", type=int, default=10_000)
    parser.add_argument("--database", help="a PostgreSQL URL of an empty database (else SQLite)")
    args = parser.parse_args()
    all_shapes = shapes(args.shapes)
    assert len({repr(s) for s in all_shapes}) == len(all_shapes) == args.shapes
    with tempfile.TemporaryDirectory(prefix="cs-memory-") as folder:
        server, url = start_server(Path(folder) / "data", args.database)
        try:
            api = Api3(url, SCRIPT, KEY)
            seed(api)
            started_mb = rss_mb(server.pid)
            rng = random.Random(7)
            order = list(range(args.requests))
            peak, samples, began = started_mb, [], time.perf_counter()
            for n in order:
                # every shape at least once, in a shuffled order, then at random
                index = (
                    n % len(all_shapes) if n < len(all_shapes) else rng.randrange(len(all_shapes))
                )
                api.call("read", request(all_shapes[index], n))
                if n % 1000 == 999:
                    now = rss_mb(server.pid)
                    peak = max(peak, now)
                    samples.append(round(now, 1))
                    if n % 10_000 == 9_999:
                        rate = (n + 1) / (time.perf_counter() - began)
                        print(
                            f"[bench] {n + 1} requests, {now:.0f} MB, {rate:.0f}/s", file=sys.stderr
                        )
            final = rss_mb(server.pid)
            api.close()
        finally:
            server.terminate()
            server.wait(timeout=60)
    database = "PostgreSQL" if args.database else "SQLite"
    print(f"{args.requests} reads of {args.shapes} shapes ({database})")
    print(
        f"server memory: {started_mb:.0f} MB after start-up and seeding, {final:.0f} MB at the"
        f" end, peak {peak:.0f} MB"
    )
    print(f"samples every 1,000 requests (MB): {samples[:: max(1, len(samples) // 20)]}")
    verdict = "PASS" if peak < TARGET_MB else "FAIL"
    print(f"peak {peak:.0f} MB < {TARGET_MB:.0f} MB: {verdict}")
    sys.exit(0 if peak < TARGET_MB else 1)


if __name__ == "__main__":
    main()
