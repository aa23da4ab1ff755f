"""Callsheet -> Callsheet import over loopback: records per second, extrapolated to scale 1.

The source is a generated site (bench/generate.py) served by `callsheet serve` in its own process;
the destination is a new site (SQLite, and PostgreSQL when a server answers) filled by the
importer in this process (`callsheet.transfer`, the code behind `callsheet import --from`).
The importer's writer notes how long it waited for pages (the source: its server reading and
serialising rows, the client decoding them) and how long it spent writing them (the destination);
the larger share is the bottleneck.

Usage:
    python bench/bench_transfer.py --scale 0.01 [--readers 4] [--no-postgres] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

from callsheet.files import FileRoom
from callsheet.site.accounts import create_script
from callsheet.site.site import Site
from callsheet.transfer.importer import Importer, ImportOptions, Progress
from callsheet.transfer.source import ApiSource

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCALE_1_ENTITIES = 700_000
TARGET_S = 15 * 60
STARTUP_DEADLINE_S = 60


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


def serve_source(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "callsheet", "serve", "--data", str(folder), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(process, url)
    return process, url


def wait_until_serving(process: subprocess.Popen[bytes], url: str) -> None:
    """Return once the server at `url` answers (RuntimeError if it died or never did)."""
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while True:  # poll with a deadline only while waiting for startup
        try:
            urllib.request.urlopen(url + "/api3/json", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # answering
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the source server did not start") from None
            time.sleep(0.2)


def _postgres_destination() -> tuple[str, Any] | None:
    try:
        import psycopg

        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except Exception as error:
        print(f"PostgreSQL skipped: {error}")
        return None
    name = f"cs_bench_transfer_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES_URL.rpartition('/')[0]}/{name}", (admin, name)


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuAtRecords(Progress):
    """Both processes' CPU seconds when the first type's records start (after the schema) and
    at the last type's end: on a shared machine CPU time is what compares between runs."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.start: tuple[float, float] | None = None
        self.end: tuple[float, float] = (0.0, 0.0)

    def _now(self) -> tuple[float, float]:
        return time.process_time(), process_cpu_s(self.server_pid)

    def start_type(self, entity_type: str, retired: bool, total: int | None) -> None:
        if self.start is None:
            self.start = self._now()

    def end_type(self, entity_type: str, retired: bool) -> None:
        self.end = self._now()


def run(url: str, destination: str, files: Path, readers: int, server_pid: int) -> dict[str, Any]:
    site = Site.open(destination, pool_size=4)
    site.use_files(FileRoom(files))
    source = ApiSource(url, script="bench", key="bench-key")
    cpu = CpuAtRecords(server_pid)
    started = time.perf_counter()
    try:
        options = ImportOptions(readers=readers, keys_file=files / "k")
        report = Importer(site, source, options, cpu).run()
    finally:
        source.close()
        site.close()
    seconds = time.perf_counter() - started
    copied = sum(t.live + t.retired for t in report.types.values())
    start = cpu.start or cpu.end
    importer_cpu, source_cpu = cpu.end[0] - start[0], cpu.end[1] - start[1]
    # What grows with the site is the writer's time per record (waiting for pages plus writing
    # them); the schema, the start, the accounts and the few round trips per entity type (113
    # types, most of them empty) cost the same at any scale.
    rate = copied / (report.wait_s + report.write_s)
    fixed_s = seconds - (report.wait_s + report.write_s)
    bottleneck = "reading the source" if report.wait_s > report.write_s else "writing here"
    return {
        "records": copied,
        "seconds": round(seconds, 1),
        "records_per_s": round(rate),
        "writer_waiting_s": round(report.wait_s, 1),
        "writer_writing_s": round(report.write_s, 1),
        "bottleneck": bottleneck,
        "phases_s": report.phase_s,
        "fixed_s": round(fixed_s, 1),
        # CPU seconds of the records phase (all types, readers and writer): per 1,000 records
        "importer_cpu_ms_per_1000": round(1e6 * importer_cpu / copied),
        "source_cpu_ms_per_1000": round(1e6 * source_cpu / copied),
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "scale_1_minutes": round((SCALE_1_ENTITIES / rate + fixed_s) / 60, 1),
        "scale_1_within_15_min": SCALE_1_ENTITIES / rate + fixed_s <= TARGET_S,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="cs-bench-transfer-"))
    source_dir = work / "source"
    source_dir.mkdir()
    database = str(source_dir / "callsheet.sqlite3")
    generate(database, args.scale, replace=True, log=lambda text: None)
    seed = Site.open(database)
    create_script(seed, "bench", "bench-key")
    seed.close()
    process, url = serve_source(source_dir)
    results: dict[str, Any] = {"scale": args.scale, "readers": args.readers}
    try:
        results["sqlite"] = run(
            url, str(work / "dest.sqlite3"), work / "files-sqlite", args.readers, process.pid
        )
        print("sqlite", results["sqlite"])
        made = None if args.no_postgres else _postgres_destination()
        if made is not None:
            pg_url, (admin, name) = made
            try:
                results["postgresql"] = run(
                    url, pg_url, work / "files-pg", args.readers, process.pid
                )
                print("postgresql", results["postgresql"])
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
