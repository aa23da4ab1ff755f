"""Commit-to-callback latency through `callsheet daemon`: a write's COMMIT to the plugin callback.

A real server (uvicorn in a thread of this process) serves a SQLite file or a PostgreSQL
database; a real `callsheet daemon` process runs one plugin whose callback sends the event id
and the time it was called to this process over loopback UDP. Both times are CLOCK_MONOTONIC
(`time.monotonic()`), which is one clock for every process on the machine. The writer updates a
Shot through the official client, one write at a time, waiting for the callback before the next.
The commit time is taken by a listener on the store's event signals (called right after COMMIT).
`--plugins N` loads N measured plugins (each its own file, as a studio's plugin folder holds) and
every write waits for all of them; the figures are per plugin and for the worst plugin.
`--slow-plugin S` adds a plugin whose callback sleeps S seconds per event, to show that it does
not delay the measured ones. `--state-sync full` makes the daemon's state file survive a power
cut, not only a kill -9 (docs/plugins.md), to measure what that costs.

    python bench/bench_daemon_latency.py                        # SQLite file, 300 writes
    python bench/bench_daemon_latency.py --plugins 7 --slow-plugin 0.2   # issue 11: 8 loaded
    python bench/bench_daemon_latency.py --postgres postgresql://postgres@127.0.0.1/empty_db
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import shotgun_api3
import uvicorn

from callsheet.server import Settings, create_app
from callsheet.site.accounts import create_script
from callsheet.site.site import Site

SCRIPT, KEY = "bench", "bench-key"
WARM_UP_WRITES = 5
TARGETS_MS = {"median": 10.0, "p99": 50.0}  # issue 11: commit to callback, every plugin
CALLBACK_DEADLINE_S = 30

PLUGIN = """
import socket, time

def registerCallbacks(reg):
    args = {{"port": reg.logger.config.getint("bench", "port"),
             "socket": socket.socket(socket.AF_INET, socket.SOCK_DGRAM)}}
    match = {{"Shotgun_Shot_Change": ["description"]}}
    reg.registerCallback({script!r}, {key!r}, {name}, match, args)

def measured(sg, logger, event, args):
    called = time.monotonic()
    message = f"{plugin} {{event['id']}} {{called!r}}"
    args["socket"].sendto(message.encode(), ("127.0.0.1", args["port"]))

def slow(sg, logger, event, args):
    time.sleep({sleep_s!r})
"""

CONFIG = """[daemon]
logging = 30

[shotgun]
server = {server}
name = {script}
key = {key}
use_session_uuid = True

[plugins]
paths = {plugins}

[emails]
enabled = False

[bench]
port = {port}
"""


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


def plugin_names(count: int) -> list[str]:
    return [f"measured{number}" for number in range(1, count + 1)]


def start_daemon(
    folder: Path, base_url: str, port: int, options: argparse.Namespace
) -> subprocess.Popen:
    """Write the plugins and the config, then start `callsheet daemon` on them."""
    plugins = folder / "plugins"
    plugins.mkdir()
    source = {"script": SCRIPT, "key": KEY, "sleep_s": options.slow_plugin or 0.0}
    for name in plugin_names(options.plugins):
        (plugins / f"{name}.py").write_text(PLUGIN.format(name="measured", plugin=name, **source))
    if options.slow_plugin is not None:
        slow = PLUGIN.format(name="slow", plugin="slow", **source)
        (plugins / "a_slow.py").write_text(slow)
    config = folder / "daemon.conf"
    values = {"server": base_url, "script": SCRIPT, "key": KEY, "plugins": plugins, "port": port}
    text = CONFIG.format(**values)
    if options.state_sync:
        text = text.replace("[daemon]\n", f"[daemon]\nstate_sync = {options.state_sync}\n")
    config.write_text(text)
    command = [sys.executable, "-m", "callsheet", "daemon", "--config", str(config)]
    with open(folder / "daemon.log", "wb") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 2),
        "p99": round(percentile(values, 0.99), 2),
        "max": round(max(values), 2),
    }


def callback_times(receiver: socket.socket, event_id: int, names: list[str]) -> dict[str, float]:
    """When each measured plugin's callback was called for `event_id`."""
    called: dict[str, float] = {}
    while len(called) < len(names):
        data, _ = receiver.recvfrom(200)
        name, received_id, when = data.decode().split()
        if int(received_id) == event_id:
            called[name] = float(when)
    return called


def measure(url: str, options: argparse.Namespace) -> dict[str, Any]:
    """Run the writes; returns commit-to-callback (per plugin) and request-to-callback in ms."""
    writes, names = options.writes, plugin_names(options.plugins)
    site = Site.open(url, pool_size=8)
    create_script(site, SCRIPT, KEY)
    commits: list[float] = []
    site.store.event_signals.add(lambda: commits.append(time.monotonic()))
    base_url, server, thread = serve(site)
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(CALLBACK_DEADLINE_S)
    sg = shotgun_api3.Shotgun(base_url, SCRIPT, KEY)
    project = sg.create("Project", {"name": "Latency"})
    shot = sg.create("Shot", {"code": "sh010", "project": project})
    with tempfile.TemporaryDirectory() as folder:
        daemon = start_daemon(Path(folder), base_url, receiver.getsockname()[1], options)
        try:
            from_commit: dict[str, list[float]] = {name: [] for name in names}
            from_request: list[float] = []
            newest = [{"field_name": "id", "direction": "desc"}]
            event_id = sg.find_one("EventLogEntry", [], ["id"], order=newest)["id"]
            warm_up = WARM_UP_WRITES
            while len(from_request) < writes:
                sent = time.monotonic()
                sg.update("Shot", shot["id"], {"description": f"take {event_id}"})
                event_id += 1  # one event per description change; ids are dense
                committed = commits[-1]
                if warm_up == WARM_UP_WRITES:  # until the daemon has registered its callback
                    receiver.settimeout(0.5)
                    try:
                        callback_times(receiver, event_id, names)
                        warm_up -= 1
                    except TimeoutError:
                        pass
                    receiver.settimeout(CALLBACK_DEADLINE_S)
                    continue
                called = callback_times(receiver, event_id, names)
                if warm_up > 0:
                    warm_up -= 1
                    continue
                for name, when in called.items():
                    from_commit[name].append((when - committed) * 1000)
                from_request.append((max(called.values()) - sent) * 1000)
        finally:
            daemon.terminate()
            daemon.wait(30)
    sg.close()
    receiver.close()
    server.should_exit = True
    thread.join(timeout=30)
    site.close()
    per_plugin = {name: summary(values) for name, values in from_commit.items()}
    return {
        "commit_to_callback_ms": {
            stat: max(figures[stat] for figures in per_plugin.values())
            for stat in ("median", "p99", "max")
        },
        "per_plugin": per_plugin,
        "request_to_last_callback_ms": summary(from_request),
    }


def report(label: str, result: dict[str, Any]) -> bool:
    """Print the result and the targets; True when every target is met."""
    print(label, json.dumps(result))
    ok = True
    measured = result["commit_to_callback_ms"]  # the worst plugin's figure
    for stat, target in TARGETS_MS.items():
        passed = measured[stat] < target
        ok &= passed
        verdict = "PASS" if passed else "FAIL"
        ratio = measured[stat] / target
        print(f"  {stat} {measured[stat]} ms < {target} ms: {ratio:.2f} of target {verdict}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--postgres", help="an empty PostgreSQL database URL instead of SQLite")
    parser.add_argument("--plugins", type=int, default=1, help="measured plugins (default 1)")
    parser.add_argument("--slow-plugin", type=float, metavar="S", help="add a plugin sleeping S s")
    parser.add_argument("--state-sync", choices=["normal", "full"], help="the daemon's state_sync")
    args = parser.parse_args()
    if args.postgres:
        ok = report("postgresql", measure(args.postgres, args))
    else:
        with tempfile.TemporaryDirectory() as folder:
            url = str(Path(folder) / "site.sqlite3")
            ok = report("sqlite", measure(url, args))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
