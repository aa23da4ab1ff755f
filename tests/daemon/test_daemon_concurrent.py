"""End to end: several writer threads on the server while a real daemon runs, stops and restarts.

Every event must reach every callback whose matchEvents it matches exactly once, in id order.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

from live_daemon import daemon_process, done_with, registered, wait_for, write_config
from live_server import SCRIPT_KEY, SCRIPT_NAME

WRITERS, ROUNDS = 4, 3  # rounds per writer per phase

RECORDING_PLUGIN = """
import json, os

def recorder(name):
    def record(sg, logger, event, args):
        out = os.path.join(logger.config.get("test", "out"), PLUGIN + "." + name + ".jsonl")
        with open(out, "a") as f:
            f.write(json.dumps({"id": event["id"]}) + "\\n")
    record.__name__ = name
    return record

def registerCallbacks(reg):
    for name, match in CALLBACKS.items():
        reg.registerCallback(NAME, KEY, recorder(name), match)
"""

# plugin -> callback -> (matchEvents, what it must receive)
Predicate = Callable[[dict], bool]
CALLBACKS: dict[str, dict[str, tuple[object, Predicate]]] = {
    "alpha": {
        "every": (None, lambda e: True),
        "shot_status": (
            {"Shotgun_Shot_Change": ["sg_status_list", "description"]},
            lambda e: (
                e["event_type"] == "Shotgun_Shot_Change"
                and e["attribute_name"] in ("sg_status_list", "description")
            ),
        ),
    },
    "beta": {
        "shot_new": ({"Shotgun_Shot_New": None}, lambda e: e["event_type"] == "Shotgun_Shot_New"),
        "any_status": (
            {"*": ["sg_status_list"], "Shotgun_Shot_New": None},  # '*' shadows the other key
            lambda e: e["attribute_name"] == "sg_status_list",
        ),
    },
}


def plugin_source(plugin: str) -> str:
    matches = {name: match for name, (match, _) in CALLBACKS[plugin].items()}
    source = RECORDING_PLUGIN.replace("PLUGIN", repr(plugin)).replace("CALLBACKS", repr(matches))
    return source.replace("NAME", repr(SCRIPT_NAME)).replace("KEY", repr(SCRIPT_KEY))


def write(sg, project: dict, writer: str) -> None:
    """One writer's share: creates, updates and a batch, as fast as the server answers."""
    for n in range(ROUNDS):
        shot = sg.create("Shot", {"code": f"{writer}_{n}", "project": project})
        sg.update("Shot", shot["id"], {"sg_status_list": "ip"})
        sg.update("Shot", shot["id"], {"description": f"take {n}", "sg_status_list": "fin"})
        sg.batch(
            [
                {
                    "request_type": "create",
                    "entity_type": "Task",
                    "data": {"content": f"t{n}", "entity": shot, "project": project},
                },
                {
                    "request_type": "update",
                    "entity_type": "Shot",
                    "entity_id": shot["id"],
                    "data": {"sg_status_list": "hld"},
                },
            ]
        )


def run_writers(clients: list, project: dict, phase: str) -> list[threading.Thread]:
    """Start one writer thread per client."""
    threads = [
        threading.Thread(target=write, args=(client, project, f"{phase}{n}"))
        for n, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    return threads


def join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join()


def delivered(out: Path, plugin: str, callback: str) -> list[int]:
    path = out / f"{plugin}.{callback}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def newest_id(sg) -> int:
    newest = [{"field_name": "id", "direction": "desc"}]
    row = sg.find_one("EventLogEntry", [], ["id"], order=newest)
    return row["id"] if row else 0


def test_concurrent_writers_every_event_delivered_once_per_matching_callback(
    live, tmp_path: Path
) -> None:
    sg = live.script()
    project = sg.create("Project", {"name": "daemon concurrent writers"})
    plugins, out = tmp_path / "plugins", tmp_path / "out"
    plugins.mkdir()
    out.mkdir()
    for plugin in CALLBACKS:
        (plugins / f"{plugin}.py").write_text(plugin_source(plugin))
    config = write_config(tmp_path, live, plugins, out)
    state = config.with_suffix(".state.sqlite3")
    clients = [live.script() for _ in range(WRITERS)]

    with daemon_process(config):
        wait_for(lambda: registered(state, 4), "registration")
        start = newest_id(sg)  # new callbacks start at the newest event; nobody else writes
        writers = run_writers(clients, project, "a")
        wait_for(lambda: len(delivered(out, "alpha", "every")) > 20, "the first deliveries")
    join(writers)  # the daemon was stopped (SIGTERM) while they wrote
    join(run_writers(clients, project, "b"))  # while no daemon runs
    with daemon_process(config):
        join(run_writers(clients, project, "c"))  # while the restarted daemon catches up
        end = newest_id(sg)
        for plugin in CALLBACKS:
            wait_for(lambda plugin=plugin: done_with(state, plugin, end), f"{plugin} catching up")

    events = sg.find(
        "EventLogEntry",
        [["id", "greater_than", start]],
        ["event_type", "attribute_name"],
        order=[{"field_name": "id", "direction": "asc"}],
    )
    assert [e["id"] for e in events] == list(range(start + 1, end + 1))  # dense, as promised
    for plugin, callbacks in CALLBACKS.items():
        for callback, (_, wanted) in callbacks.items():
            expected = [e["id"] for e in events if wanted(e)]
            assert expected, f"{plugin}.{callback} matched nothing: the test writes too little"
            assert delivered(out, plugin, callback) == expected, f"{plugin}.{callback}"
