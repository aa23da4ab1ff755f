"""An upload is its Attachment row and its bytes together: a write that rolls back leaves no
file under the id (SQLite gives a rolled-back id to the next row), and a moved upload goes back
where it came from, so the write can run again."""

from __future__ import annotations

from pathlib import Path

import pytest

from callsheet.client import Shotgun
from callsheet.faults import Fault
from callsheet.files import FileRoom
from callsheet.site import uploads
from callsheet.store.events import EventLogWriter


@pytest.fixture
def room(sg: Shotgun, tmp_path: Path) -> FileRoom:
    return sg.site.use_files(FileRoom(tmp_path / "files", thumbnail_delay_s=0))


def refuse(self: EventLogWriter, conn: object) -> list[int]:
    """The write's last step (its event rows) fails: everything before it is undone."""
    raise Fault("the disk is full")


def _shot(sg: Shotgun, project: dict) -> dict:
    return sg.create("Shot", {"code": "s", "project": project})


def test_a_rolled_back_upload_leaves_no_file_and_its_source_back(
    sg: Shotgun, project: dict, room: FileRoom, monkeypatch: pytest.MonkeyPatch
) -> None:
    shot = _shot(sg, project)
    incoming = room.storage.incoming_dir()
    incoming.mkdir(parents=True)
    source = incoming / "arrived"
    source.write_bytes(b"the upload")
    before = {p.name for p in (room.storage.root / "attachments").glob("*")}

    monkeypatch.setattr(EventLogWriter, "flush", refuse)
    with pytest.raises(Fault, match="disk is full"):
        uploads.upload_file(sg.site, sg.actor, "Shot", shot["id"], "a.txt", source)
    monkeypatch.undo()
    assert {p.name for p in (room.storage.root / "attachments").glob("*")} == before
    assert source.read_bytes() == b"the upload"  # the same upload can be written again
    attachment_id = uploads.upload_file(sg.site, sg.actor, "Shot", shot["id"], "a.txt", source)
    assert sg.download_attachment(attachment_id=attachment_id) == b"the upload"


def test_rolled_back_thumbnails_and_byte_uploads_leave_nothing(
    sg: Shotgun, project: dict, room: FileRoom, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    image = tmp_path / "t.png"
    Image.new("RGB", (8, 8), (1, 2, 3)).save(image)
    monkeypatch.setattr(EventLogWriter, "flush", refuse)
    with pytest.raises(Fault, match="disk is full"):
        uploads.upload_file(sg.site, sg.actor, "Project", project["id"], "b.txt", b"bytes")
    with pytest.raises(Fault, match="disk is full"):
        uploads.publish_thumbnail(
            sg.site, sg.actor, "Project", project["id"], "t.png", image.read_bytes()
        )
    stored = room.storage.root / "attachments"
    assert not stored.exists() or not any(stored.iterdir())


def test_a_file_under_an_id_is_served_only_for_the_upload_of_that_id(
    sg: Shotgun, project: dict, room: FileRoom
) -> None:
    """A file left under an id by a write that never committed (the process was killed) is
    not the file of the web link that takes the id next."""
    link = sg.create(
        "Attachment",
        {
            "filename": "x.txt",
            "project": project,
            "this_file": {"url": "https://e.x/x", "name": "x"},
        },
    )
    room.storage.write(room.storage.attachment_path(link["id"]), b"left behind")
    assert uploads.attachment_file(sg.site, link["id"]) is None
    with pytest.raises(Fault, match="may not exist"):
        sg.download_attachment(attachment_id=link["id"])
