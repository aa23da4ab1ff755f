"""examples/first_projects/submit_render.py end to end: Versions with media, or nothing at all."""

from __future__ import annotations

import gc
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from example_runs import Run, await_thumbnail, refused, require_programs, user_environment
from PIL import Image

# shotgun_api3's upload leaves its file open (collected after each test, so the warning is ours)
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(autouse=True)
def collect_leaked_files() -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture(scope="module")
def world(sg) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    project = sg.create("Project", {"name": "Render Film"})
    shot = sg.create("Shot", {"code": "SH010", "project": project})
    sg.create("Shot", {"code": "SH020", "project": project})
    comp = sg.create("Task", {"content": "comp", "entity": shot, "project": project})
    return {"project": project, "shot": shot, "comp": comp}


def frames(folder: Path, name: str, numbers: range) -> str:
    """PNG frames name.NNNN.png; returns the sequence's #### path."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        Image.new("RGB", (96, 54), (number % 256, 80, 160)).save(folder / f"{name}.{number}.png")
    return str(folder / f"{name}.####.png")


def versions(sg, code: str, **kwargs: Any) -> list[dict]:  # type: ignore[no-untyped-def]
    return sg.find("Version", [["code", "is", code]], ["code"], **kwargs)


def submitted(sg, done: subprocess.CompletedProcess[str], base_url: str) -> dict:  # type: ignore[no-untyped-def]
    """The Version whose page URL the script printed on its last line."""
    assert done.returncode == 0, done.stderr
    url = done.stdout.strip().splitlines()[-1]
    assert url.startswith(f"{base_url}/detail/Version/")
    version_id = int(url.rsplit("/", 1)[1])
    fields = ["code", "entity", "sg_task", "project", "sg_uploaded_movie", "sg_status_list"]
    fields += ["sg_path_to_movie", "sg_path_to_frames", "frame_range", "frame_count", "image"]
    fields += ["sg_first_frame", "sg_last_frame", "description"]
    return sg.find_one("Version", [["id", "is", version_id]], fields)


def test_submit_render_movie_links_shot_and_task_and_prints_page(
    live, sg, world: dict, run: Run, tmp_path: Path
) -> None:
    require_programs("ffmpeg")  # for a test movie, and the script's thumbnail of it
    movie = tmp_path / "SH010_comp_v001.mp4"
    test_pattern = ["-f", "lavfi", "-i", "testsrc=duration=1:size=160x90", "-pix_fmt", "yuv420p"]
    subprocess.run(["ffmpeg", "-loglevel", "error", *test_pattern, str(movie)], check=True)
    done = run(
        "submit_render.py", str(movie), "--shot", "SH010", "--project", "Render Film",
        "--task", "comp", "--description", "first pass",
    )  # fmt: skip
    version = submitted(sg, done, live.base_url)
    assert "Created Version SH010_comp_v001 for Shot SH010, Task comp" in done.stdout
    assert version["code"] == "SH010_comp_v001"
    assert (version["entity"]["id"], version["sg_task"]["id"]) == (
        world["shot"]["id"],
        world["comp"]["id"],
    )
    assert version["project"]["id"] == world["project"]["id"]
    assert version["sg_path_to_movie"] == str(movie)
    assert (version["description"], version["sg_status_list"]) == ("first pass", "rev")
    assert version["sg_uploaded_movie"]["name"] == movie.name
    assert sg.download_attachment(version["sg_uploaded_movie"]) == movie.read_bytes()
    assert await_thumbnail(sg, version)  # the movie's first frame, taken by FFmpeg


def test_submit_render_sequence_uploads_first_frame_and_records_range(
    live, sg, world: dict, run: Run, tmp_path: Path
) -> None:
    pattern = frames(tmp_path / "renders", "SH010_comp_v002", range(1001, 1006))
    done = run("submit_render.py", pattern, "--shot", "SH010", "--project", "Render Film")
    version = submitted(sg, done, live.base_url)
    assert version["code"] == "SH010_comp_v002"
    assert version["sg_task"] is None
    assert version["sg_path_to_frames"] == pattern
    assert (version["sg_first_frame"], version["sg_last_frame"]) == (1001, 1005)
    assert (version["frame_range"], version["frame_count"]) == ("1001-1005", 5)
    assert version["sg_uploaded_movie"]["name"] == "SH010_comp_v002.1001.png"
    assert await_thumbnail(sg, version)


def test_submit_render_percent_d_pattern_and_code_option(
    live, sg, world: dict, run: Run, tmp_path: Path
) -> None:
    frames(tmp_path, "plate", range(7, 9))
    done = run(
        "submit_render.py", str(tmp_path / "plate.%04d.png"), "--shot", "SH020",
        "--project", "Render Film", "--code", "SH020_plate",
    )  # fmt: skip
    version = submitted(sg, done, live.base_url)
    assert (version["code"], version["frame_range"]) == ("SH020_plate", "7-8")
    assert version["entity"]["name"] == "SH020"


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--shot", "SH999", "--project", "Render Film"], ['no Shot "SH999"', "SH010, SH020"]),
        (["--shot", "SH010", "--project", "No Such Film"], ['no Project named "No Such Film"']),
        (["--shot", "SH010", "--project", "Render Film", "--task", "anim"], ['"anim"', "comp"]),
        (["--shot", "SH020", "--project", "Render Film", "--task", "comp"], ["its Tasks: none"]),
    ],
)
def test_submit_render_unknown_link_is_refused_before_anything_is_created(
    sg, world: dict, run: Run, tmp_path: Path, arguments: list[str], words: list[str]
) -> None:
    pattern = frames(tmp_path, "refused_v001", range(1, 3))
    refused(run("submit_render.py", pattern, *arguments), *words)
    assert versions(sg, "refused_v001") == []
    assert versions(sg, "refused_v001", retired_only=True) == []  # not even created


def test_submit_render_missing_files_are_refused(sg, world: dict, run: Run, tmp_path: Path) -> None:
    arguments = ["--shot", "SH010", "--project", "Render Film"]
    refused(run("submit_render.py", str(tmp_path / "none.mov"), *arguments), "does not exist")
    refused(run("submit_render.py", str(tmp_path / "none.####.exr"), *arguments), "no frames")
    frames(tmp_path, "given", range(1, 2))
    pattern, missing = str(tmp_path / "given.####.png"), str(tmp_path / "missing.jpg")
    refused(run("submit_render.py", pattern, *arguments, "--thumbnail", missing), "missing.jpg")
    assert versions(sg, "given", retired_only=True) == []


def test_submit_render_exr_without_ffmpeg_is_refused(
    sg, world: dict, live, run: Run, tmp_path: Path
) -> None:
    frame = tmp_path / "comp.0001.exr"
    frame.write_bytes(b"an EXR the server cannot show")
    env = user_environment(live, PATH=str(tmp_path / "no-programs"))
    refused(
        run("submit_render.py", str(frame), "--shot", "SH010", "--project", "Render Film", env=env),
        "install FFmpeg or give --thumbnail",
    )
    assert versions(sg, "comp.0001", retired_only=True) == []


def test_submit_render_failed_upload_leaves_no_version(
    sg, world: dict, run: Run, tmp_path: Path
) -> None:
    """The server refuses the thumbnail (not an image): the Version and its movie go again."""
    (tmp_path / "broken.1001.png").write_bytes(b"not a PNG at all")
    pattern = str(tmp_path / "broken.####.png")
    done = run("submit_render.py", pattern, "--shot", "SH010", "--project", "Render Film")
    refused(done, "the upload failed", "not a readable image")
    assert versions(sg, "broken") == []
    assert len(versions(sg, "broken", retired_only=True)) == 1  # created, then deleted again
    assert sg.find("Attachment", [["filename", "is", "broken.1001.png"]]) == []


def test_submit_render_bad_credentials_are_refused(live, run: Run, tmp_path: Path) -> None:
    pattern = frames(tmp_path, "key", range(1, 2))
    arguments = [pattern, "--shot", "SH010", "--project", "Render Film"]
    refused(run("submit_render.py", *arguments, env={}), "missing --server, --script, --key")
    refused(run("submit_render.py", *arguments, "--key", "wrong"), "refused the script name")
    refused(run("submit_render.py", *arguments, "--server", "http://127.0.0.1:1"), "cannot reach")
    refused(run("submit_render.py", *arguments, "--server", "ftp://x"), "http or https")
