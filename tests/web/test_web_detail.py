"""Detail pages in a real browser: fields edited in place, thumbnails, linked records, Notes with
Replies, history from the event log, Version media, not-found pages and the Action menu event."""

from __future__ import annotations

import gc
import io
import os
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from live_server import LiveServer
from playwright.sync_api import expect
from web_people import ADMIN_LOGIN, ARTIST_LOGIN, ARTIST_PASSWORD, sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def show(live: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A project with a Shot that has Tasks, Versions and an Asset, made by the official client."""
    sg = api(live)
    project = sg.create("Project", {"name": "Detail Show"})
    sequence = sg.create("Sequence", {"code": "SQ100", "project": project})
    shot = sg.create(
        "Shot",
        {
            "code": "SH100",
            "project": project,
            "sg_sequence": sequence,
            "description": "Hero shot: the ship breaks through the cloud layer.",
            "sg_cut_in": 1001,
            "sg_cut_out": 1096,
            "sg_status_list": "ip",
        },
    )
    asset = sg.create("Asset", {"code": "Airship", "project": project, "shots": [shot]})
    comp = sg.find_one("Step", [["code", "is", "Comp"]]) or sg.find_one("Step", [])
    tasks = [
        sg.create(
            "Task",
            {
                "content": name,
                "entity": shot,
                "project": project,
                "step": comp,
                "sg_status_list": status,
            },
        )
        for name, status in (("Comp", "ip"), ("Lighting", "rdy"), ("Roto", "fin"))
    ]
    versions = [
        sg.create(
            "Version",
            {
                "code": f"SH100_comp_v00{n}",
                "entity": shot,
                "project": project,
                "sg_task": tasks[0],
                "sg_status_list": "rev",
                "description": f"Take {n}",
                "sg_path_to_movie": f"/mnt/shows/detail/SH100/comp/v00{n}/SH100_comp_v00{n}.mov",
                "sg_path_to_frames": f"/mnt/shows/detail/SH100/comp/v00{n}/SH100_comp.####.exr",
            },
        )
        for n in (1, 2)
    ]
    frame = tmp_path_factory.mktemp("frames") / "SH100.png"
    frame.write_bytes(sky_png())
    with warnings.catch_warnings():
        # shotgun_api3 leaves the uploaded file open; collect it while the warning is ignored
        warnings.simplefilter("ignore", ResourceWarning)
        sg.upload_thumbnail("Shot", shot["id"], str(frame))
        gc.collect()
    admin = sg.find_one("HumanUser", [["login", "is", ADMIN_LOGIN]], ["name"])
    artist = sg.find_one("HumanUser", [["login", "is", ARTIST_LOGIN]], ["name"])
    note = sg.create(
        "Note",
        {
            "project": project,
            "subject": "Cloud layer",
            "user": admin,
            "note_links": [shot],
            "content": "Clouds read too flat in the first 20 frames; more depth, please.",
            "addressings_to": [artist],
        },
    )
    sg.create("Reply", {"entity": note, "user": artist, "content": "On it, v003 tonight."})
    return {
        "project": project,
        "sequence": sequence,
        "shot": shot,
        "asset": asset,
        "tasks": tasks,
        "versions": versions,
    }


def api(live: LiveServer) -> Any:
    """A new official client for the script: the server closes idle keep-alive connections
    after a few seconds, and shotgun_api3 does not retry a send on a closed one."""
    return live.script()


def new_shot(live: LiveServer, show: dict[str, Any], code: str, **fields: Any) -> dict[str, Any]:
    """A Shot of its own for a test that changes it."""
    data = {"code": code, "project": show["project"], "sg_sequence": show["sequence"], **fields}
    return api(live).create("Shot", data)


def sky_png() -> bytes:
    """A small picture for the screenshots: a dusk sky with a dark airship."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 270))
    draw = ImageDraw.Draw(image)
    for y in range(270):
        t = y / 269
        draw.line([(0, y), (479, y)], fill=(int(40 + 200 * t), int(70 + 90 * t), int(140 - 60 * t)))
    draw.ellipse((150, 100, 340, 150), fill=(30, 30, 40))
    draw.rectangle((225, 148, 265, 162), fill=(30, 30, 40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def png_bytes(color: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), color).save(buffer, "PNG")
    return buffer.getvalue()


def test_shot_detail_shows_header_fields_and_linked_records(
    admin_page: Any, show: dict[str, Any], live: LiveServer
) -> None:
    page = admin_page
    shot = show["shot"]
    page.goto(f"/detail/Shot/{shot['id']}")
    expect(page.locator("#detail-title")).to_have_text("SH100")
    expect(page.locator("#detail-status .status")).to_have_text("In Progress")
    expect(page.locator(".detail-kind .project-link")).to_have_text("Detail Show")
    # the project's navigation, with the Shots tab current
    expect(page.locator(".project-nav [aria-current=page]")).to_have_attribute(
        "data-entity-type", "Shot"
    )
    description = page.locator('.field-row[data-field="description"] .field-value')
    expect(description).to_contain_text("the ship breaks through")
    sequence = page.locator('.field-row[data-field="sg_sequence"] .field-value a')
    expect(sequence).to_have_attribute("href", f"/detail/Sequence/{show['sequence']['id']}")
    tasks = page.locator('.linked-section[data-linked="Task"]')
    expect(tasks.locator("tbody tr")).to_have_count(3)
    expect(tasks.locator(".col-name a", has_text="Lighting")).to_have_attribute(
        "href", f"/detail/Task/{show['tasks'][1]['id']}"
    )
    versions = page.locator('.linked-section[data-linked="Version"]')
    expect(versions.locator("tbody tr")).to_have_count(2)
    expect(page.locator('.linked-section[data-linked="Asset"] .col-name a')).to_have_text("Airship")
    # a thumbnail and a Note with its Reply, made through the API
    expect(page.locator("#detail-thumb-img")).to_have_attribute("src", re.compile(r"/thumbnail/"))
    thread = page.locator(".thread")
    expect(thread.locator(".note .note-subject")).to_have_text("Cloud layer")
    expect(thread.locator(".note .author")).to_have_text("Web Admin")
    expect(thread.locator(".reply .author")).to_have_text("Web Artist")
    expect(thread.locator(".reply .note-body")).to_have_text("On it, v003 tonight.")
    state = page.evaluate("window.CallsheetDetail.state()")
    assert state == {
        "entity_type": "Shot",
        "id": shot["id"],
        "project": {"id": show["project"]["id"], "name": "Detail Show"},
        "title": "SH100",
    }
    if os.environ.get("CALLSHEET_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "detail-shot.png"), full_page=True)


def test_edit_a_field_in_place_writes_through_the_engine(
    admin_page: Any, show: dict[str, Any], live: LiveServer
) -> None:
    page = admin_page
    shot = new_shot(live, show, "SH110", description="Before")
    page.goto(f"/detail/Shot/{shot['id']}")
    page.locator('.field-row[data-field="description"] .field-value').click()
    editor = page.locator(".cs-editor textarea")
    editor.fill("After the edit")
    editor.press("Enter")
    expect(page.locator('.field-row[data-field="description"] .field-value')).to_have_text(
        "After the edit"
    )
    # the code field is the title: editing it renames the header too
    page.locator('.field-row[data-field="code"] .field-value').click()
    page.locator(".cs-editor input").fill("SH110_renamed")
    page.locator(".cs-editor input").press("Enter")
    expect(page.locator("#detail-title")).to_have_text("SH110_renamed")
    stored = api(live).find_one("Shot", [["id", "is", shot["id"]]], ["description", "code"])
    assert stored["description"] == "After the edit"
    assert stored["code"] == "SH110_renamed"
    window = page.evaluate("Callsheet.sessionUuid()")
    event = api(live).find_one(
        "EventLogEntry",
        [
            ["entity", "is", {"type": "Shot", "id": shot["id"]}],
            ["attribute_name", "is", "description"],
        ],
        ["session_uuid", "user", "meta"],
        order=[{"field_name": "id", "direction": "desc"}],
    )
    assert event["session_uuid"] == window
    assert event["user"]["name"] == "Web Admin"
    assert event["meta"]["new_value"] == "After the edit"


def test_edit_status_updates_the_header(
    admin_page: Any, show: dict[str, Any], live: LiveServer
) -> None:
    page = admin_page
    shot = new_shot(live, show, "SH120", sg_status_list="wtg")
    page.goto(f"/detail/Shot/{shot['id']}")
    page.locator('.field-row[data-field="sg_status_list"] .field-value').click()
    page.locator(".cs-editor .cs-search").fill("Final")
    page.locator(".cs-editor .cs-search").press("Enter")
    expect(page.locator("#detail-status .status")).to_have_text("Final")
    stored = api(live).find_one("Shot", [["id", "is", shot["id"]]], ["sg_status_list"])
    assert stored["sg_status_list"] == "fin"


def test_upload_a_thumbnail_with_the_file_picker(
    admin_page: Any, show: dict[str, Any], live: LiveServer, tmp_path: Path
) -> None:
    page = admin_page
    shot = new_shot(live, show, "SH130")
    image = tmp_path / "frame.png"
    image.write_bytes(png_bytes())
    page.goto(f"/detail/Shot/{shot['id']}")
    expect(page.locator("#detail-thumb-img")).to_be_hidden()
    page.set_input_files("#thumb-file", str(image))
    # first the transient placeholder, then the resized thumbnail
    expect(page.locator("#detail-thumb-img")).to_have_attribute("src", re.compile(r"/thumbnail/"))
    expect(page.locator("#thumb-form")).not_to_have_class(re.compile(r"\bpending\b"))
    # the image decodes after its src changes: wait for it rather than reading it at once
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0",
        arg=page.locator("#detail-thumb-img").element_handle(),
    )
    stored = api(live).find_one("Shot", [["id", "is", shot["id"]]], ["image"])
    assert "/thumbnail/" in stored["image"]


def test_upload_a_thumbnail_that_is_not_an_image_says_so(
    admin_page: Any, show: dict[str, Any], live: LiveServer, tmp_path: Path
) -> None:
    page = admin_page
    shot = new_shot(live, show, "SH131")
    bogus = tmp_path / "notes.png"
    bogus.write_bytes(b"this is not a picture")
    page.goto(f"/detail/Shot/{shot['id']}")
    page.set_input_files("#thumb-file", str(bogus))
    expect(page.locator(".toast.error")).to_contain_text("not a readable image")


def test_add_a_note_and_a_reply(admin_page: Any, show: dict[str, Any], live: LiveServer) -> None:
    page = admin_page
    shot = new_shot(live, show, "SH140")
    page.goto(f"/detail/Shot/{shot['id']}")
    expect(page.locator('[data-empty="notes"]')).to_be_visible()
    page.fill("#note-subject", "Edge flicker")
    page.fill("#note-content", "The matte edge flickers around frame 1040.\nPlease check.")
    page.locator("#note-to-input").click()
    expect(page.locator("#note-people option").first).to_be_attached()
    page.locator("#note-to-input").fill("Web Artist (webartist)")
    page.locator("#note-to-input").press("Enter")
    expect(page.locator("#note-to-chips .chip")).to_have_text(re.compile("Web Artist"))
    page.click("#note-submit")
    thread = page.locator(".thread").first
    expect(thread.locator(".note-subject")).to_have_text("Edge flicker")
    expect(thread.locator(".note .note-body")).to_contain_text("frame 1040")
    expect(thread.locator(".note-to")).to_contain_text("Web Artist")
    note_id = int(thread.get_attribute("data-note-id"))
    thread.locator(".reply-form textarea").fill("Fixed in v002.")
    thread.locator(".reply-form button").click()
    expect(page.locator(f'.thread[data-note-id="{note_id}"] .reply .note-body')).to_have_text(
        "Fixed in v002."
    )
    note = api(live).find_one(
        "Note",
        [["id", "is", note_id]],
        ["subject", "content", "note_links", "project", "user", "addressings_to"],
    )
    assert note["subject"] == "Edge flicker"
    assert [(link["type"], link["id"]) for link in note["note_links"]] == [("Shot", shot["id"])]
    assert note["project"]["id"] == show["project"]["id"]
    assert note["user"]["name"] == "Web Admin"
    assert [p["name"] for p in note["addressings_to"]] == ["Web Artist"]
    replies = api(live).find(
        "Reply", [["entity", "is", {"type": "Note", "id": note_id}]], ["content", "user"]
    )
    assert [(r["content"], r["user"]["name"]) for r in replies] == [("Fixed in v002.", "Web Admin")]
    # newest note first
    page.fill("#note-content", "A second, later note.")
    page.click("#note-submit")
    expect(page.locator(".thread").first.locator(".note .note-body")).to_have_text(
        "A second, later note."
    )
    expect(page.locator(".thread")).to_have_count(2)


def test_empty_note_is_refused_with_a_message(
    admin_page: Any, show: dict[str, Any], live: LiveServer
) -> None:
    page = admin_page
    shot = new_shot(live, show, "SH141")
    page.goto(f"/detail/Shot/{shot['id']}")
    # the browser's own check is bypassed to reach the server's
    page.locator("#note-content").evaluate("area => area.removeAttribute('required')")
    page.click("#note-submit")
    expect(page.locator(".toast.error")).to_contain_text("empty")


def test_history_lists_an_update_made_through_the_api(
    admin_page: Any, show: dict[str, Any], live: LiveServer
) -> None:
    page = admin_page
    shot = new_shot(live, show, "SH150", sg_status_list="wtg")
    api(live).update(
        "Shot", shot["id"], {"sg_status_list": "hld", "description": "On hold for notes"}
    )
    page.goto(f"/detail/Shot/{shot['id']}")
    history = page.locator("#history-list")
    status_change = history.locator(".event-changed:not(.in-create)").filter(
        has=page.locator('.attr[data-attribute="sg_status_list"]')
    )
    expect(status_change).to_have_count(1)
    expect(status_change.locator(".old-value")).to_have_text("Waiting to Start")
    expect(status_change.locator(".new-value")).to_have_text("On Hold")
    expect(status_change.locator(".who")).to_have_text("e2e tests")
    expect(history.locator(".event-created")).to_contain_text("created this Shot")
    # newest first: the API's update comes before the creation
    kinds = history.locator(".event").evaluate_all("rows => rows.map(r => r.className)")
    assert "event-changed" in kinds[0] and "event-created" in kinds[-1]


def test_history_pages_with_show_more(
    admin_page: Any, show: dict[str, Any], live: LiveServer
) -> None:
    page = admin_page
    shot = new_shot(live, show, "SH151")
    api(live).batch(
        [
            {
                "request_type": "update",
                "entity_type": "Shot",
                "entity_id": shot["id"],
                "data": {"sg_cut_in": 1000 + n},
            }
            for n in range(30)
        ]
    )
    page.goto(f"/detail/Shot/{shot['id']}")
    rows = page.locator("#history-list .event")
    expect(rows).to_have_count(25)
    page.click("#history-more")
    expect(rows).to_have_count(25 + (30 + 4 - 25))  # 30 updates + creation events
    expect(page.locator("#history-more")).to_have_count(0)
    ids = rows.evaluate_all("rows => rows.map(r => Number(r.dataset.eventId))")
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)


def test_version_shows_its_media_and_notes(
    admin_page: Any, show: dict[str, Any], live: LiveServer
) -> None:
    page = admin_page
    version = api(live).create(
        "Version",
        {
            "code": "SH100_comp_v003",
            "entity": show["shot"],
            "project": show["project"],
            "sg_path_to_movie": "/mnt/shows/detail/SH100_comp_v003.mov",
            "sg_uploaded_movie": {
                "url": "https://review.example.com/SH100_comp_v003.mp4",
                "name": "SH100_comp_v003.mp4",
            },
        },
    )
    api(live).create(
        "Note",
        {
            "project": show["project"],
            "subject": "Colour",
            "content": "Warmer.",
            "note_links": [version],
        },
    )
    page.goto(f"/detail/Version/{version['id']}")
    movie = page.locator('.media-item[data-media="sg_path_to_movie"]')
    expect(movie.locator(".media-link")).to_have_text("/mnt/shows/detail/SH100_comp_v003.mov")
    expect(movie.locator(".media-link")).to_have_attribute(
        "href", "file:///mnt/shows/detail/SH100_comp_v003.mov"
    )
    uploaded = page.locator('.media-item[data-media="sg_uploaded_movie"] .media-link')
    expect(uploaded).to_have_attribute("href", "https://review.example.com/SH100_comp_v003.mp4")
    expect(page.locator(".thread .note-subject")).to_have_text("Colour")
    link = page.locator('.field-row[data-field="entity"] .field-value a')
    expect(link).to_have_attribute("href", f"/detail/Shot/{show['shot']['id']}")
    if os.environ.get("CALLSHEET_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / "detail-version.png"), full_page=True)


def test_task_shows_its_entity_versions_and_notes(
    admin_page: Any, show: dict[str, Any], live: LiveServer
) -> None:
    page = admin_page
    task = show["tasks"][0]
    page.goto(f"/detail/Task/{task['id']}")
    expect(page.locator("#detail-title")).to_have_text("Comp")
    link = page.locator('.field-row[data-field="entity"] .field-value a')
    expect(link).to_have_text("SH100")
    expect(page.locator(".detail-kind .entity-link")).to_have_attribute(
        "href", f"/detail/Shot/{show['shot']['id']}"
    )
    expect(page.locator('.linked-section[data-linked="Version"] tbody tr')).to_have_count(2)
    page.fill("#note-content", "Comp note from the task page.")
    page.click("#note-submit")
    expect(page.locator(".thread .note-body")).to_have_text("Comp note from the task page.")
    note = api(live).find_one(
        "Note",
        [["tasks", "is", task]],
        ["note_links", "tasks"],
        order=[{"field_name": "id", "direction": "desc"}],
    )
    # a Task's note is also linked to the Task's Shot, as ShotGrid does
    assert [(n["type"], n["id"]) for n in note["note_links"]] == [("Shot", show["shot"]["id"])]


def test_missing_and_retired_ids_are_not_found(
    admin_page: Any, show: dict[str, Any], live: LiveServer
) -> None:
    page = admin_page
    answer = page.goto("/detail/Shot/99999999")
    assert answer.status == 404
    expect(page.locator("[role=alert]")).to_have_text("There is no Shot with id 99999999.")
    shot = new_shot(live, show, "SH160")
    api(live).delete("Shot", shot["id"])
    answer = page.goto(f"/detail/Shot/{shot['id']}")
    assert answer.status == 404
    expect(page.locator("[role=alert]")).to_contain_text("retired")
    assert page.goto("/detail/NoSuchType/1").status == 404
    assert page.goto("/detail/Shot/not-a-number").status == 404


def test_actions_button_and_right_click_open_the_action_menu(
    admin_page: Any, show: dict[str, Any], live: LiveServer
) -> None:
    page = admin_page
    shot = show["shot"]
    page.goto(f"/detail/Shot/{shot['id']}")
    page.evaluate(
        """() => document.addEventListener("callsheet:contextmenu", (event) => {
             window.seenMenu = { source: event.detail.source, state: event.detail.state,
                                 labels: event.detail.builtins.map((b) => b.label),
                                 x: event.detail.x, y: event.detail.y };
           })"""
    )
    page.click("#detail-actions")
    seen = page.evaluate("window.seenMenu")
    assert seen["source"] == "detail"
    assert seen["state"]["id"] == shot["id"] and seen["state"]["entity_type"] == "Shot"
    assert "Upload thumbnail…" in seen["labels"]
    page.keyboard.press("Escape")
    page.evaluate("window.seenMenu = null")
    page.locator("#detail-title").click(button="right")
    seen = page.evaluate("window.seenMenu")
    assert seen["source"] == "detail" and seen["x"] > 0


def test_my_account_and_site_wide_types_have_detail_pages(
    admin_page: Any, show: dict, live: LiveServer
) -> None:
    page = admin_page
    page.click("details[data-menu=user] summary")
    page.click("text=My account")
    page.wait_for_url(re.compile(r"/detail/HumanUser/\d+$"))
    expect(page.locator("#detail-title")).to_have_text("Web Admin")
    expect(page.locator('.field-row[data-field="login"] .field-value')).to_have_text(ADMIN_LOGIN)
    # a site-wide type without a list of its own: reverse links from the schema
    step = api(live).find_one("Step", [["id", "is", show["tasks"][0]["step"]["id"]]], ["code"])
    page.goto(f"/detail/Step/{step['id']}")
    expect(page.locator("#detail-title")).to_have_text(step["code"])
    expect(page.locator('.linked-section[data-linked="Task"] tbody tr')).to_have_count(3)


def test_drop_an_image_on_the_thumbnail(
    admin_page: Any, show: dict[str, Any], live: LiveServer
) -> None:
    page = admin_page
    shot = new_shot(live, show, "SH170")
    page.goto(f"/detail/Shot/{shot['id']}")
    page.locator("#thumb-form").evaluate(
        """(target, bytes) => {
             const files = new DataTransfer();
             files.items.add(new File([new Uint8Array(bytes)], "dropped.png", {type: "image/png"}));
             for (const kind of ["dragenter", "dragover", "drop"]) {
               target.dispatchEvent(new DragEvent(kind, {dataTransfer: files, bubbles: true,
                                                          cancelable: true}));
             }
           }""",
        list(png_bytes((200, 80, 40))),
    )
    expect(page.locator("#detail-thumb-img")).to_have_attribute("src", re.compile(r"/thumbnail/"))
    stored = api(live).find_one("Shot", [["id", "is", shot["id"]]], ["image"])
    assert "/thumbnail/" in stored["image"]


def test_show_all_rows_of_a_linked_section(
    admin_page: Any, show: dict[str, Any], live: LiveServer
) -> None:
    page = admin_page
    shot = new_shot(live, show, "SH180")
    api(live).batch(
        [
            {
                "request_type": "create",
                "entity_type": "Task",
                "data": {"content": f"Task {n:02d}", "entity": shot, "project": show["project"]},
            }
            for n in range(12)
        ]
    )
    page.goto(f"/detail/Shot/{shot['id']}")
    tasks = page.locator('.linked-section[data-linked="Task"]')
    expect(tasks.locator(".count")).to_have_text("12")
    expect(tasks.locator("tbody tr")).to_have_count(10)
    tasks.locator(".linked-more").click()
    expect(tasks.locator("tbody tr")).to_have_count(12)
    expect(tasks.locator("button.linked-more")).to_have_count(0)


def test_refresh_rereads_the_page_in_place(
    admin_page: Any, show: dict[str, Any], live: LiveServer
) -> None:
    page = admin_page
    shot = new_shot(live, show, "SH190", description="First")
    page.goto(f"/detail/Shot/{shot['id']}")
    api(live).update("Shot", shot["id"], {"description": "Changed by a script"})
    page.evaluate("window.CallsheetDetail.refresh()")
    description = page.locator('.field-row[data-field="description"] .field-value')
    expect(description).to_have_text("Changed by a script")
    # the refreshed page still edits in place
    description.click()
    page.locator(".cs-editor textarea").fill("Edited after refresh")
    page.locator(".cs-editor textarea").press("Enter")
    expect(description).to_have_text("Edited after refresh")


def test_an_artist_gets_a_page_too(page: Any, show: dict[str, Any], live: LiveServer) -> None:
    sg = api(live)
    artist = sg.find_one("HumanUser", [["login", "is", ARTIST_LOGIN]])
    sg.update("Project", show["project"]["id"], {"users": [artist]})
    sign_in(page, ARTIST_LOGIN, ARTIST_PASSWORD)
    answer = page.goto(f"/detail/Shot/{show['shot']['id']}")
    assert answer.status == 200
    expect(page.locator("#detail-title")).to_have_text("SH100")
