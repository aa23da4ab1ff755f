"""Callsheet side by side with Zou (the Kitsu API), the same operations with one client each.

Zou is installed from PyPI into a venv outside the repository and run as its documentation
describes (`zou_setup.py`: PostgreSQL, Redis, gunicorn with 3 gevent workers). Callsheet is a
fresh `callsheet serve` on SQLite (and on PostgreSQL with `--postgresql`). One server runs at a
time. Both get the same data: a project of 10 Sequences x 100 Shots (1,000 Shots) for the reads,
and a second project where the single creates go (so the list stays at 1,000 rows).

Operations (each client is `rawhttp.Http`: one kept-alive connection, answers read whole and
decoded with json.loads; Callsheet is also timed through `shotgun_api3`):

  create     one Shot (name/code, sequence, description, frames); p50 and p95 of --creates
  list       the project's 1,000 Shots. Callsheet: `find` with 10 fields, two pages of 500 (as
             shotgun_api3 pages); Zou: `GET /data/shots?project_id=` (every column, one answer)
  update     one Shot's description; Callsheet `update`, Zou `PUT /data/entities/<id>` (gazu's)
  filtered   the 100 Shots of one Sequence; Callsheet `find` [sg_sequence is S],
             Zou `GET /data/shots?sequence_id=`
  mixed      8 client processes, each with its own connection, repeating: read one Shot by id,
             the filtered read, read one Shot by id, update one Shot; requests/s over --seconds

Targets (issue 11): Callsheet >= 10x Zou on single creates and on the raw 1,000-row list, ahead on
every other row. Zou is AGPL: it is installed and run, never copied into this repository.

    python bench/bench_zou.py                          # Callsheet on SQLite vs Zou
    python bench/bench_zou.py --postgresql --json /tmp/zou.json
    python bench/bench_zou.py --skip-zou               # Callsheet only (no install)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import shotgun_api3
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_wire import KEY, SCRIPT, start_server
from rawhttp import Api3, Http, interleaved, read_params
from zou_setup import DEFAULT_VENV, ZOU_VERSION, RunningZou

SEQUENCES, SHOTS_PER_SEQUENCE = 10, 100
FIELDS = [
    "code",
    "description",
    "sg_status_list",
    "sg_sequence",
    "project",
    "sg_cut_in",
    "sg_cut_out",
    "sg_cut_duration",
    "created_at",
    "updated_at",
]
STATUSES = ["wtg", "ip", "fin"]
CONCURRENT_CLIENTS = 8

Seconds = list[float]


def shot_frames(n: int) -> tuple[int, int]:
    return 1001, 1001 + 24 + n % 97


class Side:
    """One server under test: seeding and the timed operations, each one request or find."""

    name = "?"
    offset = 0  # first number of the names this side creates (two sides may share a server)

    def seed(self) -> None: ...

    def create(self, n: int) -> Any: ...

    def list_all(self) -> int: ...

    def update(self, n: int) -> Any: ...

    def filtered(self, n: int) -> int: ...

    def read_one(self, n: int) -> Any: ...

    def connect_again(self) -> Side:
        """The same side on a new connection (each mixed client process has its own)."""
        raise NotImplementedError

    def close(self) -> None: ...


class CallsheetRaw(Side):
    """Callsheet through `rawhttp.Api3`: the JSON-RPC bodies shotgun_api3 sends."""

    def __init__(self, url: str, name: str, ids: dict | None = None) -> None:
        self.url, self.name = url, name
        self.api = Api3(url, SCRIPT, KEY)
        self.ids = ids or {}

    def seed(self) -> None:
        sg = shotgun_api3.Shotgun(self.url, SCRIPT, KEY)
        project = sg.create("Project", {"name": "bench"})
        scratch = sg.create("Project", {"name": "bench creates"})
        scratch_sequence = sg.create("Sequence", {"code": "NEW", "project": scratch})
        sequences = sg.batch(
            [
                {
                    "request_type": "create",
                    "entity_type": "Sequence",
                    "data": {"code": f"SQ{s + 1:02d}", "project": project},
                }
                for s in range(SEQUENCES)
            ]
        )
        requests = []
        for s, sequence in enumerate(sequences):
            for k in range(SHOTS_PER_SEQUENCE):
                n = s * SHOTS_PER_SEQUENCE + k
                cut_in, cut_out = shot_frames(n)
                requests.append(
                    {
                        "request_type": "create",
                        "entity_type": "Shot",
                        "data": {
                            "code": f"SQ{s + 1:02d}_{(k + 1) * 10:04d}",
                            "description": f"Shot {k + 1} of sequence {s + 1}",
                            "sg_status_list": STATUSES[n % 3],
                            "sg_sequence": {"type": "Sequence", "id": sequence["id"]},
                            "project": project,
                            "sg_cut_in": cut_in,
                            "sg_cut_out": cut_out,
                            "sg_cut_duration": cut_out - cut_in + 1,
                        },
                    }
                )
        shots = []
        for start in range(0, len(requests), 500):
            shots += sg.batch(requests[start : start + 500])
        sg.close()
        self.ids = {
            "project": {"type": "Project", "id": project["id"]},
            "scratch": {"type": "Project", "id": scratch["id"]},
            "scratch_sequence": {"type": "Sequence", "id": scratch_sequence["id"]},
            "sequences": [{"type": "Sequence", "id": s["id"]} for s in sequences],
            "shots": [s["id"] for s in shots],
        }

    def create(self, n: int) -> Any:
        cut_in, cut_out = shot_frames(n)
        return self.api.create(
            "Shot",
            {
                "code": f"NEW_{n:05d}",
                "description": f"Created shot {n}",
                "sg_sequence": self.ids["scratch_sequence"],
                "project": self.ids["scratch"],
                "sg_cut_in": cut_in,
                "sg_cut_out": cut_out,
            },
        )

    def list_all(self) -> int:
        return len(self.api.find("Shot", [["project", "is", self.ids["project"]]], FIELDS))

    def update(self, n: int) -> Any:
        shots = self.ids["shots"]
        return self.api.update("Shot", shots[n % len(shots)], {"description": f"Updated {n}"})

    def filtered(self, n: int) -> int:
        sequences = self.ids["sequences"]
        sequence = sequences[n % len(sequences)]
        return len(self.api.find("Shot", [["sg_sequence", "is", sequence]], FIELDS))

    def read_one(self, n: int) -> Any:
        shots = self.ids["shots"]
        return self.api.find("Shot", [["id", "is", shots[n % len(shots)]]], FIELDS, limit=1)

    def connect_again(self) -> Side:
        return CallsheetRaw(self.url, self.name, self.ids)

    def close(self) -> None:
        self.api.close()


class CallsheetClient(CallsheetRaw):
    """The same operations through the official `shotgun_api3` client."""

    def __init__(self, url: str, name: str, ids: dict) -> None:
        super().__init__(url, f"{name} via shotgun_api3", ids)
        self.sg = shotgun_api3.Shotgun(url, SCRIPT, KEY)

    def create(self, n: int) -> Any:
        cut_in, cut_out = shot_frames(n)
        return self.sg.create(
            "Shot",
            {
                "code": f"SGNEW_{n:05d}",
                "description": f"Created shot {n}",
                "sg_sequence": self.ids["scratch_sequence"],
                "project": self.ids["scratch"],
                "sg_cut_in": cut_in,
                "sg_cut_out": cut_out,
            },
        )

    def list_all(self) -> int:
        return len(self.sg.find("Shot", [["project", "is", self.ids["project"]]], FIELDS))

    def update(self, n: int) -> Any:
        shots = self.ids["shots"]
        return self.sg.update("Shot", shots[n % len(shots)], {"description": f"Updated {n}"})

    def filtered(self, n: int) -> int:
        sequences = self.ids["sequences"]
        sequence = sequences[n % len(sequences)]
        return len(self.sg.find("Shot", [["sg_sequence", "is", sequence]], FIELDS))

    def read_one(self, n: int) -> Any:
        shots = self.ids["shots"]
        return self.sg.find_one("Shot", [["id", "is", shots[n % len(shots)]]], FIELDS)

    def close(self) -> None:
        self.sg.close()
        super().close()


class ZouRaw(Side):
    """Zou's REST routes (the ones Kitsu and gazu use), JWT in the Authorization header."""

    name = "Zou"

    def __init__(self, url: str, token: str, ids: dict | None = None) -> None:
        self.url, self.token = url, token
        self.http = Http(url, {"Authorization": f"Bearer {token}"})
        self.ids = ids or {}

    def seed(self) -> None:
        project = self.http.json("POST", "/data/projects", {"name": "bench"})["id"]
        scratch = self.http.json("POST", "/data/projects", {"name": "bench creates"})["id"]
        scratch_sequence = self.http.json(
            "POST", f"/data/projects/{scratch}/sequences", {"name": "NEW"}
        )["id"]
        sequences, shots = [], []
        for s in range(SEQUENCES):
            sequence = self.http.json(
                "POST", f"/data/projects/{project}/sequences", {"name": f"SQ{s + 1:02d}"}
            )["id"]
            sequences.append(sequence)
            for k in range(SHOTS_PER_SEQUENCE):
                n = s * SHOTS_PER_SEQUENCE + k
                cut_in, cut_out = shot_frames(n)
                shot = self.http.json(
                    "POST",
                    f"/data/projects/{project}/shots",
                    {
                        "name": f"SQ{s + 1:02d}_{(k + 1) * 10:04d}",
                        "sequence_id": sequence,
                        "description": f"Shot {k + 1} of sequence {s + 1}",
                        "nb_frames": cut_out - cut_in + 1,
                        "data": {"frame_in": cut_in, "frame_out": cut_out},
                    },
                )
                shots.append(shot["id"])
        self.ids = {
            "project": project,
            "scratch": scratch,
            "scratch_sequence": scratch_sequence,
            "sequences": sequences,
            "shots": shots,
        }

    def create(self, n: int) -> Any:
        cut_in, cut_out = shot_frames(n)
        return self.http.json(
            "POST",
            f"/data/projects/{self.ids['scratch']}/shots",
            {
                "name": f"NEW_{n:05d}",
                "sequence_id": self.ids["scratch_sequence"],
                "description": f"Created shot {n}",
                "nb_frames": cut_out - cut_in + 1,
                "data": {"frame_in": cut_in, "frame_out": cut_out},
            },
        )

    def list_all(self) -> int:
        return len(self.http.json("GET", f"/data/shots?project_id={self.ids['project']}"))

    def update(self, n: int) -> Any:
        shots = self.ids["shots"]
        return self.http.json(
            "PUT", f"/data/entities/{shots[n % len(shots)]}", {"description": f"Updated {n}"}
        )

    def filtered(self, n: int) -> int:
        sequences = self.ids["sequences"]
        sequence = sequences[n % len(sequences)]
        return len(self.http.json("GET", f"/data/shots?sequence_id={sequence}"))

    def read_one(self, n: int) -> Any:
        shots = self.ids["shots"]
        return self.http.json("GET", f"/data/shots/{shots[n % len(shots)]}")

    def connect_again(self) -> Side:
        return ZouRaw(self.url, self.token, self.ids)

    def close(self) -> None:
        self.http.close()


def numbered(operation: Callable[[int], Any], start: int) -> Callable[[], Any]:
    counter = iter(range(start, 10**9))
    return lambda: operation(next(counter))


def check_sizes(side: Side) -> None:
    """The reads return what the comparison assumes (1,000 and 100 Shots)."""
    listed, filtered = side.list_all(), side.filtered(0)
    expected = SEQUENCES * SHOTS_PER_SEQUENCE
    if listed != expected or filtered != SHOTS_PER_SEQUENCE:
        raise RuntimeError(f"{side.name}: list gave {listed}, filtered {filtered} rows")


def measure_single(sides: list[Side], args: argparse.Namespace) -> dict[str, dict[str, Seconds]]:
    """Each side's wall times (seconds) per operation: one client, one operation at a time, the
    sides taking turns (round-robin), so load from other work falls on all of them alike."""
    for side in sides:
        check_sizes(side)
    plan = {
        "create": (args.creates, 5, lambda side: numbered(side.create, side.offset)),
        "list": (args.repeat, 2, lambda side: side.list_all),
        "update": (args.updates, 5, lambda side: numbered(side.update, side.offset)),
        "filtered": (args.repeat * 3, 2, lambda side: numbered(side.filtered, side.offset)),
    }
    times: dict[str, dict[str, Seconds]] = {side.name: {} for side in sides}
    for operation, (repeat, warmup, bind) in plan.items():
        print(f"[bench] {operation}", file=sys.stderr, flush=True)
        bound = {side.name: bind(side) for side in sides}
        for name, timed in interleaved(bound, repeat, warmup).items():
            times[name][operation] = timed
    return times


def _mixed_client(side: Side, index: int, seconds: float, ready: Any, go: Any, out: Any) -> None:
    try:
        own = side.connect_again()
        n = index * 1000
        steps = [own.read_one, own.filtered, own.read_one, own.update]
        for step in steps:  # warm the connection and the server's caches for this client
            step(n)
        ready.put(index)
        go.wait()
        count, started = 0, time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            steps[count % len(steps)](n + count)
            count += 1
        out.put((index, count, started, time.perf_counter(), None))
        own.close()
    except BaseException as error:  # reported to the parent, which fails loudly
        ready.put(index)
        out.put((index, 0, 0.0, 0.0, repr(error)))


def measure_mixed(
    side: Side,
    seconds: float,
    clients: int = CONCURRENT_CLIENTS,
    on_go: Callable[[], None] | None = None,
    on_done: Callable[[], None] | None = None,
) -> float:
    """Requests per second of `clients` processes doing the read/write mix at once.

    `on_go` is called when every client has warmed up, just before they start; `on_done` when
    they all have reported (bench_workers.py reads the CPU spent in between).
    """
    context = multiprocessing.get_context("fork")
    ready, out, go = context.Queue(), context.Queue(), context.Event()
    processes = [
        context.Process(target=_mixed_client, args=(side, i, seconds, ready, go, out))
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get(timeout=120)
    if on_go is not None:
        on_go()
    go.set()
    results = [out.get(timeout=seconds + 120) for _ in processes]
    if on_done is not None:
        on_done()
    for process in processes:
        process.join(timeout=30)
    errors = [r[4] for r in results if r[4]]
    if errors:
        raise RuntimeError(f"{side.name}: a mixed client failed: {errors[0]}")
    total = sum(r[1] for r in results)
    span = max(r[3] for r in results) - min(r[2] for r in results)
    return total / span


def list_bytes(side: Side) -> float:
    """Bytes of the answers of the 1,000-row list (Callsheet: two pages; Zou: one answer)."""
    if isinstance(side, ZouRaw):
        _, body = side.http.request("GET", f"/data/shots?project_id={side.ids['project']}")
        return float(len(body))
    assert isinstance(side, CallsheetRaw)
    project = [["project", "is", side.ids["project"]]]
    return float(
        sum(
            len(side.api.call_raw("read", read_params("Shot", project, FIELDS, page)))
            for page in (1, 2)
        )
    )


def callsheet_database(stack: ExitStack, args: argparse.Namespace) -> str:
    """A fresh PostgreSQL database for Callsheet (dropped again when the stack closes)."""
    name = "callsheet_bench_zou"

    def run(statement: str) -> None:
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(statement)

    run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    run(f"CREATE DATABASE {name}")
    stack.callback(run, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return urlunsplit(urlsplit(args.postgres)._replace(path=f"/{name}"))


def start_callsheet(stack: ExitStack, label: str, database: str | None) -> CallsheetRaw:
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cs-zou-bench-")))
    server, url = start_server(folder / "data", database)

    def stop() -> None:
        server.terminate()
        server.wait(timeout=60)

    stack.callback(stop)
    return CallsheetRaw(url, f"Callsheet {label}")


def measure(args: argparse.Namespace) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Every server at once (idle ones cost nothing), seeded, then measured taking turns."""
    versions: dict[str, str] = {}
    with ExitStack() as stack:
        raw: list[Side] = [start_callsheet(stack, "SQLite", None)]
        if args.postgresql:
            raw.append(start_callsheet(stack, "PostgreSQL", callsheet_database(stack, args)))
        if not args.skip_zou:
            zou = stack.enter_context(
                RunningZou(venv=args.zou_venv, version=args.zou_version, postgres=args.postgres)
            )
            versions = zou.versions
            raw.append(ZouRaw(zou.url, zou.token))
        for side in raw:
            print(f"[bench] seeding {side.name}", file=sys.stderr, flush=True)
            side.seed()
        clients: list[Side] = []
        for side in raw:
            if isinstance(side, CallsheetRaw):
                clients.append(CallsheetClient(side.url, side.name, side.ids))
                clients[-1].offset = 100_000
        times = measure_single(raw + clients, args)
        mixed: dict[str, list[float]] = {side.name: [] for side in raw}
        for round_ in range(args.mixed_rounds):
            for side in raw if round_ % 2 == 0 else raw[::-1]:
                print(f"[bench] mixed, {side.name}", file=sys.stderr, flush=True)
                mixed[side.name].append(measure_mixed(side, args.seconds))
        results: dict[str, dict[str, Any]] = {}
        for side in raw + clients:
            results[side.name] = {
                "times": times[side.name],
                "mixed_rps": statistics.median(mixed[side.name]) if side in raw else None,
                "mixed_rounds": mixed.get(side.name),
            }
            if side in raw:
                results[side.name]["times"]["list_bytes"] = [list_bytes(side)]
        for side in raw + clients:
            side.close()
    return results, versions


def p(times: Seconds, q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


ROWS: list[tuple[str, str, Callable[[dict[str, Any]], float | None], float]] = [
    # (label, unit, value from a side's results, target: Callsheet >= target x Zou)
    ("single create, p50", "ms", lambda r: p(r["times"]["create"], 0.5) * 1000, 10),
    ("single create, p95", "ms", lambda r: p(r["times"]["create"], 0.95) * 1000, 1),
    ("list 1,000 Shots, median", "ms", lambda r: statistics.median(r["times"]["list"]) * 1000, 10),
    ("update one Shot, p50", "ms", lambda r: p(r["times"]["update"], 0.5) * 1000, 1),
    (
        "filtered: 100 Shots of a Sequence",
        "ms",
        lambda r: statistics.median(r["times"]["filtered"]) * 1000,
        1,
    ),
    (f"{CONCURRENT_CLIENTS} clients, mixed reads/writes", "req/s", lambda r: r["mixed_rps"], 1),
]


def report(results: dict[str, dict[str, Any]], console: Console) -> list[dict[str, Any]]:
    sides = sorted(results, key=lambda side: (side == "Zou", "PostgreSQL" in side, side))
    zou = results.get("Zou")
    table = Table(title="Callsheet side by side with Zou (one client each; lower ms is better)")
    table.add_column("operation")
    for side in sides:
        table.add_column(side, justify="right")
    callsheet_raw = [s for s in sides if s.startswith("Callsheet") and "via" not in s]
    if zou:
        for side in callsheet_raw:
            table.add_column(f"{side.removeprefix('Callsheet ')} vs Zou", justify="right")
        table.add_column("target", justify="right")
    rows = []
    for label, unit, value, target in ROWS:
        values = {side: value(results[side]) for side in sides}
        cells = [f"{v:.1f} {unit}" if v is not None else "-" for v in values.values()]
        row: dict[str, Any] = {"operation": label, "unit": unit, "values": values}
        if zou:
            ratios = {}
            for side in callsheet_raw:
                mine, theirs = values[side], values["Zou"]
                if mine is None or theirs is None:
                    ratios[side] = None
                    cells.append("-")
                    continue
                ratio = mine / theirs if unit == "req/s" else theirs / mine
                ratios[side] = ratio
                verdict = "PASS" if (ratio >= target if target > 1 else ratio > 1) else "FAIL"
                cells.append(f"{ratio:.2f}x {verdict}")
            cells.append(f">= {target}x" if target > 1 else "ahead")
            row["ratios"], row["target"] = ratios, target
        table.add_row(label, *cells)
        rows.append(row)
    sizes = [
        f"{side}: {results[side]['times']['list_bytes'][0] / 1000:.0f} kB"
        for side in sides
        if "list_bytes" in results[side]["times"]
    ]
    console.print(table)
    console.print("list answer sizes: " + ", ".join(sizes))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=200, help="timed single creates")
    parser.add_argument("--updates", type=int, default=200, help="timed single updates")
    parser.add_argument("--repeat", type=int, default=15, help="timed lists (filtered: 3x)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one mixed run")
    parser.add_argument(
        "--mixed-rounds", type=int, default=3, help="mixed runs per server (median reported)"
    )
    parser.add_argument("--postgresql", action="store_true", help="also Callsheet on PostgreSQL")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server's maintenance database (fresh databases are made on it)",
    )
    parser.add_argument("--skip-zou", action="store_true", help="measure Callsheet only")
    parser.add_argument("--zou-venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--zou-version", default=ZOU_VERSION)
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args = parser.parse_args()

    load_before = os.getloadavg()
    results, versions = measure(args)
    load = {"before": load_before, "after": os.getloadavg()}
    console = Console(width=180)
    rows = report(results, console)
    console.print(
        f"load average before {load['before'][0]:.1f}, after {load['after'][0]:.1f} "
        f"(1 min; {os.cpu_count()} cores shared with other work)"
    )
    if versions:
        console.print(
            "Zou run: "
            + ", ".join(f"{k} {v}" for k, v in versions.items())
            + "; gunicorn 3 gevent workers; PostgreSQL and Redis on 127.0.0.1"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "rows": rows,
                    "zou_versions": versions,
                    "cpus": os.cpu_count(),
                    "load_average": load,
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "raw": {
                        side: {"mixed_rps": r["mixed_rps"], "times": r["times"]}
                        for side, r in results.items()
                    },
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
