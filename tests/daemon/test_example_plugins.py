"""End to end: each plugin in examples/plugins/ in a real `callsheet daemon` against a live server.

The custom fields and status values the plugins need are added through the schema API here.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import zipfile
from pathlib import Path

from live_daemon import daemon_process, done_with, registered, wait_for, write_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plugins"


def install(tmp_path: Path, live, plugin: str, extra: str = "") -> Path:
    """The plugin alone in a plugin folder, and a daemon config for it; returns the config."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    shutil.copy(EXAMPLES / f"{plugin}.py", plugins / f"{plugin}.py")
    return write_config(tmp_path, live, plugins, tmp_path / "out.jsonl", extra)


def last_status_change(sg, entity: dict) -> int:
    """The id of the newest sg_status_list change event of `entity`."""
    row = sg.find_one(
        "EventLogEntry",
        [["entity", "is", entity], ["attribute_name", "is", "sg_status_list"]],
        ["id"],
        order=[{"field_name": "id", "direction": "desc"}],
    )
    return row["id"]


def statuses(sg, *tasks: dict) -> list[str]:
    rows = {
        row["id"]: row["sg_status_list"]
        for row in sg.find("Task", [["id", "in", [t["id"] for t in tasks]]], ["sg_status_list"])
    }
    return [rows[t["id"]] for t in tasks]


def test_example_task_ready_downstream_readies_tasks_whose_upstream_all_final(
    live, tmp_path: Path
) -> None:
    sg = live.script()
    project = sg.create("Project", {"name": "example downstream"})
    shot = sg.create("Shot", {"code": "t010", "project": project})

    def task(content: str, status: str = "wtg", upstream: list | None = None) -> dict:
        data = {"content": content, "entity": shot, "project": project}
        data |= {"sg_status_list": status, "upstream_tasks": upstream or []}
        return sg.create("Task", data)

    layout, anim = task("layout"), task("anim")
    light = task("light", upstream=[layout, anim])  # waits for both
    comp = task("comp", upstream=[layout])  # waits for layout only
    fx = task("fx", "ip", upstream=[layout])  # already started: keeps its status
    config = install(tmp_path, live, "task_ready_downstream")
    state = config.with_suffix(".state.sqlite3")
    with daemon_process(config):
        wait_for(lambda: registered(state, 1), "registration")
        sg.update("Task", layout["id"], {"sg_status_list": "ip"})  # not final: nothing happens
        sg.update("Task", layout["id"], {"sg_status_list": "fin"})
        layout_final = last_status_change(sg, layout)
        wait_for(lambda: done_with(state, "task_ready_downstream", layout_final), "layout fin")
        assert statuses(sg, light, comp, fx) == ["wtg", "rdy", "ip"]

        sg.update("Task", anim["id"], {"sg_status_list": "fin"})
        anim_final = last_status_change(sg, anim)
        wait_for(lambda: done_with(state, "task_ready_downstream", anim_final), "anim fin")
        assert statuses(sg, light, comp, fx) == ["rdy", "rdy", "ip"]


def test_example_cut_duration_recalculates(live, tmp_path: Path) -> None:
    sg = live.script()
    for field in ("sg_cut_in", "sg_cut_out", "sg_cut_duration"):
        if field not in sg.schema_field_read("Shot"):
            sg.schema_field_create("Shot", "number", field.removeprefix("sg_").replace("_", " "))
    project = sg.create("Project", {"name": "example cut"})
    config = install(tmp_path, live, "cut_duration")
    state = config.with_suffix(".state.sqlite3")
    with daemon_process(config):
        wait_for(lambda: registered(state, 1), "registration")
        shot = sg.create("Shot", {"code": "c010", "project": project})
        sg.update("Shot", shot["id"], {"sg_cut_in": 1001, "sg_cut_out": 1100})

        def duration() -> object:
            row = sg.find_one("Shot", [["id", "is", shot["id"]]], ["sg_cut_duration"])
            return row["sg_cut_duration"]

        wait_for(lambda: duration() == 100, "cut duration")
        sg.update("Shot", shot["id"], {"sg_cut_out": 1050})
        wait_for(lambda: duration() == 50, "cut duration after a new cut out")


def test_example_deliver_shot_zips_latest_published_files_and_notes_where(
    live, tmp_path: Path
) -> None:
    sg = live.script()
    field = sg.schema_field_read("Shot", "sg_status_list")["sg_status_list"]
    valid = field["properties"]["valid_values"]["value"]
    if "dlvr" not in valid:
        sg.schema_field_update("Shot", "sg_status_list", {"valid_values": [*valid, "dlvr"]})
    storage = tmp_path / "storage"
    (storage / "plates").mkdir(parents=True)
    sg.create("LocalStorage", {"code": f"storage {tmp_path.name}", "linux_path": str(storage)})
    project = sg.create("Project", {"name": "example delivery"})
    shot = sg.create("Shot", {"code": "d010", "project": project})
    other = sg.create("Shot", {"code": "d020", "project": project})

    def publish(entity: dict, name: str, version: int, filename: str, content: bytes) -> None:
        path = storage / "plates" / filename
        path.write_bytes(content)
        data = {"code": filename, "name": name, "version_number": version, "entity": entity}
        data |= {"project": project, "path": {"local_path": str(path), "name": filename}}
        sg.create("PublishedFile", data)

    publish(shot, "plate", 1, "plate_v001.exr", b"old plate")
    publish(shot, "plate", 2, "plate_v002.exr", b"new plate")
    publish(shot, "comp", 1, "comp_v001.mov", b"comp")
    publish(other, "plate", 3, "plate_v003.exr", b"another shot's plate")
    deliveries = tmp_path / "deliveries"
    extra = f"[deliver_shot]\nstatus = dlvr\nfolder = {deliveries}\n"
    config = install(tmp_path, live, "deliver_shot", extra)
    state = config.with_suffix(".state.sqlite3")
    with daemon_process(config):
        wait_for(lambda: registered(state, 1), "registration")
        sg.update("Shot", shot["id"], {"sg_status_list": "ip"})  # not the configured status
        sg.update("Shot", shot["id"], {"sg_status_list": "dlvr"})
        delivered = last_status_change(sg, shot)
        wait_for(lambda: done_with(state, "deliver_shot", delivered), "the delivery")

    notes = sg.find("Note", [["note_links", "is", shot]], ["subject", "content", "project"])
    archive = deliveries / f"d010_{delivered}.zip"
    assert list(deliveries.iterdir()) == [archive]
    with zipfile.ZipFile(archive) as bundle:
        packed = {name: bundle.read(name) for name in bundle.namelist()}
    assert packed == {"plate_v002.exr": b"new plate", "comp_v001.mov": b"comp"}
    assert [note["subject"] for note in notes] == ["Delivery of d010"]
    assert str(archive) in notes[0]["content"]
    assert notes[0]["project"]["id"] == project["id"]

    # delivered again (as after a crash mid-callback): same archive, still one Note
    spec = importlib.util.spec_from_file_location("deliver_shot", EXAMPLES / "deliver_shot.py")
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    event = sg.find_one("EventLogEntry", [["id", "is", delivered]], ["meta", "entity"])
    settings = {"status": "dlvr", "folder": str(deliveries)}
    plugin.deliver_shot(sg, logging.getLogger("test"), event, settings)
    assert list(deliveries.iterdir()) == [archive]
    assert len(sg.find("Note", [["note_links", "is", shot]], ["id"])) == 1
