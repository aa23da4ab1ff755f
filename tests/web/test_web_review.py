"""The review player in real Chromium (issue 16 §3-4): playback, frame stepping, J/K/L, the
screening room with compare, and a drawn note saved, addressed and reopened from its marker."""

from __future__ import annotations

import base64
import gc
import io
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from live_server import LiveServer, live_server
from PIL import Image
from web_people import ADMIN_LOGIN, ADMIN_PASSWORD, ARTIST_LOGIN, ARTIST_PASSWORD, sign_in

from callsheet.media import transcode
from callsheet.server import Settings
from callsheet.site.accounts import create_user

pytestmark = [
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.skipif(not transcode.available(), reason="FFmpeg is not installed"),
]
FRAMES, RATE = 48, 24
DEADLINE_S = 180


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    folder = tmp_path_factory.mktemp("review")
    settings = Settings(data_dir=folder, threads=8, media_workers=1, media_poll_s=0.2)
    with live_server(request, "sqlite", folder, settings) as server:
        create_user(server.site, ADMIN_LOGIN, "Web Admin", ADMIN_PASSWORD, "Admin")
        create_user(server.site, ARTIST_LOGIN, "Web Artist", ARTIST_PASSWORD, "Artist")
        yield server


@pytest.fixture(autouse=True)
def collect_leaked_files() -> Iterator[None]:
    yield
    gc.collect()


def _transcoded(sg: Any, version_id: int) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while True:  # the transcode runs in the server's workers: poll with a deadline
        read = sg.find_one(
            "Version", [["id", "is", version_id]], ["sg_uploaded_movie_transcoding_status"]
        )
        if read["sg_uploaded_movie_transcoding_status"] == 1:
            return
        assert time.monotonic() < deadline, "the movie was not transcoded in time"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def world(live: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    movie = tmp_path_factory.mktemp("movie") / "review.mov"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi",
         "-i", f"testsrc=duration={FRAMES / RATE}:size=320x240:rate={RATE}",
         "-c:v", "mpeg4", "-q:v", "3", str(movie)],
        check=True,
    )  # fmt: skip
    sg = live.script()
    project = sg.create("Project", {"name": "review"})
    shot = sg.create("Shot", {"code": "sh010", "project": project})
    task = sg.create("Task", {"content": "comp", "project": project, "entity": shot})
    artist = sg.find_one("HumanUser", [["login", "is", ARTIST_LOGIN]])
    versions = []
    for code in ("sh010_comp_v001", "sh010_comp_v002"):
        version = sg.create(
            "Version",
            {"code": code, "project": project, "entity": shot, "sg_task": task, "user": artist},
        )
        sg.upload("Version", version["id"], str(movie), "sg_uploaded_movie")
        versions.append(version)
    for version in versions:
        _transcoded(sg, version["id"])
    playlist = sg.create("Playlist", {"code": "dailies", "project": project, "versions": versions})
    return {"sg": sg, "shot": shot, "task": task, "artist": artist, "versions": versions,
            "playlist": playlist}  # fmt: skip


def _ready(page: Any) -> None:
    page.wait_for_function("() => document.querySelector('#video-a').readyState >= 2")


def _frame(page: Any) -> int:
    return int(page.locator("#frame-display").get_attribute("data-frame"))


def _time(page: Any) -> float:
    page.wait_for_function("() => !document.querySelector('#video-a').seeking")
    return float(page.evaluate("() => document.querySelector('#video-a').currentTime"))


def test_version_plays_and_steps_frame_by_frame(page: Any, world: dict[str, Any]) -> None:
    sign_in(page)
    version = world["versions"][0]
    page.goto(f"/detail/Version/{version['id']}")
    page.click("#review-link")
    page.wait_for_url(f"**/review/Version/{version['id']}")
    _ready(page)
    assert page.locator("#frame-total").inner_text() == str(FRAMES)
    page.click("#play")
    page.wait_for_function("() => document.querySelector('#video-a').currentTime > 0.3")
    page.keyboard.press(" ")
    assert page.evaluate("() => document.querySelector('#video-a').paused")
    page.keyboard.press("Home")
    assert _frame(page) == 1
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    assert _frame(page) == 6
    assert 5 / RATE <= _time(page) < 6 / RATE  # frame 6 is on screen
    page.keyboard.press("ArrowLeft")
    assert _frame(page) == 5 and 4 / RATE <= _time(page) < 5 / RATE
    assert page.locator("#timecode").inner_text() == "00:00:00:04"
    page.keyboard.press("l")  # L plays, K stops, J steps backwards
    page.wait_for_function("() => !document.querySelector('#video-a').paused")
    page.keyboard.press("k")
    assert page.evaluate("() => document.querySelector('#video-a').paused")
    at = _frame(page)
    page.keyboard.press("j")
    page.wait_for_function(f"() => +document.querySelector('#frame-display').dataset.frame < {at}")
    page.keyboard.press("k")
    page.locator("#speed").select_option("2")
    assert page.evaluate("() => document.querySelector('#video-a').playbackRate") == 2
    page.hover("#scrub")
    assert page.locator("#filmstrip-hover").is_visible()


def test_the_page_itself_fetches_the_movie_and_the_filmstrip_waits_for_its_first_frame(
    page: Any, world: dict[str, Any]
) -> None:
    """What the player's start waits on (issue 16 §5): the movie is in the HTML, not set by the
    script, and the filmstrip is not fetched before the movie shows a frame."""
    sign_in(page)
    version = world["versions"][0]
    read = world["sg"].find_one(
        "Version", [["id", "is", version["id"]]], ["sg_uploaded_movie_mp4", "filmstrip_image"]
    )
    assert read["filmstrip_image"]
    html = page.request.get(f"/review/Version/{version['id']}").text()
    player = html[html.index('<video id="video-a"') : html.index("</video>")]
    mp4 = f"/file_serve/attachment/{read['sg_uploaded_movie_mp4']['id']}?"
    assert '<source src="' in player and mp4 in player
    page.add_init_script(
        "document.addEventListener('loadeddata', (e) => { if (e.target.id === 'video-a' &&"
        " !window.__firstFrame) window.__firstFrame = performance.now(); }, true);"
    )
    page.goto(f"/review/Version/{version['id']}")
    strip = urllib.parse.urlsplit(read["filmstrip_image"]).path
    page.wait_for_function(
        "(path) => window.__firstFrame && performance.getEntriesByType('resource')"
        ".some((e) => e.name.includes(path))",
        arg=strip,
    )
    fetched = page.evaluate(
        "(path) => performance.getEntriesByType('resource')"
        ".find((e) => e.name.includes(path)).startTime",
        strip,
    )
    assert fetched >= page.evaluate("() => window.__firstFrame")


def test_drawn_note_is_saved_addressed_and_reopened(page: Any, world: dict[str, Any]) -> None:
    sign_in(page)
    version = world["versions"][0]
    page.goto(f"/review/Version/{version['id']}")
    _ready(page)
    page.keyboard.press("Home")
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    assert _frame(page) == 10
    page.click("#draw-toggle")
    box = page.locator("#draw-canvas").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    page.fill("#note-text", "Fix the edge here")
    page.click("#save-note")
    page.wait_for_selector('.marker[data-frame="10"]')
    sg = world["sg"]
    note = sg.find_one(
        "Note",
        [["note_links", "is", version]],
        ["content", "note_links", "tasks", "addressings_to", "user", "attachments"],
    )
    assert note["content"] == "Frame 10: Fix the edge here"
    assert {(link["type"], link["id"]) for link in note["note_links"]} == {
        ("Version", version["id"]), ("Shot", world["shot"]["id"])
    }  # fmt: skip
    assert [task["id"] for task in note["tasks"]] == [world["task"]["id"]]
    assert [person["id"] for person in note["addressings_to"]] == [world["artist"]["id"]]
    assert note["user"]["name"] == "Web Admin"
    attachment = sg.find_one(
        "Attachment", [["attachment_links", "is", {"type": "Note", "id": note["id"]}]],
        ["filename", "this_file"],
    )  # fmt: skip
    assert attachment["filename"] == f"annotation_{version['id']}_frame_10.png"
    with Image.open(io.BytesIO(sg.download_attachment(attachment["this_file"]))) as image:
        assert image.size == (320, 240)  # the frame itself, with the strokes on it
        rgb = image.convert("RGB")
        reds = sum(1 for x in range(320) for y in range(0, 240, 4)
                   if rgb.getpixel((x, y))[0] > 200 and rgb.getpixel((x, y))[1] < 90)  # fmt: skip
        assert reds > 20
    created = sg.find_one("EventLogEntry", [["entity", "is", {"type": "Note", "id": note["id"]}]])
    assert created is not None  # written through the engine, with its event rows

    page.reload()
    _ready(page)
    page.keyboard.press("Home")
    page.click('.marker[data-frame="10"]')
    assert _frame(page) == 10 and 9 / RATE <= _time(page) < 10 / RATE
    view = page.locator("#annotation-view")
    assert view.is_visible() and view.get_attribute("data-note-id") == str(note["id"])
    page.keyboard.press(" ")  # playing hides the drawing again
    page.wait_for_function("() => document.querySelector('#annotation-view').hidden")


def test_note_without_words_or_drawing_is_refused(page: Any, world: dict[str, Any]) -> None:
    sign_in(page)
    page.goto(f"/review/Version/{world['versions'][1]['id']}")
    _ready(page)
    page.click("#save-note")
    page.wait_for_selector(".toast.error")
    assert "needs words or a drawing" in page.locator(".toast.error").inner_text()


def test_screening_room_goes_to_the_next_version_and_compares(
    page: Any, world: dict[str, Any]
) -> None:
    sign_in(page)
    playlist = world["playlist"]
    page.goto(f"/detail/Playlist/{playlist['id']}")
    page.click("#screening-room-link")
    page.wait_for_url(f"**/review/Playlist/{playlist['id']}")
    _ready(page)
    first, second = world["versions"]
    assert page.locator("#review-title").inner_text() == first["code"]
    page.click("#next-version")
    assert page.locator("#review-title").inner_text() == second["code"]
    assert page.locator("#next-version").is_disabled()
    _ready(page)
    page.keyboard.press("ArrowUp")
    assert page.locator("#review-title").inner_text() == first["code"]
    page.locator("#compare-with").select_option(label=second["code"])
    assert page.locator("#viewer-b").is_visible()
    page.wait_for_function("() => document.querySelector('#video-b').readyState >= 1")
    page.locator("#compare-mode").select_option("wipe")
    assert page.locator("#stage").get_attribute("data-compare") == "wipe"
    page.locator("#wipe").fill("30")
    assert "30%" in page.evaluate("() => document.querySelector('#viewer-b').style.clipPath")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => Math.abs(document.querySelector('#video-b').currentTime - "
        "document.querySelector('#video-a').currentTime) < 0.01"
    )


def test_bad_drawing_is_a_clear_fault(live: LiveServer, world: dict[str, Any]) -> None:
    from callsheet.faults import ValueFault
    from callsheet.site.actor import Actor
    from callsheet.site.review_notes import create_review_note

    admin = world["sg"].find_one("HumanUser", [["login", "is", ADMIN_LOGIN]])
    actor = Actor("HumanUser", admin["id"])
    fake = "data:image/png;base64," + base64.b64encode(b"GIF89a not a png").decode()
    with pytest.raises(ValueFault, match="not a PNG"):
        create_review_note(live.site, actor, world["versions"][0]["id"], "x", 3, fake)
    with pytest.raises(ValueFault, match="frame"):
        create_review_note(live.site, actor, world["versions"][0]["id"], "x", 0)


def test_someone_who_may_not_see_the_version_gets_no_player(
    page: Any, world: dict[str, Any]
) -> None:
    sign_in(page, ARTIST_LOGIN, ARTIST_PASSWORD)  # an Artist outside the project
    response = page.goto(f"/review/Version/{world['versions'][0]['id']}")
    assert response.status == 404
    assert "may not see it" in page.locator(".error").inner_text()
    assert page.locator("video source").count() == 0
