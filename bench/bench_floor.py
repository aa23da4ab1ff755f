"""Callsheet against the floor: the same reads from a canned server that replays Callsheet's bytes.

A fresh `callsheet serve` (SQLite; `--postgres URL` for an empty PostgreSQL database instead)
gets the data of bench_zou.py (1,000 Shots in 10 Sequences). Each shape below is read from it, its
answers are recorded byte for byte (status line, headers, body), and `canned.py` replays them.
The same raw client (`rawhttp.Api3`: one kept-alive connection, json.loads) and the official
`shotgun_api3.find` then read from both; timings alternate between the four so load from other
work falls on all of them.

  Callsheet / canned, raw      what the server costs over sending the bytes (target <= 4x for
                               the 1,000-row list, issue 11)
  Callsheet / canned, client   what the server adds to the client's own cost (target <= 1.15x)

shotgun_api3 always sends accept-encoding gzip (httplib2), so its answers are gzipped by the
server; the raw client asks for plain JSON unless the shape says gzip. The script checks that the
raw client's bodies are the client's own bytes, and counts the SQL statements of one page read
with and without `return_paging_info` (counts) by running the same call in process.

    python bench/bench_floor.py                       # SQLite, --repeat 15
    python bench/bench_floor.py --profile /tmp/prof   # also pyinstrument profiles of the server
    python bench/bench_floor.py --json /tmp/floor.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shotgun_api3
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_wire import KEY, SCRIPT, start_server
from bench_zou import FIELDS, CallsheetRaw
from canned import CannedServer, Recording, answer_bytes
from rawhttp import API3_HEADERS, Api3, Http, interleaved, read_params

HTTPLIB2_ACCEPT = "gzip, deflate"  # what httplib2 adds to every request of shotgun_api3
RAW_TARGET, CLIENT_TARGET = 4.0, 1.15
# The stages of a request the profile summary prints (pyinstrument's class.function names).
KEY_FRAMES = {
    "api3_json",
    "decode_call",
    "authenticate",
    "Site.find_page",
    "Site.read_request",
    "FilterCompiler.compile",
    "Connection.execute",
    "CursorResult.all",
    "_record",
    "resolve_file_values",
    "encode_results",
    "GZipResponder.send_with_compression",
    "Site.create",
    "Site._read_back",
    "log_create",
    "EventLogWriter.flush",
    "Connection.commit",
}


@dataclass(frozen=True)
class Shape:
    name: str
    fields: tuple[str, ...]
    limit: int = 0
    counts: bool = False
    gzip: bool = False  # the raw client accepts gzip (and gunzips)
    client: bool = True  # also read through shotgun_api3
    target: bool = False  # the targets apply to this shape


def shapes(fifty: list[str]) -> list[Shape]:
    ten = tuple(FIELDS)
    return [
        Shape("1,000 Shots x 10 fields (2 pages of 500)", ten, target=True),
        Shape("500 Shots x 10 fields (1 page)", ten, limit=500),
        Shape("1,000 Shots, ids only (2 pages)", ()),
        Shape("1,000 x 10 fields, return_paging_info (counts)", ten, counts=True),
        Shape("1,000 Shots x 50 fields (2 pages)", tuple(fifty)),
        Shape("1,000 x 10 fields, raw client accepts gzip", ten, gzip=True, client=False),
    ]


class RecordingHttp(Http):
    """An `Http` that keeps every answer as the bytes a replay must send."""

    def __init__(self, url: str, headers: dict[str, str], recording: Recording) -> None:
        super().__init__(url, headers)
        self.recording = recording

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        status, data = super().request(method, path, body, headers)
        accept = {**self.headers, **(headers or {})}.get("accept-encoding", "")
        self.recording[(body or b"", accept.lower())] = answer_bytes(
            status, self.last_reason, self.last_headers, data
        )
        return status, data


def raw_api(url: str, shape: Shape, recording: Recording | None = None) -> Api3:
    headers = {"accept-encoding": HTTPLIB2_ACCEPT} if shape.gzip else {}
    api = Api3(url, SCRIPT, KEY, headers)
    if recording is not None:
        api.http = RecordingHttp(url, api.http.headers, recording)
    return api


def raw_read(api: Api3, shape: Shape, project: dict) -> int:
    filters = [["project", "is", project]]
    return len(api.find("Shot", filters, list(shape.fields), shape.limit, shape.counts))


def client(url: str, shape: Shape) -> Any:
    sg = shotgun_api3.Shotgun(url, SCRIPT, KEY)
    if shape.counts:
        # The loop of a client that sees a server without paging info without counts (before
        # 7.4.2, shotgun_api3 `ServerCapabilities`): it asks for `return_paging_info`.
        sg.server_caps.ensure_paging_info_without_counts_support = lambda: False
    return sg


def client_read(sg: Any, shape: Shape, project: dict) -> int:
    filters = [["project", "is", project]]
    return len(sg.find("Shot", filters, list(shape.fields) or None, limit=shape.limit))


def capture_client_bodies(sg: Any, read: Callable[[], Any]) -> list[bytes]:
    """The bodies shotgun_api3 sends during `read()` (its `_http_request`, wrapped)."""
    bodies: list[bytes] = []
    original = sg._http_request

    def spy(verb: str, path: str, body: Any, headers: dict) -> Any:
        bodies.append(body)
        return original(verb, path, body, headers)

    sg._http_request = spy
    try:
        read()
    finally:
        sg._http_request = original
    return bodies


def record_client(url: str, bodies: list[bytes], recording: Recording) -> None:
    """Callsheet's exact answers to the client's bodies, asked as httplib2 asks (gzip)."""
    http = RecordingHttp(url, {**API3_HEADERS, "accept-encoding": HTTPLIB2_ACCEPT}, recording)
    for body in bodies:
        http.request("POST", "/api3/json", body)
    http.close()


def record_shape(url: str, shape: Shape, project: dict, recording: Recording) -> bool | None:
    """Record Callsheet's answers to the shape's reads, raw and through shotgun_api3; for the
    target shape, whether the raw client's read bodies are the client's bytes."""
    if raw_read(raw_api(url, shape, recording), shape, project) != (shape.limit or 1000):
        raise RuntimeError(f"{shape.name}: wrong row count from Callsheet")
    if not shape.client:
        return None
    reader = client(url, shape)
    bodies = capture_client_bodies(reader, lambda: client_read(reader, shape, project))
    # The first call of a new client is `info` (server_caps); the canned server answers it too.
    fresh = client(url, shape)
    bodies += capture_client_bodies(fresh, lambda: fresh.info())
    record_client(url, bodies, recording)
    if not shape.target:
        return None
    own: Recording = {}
    raw_read(raw_api(url, shape, own), shape, project)
    raw_bodies = [body for body, _ in own]
    client_reads = [body for body in bodies if b'"method_name": "read"' in body]
    return raw_bodies == client_reads


def gzip_levels(recording: Recording, shape: Shape, project: dict) -> dict[int, tuple[float, int]]:
    """Seconds and bytes to gzip the plain answers of `shape` at levels 9 (Starlette's
    GZipMiddleware default, which `create_app` keeps), 6 and 1: the server's share of a gzipped
    read that a profile of the event loop thread does not see (Starlette compresses bodies of
    128 KiB and more in a worker thread)."""
    bodies = []
    for (body, accept), answer in recording.items():
        if accept == "" and body in _shape_bodies(shape, project):
            bodies.append(answer.split(b"\r\n\r\n", 1)[1])
    levels = {}
    for level in (9, 6, 1):
        started = time.perf_counter()
        sizes = [len(gzip.compress(body, level)) for body in bodies for _ in range(5)]
        levels[level] = ((time.perf_counter() - started) / 5, sum(sizes) // 5)
    return levels


def _shape_bodies(shape: Shape, project: dict) -> set[bytes]:
    api = Api3("http://unused", SCRIPT, KEY)
    filters = [["project", "is", project]]
    return {
        api.body("read", read_params("Shot", filters, list(shape.fields), page)) for page in (1, 2)
    }


def canned_stats(url: str) -> dict[str, int]:
    with Http(url) as http:
        return dict(http.json("GET", "/__canned__"))


def count_statements(data: Path, database: str | None, body: bytes) -> list[str] | None:
    """The SQL statements one `/api3/json` call runs, by making the same call in process."""
    try:
        from sqlalchemy import event

        from callsheet.server import Settings
        from callsheet.server.methods import dispatch
        from callsheet.server.wire import decode_call
        from callsheet.site.site import Site
    except ImportError as error:  # the server's modules moved: say so, measure the rest
        print(f"statement count skipped: {error}", file=sys.stderr)
        return None
    settings = Settings.from_environment(str(data), database)
    site = Site.open(settings.site_url())
    statements: list[str] = []
    contexts: set[int] = set()

    def seen(conn: Any, cursor: Any, statement: str, params: Any, context: Any, *rest: Any) -> None:
        if id(context) not in contexts:  # an option engine also fires its parent's listeners
            contexts.add(id(context))
            statements.append(" ".join(statement.split())[:90])

    try:
        dispatch(site, settings, decode_call(body))  # warm: schema, plans, authentication
        # Writes use the store's engine; reads its read engine (PostgreSQL: an autocommit pool).
        engines = [site.store.engine, getattr(site.store.dialect, "read_engine", None)]
        for engine in engines:
            if engine is not None:
                event.listen(engine, "before_cursor_execute", seen)
        dispatch(site, settings, decode_call(body))
    finally:
        site.close()
    return statements


def measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    data = folder / "data"
    server, url = start_server(data, args.postgres)
    try:
        seeder = CallsheetRaw(url, "Callsheet")
        print("[floor] seeding 1,000 Shots", file=sys.stderr, flush=True)
        seeder.seed()
        project = seeder.ids["project"]
        sg = shotgun_api3.Shotgun(url, SCRIPT, KEY)
        schema = sg.schema_field_read("Shot")
        fifty = sorted(k for k, v in schema.items() if v["data_type"]["value"] != "pivot_column")
        all_shapes = shapes(fifty[:50])

        # Record every answer the timed reads will ask for.
        recording: Recording = {}
        same_bytes = None
        for shape in all_shapes:
            checked = record_shape(url, shape, project, recording)
            same_bytes = checked if checked is not None else same_bytes
        gzip_cost = gzip_levels(recording, all_shapes[0], project)
        results: list[dict[str, Any]] = []
        with CannedServer(recording) as canned:
            for shape in all_shapes:
                print(f"[floor] {shape.name}", file=sys.stderr, flush=True)
                cs_raw, canned_raw = raw_api(url, shape), raw_api(canned, shape)
                ops = {
                    "callsheet_raw": lambda s=shape, a=cs_raw: raw_read(a, s, project),
                    "canned_raw": lambda s=shape, a=canned_raw: raw_read(a, s, project),
                }
                if shape.client:
                    cs_sg, canned_sg = client(url, shape), client(canned, shape)
                    ops["callsheet_client"] = lambda s=shape, c=cs_sg: client_read(c, s, project)
                    ops["canned_client"] = lambda s=shape, c=canned_sg: client_read(c, s, project)
                times = interleaved(ops, args.repeat)
                medians = {name: statistics.median(t) for name, t in times.items()}
                results.append({"shape": shape.name, "target": shape.target, "median_s": medians})
            stats = canned_stats(canned)
        if stats["misses"]:
            raise RuntimeError(f"the canned server missed {stats['misses']} requests")
        page = read_params("Shot", [["project", "is", project]], FIELDS)
        body = Api3(url, SCRIPT, KEY).body("read", page)
        counted = read_params("Shot", [["project", "is", project]], FIELDS, counts=True)
        counted_body = Api3(url, SCRIPT, KEY).body("read", counted)
        statements = {
            "page 1 of 1,000 x 10 fields": count_statements(data, args.postgres, body),
            "the same with return_paging_info": count_statements(data, args.postgres, counted_body),
        }
    finally:
        server.terminate()
        server.wait(timeout=60)
    profiles = profile(args, data, project) if args.profile else {}
    return {
        "results": results,
        "same_bytes": same_bytes,
        "statements": statements,
        "profiles": profiles,
        "canned_hits": stats["hits"],
        "gzip": gzip_cost,
    }


def profile(args: argparse.Namespace, data: Path, project: dict) -> dict[str, Any]:
    """pyinstrument profiles of the server (profile_serve.py): the list, raw and via the client,
    and single creates."""
    out_dir = Path(args.profile)
    ten = Shape("list", tuple(FIELDS))

    def list_raw(url: str, start: Callable[[], None]) -> None:
        api = raw_api(url, ten)
        raw_read(api, ten, project)
        start()
        for _ in range(args.profile_repeat):
            raw_read(api, ten, project)

    def list_client(url: str, start: Callable[[], None]) -> None:
        sg = client(url, ten)
        client_read(sg, ten, project)
        start()
        for _ in range(args.profile_repeat):
            client_read(sg, ten, project)

    def creates(url: str, start: Callable[[], None]) -> None:
        api = Api3(url, SCRIPT, KEY)
        scratch = api.find("Sequence", [["code", "is", "NEW"]], ["project"], limit=1)[0]
        for n in range(args.profile_repeat * 10 + 5):
            if n == 5:
                start()
            api.create(
                "Shot",
                {
                    "code": f"PROF_{n:05d}",
                    "description": f"Profiled create {n}",
                    "sg_sequence": {"type": "Sequence", "id": scratch["id"]},
                    "project": scratch["project"],
                    "sg_cut_in": 1001,
                    "sg_cut_out": 1100,
                },
            )

    runs: dict[str, Callable[[str, Callable[[], None]], None]] = {
        "list_raw": list_raw,
        "list_client": list_client,
        "create": creates,
    }
    summaries = {}
    for name, run in runs.items():
        print(f"[floor] profiling {name}", file=sys.stderr, flush=True)
        command = [
            sys.executable,
            str(Path(__file__).resolve().parent / "profile_serve.py"),
            "--out",
            str(out_dir / name),
        ]
        server, url = start_server(data, args.postgres, serve=command, new_script=False)

        def start(pid: int = server.pid) -> None:
            os.kill(pid, signal.SIGUSR1)
            time.sleep(0.2)

        try:
            run(url, start)
        finally:
            server.terminate()
            server.wait(timeout=120)
        summaries[name] = json.loads((out_dir / f"{name}.summary.json").read_text())
        if not summaries[name].get("threadpool_inlined"):
            print(
                f"[floor] {name}: the engine call ran in a worker thread the profile does not "
                "sample (profile_serve.py could not inline it)",
                file=sys.stderr,
            )
    return summaries


def report(measured: dict[str, Any], console: Console) -> None:
    table = Table(title="Against the floor: Callsheet and a canned server replaying its bytes")
    for column in (
        "shape",
        "raw: Callsheet",
        "raw: canned",
        "ratio",
        "shotgun_api3: Callsheet",
        "shotgun_api3: canned",
        "ratio",
    ):
        table.add_column(column, justify="left" if column == "shape" else "right")
    for row in measured["results"]:
        m = {k: v * 1000 for k, v in row["median_s"].items()}
        raw_ratio = m["callsheet_raw"] / m["canned_raw"]
        cells = [row["shape"], f"{m['callsheet_raw']:.1f} ms", f"{m['canned_raw']:.1f} ms"]
        mark = f" {'PASS' if raw_ratio <= RAW_TARGET else 'FAIL'} (<= 4)" if row["target"] else ""
        cells.append(f"{raw_ratio:.1f}x{mark}")
        if "callsheet_client" in m:
            ratio = m["callsheet_client"] / m["canned_client"]
            verdict = "PASS" if ratio <= CLIENT_TARGET else "FAIL"
            mark = f" {verdict} (<= 1.15)" if row["target"] else ""
            cells += [f"{m['callsheet_client']:.1f} ms", f"{m['canned_client']:.1f} ms"]
            cells.append(f"{ratio:.2f}x{mark}")
        else:
            cells += ["-", "-", "-"]
        table.add_row(*cells)
    console.print(table)
    console.print(
        "raw client's read bodies are shotgun_api3's bytes: "
        + {True: "yes", False: "NO", None: "not checked"}[measured["same_bytes"]]
    )
    for name, statements in measured["statements"].items():
        if statements is not None:
            console.print(
                f"SQL statements through SQLAlchemy, {name}: {len(statements)} (plus the "
                "prepared lookups on the raw driver, store/prepared.py: authentication's two)"
            )
            for statement in statements:
                console.print(f"    {statement}", highlight=False, markup=False)
    for level, (seconds, size) in measured["gzip"].items():
        console.print(
            f"gzip level {level} of the two 1,000-row answers (what the server does for "
            f"shotgun_api3, in a worker thread): {seconds * 1000:.1f} ms, {size / 1000:.0f} kB"
        )
    for name, summary in measured["profiles"].items():
        console.print(
            f"profile {name}: {summary['request_seconds']:.2f} s ({summary['timer']} time) "
            "handling requests; the stages (with what they call):"
        )
        for entry in summary["inclusive"]:
            if entry["function"].split(" ")[0] in KEY_FRAMES:
                console.print(
                    f"    {entry['percent']:5.1f}%  {entry['function']}",
                    highlight=False,
                    markup=False,
                )
        console.print("  most time of their own:")
        for entry in summary["own"][:12]:
            console.print(
                f"    {entry['percent']:5.1f}%  {entry['function']}", highlight=False, markup=False
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--postgres", help="an empty PostgreSQL database URL instead of SQLite")
    parser.add_argument("--profile", help="folder for pyinstrument profiles of the server")
    parser.add_argument("--profile-repeat", type=int, default=30, help="lists per profile")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="callsheet-floor-") as folder:
        measured = measure(args, Path(folder))
    measured["load_average"] = {"before": load_before, "after": os.getloadavg()}
    console = Console(width=160)
    report(measured, console)
    console.print(
        f"load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f} "
        f"(1 min; {os.cpu_count()} cores shared with other work)"
    )
    if args.json:
        args.json.write_text(json.dumps(measured, indent=1))


if __name__ == "__main__":
    main()
