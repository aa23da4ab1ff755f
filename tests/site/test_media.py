"""Transcodes as durable jobs (issue 16 §2): queued with the upload, claimed with a lease,
renditions written through the engine, failures recorded, jobs of dead workers claimed again."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from callsheet.client import Shotgun
from callsheet.files import FileRoom
from callsheet.media import transcode
from callsheet.site import media
from callsheet.site.uploads import publish_thumbnail, upload_file
from callsheet.store import media_jobs
from callsheet.store.internal_tables import media_jobs as jobs_table

pytestmark = pytest.mark.skipif(not transcode.available(), reason="FFmpeg is not installed")
FRAMES, RATE = 48, 24


@pytest.fixture(scope="module")
def movie(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Two seconds of FFmpeg's test pattern at 24 frames a second."""
    path = tmp_path_factory.mktemp("movies") / "pattern.mov"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi",
         "-i", f"testsrc=duration={FRAMES / RATE}:size=320x240:rate={RATE}",
         "-c:v", "mpeg4", "-q:v", "3", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


@pytest.fixture
def world(sg: Shotgun, tmp_path: Path) -> dict[str, Any]:
    sg.site.use_files(FileRoom(tmp_path / "files", thumbnail_delay_s=0))
    project = sg.create("Project", {"name": "media"})
    version = sg.create("Version", {"code": "v001", "project": project})
    return {"project": project, "version": version}


def _upload(sg: Shotgun, version: dict[str, Any], content: bytes, name: str = "p.mov") -> int:
    return upload_file(
        sg.site, sg.actor, "Version", version["id"], name, content, field_name="sg_uploaded_movie"
    )


def _run_next(sg: Shotgun, worker: str = "test worker") -> media_jobs.MediaJob | None:
    job = media.claim(sg.site, worker, lease_s=60)
    if job is not None:
        media.run_job(sg.site, job, worker, transcode.make_renditions)
    return job


def _ffprobe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=codec_name,nb_read_frames,avg_frame_rate,width", "-of", "json", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    return json.loads(out.stdout)["streams"][0]  # type: ignore[no-any-return]


VERSION_FIELDS = [
    "sg_uploaded_movie",
    "sg_uploaded_movie_mp4",
    "sg_uploaded_movie_webm",
    "sg_uploaded_movie_image",
    "sg_uploaded_movie_frame_rate",
    "sg_uploaded_movie_transcoding_status",
    "uploaded_movie_duration",
    "frame_count",
    "image",
    "filmstrip_image",
]


def _read(sg: Shotgun, version: dict[str, Any]) -> dict[str, Any]:
    return sg.find_one("Version", [["id", "is", version["id"]]], VERSION_FIELDS)


def _file(sg: Shotgun, value: dict[str, Any]) -> Path:
    return sg.site.files.storage.attachment_path(value["id"])  # type: ignore[union-attr]


def test_upload_queues_a_transcode_and_shows_placeholders(
    sg: Shotgun, world: dict[str, Any], movie: bytes
) -> None:
    _upload(sg, world["version"], movie)
    read = _read(sg, world["version"])
    assert read["sg_uploaded_movie_transcoding_status"] == media.IN_FLIGHT
    assert read["sg_uploaded_movie_mp4"] is None
    assert "images/status/transient/" in read["image"]
    job = media_jobs.latest_for(sg.site.store, "Version", world["version"]["id"])
    assert job is not None and job.state == media_jobs.QUEUED


def test_transcode_fills_the_fields_as_shotgrid_does(
    sg: Shotgun, world: dict[str, Any], movie: bytes
) -> None:
    _upload(sg, world["version"], movie)
    assert _run_next(sg) is not None
    read = _read(sg, world["version"])
    assert read["sg_uploaded_movie_transcoding_status"] == media.TRANSCODED
    assert read["sg_uploaded_movie_frame_rate"] == RATE
    assert read["frame_count"] == FRAMES
    assert read["uploaded_movie_duration"] == pytest.approx(FRAMES / RATE)
    mp4 = read["sg_uploaded_movie_mp4"]
    assert mp4["name"] == "p.mp4" and mp4["content_type"] == "video/mp4"
    decoded = _ffprobe(_file(sg, mp4))
    assert decoded["codec_name"] == "h264" and int(decoded["nb_read_frames"]) == FRAMES
    assert _ffprobe(_file(sg, read["sg_uploaded_movie_webm"]))["codec_name"] == "vp8"
    assert read["sg_uploaded_movie_image"]["name"] == "p_poster.jpg"
    assert "signature=" in read["image"] and "transient" not in read["image"]
    strip_id = int(read["filmstrip_image"].split("/thumbnail/")[1].split(".")[0])
    strip = sg.site.files.storage.thumbnail_path(strip_id, "jpg")  # type: ignore[union-attr]
    with Image.open(strip) as image:
        assert image.width % transcode.FILMSTRIP_FRAME_PX == 0 and image.width >= 240 * 40
    job = media_jobs.latest_for(sg.site.store, "Version", world["version"]["id"])
    assert job is not None and job.state == media_jobs.DONE and job.error is None
    events = sg.find(
        "EventLogEntry",
        [["entity", "is", world["version"]], ["event_type", "is", "Shotgun_Version_Change"]],
        ["attribute_name"],
    )
    changed = {event["attribute_name"] for event in events}
    assert {"sg_uploaded_movie_mp4", "sg_uploaded_movie_transcoding_status", "image"} <= changed


def test_a_version_with_a_thumbnail_keeps_it(
    sg: Shotgun, world: dict[str, Any], movie: bytes, tmp_path: Path
) -> None:
    thumb = tmp_path / "own.png"
    Image.new("RGB", (64, 64), (0, 200, 0)).save(thumb)
    own = publish_thumbnail(sg.site, sg.actor, "Version", world["version"]["id"], "own.png", thumb)
    _upload(sg, world["version"], movie)
    _run_next(sg)
    store = sg.site.store
    with store.read() as conn:
        table = store.table("Version")
        query = sa.select(table.c.image).where(table.c.id == world["version"]["id"])
        assert conn.execute(query).scalar() in (f"pending:{own}", f"thumbnail:{own}.jpg")
    assert _read(sg, world["version"])["sg_uploaded_movie_mp4"] is not None


def test_a_file_ffmpeg_cannot_read_fails_with_its_reason(
    sg: Shotgun, world: dict[str, Any]
) -> None:
    _upload(sg, world["version"], b"this is not a movie at all" * 100, name="broken.mov")
    assert _run_next(sg) is not None
    read = _read(sg, world["version"])
    assert read["sg_uploaded_movie_transcoding_status"] == media.REFUSED
    assert read["image"] is None and read["sg_uploaded_movie_mp4"] is None
    job = media_jobs.latest_for(sg.site.store, "Version", world["version"]["id"])
    assert job is not None and job.state == media_jobs.FAILED
    assert job.error and "FFmpeg" in job.error
    upload = sg.find_one("Attachment", [["id", "is", job.attachment_id]], ["description"])
    assert upload["description"] == f"Transcoding failed: {job.error}"
    assert media.claim(sg.site, "another", lease_s=60) is None  # nothing left stuck


def test_a_job_whose_lease_passed_is_claimed_again_and_the_old_worker_loses_it(
    sg: Shotgun, world: dict[str, Any], movie: bytes
) -> None:
    _upload(sg, world["version"], movie)
    first = media.claim(sg.site, "killed worker", lease_s=-1)  # as if its lease had passed
    assert first is not None and first.attempts == 1
    second = media.claim(sg.site, "restarted worker", lease_s=60)
    assert second is not None and second.id == first.id and second.attempts == 2
    assert not media.renew(sg.site, first, "killed worker", 60)
    media.run_job(sg.site, first, "killed worker", transcode.make_renditions)  # writes nothing
    assert _read(sg, world["version"])["sg_uploaded_movie_mp4"] is None
    media.run_job(sg.site, second, "restarted worker", transcode.make_renditions)
    assert _read(sg, world["version"])["sg_uploaded_movie_mp4"] is not None


def test_a_job_interrupted_too_often_fails_instead_of_looping(
    sg: Shotgun, world: dict[str, Any], movie: bytes
) -> None:
    _upload(sg, world["version"], movie)
    for n in range(media.MAX_ATTEMPTS):
        assert media.claim(sg.site, f"crashing {n}", lease_s=-1) is not None
    job = _run_next(sg)
    assert job is not None and job.attempts == media.MAX_ATTEMPTS + 1
    done = media_jobs.latest_for(sg.site.store, "Version", world["version"]["id"])
    assert done is not None and done.state == media_jobs.FAILED
    assert "interrupted" in (done.error or "")
    assert _read(sg, world["version"])["sg_uploaded_movie_transcoding_status"] == media.REFUSED


def test_a_newer_upload_wins_over_an_older_transcode(
    sg: Shotgun, world: dict[str, Any], movie: bytes
) -> None:
    _upload(sg, world["version"], movie, name="old.mov")
    old = media.claim(sg.site, "slow", lease_s=60)
    _upload(sg, world["version"], movie, name="new.mov")
    assert old is not None
    media.run_job(sg.site, old, "slow", transcode.make_renditions)
    assert _read(sg, world["version"])["sg_uploaded_movie_mp4"] is None
    _run_next(sg)
    assert _read(sg, world["version"])["sg_uploaded_movie_mp4"]["name"] == "new.mp4"


def test_claims_skip_a_job_another_process_holds(
    sg: Shotgun, world: dict[str, Any], movie: bytes
) -> None:
    if sg.site.store.dialect.is_sqlite:
        pytest.skip("SQLite serializes claims with its write lock; SKIP LOCKED is PostgreSQL's")
    other = sg.create("Version", {"code": "v002", "project": world["project"]})
    _upload(sg, world["version"], movie)
    _upload(sg, other, movie)
    engine = sg.site.store.engine
    with engine.connect() as conn, conn.begin():  # another process, in the middle of its claim
        held = conn.execute(
            sa.select(jobs_table.c.id).order_by(jobs_table.c.id).limit(1).with_for_update()
        ).scalar_one()
        claimed = media.claim(sg.site, "this process", lease_s=60)
        assert claimed is not None and claimed.id != held


def test_an_upload_of_2_gib_or_more_leaves_file_size_empty(
    sg: Shotgun, world: dict[str, Any]
) -> None:
    incoming = sg.site.files.storage.incoming_dir()  # type: ignore[union-attr]
    incoming.mkdir(parents=True, exist_ok=True)
    big = incoming / "big.mov"
    with big.open("wb") as out:  # sparse: 2 GiB on paper, nothing on disk
        out.truncate(2**31)
    attachment_id = upload_file(
        sg.site, sg.actor, "Version", world["version"]["id"], "big.mov", big,
        field_name="sg_uploaded_movie",
    )  # fmt: skip
    stored = sg.find_one("Attachment", [["id", "is", attachment_id]], ["file_size", "filename"])
    assert stored["file_size"] is None and stored["filename"] == "big.mov"
    assert _file(sg, {"id": attachment_id}).stat().st_size == 2**31
