"""Commit-to-delivery latency of the event stream (`GET /api3/events`) on loopback.

A real server (uvicorn in a thread of this process, so commit times and delivery times share one
clock) serves a SQLite file or a PostgreSQL database. A reader thread long-polls /api3/events on a
kept-alive connection, following `last_id`; the writer updates a Shot through the official client,
one write at a time, waiting for its event before the next. The commit time is taken by a listener
on the store's event signals (called right after COMMIT), the delivery time when the reader has
parsed the answer.

    python bench/bench_event_latency.py                    # SQLite file, 300 writes
    python bench/bench_event_latency.py --writes 1000 --postgres postgresql://postgres@127.0.0.1/x
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import shotgun_api3
import uvicorn

from callsheet.server import Settings, create_app
from callsheet.site.accounts import create_script
from callsheet.site.site import Site

SCRIPT, KEY = "bench", "bench-key"
HEADERS = {"X-Callsheet-Script-Name": SCRIPT, "X-Callsheet-Script-Key": KEY}


def serve(site: Site) -> tuple[str, uvicorn.Server, threading.Thread]:
    """Start the app on a free port; returns its base URL, the server and its thread."""
    sock = socket.create_server(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(site, Settings(threads=8)), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


class Reader(threading.Thread):
    """Follows the stream from `after`; records when each event id arrived."""

    def __init__(self, base_url: str, after: int) -> None:
        super().__init__(daemon=True)
        parsed = urllib.parse.urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=90)
        self.after = after
        self.arrived: dict[int, float] = {}
        self.stop = threading.Event()
        self.new = threading.Condition()

    def run(self) -> None:
        while not self.stop.is_set():
            self.conn.request("GET", f"/api3/events?after={self.after}&timeout=2", headers=HEADERS)
            body = json.loads(self.conn.getresponse().read())
            now = time.perf_counter()
            with self.new:
                for event in body["events"]:
                    self.arrived[event["id"]] = now
                self.after = body["last_id"]
                self.new.notify_all()

    def wait_for(self, event_id: int) -> float:
        with self.new:
            self.new.wait_for(lambda: event_id in self.arrived, timeout=30)
            return self.arrived[event_id]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(url: str, writes: int) -> dict[str, Any]:
    """Run the writes; returns commit-to-delivery and request-to-delivery times in ms."""
    site = Site.open(url, pool_size=8)
    create_script(site, SCRIPT, KEY)
    commits: list[float] = []
    site.store.event_signals.add(lambda: commits.append(time.perf_counter()))
    base_url, server, thread = serve(site)
    sg = shotgun_api3.Shotgun(base_url, SCRIPT, KEY)
    project = sg.create("Project", {"name": "Latency"})
    shot = sg.create("Shot", {"code": "sh010", "project": project})
    newest = sg.find_one(
        "EventLogEntry", [], ["id"], order=[{"field_name": "id", "direction": "desc"}]
    )
    reader = Reader(base_url, newest["id"])
    reader.start()
    from_commit, from_request = [], []
    expected = newest["id"]
    for n in range(writes):
        sent = time.perf_counter()
        sg.update("Shot", shot["id"], {"description": f"take {n}"})
        expected += 1
        arrived = reader.wait_for(expected)
        from_commit.append((arrived - commits[-1]) * 1000)
        from_request.append((arrived - sent) * 1000)
    reader.stop.set()
    sg.close()
    server.should_exit = True
    thread.join(timeout=10)
    site.close()
    return {
        "commit_to_delivery_ms": summary(from_commit),
        "request_to_delivery_ms": summary(from_request),
    }


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 2),
        "p99": round(percentile(values, 0.99), 2),
        "max": round(max(values), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--postgres", help="an empty PostgreSQL database URL instead of SQLite")
    args = parser.parse_args()
    if args.postgres:
        print("postgresql", json.dumps(measure(args.postgres, args.writes)))
        return
    with tempfile.TemporaryDirectory() as folder:
        url = str(Path(folder) / "site.sqlite3")
        print("sqlite", json.dumps(measure(url, args.writes)))


if __name__ == "__main__":
    main()
