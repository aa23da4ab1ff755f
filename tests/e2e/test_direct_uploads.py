"""The official client's cloud upload flow, served by Callsheet (issue 16 §1, reference §7.3)."""

from __future__ import annotations

import gc
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shotgun_api3
from live_server import DIALECTS, LiveServer, live_server

from callsheet.server import Settings

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
PART_BYTES = 30_000  # the client's part size, made small so a short movie goes in parts


@pytest.fixture(scope="module", params=DIALECTS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("direct")
    settings = Settings(data_dir=folder, threads=8)
    with live_server(request, request.param, folder, settings) as server:
        yield server


@pytest.fixture(autouse=True)
def collect_leaked_files() -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture(scope="module")
def movie(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three seconds of FFmpeg's test pattern (about 110 kB: several parts of PART_BYTES)."""
    path = tmp_path_factory.mktemp("movies") / "test pattern.mov"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=3:size=320x240:rate=24",
            "-c:v",
            "mpeg4",
            "-q:v",
            "2",
            str(path),
        ],
        check=True,
    )
    return path


@pytest.fixture(scope="module")
def version(sg: shotgun_api3.Shotgun) -> dict[str, Any]:
    project = sg.create("Project", {"name": "direct uploads"})
    return sg.create("Version", {"code": "v001", "project": project})


def _form(live: LiveServer, path: str, fields: dict[str, Any]) -> str:
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(live.base_url + path, data=body)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def _put(url: str, data: bytes) -> tuple[int, str | None]:
    request = urllib.request.Request(url, data=data, method="PUT")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("ETag")
    except urllib.error.HTTPError as error:
        return error.code, None


SCRIPT = {"script_name": "e2e tests", "script_key": "e2e-script-key"}


def test_info_offers_direct_uploads_for_movies(sg: shotgun_api3.Shotgun) -> None:
    assert sg.server_info["s3_direct_uploads_enabled"] is True
    assert sg._requires_direct_s3_upload("Version", "sg_uploaded_movie")
    assert not sg._requires_direct_s3_upload("Shot", None)


def test_single_put_upload_round_trips_bytes(
    sg: shotgun_api3.Shotgun, version: dict[str, Any], movie: Path, tmp_path: Path
) -> None:
    attachment_id = sg.upload("Version", version["id"], str(movie), "sg_uploaded_movie")
    read = sg.find_one("Version", [["id", "is", version["id"]]], ["sg_uploaded_movie"])
    assert read["sg_uploaded_movie"]["id"] == attachment_id
    assert read["sg_uploaded_movie"]["name"] == "test pattern.mov"
    target = tmp_path / "back.mov"
    sg.download_attachment(read["sg_uploaded_movie"], file_path=str(target))
    assert target.read_bytes() == movie.read_bytes()


def test_multipart_upload_round_trips_bytes(
    live: LiveServer, version: dict[str, Any], movie: Path, tmp_path: Path
) -> None:
    sg = live.script()
    sg._MULTIPART_UPLOAD_CHUNK_SIZE = PART_BYTES  # type: ignore[misc]
    size = movie.stat().st_size
    assert size > 3 * PART_BYTES
    attachment_id = sg.upload(
        "Version", version["id"], str(movie), "sg_uploaded_movie", display_name="in parts"
    )
    attachment = sg.find_one(
        "Attachment", [["id", "is", attachment_id]], ["file_size", "display_name", "this_file"]
    )
    assert attachment["file_size"] == size and attachment["display_name"] == "in parts"
    assert sg.download_attachment(attachment["this_file"]) == movie.read_bytes()
    # nothing of the upload is left behind in the incoming folder
    incoming = live.site.files.storage.incoming_dir() / "direct"  # type: ignore[union-attr]
    assert not any(incoming.iterdir())


def test_parts_written_through_the_thread_pool_when_the_disk_throttles_round_trip(
    live: LiveServer,
    version: dict[str, Any],
    movie: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As once writes have been slow (a throttled disk): each chunk goes through the thread
    pool, at its offset in the whole file."""
    from callsheet.server import direct_uploads

    monkeypatch.setattr(direct_uploads, "SLOW_WRITES_TO_THREAD", 0)
    sg = live.script()
    sg._MULTIPART_UPLOAD_CHUNK_SIZE = PART_BYTES  # type: ignore[misc]
    attachment_id = sg.upload("Version", version["id"], str(movie), "sg_uploaded_movie")
    attachment = sg.find_one("Attachment", [["id", "is", attachment_id]], ["this_file"])
    assert sg.download_attachment(attachment["this_file"]) == movie.read_bytes()


def test_upload_to_other_fields_still_takes_the_form_post(
    sg: shotgun_api3.Shotgun, version: dict[str, Any], movie: Path
) -> None:
    shot = sg.create("Shot", {"code": "form post", "project": version["project"]})
    attachment_id = sg.upload("Shot", shot["id"], str(movie))
    stored = sg.find_one("Attachment", [["id", "is", attachment_id]], ["this_file"])
    assert sg.download_attachment(stored["this_file"]) == movie.read_bytes()


def test_a_part_sent_again_replaces_the_first_send(
    live: LiveServer, sg: shotgun_api3.Shotgun, version: dict[str, Any]
) -> None:
    info = _form(
        live,
        "/upload/api_get_upload_link_info",
        {
            "upload_type": "Attachment",
            "filename": "resent.bin",
            "multipart_upload": "True",
            **SCRIPT,
        },
    )
    lines = info.split("\n")
    assert lines[0] == "1" and lines[1].startswith(live.base_url)
    ids = {
        "upload_type": lines[3],
        "filename": "resent.bin",
        "timestamp": lines[2],
        "upload_id": lines[4],
    }
    links = [
        _form(live, "/upload/api_get_upload_link_for_part", {**ids, "part_number": n, **SCRIPT})
        for n in (1, 2)
    ]
    assert all(link.startswith("1\n") for link in links)
    first, second = (link.split("\n")[1] for link in links)
    status, interrupted = _put(first, b"broken")
    assert status == 200
    status, etag1 = _put(first, b"A" * 1000)  # the client retries the part
    assert status == 200 and etag1 != interrupted
    status, etag2 = _put(second, b"B" * 10)
    stale = _form(
        live,
        "/upload/api_complete_multipart_upload",
        {**ids, "etags": f"{interrupted},{etag2}", **SCRIPT},
    )
    assert stale.startswith("0") and "send the part again" in stale
    done = _form(
        live,
        "/upload/api_complete_multipart_upload",
        {**ids, "etags": f"{etag1},{etag2}", **SCRIPT},
    )
    assert done == "1\n"
    linked = _form(
        live,
        "/upload/api_link_file",
        {"entity_type": "Version", "entity_id": version["id"], "upload_link_info": info, **SCRIPT},
    )
    assert linked.startswith("1:")
    stored = sg.find_one("Attachment", [["id", "is", int(linked[2:])]], ["this_file"])
    assert sg.download_attachment(stored["this_file"]) == b"A" * 1000 + b"B" * 10


def test_parts_sent_out_of_order_are_joined_and_a_too_large_part_is_refused(
    live: LiveServer, sg: shotgun_api3.Shotgun, version: dict[str, Any]
) -> None:
    info = _form(
        live,
        "/upload/api_get_upload_link_info",
        {
            "upload_type": "Attachment",
            "filename": "order.bin",
            "multipart_upload": "True",
            **SCRIPT,
        },
    )
    lines = info.split("\n")
    ids = {
        "upload_type": lines[3],
        "filename": "order.bin",
        "timestamp": lines[2],
        "upload_id": lines[4],
    }
    link = {
        n: _form(
            live, "/upload/api_get_upload_link_for_part", {**ids, "part_number": n, **SCRIPT}
        ).split("\n")[1]
        for n in (1, 2, 3, 4)
    }
    parts = {1: b"1" * 500, 2: b"2" * 500, 3: b"3" * 500, 4: b"4" * 7}
    etags = {2: _put(link[2], parts[2])[1]}  # before part 1: kept apart, copied in at the end
    for n in (1, 3, 4):
        etags[n] = _put(link[n], parts[n])[1]
    assert _put(link[3], b"x" * 501)[0] == 400  # larger than part 1, where it sits in place
    etags[3] = _put(link[3], parts[3])[1]
    joined = ",".join(str(etags[n]) for n in (1, 2, 3, 4))
    done = _form(live, "/upload/api_complete_multipart_upload", {**ids, "etags": joined, **SCRIPT})
    assert done == "1\n"
    linked = _form(
        live,
        "/upload/api_link_file",
        {"entity_type": "Version", "entity_id": version["id"], "upload_link_info": info, **SCRIPT},
    )
    stored = sg.find_one("Attachment", [["id", "is", int(linked[2:])]], ["this_file"])
    assert sg.download_attachment(stored["this_file"]) == b"".join(parts[n] for n in (1, 2, 3, 4))


def test_an_upload_is_only_for_the_caller_who_started_it(
    live: LiveServer, version: dict[str, Any]
) -> None:
    info = _form(
        live,
        "/upload/api_get_upload_link_info",
        {
            "upload_type": "Attachment",
            "filename": "mine.bin",
            "multipart_upload": "False",
            **SCRIPT,
        },
    )
    url = info.split("\n")[1]
    assert _put(url, b"mine")[0] == 200
    person = {"user_login": "sgunittesthuman", "user_password": "human password"}
    stolen = _form(
        live,
        "/upload/api_link_file",
        {"entity_type": "Version", "entity_id": version["id"], "upload_link_info": info, **person},
    )
    assert stolen.startswith("0") and "someone else" in stolen
    tampered = url.replace("signature=", "signature=0")
    assert _put(tampered, b"x")[0] == 403
    unsigned = url.split("?")[0]
    assert _put(unsigned, b"x")[0] == 403
    nobody = _form(live, "/upload/api_get_upload_link_info", {"upload_type": "Attachment"})
    assert nobody.startswith("0")


def test_download_serves_ranges_for_seeking(
    sg: shotgun_api3.Shotgun, version: dict[str, Any], movie: Path
) -> None:
    sg.upload("Version", version["id"], str(movie), "sg_uploaded_movie")
    url = sg.find_one("Version", [["id", "is", version["id"]]], ["sg_uploaded_movie"])[
        "sg_uploaded_movie"
    ]["url"]
    content = movie.read_bytes()
    for start, end in [(0, 99), (5000, 5999), (len(content) - 10, len(content) - 1), (200, 200)]:
        request = urllib.request.Request(url, headers={"Range": f"bytes={start}-{end}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 206
            assert response.headers["Content-Range"] == f"bytes {start}-{end}/{len(content)}"
            assert response.read() == content[start : end + 1]
    unsigned = url.split("?")[0]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(unsigned, headers={"Range": "bytes=0-9"}))
    assert refused.value.code == 403


def test_file_urls_stay_the_same_for_a_while_and_the_browser_may_cache_them(
    live: LiveServer, sg: shotgun_api3.Shotgun, version: dict[str, Any], movie: Path
) -> None:
    """Two reads mint the same signed URL (expiry rounded up), answered with a private cache
    lifetime no longer than the URL's; a file fetched with a session cookie is checked again."""
    attachment_id = sg.upload("Version", version["id"], str(movie), "sg_uploaded_movie")
    urls = {
        sg.find_one("Version", [["id", "is", version["id"]]], ["sg_uploaded_movie"])[
            "sg_uploaded_movie"
        ]["url"]
        for _ in range(2)
    }
    assert len(urls) == 1
    url = urls.pop()
    expires = int(urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["expires"][0])
    with urllib.request.urlopen(url, timeout=30) as response:
        cache = response.headers["Cache-Control"]
        assert response.read() == movie.read_bytes()
    assert cache.startswith("private, max-age=")
    assert 0 < int(cache.removeprefix("private, max-age=")) <= min(3600, expires - time.time() + 1)
    cookie = {"Cookie": f"_session_id={sg.get_session_token()}"}
    plain = urllib.request.Request(f"{live.base_url}/file_serve/attachment/{attachment_id}")
    for name, value in cookie.items():
        plain.add_header(name, value)
    with urllib.request.urlopen(plain, timeout=30) as response:
        assert response.headers["Cache-Control"] == "private, no-cache"
