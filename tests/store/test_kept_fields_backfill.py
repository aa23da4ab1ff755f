"""Migration 8 fills the read-only fields the server keeps for records made before it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PIL import Image

from callsheet.site.uploads import room_of
from callsheet.store import migrations


def one(sg: Any, entity: dict, fields: list[str]) -> dict:
    return sg.find_one(entity["type"], [["id", "is", entity["id"]]], fields)


def test_kept_fields_are_filled_as_the_writes_would_have(
    sg: Any, project: dict, tmp_path: Path
) -> None:
    ticket = sg.create("Ticket", {"title": "bug", "project": project})
    for minutes in (20, 25):
        sg.create("TimeLog", {"entity": ticket, "duration": minutes, "project": project})
    gone = sg.create("TimeLog", {"entity": ticket, "duration": 99, "project": project})
    sg.delete("TimeLog", gone["id"])
    template = sg.create("TaskTemplate", {"code": "shot"})
    sg.create("Task", {"content": "a", "task_template": template})
    red = sg.create("Tag", {"name": "red"})
    sg.create("Shot", {"code": "SH1", "project": project, "tags": [red]})
    retired = sg.create("Asset", {"code": "rock", "project": project, "tags": [red]})
    sg.delete("Asset", retired["id"])
    up, down = (sg.create("Task", {"content": n, "project": project}) for n in "ud")
    sg.update("Task", down["id"], {"upstream_tasks": [up]})
    shot = sg.create("Shot", {"code": "SH2", "project": project})
    picture = tmp_path / "s.png"
    Image.new("RGB", (8, 8), "red").save(picture)
    sg.upload_thumbnail("Shot", shot["id"], str(picture))
    room_of(sg.site).thumbnails.close()
    store = sg.site.store
    with store.write() as conn:  # as a site made before migration 8 holds them
        for table, column in (
            ("Ticket", "time_logs_sum"),
            ("TaskTemplate", "task_count"),
            ("Tag", "usage"),
            ("TaskDependency", "task_id"),
            ("TaskDependency", "dependent_task_id"),
            ("Shot", "image_source_entity__id"),
            ("Shot", "image_source_entity__type"),
        ):
            conn.execute(sa.update(store.table(table)).values({column: None}))
        migrations._fill_kept_fields(conn)
    assert one(sg, ticket, ["time_logs_sum"])["time_logs_sum"] == 45
    assert one(sg, template, ["task_count"])["task_count"] == 1
    assert one(sg, red, ["usage"])["usage"] == 1
    dependency = sg.find_one("TaskDependency", [], ["task_id", "dependent_task_id"])
    assert (dependency["task_id"], dependency["dependent_task_id"]) == (down["id"], up["id"])
    source = one(sg, shot, ["image_source_entity"])["image_source_entity"]
    assert (source["type"], source["id"]) == ("Shot", shot["id"])
