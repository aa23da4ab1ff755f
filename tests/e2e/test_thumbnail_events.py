"""Thumbnail uploads and shares write `_Change` rows of the image field, as ShotGrid does.

reference/event-log-and-daemons.md §5.3: an upload writes `Shotgun_<T>_Change` with
`attribute_name: "image"`, `new_value` the thumbnail's Attachment id and `is_transient` while it
is resized. Scripts learn a thumbnail's age from these rows (examples/first_projects/).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import shotgun_api3
from live_server import DIALECTS, LiveServer, live_server
from PIL import Image

from callsheet.server import Settings

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
DEADLINE_S = 90  # a failure bound for a loaded machine, not a speed check


@pytest.fixture(scope="module", params=DIALECTS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("files")
    settings = Settings(data_dir=folder, threads=8, thumbnail_delay_s=0.1)
    with live_server(request, request.param, folder, settings) as server:
        yield server


@pytest.fixture(autouse=True)
def collect_leaked_files() -> Iterator[None]:
    """shotgun_api3's upload leaves its file open; collect it while the filter applies."""
    yield
    gc.collect()


def image_events(sg: shotgun_api3.Shotgun, entity: dict) -> list[dict]:
    return sg.find(
        "EventLogEntry",
        [["entity", "is", entity], ["attribute_name", "is", "image"]],
        ["event_type", "meta", "project", "user"],
        order=[{"field_name": "id", "direction": "asc"}],
    )


def await_ready(sg: shotgun_api3.Shotgun, entity: dict) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while "transient" in (
        sg.find_one(entity["type"], [["id", "is", entity["id"]]], ["image"]) or {}
    ).get("image", "transient"):
        assert time.monotonic() < deadline, "the thumbnail stayed transient"
        time.sleep(0.05)


def test_upload_thumbnail_and_share_write_image_change_rows(
    live: LiveServer, tmp_path: Path
) -> None:
    sg = live.script()
    jpeg = tmp_path / "frame.jpg"
    Image.new("RGB", (64, 32), (10, 200, 30)).save(jpeg)
    project = sg.create("Project", {"name": "thumbnail events"})
    version = sg.create("Version", {"code": "v1", "project": project})
    shot = sg.create("Shot", {"code": "s1", "project": project})

    first = sg.upload_thumbnail("Version", version["id"], str(jpeg))
    await_ready(sg, version)
    second = sg.upload_thumbnail("Version", version["id"], str(jpeg))
    await_ready(sg, version)
    assert sg.share_thumbnail([shot], source_entity=version) == second

    rows = image_events(sg, version)
    assert [row["event_type"] for row in rows] == ["Shotgun_Version_Change"] * 2
    assert [(row["meta"]["old_value"], row["meta"]["new_value"]) for row in rows] == [
        (None, first),
        (first, second),
    ]
    assert all(row["meta"]["is_transient"] is True for row in rows)
    assert rows[0]["meta"]["field_data_type"] == "image"
    assert rows[0]["project"]["id"] == project["id"]
    assert rows[0]["user"]["type"] == "ApiUser"
    (shared,) = image_events(sg, shot)
    assert shared["meta"]["new_value"] == second
    assert "is_transient" not in shared["meta"]
    assert shared["id"] > rows[-1]["id"]  # later than the Version's: the Shot's is newer


def test_refused_thumbnail_writes_no_row(live: LiveServer, tmp_path: Path) -> None:
    sg = live.script()
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    project = sg.create("Project", {"name": "thumbnail refused"})
    shot = sg.create("Shot", {"code": "s2", "project": project})
    with pytest.raises(shotgun_api3.ShotgunError):
        sg.upload_thumbnail("Shot", shot["id"], str(broken))
    assert image_events(sg, shot) == []
