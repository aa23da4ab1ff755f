"""A file/link field naming an upload: only an Attachment the writer can see, and a signed URL
only for an Attachment the reader can see (a signed URL serves its file to anyone)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from permission_world import World, build_world

from callsheet.client import Shotgun
from callsheet.faults import PermissionFault
from callsheet.files import FileRoom
from callsheet.site.uploads import upload_file


@pytest.fixture
def world(sg: Shotgun, tmp_path: Path) -> World:
    sg.site.use_files(FileRoom(tmp_path / "files"))
    return build_world(sg)


def stored(world: World, which: str, content: bytes) -> int:
    """An Attachment on the Shot of project `which`, uploaded by Callsheet's own script."""
    shot = getattr(world, which)["Shot"]
    return upload_file(world.sg.site, world.sg.actor, "Shot", shot["id"], "f.txt", content)


def upload_link(attachment_id: int) -> dict[str, Any]:
    return {"link_type": "upload", "id": attachment_id, "type": "Attachment", "name": "f.txt"}


def test_writer_cannot_name_an_attachment_of_a_hidden_project(world: World) -> None:
    secret = stored(world, "closed", b"closed secret")
    artist = world.as_role("artist")
    data = {"code": "leak", "project": world.open["Project"], "entity": world.open["Shot"]}
    with pytest.raises(PermissionFault, match="Attachment"):
        artist.create("Version", {**data, "sg_uploaded_movie": upload_link(secret)})
    version = artist.create("Version", data)
    with pytest.raises(PermissionFault, match="Attachment"):
        artist.update("Version", version["id"], {"sg_uploaded_movie": upload_link(secret)})
    with pytest.raises(PermissionFault, match="Attachment"):  # nor one that does not exist
        artist.update("Version", version["id"], {"sg_uploaded_movie": upload_link(99999)})


def test_writer_may_name_an_attachment_they_see(world: World) -> None:
    shared = stored(world, "open", b"open file")
    artist = world.as_role("artist")
    version = artist.create(
        "Version",
        {
            "code": "mine",
            "project": world.open["Project"],
            "sg_uploaded_movie": upload_link(shared),
        },
        ["sg_uploaded_movie"],
    )
    assert "signature=" in version["sg_uploaded_movie"]["url"]


def test_reader_gets_a_signed_url_only_for_an_attachment_they_see(world: World) -> None:
    secret = stored(world, "closed", b"closed secret")
    # an admin may link anything anywhere; an artist reading it must not get the file
    version = world.sg.update(
        "Version", world.open["Version"]["id"], {"sg_uploaded_movie": upload_link(secret)}
    )
    assert "signature=" in version["sg_uploaded_movie"]["url"]
    read = world.as_role("artist").find_one(
        "Version", [["id", "is", world.open["Version"]["id"]]], ["sg_uploaded_movie"]
    )
    assert read is not None
    url = read["sg_uploaded_movie"]["url"]
    assert "signature=" not in url and url.endswith(f"/file_serve/attachment/{secret}")
    room = world.sg.site.files
    assert room is not None
    signed = world.sg.find_one(
        "Version", [["id", "is", world.open["Version"]["id"]]], ["sg_uploaded_movie"]
    )["sg_uploaded_movie"]["url"]
    path, _, query = signed.partition("?")
    params = dict(part.split("=") for part in query.split("&"))
    # the signature names exactly that attachment
    assert room.verify(f"/file_serve/attachment/{secret}", params["expires"], params["signature"])
    assert not room.verify(
        f"/file_serve/attachment/{secret + 1}", params["expires"], params["signature"]
    )
    assert path.endswith(f"/file_serve/attachment/{secret}")
