"""examples/first_projects/refresh_thumbnails.py end to end: missing or older thumbnails only."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from example_runs import Run, await_thumbnail, refused
from PIL import Image

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(autouse=True)
def collect_leaked_files() -> Iterator[None]:
    yield
    gc.collect()


def picture(folder: Path, name: str, colour: tuple[int, int, int]) -> str:
    path = folder / f"{name}.png"
    Image.new("RGB", (64, 36), colour).save(path)
    return str(path)


def path_of(url: str | None) -> str | None:
    """A thumbnail URL without its signature (which changes on every read)."""
    return url.split("?")[0] if url else None


def image(sg, entity: dict) -> str | None:  # type: ignore[no-untyped-def]
    return path_of(sg.find_one(entity["type"], [["id", "is", entity["id"]]], ["image"])["image"])


def linked_version(  # type: ignore[no-untyped-def]
    sg, project: dict, code: str, entity: dict, folder: Path, colour: tuple | None = None
) -> dict:
    """A Version of `entity`, linked after its thumbnail was made: an upload to a Version that
    is already linked rolls up to its Shot by itself (site/thumbnail_rollup.py), which would
    leave the script nothing to refresh."""
    made = sg.create("Version", {"code": code, "project": project})
    if colour:
        sg.upload_thumbnail("Version", made["id"], picture(folder, code, colour))
        await_thumbnail(sg, made)
    sg.update("Version", made["id"], {"entity": entity})
    return made


@pytest.fixture
def shots(sg, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Shots in each state, in a Project of their own; thumbnails made in the order named."""
    project = sg.create("Project", {"name": f"Thumbs {request.node.name}"[:60]})

    def shot(code: str) -> dict:
        return sg.create("Shot", {"code": code, "project": project})

    def version(code: str, entity: dict, colour: tuple[int, int, int] | None = None) -> dict:
        return linked_version(sg, project, code, entity, tmp_path, colour)

    def thumbnail(entity: dict, colour: tuple[int, int, int]) -> None:
        sg.upload_thumbnail(entity["type"], entity["id"], picture(tmp_path, "shot", colour))
        await_thumbnail(sg, entity)

    missing, older, newer, none = shot("A010"), shot("A020"), shot("A030"), shot("A040")
    version("A010_v001", missing, (200, 0, 0))
    newest_missing = version("A010_v002", missing, (0, 200, 0))
    version("A010_v003", missing)  # newer, but without a thumbnail: not the one to use
    thumbnail(older, (1, 2, 3))
    newest_older = version("A020_v001", older, (0, 0, 200))  # after the Shot's thumbnail
    version("A030_v001", newer, (90, 90, 0))
    thumbnail(newer, (4, 5, 6))  # uploaded by hand after the Version's: kept
    version("A040_v001", none)  # a Version without a thumbnail: nothing to share
    return {
        "project": project,
        "missing": (missing, newest_missing),
        "older": (older, newest_older),
        "newer": newer,
        "none": none,
    }


def test_refresh_sets_missing_and_older_thumbnails_from_newest_version(
    sg, shots: dict, run: Run
) -> None:
    name = shots["project"]["name"]
    kept = image(sg, shots["newer"])
    done = run("refresh_thumbnails.py", "--project", name)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "A010: thumbnail set from Version A010_v002 (it had none)",
        "A020: thumbnail set from Version A020_v001 (it was older)",
        "2 Shot thumbnail(s) refreshed.",
    ]
    for shot, version in (shots["missing"], shots["older"]):
        assert image(sg, shot) == image(sg, version)
    assert image(sg, shots["newer"]) == kept
    assert image(sg, shots["none"]) is None

    again = run("refresh_thumbnails.py", "--project", name)
    assert again.stdout.splitlines() == ["0 Shot thumbnail(s) refreshed."]


def test_refresh_after_a_new_version_takes_its_thumbnail(
    sg, shots: dict, run: Run, tmp_path: Path
) -> None:
    name = shots["project"]["name"]
    run("refresh_thumbnails.py", "--project", name)
    newer_shot = shots["newer"]
    latest = linked_version(sg, shots["project"], "A030_v002", newer_shot, tmp_path, (9, 9, 9))
    done = run("refresh_thumbnails.py", "--project", name)
    assert done.stdout.splitlines() == [
        "A030: thumbnail set from Version A030_v002 (it was older)",
        "1 Shot thumbnail(s) refreshed.",
    ]
    assert image(sg, newer_shot) == image(sg, latest)


def test_refresh_dry_run_changes_nothing(sg, shots: dict, run: Run) -> None:
    before = {key: image(sg, shots[key][0]) for key in ("missing", "older")}
    done = run("refresh_thumbnails.py", "--project", shots["project"]["name"], "--dry-run")
    assert done.stdout.splitlines() == [
        "A010: thumbnail would be set from Version A010_v002 (it had none)",
        "A020: thumbnail would be set from Version A020_v001 (it was older)",
        "2 Shot thumbnail(s) to refresh.",
    ]
    assert {key: image(sg, shots[key][0]) for key in ("missing", "older")} == before


def test_refresh_unknown_project_and_bad_key_are_refused(run: Run) -> None:
    refused(run("refresh_thumbnails.py", "--project", "No Such Film"), '"No Such Film"')
    refused(run("refresh_thumbnails.py", "--key", "wrong"), "refused the script name or key")
    refused(run("refresh_thumbnails.py", env={}), "missing --server, --script, --key")
