"""The cost of the wire: the official client over loopback against `callsheet serve`, next to the
same operations in process through `callsheet.connect()` on the same kind of database.

  (a) 100 single creates, one at a time
  (b) a find of 500 Shots (one page)
  (c) a find of 1,000 Shots (two pages of 500)
  (d) a batch of 500 creates

    python bench/bench_wire.py                 # SQLite files in a temporary folder
    python bench/bench_wire.py --repeat 5 --creates 200
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shotgun_api3

import callsheet

SCRIPT, KEY = "bench", "bench-key"


def timed(operation: Callable[[], Any], repeat: int) -> float:
    """The median wall time of `operation`, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        operation()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


def start_server(
    data: Path,
    database: str | None = None,
    serve: list[str] | None = None,
    new_script: bool = True,
) -> tuple[subprocess.Popen[bytes], str]:
    """`callsheet serve` on a free port, with the bench script created first.

    `database` is a PostgreSQL URL (else the SQLite file in `data`); `serve` replaces the
    `python -m callsheet serve` command (bench_floor.py's profiled server takes the same options);
    `new_script=False` serves a site that already has the script.
    """
    cli = [sys.executable, "-m", "callsheet"]
    where = ["--data", str(data), *(["--database", database] if database else [])]
    if new_script:
        subprocess.run(
            [*cli, "script", "create", SCRIPT, "--key", KEY, *where],
            check=True,
            capture_output=True,
        )
    port = free_port()
    server = subprocess.Popen(
        [*(serve or [*cli, "serve"]), *where, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, url
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("callsheet serve exited before it listened") from None
            if time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("callsheet serve did not start") from None
            time.sleep(0.1)


def operations(sg: Any, project: dict, creates: int) -> dict[str, Callable[[], Any]]:
    def single_creates() -> None:
        for n in range(creates):
            sg.create("Shot", {"code": f"single {n}", "project": project})

    def batch_500() -> None:
        sg.batch(
            [
                {
                    "request_type": "create",
                    "entity_type": "Shot",
                    "data": {"code": f"batch {n}", "project": project, "sg_status_list": "ip"},
                }
                for n in range(500)
            ]
        )

    fields = ["code", "sg_status_list", "project", "created_at", "description", "sg_cut_in"]
    return {
        f"{creates} single creates": single_creates,
        "batch of 500 creates": batch_500,
        "find 500 rows": lambda: sg.find(
            "Shot", [["sg_status_list", "is", "ip"]], fields, limit=500
        ),
        "find 1,000 rows (2 pages)": lambda: sg.find(
            "Shot", [["sg_status_list", "is", "ip"]], fields, limit=1000
        ),
    }


def measure(sg: Any, repeat: int, creates: int) -> dict[str, float]:
    project = sg.create("Project", {"name": "bench"})
    ops = operations(sg, project, creates)
    results = {}
    ops["batch of 500 creates"]()  # enough rows for the finds before timing them
    ops["batch of 500 creates"]()
    for name, operation in ops.items():
        results[name] = timed(operation, repeat)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--creates", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        local = callsheet.connect(os.path.join(folder, "in-process.sqlite3"))
        in_process = measure(local, args.repeat, args.creates)
        local.close()
        server, url = start_server(Path(folder) / "served")
        try:
            client = shotgun_api3.Shotgun(url, SCRIPT, KEY)
            wire = measure(client, args.repeat, args.creates)
            client.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"{'operation':<28}{'in process':>12}{'over HTTP':>12}{'ratio':>8}")
    for name, seconds in in_process.items():
        print(
            f"{name:<28}{seconds * 1000:>10.1f}ms{wire[name] * 1000:>10.1f}ms"
            f"{wire[name] / seconds:>7.2f}x"
        )


if __name__ == "__main__":
    main()
