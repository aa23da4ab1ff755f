"""Uploads, thumbnails and downloads through the official client (reference §7, §9.4)."""

from __future__ import annotations

import gc
import io
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shotgun_api3
from live_server import DIALECTS, LiveServer, live_server
from PIL import Image

from callsheet.server import Settings
from callsheet.server import files as server_files

# shotgun_api3's upload leaves its file open (collected after each test, so the warning is ours)
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
TRANSIENT = "images/status/transient"
THUMBNAIL_DEADLINE_S = 90  # a failure bound for a loaded machine, not a speed check


@pytest.fixture(scope="module", params=DIALECTS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """This module's server, with its files in a temporary data folder."""
    folder = tmp_path_factory.mktemp("files")
    # the official client downloads by id without its cookie when the URL has a port
    settings = Settings(
        data_dir=folder, threads=8, thumbnail_delay_s=0.3, allow_cookieless_local_downloads=True
    )
    with live_server(request, request.param, folder, settings) as server:
        yield server


@pytest.fixture(autouse=True)
def collect_leaked_files() -> Iterator[None]:
    """Collect the client's open upload files while this module's warning filter applies."""
    yield
    gc.collect()


@pytest.fixture(scope="module")
def world(sg: shotgun_api3.Shotgun) -> dict[str, Any]:
    project = sg.create("Project", {"name": "files project"})
    version = sg.create("Version", {"code": "files version", "project": project})
    shot = sg.create("Shot", {"code": "files shot", "project": project})
    return {"project": project, "version": version, "shot": shot}


@pytest.fixture(scope="module")
def jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("images") / "sg_logo.jpg"
    Image.new("RGB", (800, 400), (200, 30, 30)).save(path, format="JPEG")
    return path


@pytest.fixture(scope="module")
def png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("images") / "alpha.png"
    Image.new("RGBA", (300, 300), (0, 0, 255, 100)).save(path, format="PNG")
    return path


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    """GET without any login: status, content type, body."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("content-type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("content-type"), error.read()


def await_final_image(
    sg: shotgun_api3.Shotgun, entity_type: str, entity_id: int, field: str = "image"
) -> str:
    deadline = time.monotonic() + THUMBNAIL_DEADLINE_S
    while True:  # the resize runs in the background: poll with a deadline
        url = sg.find_one(entity_type, [["id", "is", entity_id]], [field])[field]
        if url and TRANSIENT not in url:
            return url
        assert time.monotonic() < deadline, f"{field} still transient: {url}"
        time.sleep(0.05)


def test_upload_to_field_round_trips_bytes(
    sg: shotgun_api3.Shotgun, world: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "Noëlご movie.mov"
    content = bytes(range(256)) * 1000 + b"\r\n--end\r\n"
    path.write_bytes(content)
    version = world["version"]
    attachment_id = sg.upload(
        "Version", version["id"], str(path), "sg_uploaded_movie", tag_list="monkeys, everywhere"
    )
    assert isinstance(attachment_id, int)
    read = sg.find_one("Version", [["id", "is", version["id"]]], ["sg_uploaded_movie"])
    movie = read["sg_uploaded_movie"]
    assert movie["id"] == attachment_id
    assert movie["link_type"] == "upload" and movie["type"] == "Attachment"
    assert movie["name"] == "Noëlご movie.mov"
    assert sg.download_attachment(movie) == content
    target = tmp_path / "copy.mov"
    assert sg.download_attachment(movie, file_path=str(target)) == str(target)
    assert target.read_bytes() == content
    attachment = sg.find_one(
        "Attachment",
        [["id", "is", attachment_id]],
        ["filename", "file_size", "attachment_links", "tag_list", "display_name", "this_file"],
    )
    assert attachment["filename"] == "Noëlご movie.mov"
    assert attachment["file_size"] == len(content)
    assert attachment["display_name"] == "Noëlご movie.mov"
    assert sorted(attachment["tag_list"]) == ["everywhere", "monkeys"]
    assert [link["id"] for link in attachment["attachment_links"]] == [version["id"]]
    assert attachment["this_file"]["id"] == attachment_id


def test_upload_bytes_path_and_display_name(
    sg: shotgun_api3.Shotgun, world: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"plain text\n")
    attachment_id = sg.upload(
        "Shot", world["shot"]["id"], str(path).encode(), display_name="Shot notes"
    )
    found = sg.find_one("Attachment", [["id", "is", attachment_id]], ["display_name", "project"])
    assert found["display_name"] == "Shot notes"
    assert found["project"]["id"] == world["project"]["id"]
    url = sg.get_attachment_download_url({"type": "Attachment", "id": attachment_id})
    assert url.endswith(f"/file_serve/attachment/{attachment_id}")
    signed = sg.find_one("Attachment", [["id", "is", attachment_id]], ["this_file"])["this_file"]
    assert sg.get_attachment_download_url(signed) == signed["url"]
    assert sg.download_attachment(signed) == b"plain text\n"


def test_download_by_id_on_this_machine_uses_the_session_just_issued(
    sg: shotgun_api3.Shotgun, world: dict[str, Any], tmp_path: Path
) -> None:
    # urllib's cookie jar does not match `host:port` domains, so the client sends no
    # `_session_id` here (reference §7.5); with allow_cookieless_local_downloads (this module's
    # server), from loopback the token it was just issued counts. Off by default:
    # tests/server/test_request_guards.py.
    path = tmp_path / "by-id.bin"
    path.write_bytes(b"by id")
    attachment_id = sg.upload("Shot", world["shot"]["id"], str(path))
    assert sg.download_attachment(attachment_id) == b"by id"


def test_download_by_id_after_the_session_window_is_refused(
    sg: shotgun_api3.Shotgun, world: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(server_files, "LOOPBACK_SESSION_WINDOW_S", -1.0)
    path = tmp_path / "late.bin"
    path.write_bytes(b"late")
    attachment_id = sg.upload("Shot", world["shot"]["id"], str(path))
    with pytest.raises(shotgun_api3.ShotgunFileDownloadError, match="403"):
        sg.download_attachment(attachment_id)


def test_download_without_login_is_refused(
    sg: shotgun_api3.Shotgun,
    live: LiveServer,
    world: dict[str, Any],
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(server_files, "_loopback_sessions", {})  # no session issued to us
    path = tmp_path / "secret.bin"
    path.write_bytes(b"secret")
    attachment_id = sg.upload("Shot", world["shot"]["id"], str(path))
    status, _, _ = fetch(f"{live.base_url}/file_serve/attachment/{attachment_id}")
    assert status == 403
    status, _, _ = fetch(
        f"{live.base_url}/file_serve/attachment/{attachment_id}?expires=99999999999&signature=ab"
    )
    assert status == 403
    token = sg.get_session_token()
    cookie = {"Cookie": f"_session_id={token}"}
    status, _, body = fetch(f"{live.base_url}/file_serve/attachment/{attachment_id}", cookie)
    assert (status, body) == (200, b"secret")


def test_download_unknown_attachment_fails(sg: shotgun_api3.Shotgun) -> None:
    with pytest.raises(shotgun_api3.ShotgunFileDownloadError):
        sg.download_attachment(99999999)
    with pytest.raises(TypeError):
        sg.download_attachment("/path/to/some/file.jpg")


def test_upload_thumbnail_reads_placeholder_then_signed_image(
    sg: shotgun_api3.Shotgun, world: dict[str, Any], jpeg: Path
) -> None:
    version = world["version"]
    thumb_id = sg.upload_thumbnail("Version", version["id"], str(jpeg))
    assert isinstance(thumb_id, int)
    image = sg.find_one("Version", [["id", "is", version["id"]]], ["image"])["image"]
    assert image.endswith("/images/status/transient/thumbnail_pending.png")
    status, content_type, body = fetch(image)
    assert (status, content_type) == (200, "image/png")
    assert Image.open(io.BytesIO(body)).format == "PNG"
    final = await_final_image(sg, "Version", version["id"])
    assert "signature=" in final
    status, content_type, body = fetch(final)
    assert (status, content_type) == (200, "image/jpeg")
    assert max(Image.open(io.BytesIO(body)).size) <= 512
    assert fetch(final.replace("signature=", "signature=0"))[0] == 403


def test_transparent_thumbnail_serves_png(
    sg: shotgun_api3.Shotgun, world: dict[str, Any], png: Path
) -> None:
    shot = world["shot"]
    sg.upload_thumbnail("Shot", shot["id"], str(png))
    status, content_type, _ = fetch(await_final_image(sg, "Shot", shot["id"]))
    assert (status, content_type) == (200, "image/png")


def test_create_with_image_and_deep_project_image(
    sg: shotgun_api3.Shotgun, world: dict[str, Any], jpeg: Path
) -> None:
    project = sg.create("Project", {"name": "imaged project", "image": str(jpeg)})
    assert TRANSIENT in project["image"]
    shot = sg.create("Shot", {"code": "deep", "project": project})
    final = await_final_image(sg, "Project", project["id"])
    deep = sg.find_one("Shot", [["id", "is", shot["id"]]], ["project.Project.image"])
    assert deep["project.Project.image"].split("?")[0] == final.split("?")[0]
    assert fetch(deep["project.Project.image"])[:2] == (200, "image/jpeg")
    assert sg.find("Project", [["id", "is", project["id"]], ["image", "is_not", None]])


def test_filmstrip_is_downloadable_and_clearing_removes_both(
    sg: shotgun_api3.Shotgun, world: dict[str, Any], jpeg: Path
) -> None:
    version = sg.create(
        "Version",
        {"code": "filmstrip", "project": world["project"], "filmstrip_image": str(jpeg)},
        return_fields=["filmstrip_image"],
    )
    assert isinstance(sg.download_attachment({"url": version["filmstrip_image"]}), bytes)
    sg.upload_thumbnail("Version", version["id"], str(jpeg))
    url = await_final_image(sg, "Version", version["id"], "filmstrip_image")
    assert isinstance(sg.download_attachment({"url": url}), bytes)
    sg.update("Version", version["id"], {"image": None})
    cleared = sg.find_one("Version", [["id", "is", version["id"]]], ["image", "filmstrip_image"])
    assert cleared["image"] is None and cleared["filmstrip_image"] is None


def test_share_thumbnail_copies_the_image(
    sg: shotgun_api3.Shotgun, world: dict[str, Any], jpeg: Path
) -> None:
    project = world["project"]
    shots = [sg.create("Shot", {"code": f"share {n}", "project": project}) for n in range(3)]
    thumb_id = sg.upload_thumbnail("Shot", shots[0]["id"], str(jpeg))
    with pytest.raises(shotgun_api3.ShotgunThumbnailNotReady):
        sg.share_thumbnail([shots[1]], source_entity=shots[0])
    source = await_final_image(sg, "Shot", shots[0]["id"])
    assert sg.share_thumbnail(shots[1:], source_entity=shots[0]) == thumb_id
    for shot in shots[1:]:
        image = sg.find_one("Shot", [["id", "is", shot["id"]]], ["image"])["image"]
        assert image.split("?")[0] == source.split("?")[0]
    assert isinstance(sg.share_thumbnail([shots[1]], thumbnail_path=str(jpeg)), int)


@pytest.mark.parametrize(
    ("entity_type", "entity_id"),
    [("Version", 99999999), ("NoSuchType", 1)],
)
def test_upload_to_missing_entity_is_refused(
    sg: shotgun_api3.Shotgun, tmp_path: Path, entity_type: str, entity_id: int
) -> None:
    path = tmp_path / "file.txt"
    path.write_bytes(b"x")
    with pytest.raises(shotgun_api3.ShotgunError, match="Could not upload"):
        sg.upload(entity_type, entity_id, str(path))


def test_upload_bad_thumbnail_and_bad_field_are_refused(
    sg: shotgun_api3.Shotgun, world: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "not-an-image.jpg"
    path.write_bytes(b"definitely not a jpeg")
    with pytest.raises(shotgun_api3.ShotgunError, match="Could not upload"):
        sg.upload_thumbnail("Version", world["version"]["id"], str(path))
    with pytest.raises(shotgun_api3.ShotgunError, match="Could not upload"):
        sg.upload("Version", world["version"]["id"], str(path), "code")


def test_upload_with_bad_credentials_is_refused(
    live: LiveServer, world: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "file.txt"
    path.write_bytes(b"x")
    intruder = live.client("e2e tests", "wrong key", connect=False)
    with pytest.raises(shotgun_api3.ShotgunError):
        intruder.upload("Version", world["version"]["id"], str(path))


def test_raw_upload_forms_get_text_errors(live: LiveServer) -> None:
    for path, body, content_type in [
        ("/upload/upload_file", b"garbage", "multipart/form-data; boundary=x"),
        ("/upload/upload_file", b"entity_type=Version", "application/x-www-form-urlencoded"),
        ("/upload/publish_thumbnail", b"\xff\xfe", "text/plain"),
        ("/upload/share_thumbnail", b"entities=Shot_1", "application/x-www-form-urlencoded"),
        ("/upload/api_get_upload_link_info", b"", "application/x-www-form-urlencoded"),
    ]:
        request = urllib.request.Request(
            live.base_url + path, data=body, headers={"Content-Type": content_type}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            assert not response.read().startswith(b"1")
