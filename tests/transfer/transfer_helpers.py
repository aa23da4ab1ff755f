"""Helpers of the import tests: a populated source and read-by-read comparison."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import shotgun_api3

from callsheet.site.actor import SYSTEM
from callsheet.site.site import Site
from callsheet.transfer.verify import comparable

THUMBNAIL_DEADLINE_S = 90  # a failure bound for a loaded machine, not a speed check


def populate(sg: shotgun_api3.Shotgun, folder: Path, site: Site) -> dict[str, Any]:
    """Custom fields, an enabled custom entity slot, retired records, multi-entity order, files,
    people and scripts (`site` is the source server's own: slots are enabled by an admin, not
    through the API)."""
    from callsheet.site.accounts import admin_actor
    from callsheet.site.entity_slots import enable_slot

    enable_slot(site, admin_actor(site), "CustomEntity07", "Season", None, ["tasks"])
    sg.schema_field_create("Shot", "list", "Grade", {"valid_values": ["a", "b", "c"]})
    sg.schema_field_create("Shot", "number", "Frames", {"description": "frame count"})
    sg.schema_field_create("Asset", "multi_entity", "Props", {"valid_types": ["Asset"]})
    sg.schema_field_create("Shot", "tag_list", "Labels")
    # a calculated field: its definition is copied, its values are computed on each side
    site.computed_field_create(
        admin_actor(site),
        "Shot",
        "calculated",
        "Label",
        {"formula": 'CONCAT({code}, " / ", {sg_sequence.Sequence.code})', "output_type": "text"},
    )
    project = sg.create("Project", {"name": "Copy Me"})
    sequence = sg.create("Sequence", {"code": "SQ010", "project": project})
    assets = [sg.create("Asset", {"code": f"asset{n}", "project": project}) for n in range(4)]
    sg.update("Asset", assets[0]["id"], {"sg_props": [assets[3], assets[1], assets[2]]})
    shots = []
    for n in range(12):
        shots.append(
            sg.create(
                "Shot",
                {
                    "code": f"SQ010_{n:04d}",
                    "project": project,
                    "sg_sequence": sequence,
                    "sg_grade": "abc"[n % 3],
                    "sg_frames": 10 * n,
                    "assets": [assets[(n + 2) % 4], assets[n % 4]],
                    "description": f"shot {n} ünïcode",
                },
            )
        )
    sg.update("Shot", shots[0]["id"], {"sg_labels": ["hero", "night"]})
    sg.delete("Shot", shots[5]["id"])
    sg.delete("Asset", assets[2]["id"])
    step = sg.find_one("Step", [["code", "is", "Comp"]])
    task = sg.create(
        "Task", {"content": "comp", "entity": shots[1], "project": project, "step": step}
    )
    person = sg.create(
        "HumanUser", {"login": "artist1", "name": "Art Ist", "email": "artist@example.com"}
    )
    sg.update("Task", task["id"], {"task_assignees": [person]})
    seasons = [sg.create("CustomEntity07", {"code": f"S0{n}", "project": project}) for n in (1, 2)]
    sg.create("Task", {"content": "plan", "entity": seasons[0], "project": project})
    sg.delete("CustomEntity07", seasons[1]["id"])
    version = sg.create("Version", {"code": "v001", "project": project, "entity": shots[1]})
    playlist = sg.create("Playlist", {"code": "dailies", "project": project, "versions": [version]})
    movie = folder / "movie.mov"
    movie.write_bytes(b"not really a movie " * 100)
    sg.upload("Version", version["id"], str(movie), "sg_uploaded_movie")
    from PIL import Image

    picture = folder / "thumb.png"
    Image.new("RGB", (64, 48), "teal").save(picture)
    sg.upload_thumbnail("Shot", shots[1]["id"], str(picture))
    note = sg.create(
        "Note",
        {
            "subject": "look",
            "content": "nice",
            "project": project,
            "note_links": [shots[1], version],
        },
    )
    sg.create("ApiUser", {"firstname": "pipeline tool"})
    deadline = time.monotonic() + THUMBNAIL_DEADLINE_S
    while "pending" in str(sg.find_one("Shot", [["id", "is", shots[1]["id"]]], ["image"])["image"]):
        if time.monotonic() > deadline:
            raise RuntimeError("thumbnail never finished")
        time.sleep(0.05)
    status = "sg_uploaded_movie_transcoding_status"
    while sg.find_one("Version", [["id", "is", version["id"]]], [status])[status] == 0:
        if time.monotonic() > deadline:  # the transcode worker refuses the fake movie: status 2
            raise RuntimeError("the movie's transcode never ended")
        time.sleep(0.05)
    return {
        "project": project,
        "shots": shots,
        "version": version,
        "note": note,
        "playlist": playlist,
    }


def copied_types(site: Site) -> list[str]:
    return [t.name for t in site.schema if t.name != "EventLogEntry"]


def assert_same_reads(sg: shotgun_api3.Shotgun, site: Site, types: list[str]) -> int:
    """Every record of every type, live and retired, read from both sides and compared."""
    compared = 0
    for entity_type in types:
        schema = sg.schema_field_read(entity_type)
        fields = [
            name
            for name, answer in schema.items()
            if answer["data_type"]["value"] not in ("password",)
        ]
        for retired in (False, True):
            there = sg.find(
                entity_type, [], fields, order=[{"field_name": "id"}], retired_only=retired
            )
            here = site.find(
                SYSTEM, entity_type, [], fields, order=[{"field_name": "id"}], retired_only=retired
            )
            assert [r["id"] for r in here] == [r["id"] for r in there], (entity_type, retired)
            for a, b in zip(there, here, strict=True):
                for name in fields:
                    assert comparable(b.get(name)) == comparable(a.get(name)), (
                        entity_type,
                        a["id"],
                        name,
                        a.get(name),
                        b.get(name),
                    )
                compared += 1
    return compared
