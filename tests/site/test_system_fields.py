"""Read-only fields the server keeps (schema/system_fields.py), on both databases.

Each test builds a small site and checks the kept value against a count made by hand, then
changes, retires and revives the records it is computed from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from callsheet.faults import Fault
from callsheet.files.room import TRANSIENT_PATH
from callsheet.site.uploads import room_of


def one(sg: Any, entity: dict, fields: list[str]) -> dict:
    return sg.find_one(entity["type"], [["id", "is", entity["id"]]], fields)


def ids(links: list[dict]) -> set[tuple[str, int]]:
    return {(link["type"], link["id"]) for link in links}


def ref(entity: dict) -> tuple[str, int]:
    return (entity["type"], entity["id"])


# -- open_notes --------------------------------------------------------------------------------


def test_open_notes_lists_notes_with_an_open_status(sg: Any, project: dict) -> None:
    shot = sg.create("Shot", {"code": "SH1", "project": project})
    task = sg.create("Task", {"content": "anim", "entity": shot, "project": project})
    notes = {
        status: sg.create(
            "Note",
            {"subject": status, "project": project, "note_links": [shot], "sg_status_list": status},
        )
        for status in ("opn", "ip", "clsd")
    }
    on_task = sg.create("Note", {"subject": "t", "project": project, "tasks": [task]})
    # Open: opn and ip (rdy is not a Note status of the default schema); clsd is not.
    assert ids(one(sg, shot, ["open_notes"])["open_notes"]) == {
        ref(notes["opn"]),
        ref(notes["ip"]),
    }
    assert ids(one(sg, task, ["open_notes"])["open_notes"]) == {ref(on_task)}
    sg.update("Note", notes["ip"]["id"], {"sg_status_list": "clsd"})
    sg.update("Note", notes["clsd"]["id"], {"sg_status_list": "opn"})
    assert ids(one(sg, shot, ["open_notes"])["open_notes"]) == {
        ref(notes["opn"]),
        ref(notes["clsd"]),
    }
    sg.delete("Note", notes["opn"]["id"])
    assert ids(one(sg, shot, ["open_notes"])["open_notes"]) == {ref(notes["clsd"])}
    sg.revive("Note", notes["opn"]["id"])
    assert ids(one(sg, shot, ["open_notes"])["open_notes"]) == {
        ref(notes["opn"]),
        ref(notes["clsd"]),
    }
    sg.update("Note", notes["opn"]["id"], {"note_links": []})
    assert ids(one(sg, shot, ["open_notes"])["open_notes"]) == {ref(notes["clsd"])}


def test_open_notes_filter_finds_the_records_of_an_open_note(sg: Any, project: dict) -> None:
    first = sg.create("Shot", {"code": "SH1", "project": project})
    second = sg.create("Shot", {"code": "SH2", "project": project})
    note = sg.create("Note", {"subject": "n", "project": project, "note_links": [first, second]})
    closed = sg.create(
        "Note",
        {"subject": "c", "project": project, "note_links": [first], "sg_status_list": "clsd"},
    )
    found = sg.find("Shot", [["open_notes", "is", note]], ["code"])
    assert {s["code"] for s in found} == {"SH1", "SH2"}
    assert sg.find("Shot", [["open_notes", "is", closed]], ["code"]) == []


# -- sibling_tasks -----------------------------------------------------------------------------


def test_sibling_tasks_are_the_other_tasks_of_the_same_entity(sg: Any, project: dict) -> None:
    shot = sg.create("Shot", {"code": "SH1", "project": project})
    other = sg.create("Shot", {"code": "SH2", "project": project})
    a, b, c = (
        sg.create("Task", {"content": name, "entity": shot, "project": project}) for name in "abc"
    )
    alone = sg.create("Task", {"content": "alone", "entity": other, "project": project})
    loose = sg.create("Task", {"content": "loose", "project": project})
    assert ids(one(sg, a, ["sibling_tasks"])["sibling_tasks"]) == {ref(b), ref(c)}
    assert one(sg, alone, ["sibling_tasks"])["sibling_tasks"] == []
    assert one(sg, loose, ["sibling_tasks"])["sibling_tasks"] == []  # on nothing: none
    sg.delete("Task", b["id"])
    assert ids(one(sg, a, ["sibling_tasks"])["sibling_tasks"]) == {ref(c)}
    sg.revive("Task", b["id"])
    sg.update("Task", c["id"], {"entity": other})
    assert ids(one(sg, a, ["sibling_tasks"])["sibling_tasks"]) == {ref(b)}
    assert ids(one(sg, alone, ["sibling_tasks"])["sibling_tasks"]) == {ref(c)}


@pytest.mark.parametrize(
    ("entity_type", "field", "value"),
    [("Shot", "open_notes", "note"), ("Task", "sibling_tasks", "task")],
)
def test_computed_links_are_refused_in_create_and_update(
    sg: Any, project: dict, entity_type: str, field: str, value: str
) -> None:
    shot = sg.create("Shot", {"code": "SH1", "project": project})
    targets = {
        "note": sg.create("Note", {"subject": "n", "project": project}),
        "task": sg.create("Task", {"content": "t", "project": project}),
    }
    link = [targets[value]]
    with pytest.raises(Fault, match=f"API create\\(\\) {entity_type}.{field} is read only"):
        sg.create(entity_type, {"project": project, field: link})
    owner = shot if entity_type == "Shot" else targets["task"]
    with pytest.raises(Fault, match=f"API update\\(\\) {entity_type}.{field} is read only"):
        sg.update(entity_type, owner["id"], {field: link})


# -- counts and sums ---------------------------------------------------------------------------


def test_ticket_time_logs_sum_follows_its_time_logs(sg: Any, project: dict) -> None:
    ticket = sg.create("Ticket", {"title": "bug", "project": project})
    other = sg.create("Ticket", {"title": "other", "project": project})
    logs = [
        sg.create("TimeLog", {"entity": ticket, "duration": minutes, "project": project})
        for minutes in (30, 45, 60)
    ]
    assert one(sg, ticket, ["time_logs_sum"])["time_logs_sum"] == 135
    sg.update("TimeLog", logs[0]["id"], {"duration": 10})
    assert one(sg, ticket, ["time_logs_sum"])["time_logs_sum"] == 115
    sg.delete("TimeLog", logs[1]["id"])
    assert one(sg, ticket, ["time_logs_sum"])["time_logs_sum"] == 70
    sg.revive("TimeLog", logs[1]["id"])
    assert one(sg, ticket, ["time_logs_sum"])["time_logs_sum"] == 115
    sg.update("TimeLog", logs[2]["id"], {"entity": other})
    assert one(sg, ticket, ["time_logs_sum"])["time_logs_sum"] == 55
    assert one(sg, other, ["time_logs_sum"])["time_logs_sum"] == 60


def test_ticket_time_logs_sum_change_is_logged_with_the_time_log(sg: Any, project: dict) -> None:
    ticket = sg.create("Ticket", {"title": "bug", "project": project})
    sg.create("TimeLog", {"entity": ticket, "duration": 30, "project": project})
    changes = sg.find(
        "EventLogEntry",
        [["event_type", "is", "Shotgun_Ticket_Change"], ["attribute_name", "is", "time_logs_sum"]],
        ["meta"],
    )
    assert [(c["meta"]["old_value"], c["meta"]["new_value"]) for c in changes] == [(0, 30)]


def test_task_template_task_count_counts_its_live_tasks(sg: Any, project: dict) -> None:
    template = sg.create("TaskTemplate", {"code": "shot"})
    assert one(sg, template, ["task_count"])["task_count"] == 0
    tasks = [sg.create("Task", {"content": name, "task_template": template}) for name in ("a", "b")]
    assert one(sg, template, ["task_count"])["task_count"] == 2
    sg.delete("Task", tasks[0]["id"])
    assert one(sg, template, ["task_count"])["task_count"] == 1
    sg.revive("Task", tasks[0]["id"])
    assert one(sg, template, ["task_count"])["task_count"] == 2
    sg.update("Task", tasks[1]["id"], {"task_template": None})
    assert one(sg, template, ["task_count"])["task_count"] == 1


def test_tag_usage_counts_live_tagged_records_of_every_type(sg: Any, project: dict) -> None:
    red, blue = (sg.create("Tag", {"name": name}) for name in ("red", "blue"))
    assert one(sg, red, ["usage"])["usage"] == 0
    shot = sg.create("Shot", {"code": "SH1", "project": project, "tags": [red, blue]})
    asset = sg.create("Asset", {"code": "rock", "project": project, "tags": [red]})
    assert (one(sg, red, ["usage"])["usage"], one(sg, blue, ["usage"])["usage"]) == (2, 1)
    sg.update("Shot", shot["id"], {"tags": [blue]})
    assert (one(sg, red, ["usage"])["usage"], one(sg, blue, ["usage"])["usage"]) == (1, 1)
    sg.delete("Asset", asset["id"])
    assert one(sg, red, ["usage"])["usage"] == 0
    sg.revive("Asset", asset["id"])
    assert one(sg, red, ["usage"])["usage"] == 1


def test_refused_write_leaves_counts_unchanged(sg: Any, project: dict) -> None:
    ticket = sg.create("Ticket", {"title": "bug", "project": project})
    sg.create("TimeLog", {"entity": ticket, "duration": 30, "project": project})
    batch = [
        {"request_type": "create", "entity_type": "TimeLog",
         "data": {"entity": ticket, "duration": 20, "project": project}},
        {"request_type": "create", "entity_type": "Shot", "data": {"project": project,
         "open_notes": []}},
    ]  # fmt: skip
    with pytest.raises(Fault):
        sg.batch(batch)
    assert one(sg, ticket, ["time_logs_sum"])["time_logs_sum"] == 30


# -- thumbnails --------------------------------------------------------------------------------


def picture(folder: Path, name: str, color: str) -> str:
    path = folder / f"{name}.png"
    Image.new("RGB", (16, 16), color).save(path)
    return str(path)


def test_version_thumbnail_rolls_up_to_its_entity_and_task(
    sg: Any, project: dict, tmp_path: Path
) -> None:
    shot = sg.create("Shot", {"code": "SH1", "project": project})
    task = sg.create("Task", {"content": "anim", "entity": shot, "project": project})
    version = sg.create(
        "Version", {"code": "v1", "entity": shot, "sg_task": task, "project": project}
    )
    attachment = sg.upload_thumbnail("Version", version["id"], picture(tmp_path, "v", "red"))
    for record in (version, shot, task):
        read = one(sg, record, ["image", "image_source_entity"])
        assert read["image_source_entity"]["type"] == "Version"
        assert read["image_source_entity"]["id"] == version["id"]
        assert read["image"] is not None
    changes = sg.find(
        "EventLogEntry",
        [["event_type", "is", "Shotgun_Shot_Change"], ["attribute_name", "is", "image"]],
        ["meta"],
    )
    assert [c["meta"]["new_value"] for c in changes] == [attachment]
    finish_resizes(sg)  # the resized thumbnail replaces the placeholder on the roll-ups too
    for record in (shot, task):
        assert TRANSIENT_PATH not in one(sg, record, ["image"])["image"]


def test_own_thumbnail_names_the_record_and_a_clear_empties_it(
    sg: Any, project: dict, tmp_path: Path
) -> None:
    shot = sg.create("Shot", {"code": "SH1", "project": project})
    version = sg.create("Version", {"code": "v1", "entity": shot, "project": project})
    sg.upload_thumbnail("Version", version["id"], picture(tmp_path, "v", "red"))
    sg.upload_thumbnail("Shot", shot["id"], picture(tmp_path, "s", "blue"))
    assert ref(one(sg, shot, ["image_source_entity"])["image_source_entity"]) == ref(shot)
    assert ref(one(sg, version, ["image_source_entity"])["image_source_entity"]) == ref(version)
    sg.update("Shot", shot["id"], {"image": None})
    assert one(sg, shot, ["image", "image_source_entity"]) == {
        "type": "Shot",
        "id": shot["id"],
        "image": None,
        "image_source_entity": None,
    }


def test_share_thumbnail_names_the_source(sg: Any, project: dict, tmp_path: Path) -> None:
    source = sg.create("Asset", {"code": "rock", "project": project})
    target = sg.create("Asset", {"code": "stone", "project": project})
    sg.upload_thumbnail("Asset", source["id"], picture(tmp_path, "a", "green"))
    finish_resizes(sg)  # share_thumbnail needs a ready thumbnail
    sg.share_thumbnail([target], source_entity=source)
    assert ref(one(sg, target, ["image_source_entity"])["image_source_entity"]) == ref(source)


def finish_resizes(sg: Any) -> None:
    """Wait for the background thumbnail resizes queued so far."""
    room_of(sg.site).thumbnails.close()  # finishes queued jobs; the next upload starts anew


# -- client notes ------------------------------------------------------------------------------


def test_client_note_cannot_be_created_through_the_api(sg: Any, project: dict) -> None:
    with pytest.raises(Fault, match="Client Notes can not be created through the API"):
        sg.create("Note", {"subject": "n", "project": project, "client_note": True})
    note = sg.create("Note", {"subject": "n", "project": project, "client_note": False})
    assert one(sg, note, ["client_note"])["client_note"] is False
    with pytest.raises(Fault, match=r"Note\.client_note is not editable"):
        sg.update("Note", note["id"], {"client_note": True})


def test_playlist_external_share_count_counts_live_unrevoked_shares(sg: Any, project: dict) -> None:
    playlist = sg.create("Playlist", {"code": "dailies", "project": project})
    shares = [sg.create("PlaylistShare", {"playlist": playlist}) for _ in range(2)]
    sg.create(
        "PlaylistShare", {"playlist": playlist, "revoked_at": "2026-01-05T10:00:00Z"}
    )  # revoked: the client can no longer open it
    assert one(sg, playlist, ["external_share_count"])["external_share_count"] == 2
    sg.delete("PlaylistShare", shares[0]["id"])
    assert one(sg, playlist, ["external_share_count"])["external_share_count"] == 1
    sg.revive("PlaylistShare", shares[0]["id"])
    assert one(sg, playlist, ["external_share_count"])["external_share_count"] == 2


# -- ids copied from links ---------------------------------------------------------------------


def test_task_dependency_ids_repeat_its_links(sg: Any, project: dict) -> None:
    up, down, other = (sg.create("Task", {"content": n, "project": project}) for n in "abc")
    sg.update("Task", down["id"], {"upstream_tasks": [up]})
    made = sg.create("TaskDependency", {"task": other, "dependent_task": up})
    rows = sg.find("TaskDependency", [], ["task", "dependent_task", "task_id", "dependent_task_id"])
    assert sorted((r["task_id"], r["dependent_task_id"]) for r in rows) == sorted(
        [(down["id"], up["id"]), (other["id"], up["id"])]
    )
    assert all(r["task_id"] == r["task"]["id"] for r in rows)
    sg.update("TaskDependency", made["id"], {"task": down})
    assert one(sg, made, ["task_id"])["task_id"] == down["id"]
