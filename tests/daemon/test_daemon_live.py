"""End to end: the daemon delivers a live server's events through restarts and errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from live_daemon import RunningDaemon, daemon_process, registered, wait_for, write_config

from callsheet.daemon.state import StateFile

RECORDER = """
import json

def record(sg, logger, event, args):
    out = logger.config.get("test", "out")
    with open(out, "a") as f:
        f.write(json.dumps({"plugin": args["plugin"], "id": event["id"],
                            "attempt": getattr(event, "attempt", 1),
                            "plain": isinstance(event, dict) and event == dict(event),
                            "keys": sorted(event),
                            "created": event["created_at"].isoformat()}) + "\\n")
    args.setdefault("seen", []).append(event["id"])
    EXTRA

def registerCallbacks(reg):
    reg.registerCallback(NAME, KEY, record, MATCH, args={"plugin": PLUGIN})
"""


def plugin_source(plugin: str, match: object = None, extra: str = "pass") -> str:
    from live_server import SCRIPT_KEY, SCRIPT_NAME

    values = {"NAME": SCRIPT_NAME, "KEY": SCRIPT_KEY, "MATCH": match, "PLUGIN": plugin}
    source = RECORDER.replace("EXTRA", extra)
    for marker, value in values.items():
        source = source.replace(marker, repr(value))
    return source


def deliveries(out: Path, plugin: str | None = None) -> list[dict]:
    if not out.exists():
        return []
    rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    return [row for row in rows if plugin is None or row["plugin"] == plugin]


SHOT_NEW = {"Shotgun_Shot_New": None}
SHOTGUN_EVENTS_KEYS = [  # sorted
    "attribute_name",
    "created_at",
    "entity",
    "event_type",
    "id",
    "meta",
    "project",
    "session_uuid",
    "type",
    "user",
]


def shot_new_ids(sg, after: int) -> list[int]:
    rows = sg.find(
        "EventLogEntry",
        [["event_type", "is", "Shotgun_Shot_New"], ["id", "greater_than", after]],
        ["id"],
    )
    return sorted(row["id"] for row in rows)


def setup(tmp_path: Path, live) -> tuple[Path, Path, Path]:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    out = tmp_path / "out.jsonl"
    config = write_config(tmp_path, live, plugins, out)
    return plugins, out, config


def newest_id(sg) -> int:
    newest = [{"field_name": "id", "direction": "desc"}]
    row = sg.find_one("EventLogEntry", [], ["id"], order=newest)
    return row["id"] if row else 0


def test_daemon_delivers_and_restarts_without_loss_or_repeat(live, tmp_path: Path) -> None:
    sg = live.script()
    project = sg.create("Project", {"name": "daemon restart"})
    plugins, out, config = setup(tmp_path, live)
    (plugins / "recorder.py").write_text(plugin_source("recorder", SHOT_NEW))
    state_path = config.with_suffix(".state.sqlite3")
    start = newest_id(sg)
    daemon = RunningDaemon(config)
    wait_for(lambda: registered(state_path, 1), "registration")
    for n in range(5):
        sg.create("Shot", {"code": f"r{n}", "project": project})
    wait_for(lambda: len(deliveries(out)) >= 5, "first deliveries")
    daemon.stop()
    for n in range(5, 9):
        sg.create("Shot", {"code": f"r{n}", "project": project})
    daemon = RunningDaemon(config)
    expected = shot_new_ids(sg, start)
    wait_for(lambda: len(deliveries(out)) >= len(expected), "deliveries after restart")
    daemon.stop()
    got = [row["id"] for row in deliveries(out)]
    assert got == expected  # each once, in order
    assert all(row["attempt"] == 1 for row in deliveries(out))
    assert "T" in deliveries(out)[0]["created"]  # a datetime, as shotgun_api3 returns


def test_failing_plugin_is_parked_while_others_deliver(live, tmp_path: Path) -> None:
    sg = live.script()
    project = sg.create("Project", {"name": "daemon failing"})
    plugins, out, config = setup(tmp_path, live)
    flag = tmp_path / "broken"
    flag.write_text("yes")
    extra = f"if __import__('os').path.exists({str(flag)!r}): raise ValueError('broken plugin')"
    (plugins / "afailing.py").write_text(plugin_source("afailing", SHOT_NEW, extra))
    (plugins / "healthy.py").write_text(plugin_source("healthy", SHOT_NEW))
    state_path = config.with_suffix(".state.sqlite3")
    start = newest_id(sg)
    daemon = RunningDaemon(config)
    try:
        wait_for(lambda: registered(state_path, 2), "registration")
        for n in range(3):
            sg.create("Shot", {"code": f"f{n}", "project": project})
        expected = shot_new_ids(sg, start)
        wait_for(lambda: len(deliveries(out, "healthy")) == 3, "healthy deliveries")
        wait_for(lambda: StateFile(state_path).is_parked("afailing"), "parking")
        failing = deliveries(out, "afailing")
        assert [row["attempt"] for row in failing] == [1, 2]  # retried, then parked
        assert {row["id"] for row in failing} == {expected[0]}
        flag.unlink()
        assert StateFile(state_path).retry("afailing")
        wait_for(lambda: len(deliveries(out, "afailing")) == 5, "deliveries after retry")
        rows = deliveries(out, "afailing")
        assert [row["id"] for row in rows[2:]] == expected
        assert rows[2]["attempt"] == 3  # the retried event knows it is a retry
    finally:
        daemon.stop()


def test_sleeping_plugin_does_not_hold_up_others(live, tmp_path: Path) -> None:
    sg = live.script()
    project = sg.create("Project", {"name": "daemon sleeping"})
    plugins, out, config = setup(tmp_path, live)
    gate = tmp_path / "gate"
    wait = f"while not __import__('os').path.exists({str(gate)!r}): time.sleep(0.02)"
    extra = f"import time\n    {wait}"
    (plugins / "asleep.py").write_text(plugin_source("asleep", SHOT_NEW, extra))
    (plugins / "awake.py").write_text(plugin_source("awake", SHOT_NEW))
    state_path = config.with_suffix(".state.sqlite3")
    daemon = RunningDaemon(config)
    try:
        wait_for(lambda: registered(state_path, 2), "registration")
        for n in range(4):
            sg.create("Shot", {"code": f"s{n}", "project": project})
        wait_for(lambda: len(deliveries(out, "awake")) == 4, "awake deliveries")
        assert len(deliveries(out, "asleep")) <= 1  # still stuck in its first event
        gate.write_text("open")
        wait_for(lambda: len(deliveries(out, "asleep")) == 4, "asleep catches up")
    finally:
        gate.write_text("open")
        daemon.stop()


def test_changed_plugin_is_reloaded_without_restart(live, tmp_path: Path) -> None:
    sg = live.script()
    project = sg.create("Project", {"name": "daemon reload"})
    plugins, out, config = setup(tmp_path, live)
    path = plugins / "reloaded.py"
    path.write_text(plugin_source("before", SHOT_NEW))
    state_path = config.with_suffix(".state.sqlite3")
    daemon = RunningDaemon(config)
    try:
        wait_for(lambda: registered(state_path, 1), "registration")
        sg.create("Shot", {"code": "h0", "project": project})
        wait_for(lambda: len(deliveries(out, "before")) == 1, "first delivery")
        path.write_text(plugin_source("after", SHOT_NEW))
        os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
        wait_for(lambda: StateFile(state_path).rows(), "state")
        # the reload happens before the worker next fetches; write until the new code answers
        sg.create("Shot", {"code": "h1", "project": project})
        wait_for(lambda: len(deliveries(out)) >= 2, "second delivery")
        sg.create("Shot", {"code": "h2", "project": project})
        wait_for(lambda: len(deliveries(out, "after")) >= 1, "delivery by the new code")
        ids = [row["id"] for row in deliveries(out)]
        assert len(ids) == len(set(ids))  # the reload neither repeats nor loses
    finally:
        daemon.stop()


def test_kill_9_mid_callback_redelivers_only_that_event(live, tmp_path: Path) -> None:
    sg = live.script()
    project = sg.create("Project", {"name": "daemon kill"})
    plugins, out, config = setup(tmp_path, live)
    hang = tmp_path / "hang"
    extra = (
        f"import time\n    while __import__('os').path.exists({str(hang)!r})"
        " and event.attempt == 1 and args['seen'] and len(args['seen']) == 2: time.sleep(0.05)"
    )
    (plugins / "killed.py").write_text(plugin_source("killed", SHOT_NEW, extra))
    state_path = config.with_suffix(".state.sqlite3")
    hang.write_text("yes")
    command = [sys.executable, "-m", "callsheet", "daemon", "--config", str(config)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: registered(state_path, 1), "registration")
        for n in range(3):
            sg.create("Shot", {"code": f"k{n}", "project": project})
        wait_for(lambda: len(deliveries(out)) == 2, "second event in flight")
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        hang.unlink()  # the next process must not hang (and stops cleanly at the end)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: len(deliveries(out)) == 4, "redelivery and the rest")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    rows = deliveries(out)
    first, second, third = sorted({row["id"] for row in rows})
    assert [(row["id"], row["attempt"]) for row in rows] == [
        (first, 1),
        (second, 1),
        (second, 2),  # event.attempt: the redelivered event knows it is a retry
        (third, 1),
    ]
    assert all(row["plain"] and row["keys"] == SHOTGUN_EVENTS_KEYS for row in rows)


def test_sigterm_waits_for_callback_in_flight_second_sigterm_does_not(live, tmp_path: Path) -> None:
    sg = live.script()
    project = sg.create("Project", {"name": "daemon stop"})
    plugins, out, config = setup(tmp_path, live)
    gate = tmp_path / "gate"
    wait = f"while not __import__('os').path.exists({str(gate)!r}): time.sleep(0.02)"
    extra = f"import time\n    {wait}"
    (plugins / "blocked.py").write_text(plugin_source("blocked", SHOT_NEW, extra))
    state_path = config.with_suffix(".state.sqlite3")
    log = config.with_suffix(".log")

    stops = 0  # "Stopping" lines the log had before this stop

    def stopping() -> bool:
        return log.exists() and log.read_text().count("Stopping: waiting") > stops

    with daemon_process(config) as process:  # one SIGTERM: the callback finishes first
        wait_for(lambda: registered(state_path, 1), "registration")
        sg.create("Shot", {"code": "q1", "project": project})
        wait_for(lambda: len(deliveries(out)) == 1, "the callback in flight")
        process.send_signal(signal.SIGTERM)
        wait_for(stopping, "the stop")
        assert process.poll() is None  # still waiting for the blocked callback
        gate.write_text("open")
        process.wait(60)
    stops = 1
    gate.unlink()
    with daemon_process(config) as process:  # two SIGTERMs: it quits, the event comes again
        sg.create("Shot", {"code": "q2", "project": project})
        wait_for(lambda: len(deliveries(out)) == 2, "the second callback in flight")
        process.send_signal(signal.SIGTERM)
        wait_for(stopping, "the stop")
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    gate.write_text("open")
    with daemon_process(config):
        wait_for(lambda: len(deliveries(out)) == 3, "the redelivery")
    rows = [(row["id"], row["attempt"]) for row in deliveries(out)]
    first, second = shot_new_ids(sg, rows[0][0] - 1)
    assert rows == [(first, 1), (second, 1), (second, 2)]
