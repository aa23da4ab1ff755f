"""Several server processes: `callsheet serve --workers N` on PostgreSQL, the 8-client mix.

The same database is served by one worker process, then by N (default 4), taking turns
(1, N, N, 1, 1, N, ...) so load from other work on the machine falls on both. Each run is
bench_zou.py's mixed load: 8 client processes, each with its own kept-alive connection, reading
one Shot by id, the 100 Shots of a Sequence, one Shot again, and updating one Shot, over and over
for --seconds. The answer is requests/s of all clients together.

Target (issue 11 §6): N=4 serves >= 2.5x the requests/s of one worker. The clients run on the
same cores as the server and PostgreSQL, so the benchmark also reads where the CPU went during
each run (/proc: the server processes, PostgreSQL's backends, everything else) to show which
limit a run hit.

    python bench/bench_workers.py [--workers 4] [--seconds 5] [--rounds 3]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_wire import start_server
from bench_zou import CONCURRENT_CLIENTS, CallsheetRaw, callsheet_database, measure_mixed

TARGET_RATIO = 2.5
TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds so far) for every process we can read."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def _descendants(root: int, processes: dict[int, tuple[int, str, float]]) -> set[int]:
    tree, grown = {root}, True
    while grown:
        more = {pid for pid, (parent, _, _) in processes.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return tree


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent outside idle and iowait."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS


def measured_run(
    database: str, workers: int, seconds: float, ids: dict[str, Any]
) -> dict[str, float]:
    """One mixed run against a fresh server with `workers` processes on `database`."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cs-workers-")))
        command = [sys.executable, "-m", "callsheet", "serve", "--workers", str(workers)]
        server, url = start_server(folder / "data", database, serve=command, new_script=False)
        stack.callback(lambda: (server.terminate(), server.wait(timeout=60)))
        side = CallsheetRaw(url, f"{workers} worker(s)", ids)
        for n in range(8 * workers):  # new connections land on every worker: warm them all
            warm = side.connect_again()
            warm.read_one(n), warm.filtered(n), warm.update(n)
            warm.close()
        marks: dict[str, tuple[dict[int, tuple[int, str, float]], float, float]] = {}

        def mark(name: str) -> None:
            marks[name] = (_processes(), _busy_seconds(), time.perf_counter())

        rps = measure_mixed(side, seconds, on_go=lambda: mark("go"), on_done=lambda: mark("done"))
        (before, busy_before, started), (after, busy_after, ended) = marks["go"], marks["done"]
        elapsed, busy = ended - started, busy_after - busy_before
        side.close()

    def spent(pids: set[int]) -> float:
        return sum(after[p][2] - before.get(p, (0, "", 0.0))[2] for p in pids if p in after)

    server_s = spent(_descendants(server.pid, after))
    postgres_s = spent({pid for pid, (_, name, _) in after.items() if name == "postgres"})
    return {
        "rps": rps,
        "cores_busy": busy / elapsed,
        "server_cores": server_s / elapsed,
        "postgres_cores": postgres_s / elapsed,
        "other_cores": max(0.0, busy - server_s - postgres_s) / elapsed,
        # server CPU per request served (the mix's requests over the same window)
        "server_ms_per_request": 1000 * server_s / (rps * elapsed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with ExitStack() as stack:
        database = callsheet_database(stack, args)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cs-workers-")))
        server, url = start_server(folder / "seed", database)  # creates the bench script
        seeded = CallsheetRaw(url, "seed")
        seeded.seed()
        seeded.close()
        server.terminate()
        server.wait(timeout=60)
        runs: dict[int, list[dict[str, float]]] = {1: [], args.workers: []}
        for round_ in range(args.rounds):
            order = [1, args.workers] if round_ % 2 == 0 else [args.workers, 1]
            for workers in order:
                print(f"[bench] round {round_ + 1}, {workers} worker(s)", file=sys.stderr)
                runs[workers].append(measured_run(database, workers, args.seconds, seeded.ids))
    print(f"{CONCURRENT_CLIENTS} clients, mixed reads/writes, PostgreSQL, {os.cpu_count()} cores")
    print(
        "| workers | requests/s | cores busy | server | PostgreSQL | clients and other"
        " | server CPU per request |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    medians = {}
    for workers, results in runs.items():
        median = {key: statistics.median(r[key] for r in results) for key in results[0]}
        medians[workers] = median
        print(
            f"| {workers} | {median['rps']:.0f} | {median['cores_busy']:.2f} |"
            f" {median['server_cores']:.2f} | {median['postgres_cores']:.2f} |"
            f" {median['other_cores']:.2f} | {median['server_ms_per_request']:.2f} ms |"
        )
    ratio = medians[args.workers]["rps"] / medians[1]["rps"]
    verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
    print(f"{args.workers} workers / 1 worker: {ratio:.2f}x (target >= {TARGET_RATIO}x) {verdict}")
    sys.exit(0 if ratio >= TARGET_RATIO else 1)


if __name__ == "__main__":
    main()
