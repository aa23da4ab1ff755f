"""Movies uploaded with the official client are transcoded by the server's workers (issue 16 §2),
and a server killed mid-transcode finishes the job after a restart."""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shotgun_api3
from live_server import (
    DIALECTS,
    SCRIPT_KEY,
    SCRIPT_NAME,
    LiveServer,
    fresh_database,
    live_server,
)

from callsheet.media import transcode
from callsheet.server import Settings
from callsheet.site.accounts import create_script
from callsheet.site.site import Site
from callsheet.store import media_jobs

pytestmark = [
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.skipif(not transcode.available(), reason="FFmpeg is not installed"),
]
DEADLINE_S = 180  # transcodes on a loaded two-core machine
FRAMES, RATE = 72, 24


def make_movie(path: Path, seconds: float, size: str = "320x240") -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"testsrc=duration={seconds}:size={size}:rate={RATE}",
         "-c:v", "mpeg4", "-q:v", "3", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.fixture(scope="module", params=DIALECTS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("transcodes")
    settings = Settings(data_dir=folder, threads=8, media_workers=1, media_poll_s=0.2)
    with live_server(request, request.param, folder, settings) as server:
        yield server


@pytest.fixture(autouse=True)
def collect_leaked_files() -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture(scope="module")
def movie(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_movie(tmp_path_factory.mktemp("movies") / "pattern.mov", FRAMES / RATE)


def await_status(sg: shotgun_api3.Shotgun, version_id: int, fields: list[str]) -> dict[str, Any]:
    deadline = time.monotonic() + DEADLINE_S
    while True:  # the transcode runs in the background: poll with a deadline
        read = sg.find_one(
            "Version", [["id", "is", version_id]], ["sg_uploaded_movie_transcoding_status", *fields]
        )
        if read and read["sg_uploaded_movie_transcoding_status"] in (1, 2):
            return read
        assert time.monotonic() < deadline, f"still transcoding: {read}"
        time.sleep(0.2)


def probe_url(url: str, tmp_path: Path) -> dict[str, Any]:
    target = tmp_path / "rendition"
    with urllib.request.urlopen(url, timeout=30) as response:
        target.write_bytes(response.read())
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=codec_name,nb_read_frames", "-of", "json", str(target)],
        check=True, capture_output=True,
    )  # fmt: skip
    return json.loads(out.stdout)["streams"][0]  # type: ignore[no-any-return]


@pytest.mark.parametrize("part_bytes", [None, 30_000], ids=["single put", "multipart"])
def test_uploaded_movie_is_transcoded_for_the_browser(
    live: LiveServer, movie: Path, tmp_path: Path, part_bytes: int | None
) -> None:
    sg = live.script()
    if part_bytes:
        sg._MULTIPART_UPLOAD_CHUNK_SIZE = part_bytes  # type: ignore[misc]
    project = sg.create("Project", {"name": f"transcodes {part_bytes}"})
    version = sg.create("Version", {"code": "v001", "project": project})
    sg.upload("Version", version["id"], str(movie), "sg_uploaded_movie")
    fields = [
        "sg_uploaded_movie",
        "sg_uploaded_movie_mp4",
        "sg_uploaded_movie_webm",
        "sg_uploaded_movie_frame_rate",
        "frame_count",
        "image",
        "filmstrip_image",
    ]
    read = await_status(sg, version["id"], fields)
    assert read["sg_uploaded_movie_transcoding_status"] == 1
    assert sg.download_attachment(read["sg_uploaded_movie"]) == movie.read_bytes()
    assert read["sg_uploaded_movie_frame_rate"] == RATE and read["frame_count"] == FRAMES
    mp4 = probe_url(read["sg_uploaded_movie_mp4"]["url"], tmp_path)
    assert mp4 == {"codec_name": "h264", "nb_read_frames": str(FRAMES)}
    assert probe_url(read["sg_uploaded_movie_webm"]["url"], tmp_path)["codec_name"] == "vp8"
    assert "transient" not in read["image"] and read["filmstrip_image"]


def test_broken_movie_gets_its_error(live: LiveServer, tmp_path: Path) -> None:
    sg = live.script()
    project = sg.create("Project", {"name": "broken movies"})
    version = sg.create("Version", {"code": "broken", "project": project})
    broken = tmp_path / "broken.mov"
    broken.write_bytes(b"\x00\x00\x00\x18ftypqt  " + b"garbage" * 5000)
    sg.upload("Version", version["id"], str(broken), "sg_uploaded_movie")
    read = await_status(sg, version["id"], ["image", "sg_uploaded_movie_mp4"])
    assert read["sg_uploaded_movie_transcoding_status"] == 2
    assert read["image"] is None and read["sg_uploaded_movie_mp4"] is None
    job = media_jobs.latest_for(live.site.store, "Version", version["id"])
    assert job is not None and job.state == "failed" and "FFmpeg" in (job.error or "")
    movie = sg.find_one("Version", [["id", "is", version["id"]]], ["sg_uploaded_movie"])
    upload = sg.find_one(
        "Attachment", [["id", "is", movie["sg_uploaded_movie"]["id"]]], ["description"]
    )
    assert upload["description"].startswith("Transcoding failed: FFmpeg")


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


def _serve(database: str, data: Path, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "callsheet", "serve", "--database", database, "--data", str(data),
        "--port", str(port), "--media-workers", "1", "--media-lease", "2",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:  # poll with a deadline while the server starts
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            assert process.poll() is None, "callsheet serve exited"
            assert time.monotonic() < deadline, "callsheet serve did not start"
            time.sleep(0.1)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_kill_9_during_a_transcode_resumes_after_restart(
    request: pytest.FixtureRequest, dialect: str, tmp_path: Path
) -> None:
    long_movie = make_movie(tmp_path / "long.mov", 10, "640x480")
    with fresh_database(request, dialect, tmp_path) as database:
        site = Site.open(database)
        create_script(site, SCRIPT_NAME, SCRIPT_KEY)
        port = _free_port()
        server = _serve(database, tmp_path / "data", port)
        try:
            sg = shotgun_api3.Shotgun(f"http://127.0.0.1:{port}", SCRIPT_NAME, SCRIPT_KEY)
            project = sg.create("Project", {"name": "killed"})
            version = sg.create("Version", {"code": "v001", "project": project})
            sg.upload("Version", version["id"], str(long_movie), "sg_uploaded_movie")
            deadline = time.monotonic() + DEADLINE_S
            while True:  # wait for a worker to claim it, then kill the server mid-transcode
                job = media_jobs.latest_for(site.store, "Version", version["id"])
                if job is not None and job.state == media_jobs.RUNNING:
                    break
                assert time.monotonic() < deadline, f"never claimed: {job}"
                time.sleep(0.05)
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
            killed = media_jobs.latest_for(site.store, "Version", version["id"])
            assert killed is not None and killed.state == media_jobs.RUNNING
            assert killed.attempts == 1
            server = _serve(database, tmp_path / "data", port)
            sg = shotgun_api3.Shotgun(f"http://127.0.0.1:{port}", SCRIPT_NAME, SCRIPT_KEY)
            read = await_status(sg, version["id"], ["sg_uploaded_movie_mp4", "frame_count"])
            assert read["sg_uploaded_movie_transcoding_status"] == 1
            assert read["frame_count"] == 10 * RATE
            done = media_jobs.latest_for(site.store, "Version", version["id"])
            assert done is not None and done.state == media_jobs.DONE and done.attempts == 2
        finally:
            server.kill()
            server.wait()
            site.close()
