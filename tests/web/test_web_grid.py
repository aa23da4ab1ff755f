"""Entity pages in a real browser: Page records, sorting, filtering, paging, selection, editing."""

from __future__ import annotations

import gc
import os
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from live_server import LiveServer
from playwright.sync_api import expect

from callsheet.site.actor import SYSTEM

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
STATUSES = ["ip", "wtg", "fin", "ip", "rdy", "ip", "hld", "wtg"]


@pytest.fixture(scope="module")
def shots(live: LiveServer) -> dict[str, Any]:
    """A project with two sequences and 60 shots, made with the official client."""
    sg = live.script()
    project = sg.create("Project", {"name": "Grid Show"})
    sequence = sg.create("Sequence", {"code": "SQ010", "project": project})
    other = sg.create("Sequence", {"code": "SQ020", "project": project})
    requests = [
        {
            "request_type": "create",
            "entity_type": "Shot",
            "data": {
                "code": f"SH{n:03d}",
                "project": project,
                "sg_sequence": sequence if n % 2 else other,
                "sg_status_list": STATUSES[n % len(STATUSES)],
                "sg_cut_in": 1001,
                "sg_cut_out": 1001 + n,
                "description": f"Shot number {n}",
            },
        }
        for n in range(1, 61)
    ]
    created = sg.batch(requests)
    return {
        "project": project,
        "sequence": sequence,
        "other": other,
        "shots": created,
    }


@pytest.fixture
def sg(live: LiveServer) -> Any:
    """A fresh official client per test (the server closes idle keep-alive connections)."""
    return live.script()


def open_shots(page: Any, project_id: int) -> None:
    """Open the project's Shots page and wait for its rows."""
    page.goto(f"/project/{project_id}")
    page.wait_for_url(re.compile(r"/page/\d+$"))
    expect(page.locator("#grid-table tbody tr").first).to_be_visible()


def wait_loaded(page: Any) -> None:
    """Wait until the grid's latest read has been drawn."""
    expect(page.locator("#grid-table")).not_to_have_class(re.compile(r"\bloading\b"))


def row_codes(page: Any) -> list[str]:
    return page.locator("#grid-table tbody td[data-field=code]").all_inner_texts()


def test_project_opens_its_shots_page_as_a_page_record(
    admin_page: Any, live: LiveServer, shots: dict[str, Any]
) -> None:
    project = shots["project"]
    open_shots(admin_page, project["id"])
    page_id = int(admin_page.url.rsplit("/", 1)[1])
    record = live.site.find_one(
        SYSTEM,
        "Page",
        [["id", "is", page_id]],
        ["name", "entity_type", "page_type", "project", "last_accessed"],
    )
    assert record["entity_type"] == "Shot"
    assert record["project"]["id"] == project["id"]
    assert record["name"] == "Shots"
    assert record["last_accessed"] is not None
    expect(admin_page.locator(".project-nav .project-name")).to_have_text("Grid Show")
    expect(admin_page.locator(".project-nav a[aria-current=page]")).to_have_text("Shots")
    expect(admin_page.locator("#grid-count")).to_contain_text("of 60 Shots")
    # the page id is the AMI payload's page_id
    state = admin_page.evaluate("window.CallsheetGrid.state()")
    assert state["page_id"] == page_id
    assert state["project"] == {"id": project["id"], "name": "Grid Show"}
    # opening it again finds the same Page and moves last_accessed on
    admin_page.goto(f"/project/{project['id']}/Shot")
    admin_page.wait_for_url(f"**/page/{page_id}")


def test_header_click_sorts_and_shift_click_adds_a_second_sort(
    admin_page: Any, shots: dict[str, Any], sg: Any
) -> None:
    page = admin_page
    open_shots(page, shots["project"]["id"])
    assert row_codes(page)[:3] == ["SH001", "SH002", "SH003"]
    page.click("#grid-table th[data-field=sg_cut_out]")
    expect(page.locator("#grid-table th[data-field=sg_cut_out]")).to_have_attribute(
        "aria-sort", "ascending"
    )
    page.click("#grid-table th[data-field=sg_cut_out]")
    expect(page.locator("#grid-table th[data-field=sg_cut_out]")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(page.locator("#grid-table tbody tr").first.locator("td[data-field=code]")).to_have_text(
        "SH060"
    )
    # status first, then shift-click cut out: rows grouped by status, cut out ascending inside
    page.click("#grid-table th[data-field=sg_status_list]")
    page.click("#grid-table th[data-field=sg_cut_out]", modifiers=["Shift"])
    expect(page.locator("#grid-table th[data-field=sg_cut_out] .sort-mark")).to_have_text("▲2")
    state = page.evaluate("window.CallsheetGrid.state()")
    assert state["sorts"] == [
        {"field": "sg_status_list", "direction": "asc"},
        {"field": "sg_cut_out", "direction": "asc"},
    ]
    wait_loaded(page)
    expected = sg.find(
        "Shot",
        [["project", "is", shots["project"]]],
        ["code"],
        order=[
            {"field_name": "sg_status_list", "direction": "asc"},
            {"field_name": "sg_cut_out", "direction": "asc"},
        ],
        limit=50,
    )
    assert row_codes(page) == [s["code"] for s in expected]


def test_filter_bar_narrows_rows_and_count(admin_page: Any, shots: dict[str, Any], sg: Any) -> None:
    page = admin_page
    project = shots["project"]
    in_progress = sg.find(
        "Shot", [["project", "is", project], ["sg_status_list", "is", "ip"]], ["code"]
    )
    open_shots(page, project["id"])
    page.click("#grid-filter-toggle")
    row = page.locator(".filter-row").first
    row.locator(".filter-field").select_option("sg_status_list")
    row.locator(".filter-op").select_option("is")
    row.locator("select.filter-value").select_option("ip")
    page.click("#filter-apply")
    expect(page.locator("#grid-count")).to_contain_text(f"of {len(in_progress)} Shots")
    wait_loaded(page)
    statuses = page.locator("#grid-table tbody td[data-field=sg_status_list]").all_inner_texts()
    assert set(statuses) == {"ip"}
    state = page.evaluate("window.CallsheetGrid.state()")
    assert state["filters"]["conditions"] == [
        {"path": "sg_status_list", "relation": "is", "values": ["ip"]}
    ]
    assert state["all_ids_count"] == len(in_progress)
    ids = page.evaluate("window.CallsheetGrid.allIds()")
    assert sorted(ids) == sorted(s["id"] for s in in_progress)
    # a second condition, matched with "all": cut out greater than 1040
    page.click("#filter-add")
    second = page.locator(".filter-row").nth(1)
    second.locator(".filter-field").select_option("sg_cut_out")
    second.locator(".filter-op").select_option("greater_than")
    second.locator("input.filter-value").fill("1040")
    page.click("#filter-apply")
    expected = [s for s in in_progress if int(s["code"][2:]) + 1001 > 1040]
    expect(page.locator("#grid-count")).to_contain_text(f"of {len(expected)} Shots")


def test_paging_reads_one_page_at_a_time(admin_page: Any, shots: dict[str, Any]) -> None:
    page = admin_page
    open_shots(page, shots["project"]["id"])
    page.select_option("#grid-per-page", "25")
    expect(page.locator("#grid-count")).to_contain_text("1\u201325 of")
    expect(page.locator("#grid-table tbody tr")).to_have_count(25)
    page.click("#page-next")
    expect(page.locator("#page-label")).to_have_text(re.compile(r"Page 2 of \d+"))
    expect(page.locator("#grid-table tbody tr").first.locator("td[data-field=code]")).to_have_text(
        "SH026"
    )
    page.click("#page-last")
    expect(page.locator("#page-next")).to_be_disabled()
    page.click("#page-first")
    expect(page.locator("#grid-table tbody tr").first.locator("td[data-field=code]")).to_have_text(
        "SH001"
    )


def test_selection_with_click_shift_ctrl_and_keys(admin_page: Any, shots: dict[str, Any]) -> None:
    page = admin_page
    open_shots(page, shots["project"]["id"])
    rows = page.locator("#grid-table tbody tr")
    ids = [int(x) for x in rows.evaluate_all("rows => rows.map(r => r.dataset.id)")]

    def selected() -> list[int]:
        return page.evaluate("window.CallsheetGrid.state().selected_ids")

    rows.nth(0).locator("td[data-field=description]").click()
    assert selected() == ids[:1]
    rows.nth(3).locator("td[data-field=description]").click(modifiers=["Shift"])
    assert selected() == ids[:4]
    rows.nth(1).locator("td[data-field=description]").click(modifiers=["Control"])
    assert selected() == [ids[0], ids[2], ids[3]]
    expect(rows.nth(1)).to_have_attribute("aria-selected", "false")
    expect(page.locator("#grid-status")).to_have_text("3 selected")
    # keyboard: the cursor moves with the arrows, space toggles, Escape clears
    rows.nth(5).locator("td[data-field=description]").click()
    page.keyboard.press("ArrowDown")
    assert selected() == ids[6:7]
    page.keyboard.press("Shift+ArrowDown")
    assert selected() == ids[6:8]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert selected() == []
    page.keyboard.press("Space")
    assert selected() == ids[8:9]
    page.check("#grid-select-all")
    assert len(selected()) == len(ids)
    page.keyboard.press("Escape")
    page.locator("#grid-scroll").focus()
    page.keyboard.press("Escape")
    assert selected() == []
    # Enter opens the detail page of the cursor row
    rows.nth(2).locator("td[data-field=description]").click()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/detail/Shot/{ids[2]}")


def _edit_events(sg: Any, shot: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return sg.find(
        "EventLogEntry",
        [
            ["event_type", "is", "Shotgun_Shot_Change"],
            ["entity", "is", shot],
            ["attribute_name", "is", field],
        ],
        ["session_uuid", "user", "meta"],
        order=[{"field_name": "id", "direction": "desc"}],
    )


def _cell(page: Any, shot_id: int, field: str) -> Any:
    return page.locator(f"#grid-table tbody tr[data-id='{shot_id}'] td[data-field={field}]")


def test_inline_edit_of_text_and_status_writes_through_the_engine(
    admin_page: Any, shots: dict[str, Any], sg: Any
) -> None:
    page = admin_page
    shot = shots["shots"][0]
    open_shots(page, shots["project"]["id"])
    window_uuid = page.evaluate("Callsheet.sessionUuid()")
    cell = _cell(page, shot["id"], "description")
    cell.dblclick()
    editor = page.locator(".cs-editor textarea, .cs-editor input").first
    expect(editor).to_be_focused()
    editor.fill("Crowd replaced, new plate")
    editor.press("Enter")
    expect(cell).to_have_text("Crowd replaced, new plate")
    assert sg.find_one("Shot", [["id", "is", shot["id"]]], ["description"])["description"] == (
        "Crowd replaced, new plate"
    )
    event = _edit_events(sg, shot, "description")[0]
    assert event["session_uuid"] == window_uuid
    assert event["user"]["type"] == "HumanUser"
    # Escape cancels: nothing written
    cell.dblclick()
    page.locator(".cs-editor textarea, .cs-editor input").first.fill("not this")
    page.keyboard.press("Escape")
    expect(page.locator(".cs-editor")).to_have_count(0)
    expect(cell).to_have_text("Crowd replaced, new plate")
    # the status picker offers the field's valid values
    status = _cell(page, shot["id"], "sg_status_list")
    status.dblclick()
    picker = page.locator(".cs-editor-status_list")
    expect(picker.locator("li[role=option]")).to_have_count(8)  # the 7 statuses and "none"
    picker.locator("input").fill("final")
    picker.locator("input").press("Enter")
    expect(status).to_have_text("fin")
    record = sg.find_one("Shot", [["id", "is", shot["id"]]], ["sg_status_list"])
    assert record["sg_status_list"] == "fin"
    assert _edit_events(sg, shot, "sg_status_list")[0]["session_uuid"] == window_uuid


def test_bad_value_shows_a_toast_and_keeps_the_old_value(
    admin_page: Any, shots: dict[str, Any]
) -> None:
    page = admin_page
    shot = shots["shots"][1]
    open_shots(page, shots["project"]["id"])
    cell = _cell(page, shot["id"], "sg_cut_in")
    cell.dblclick()
    page.locator(".cs-editor input").fill("1001.5")
    page.keyboard.press("Enter")
    expect(page.locator(".toast.error")).to_contain_text("whole number")
    page.keyboard.press("Escape")
    expect(cell).to_have_text("1001")
    # a fault from the engine: a status that is not valid, sent by a stale page
    answer = page.evaluate(
        """async (id) => {
            try { await Callsheet.rpc("update", {type: "Shot", id,
                  fields: [{field_name: "sg_status_list", value: "nope"}]}); return "saved"; }
            catch (error) { return error.message; }
        }""",
        shot["id"],
    )
    assert "nope" in answer


def test_entity_picker_edit_sets_the_sequence(
    admin_page: Any, shots: dict[str, Any], sg: Any
) -> None:
    page = admin_page
    shot = shots["shots"][2]  # SH003 is in SQ010
    open_shots(page, shots["project"]["id"])
    cell = _cell(page, shot["id"], "sg_sequence")
    expect(cell).to_have_text("SQ010")
    cell.dblclick()
    picker = page.locator(".cs-editor-entity")
    picker.locator("input[type=search]").fill("SQ02")
    expect(picker.locator("li[role=option]")).to_have_count(1)
    picker.locator("li[role=option]").first.click()
    expect(cell).to_have_text("SQ020")
    record = sg.find_one("Shot", [["id", "is", shot["id"]]], ["sg_sequence"])
    assert record["sg_sequence"]["id"] == shots["other"]["id"]
    expect(cell.locator("a")).to_have_attribute("href", f"/detail/Sequence/{shots['other']['id']}")


def test_add_creates_a_shot_in_the_project(admin_page: Any, shots: dict[str, Any], sg: Any) -> None:
    page = admin_page
    project = shots["project"]
    open_shots(page, project["id"])
    before = int(page.locator("#grid-count").get_attribute("data-total"))
    page.click("#grid-add")
    dialog = page.locator("#add-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#add-code").fill("SH999")
    dialog.locator("#add-sg_status_list").select_option("rdy")
    dialog.locator("#add-description").fill("Added from the grid")
    dialog.locator("#add-sg_sequence").click()
    page.locator(".cs-editor-entity input[type=search]").fill("SQ010")
    page.locator(".cs-editor-entity li[role=option]").first.click()
    expect(dialog.locator("#add-sg_sequence")).to_have_text("SQ010")
    dialog.locator("#add-submit").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#grid-count")).to_contain_text(f"of {before + 1} Shots")
    created = sg.find_one(
        "Shot", [["code", "is", "SH999"]], ["project", "sg_status_list", "sg_sequence"]
    )
    assert created["project"]["id"] == project["id"]
    assert created["sg_status_list"] == "rdy"
    assert created["sg_sequence"]["id"] == shots["sequence"]["id"]


def test_column_chooser_adds_a_column_remembered_for_the_page(
    admin_page: Any, shots: dict[str, Any]
) -> None:
    page = admin_page
    open_shots(page, shots["project"]["id"])
    expect(page.locator("#grid-table th[data-field=sg_cut_duration]")).to_have_count(0)
    page.click("#grid-columns-toggle")
    page.fill("#columns-search", "cut duration")
    page.check("#columns-list input[data-field=sg_cut_duration]")
    expect(page.locator("#grid-table th[data-field=sg_cut_duration]")).to_have_text("Cut Duration")
    expect(page.locator("#grid-table tbody td[data-field=sg_cut_duration]").first).to_be_visible()
    columns = [c["field"] for c in page.evaluate("window.CallsheetGrid.state().columns")]
    assert columns[-1] == "sg_cut_duration"
    page.reload()
    expect(page.locator("#grid-table th[data-field=sg_cut_duration]")).to_have_count(1)
    page.click("#grid-columns-toggle")
    page.click("#columns-reset")
    expect(page.locator("#grid-table th[data-field=sg_cut_duration]")).to_have_count(0)


def _upload_thumbnail(sg: Any, shot: dict[str, Any], folder: Path, color: tuple) -> None:
    from PIL import Image

    picture = folder / f"thumb-{shot['id']}.png"
    Image.new("RGB", (160, 90), color).save(picture)
    with warnings.catch_warnings():
        # shotgun_api3 leaves the uploaded file open; collect it while the warning is ignored
        warnings.simplefilter("ignore", ResourceWarning)
        sg.upload_thumbnail("Shot", shot["id"], str(picture))
        gc.collect()


def test_thumbnails_show_in_the_grid(
    admin_page: Any, live: LiveServer, shots: dict[str, Any], tmp_path: Path, sg: Any
) -> None:
    shot = shots["shots"][4]
    _upload_thumbnail(sg, shot, tmp_path, (200, 80, 40))
    page = admin_page
    open_shots(page, shots["project"]["id"])
    image = _cell(page, shot["id"], "image").locator("img")
    expect(image).to_have_count(1)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert _cell(page, shots["shots"][5]["id"], "image").locator("img").count() == 0


def test_right_click_selects_the_row_and_offers_the_builtins(
    admin_page: Any, shots: dict[str, Any]
) -> None:
    page = admin_page
    open_shots(page, shots["project"]["id"])
    page.evaluate(
        """() => document.addEventListener("callsheet:contextmenu", (event) => {
            window.lastMenu = {...event.detail, builtins: event.detail.builtins.map(
                b => ({label: b.label, requires_selection: b.requires_selection}))};
        })"""
    )
    rows = page.locator("#grid-table tbody tr")
    target = int(rows.nth(2).get_attribute("data-id"))
    rows.nth(2).locator("td[data-field=description]").click(button="right")
    detail = page.evaluate("window.lastMenu")
    assert detail["source"] == "grid"
    assert detail["state"]["selected_ids"] == [target]
    assert detail["state"]["entity_type"] == "Shot"
    assert detail["state"]["view"] == "Default"
    assert detail["builtins"][0]["label"] == "Open detail"
    menu = page.locator("#cs-context-menu")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("menuitem", name="Open detail")).to_be_enabled()
    menu.get_by_role("menuitem", name="Refresh").click()
    expect(menu).to_have_count(0)
    # right-click on empty grid space: nothing selected, selection-only items disabled
    page.click("#grid-filter-toggle")
    page.locator(".filter-row .filter-field").select_option("code")
    page.locator(".filter-row .filter-op").select_option("is")
    page.locator(".filter-row input.filter-value").fill("SH001")
    page.click("#filter-apply")
    expect(page.locator("#grid-table tbody tr")).to_have_count(1)
    box = page.locator("#grid-scroll").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 10, button="right")
    assert page.evaluate("window.lastMenu.state.selected_ids") == []
    expect(menu.get_by_role("menuitem", name="Open detail")).to_be_disabled()


def test_without_the_action_menu_the_grid_shows_its_builtins(
    admin_page: Any, shots: dict[str, Any], sg: Any
) -> None:
    page = admin_page
    page.route(
        "**/static/action_menu.js",
        lambda route: route.fulfill(body="", content_type="text/javascript"),
    )
    open_shots(page, shots["project"]["id"])
    assert page.evaluate("typeof window.CallsheetMenu") == "undefined"
    rows = page.locator("#grid-table tbody tr")
    rows.nth(0).locator("td[data-field=description]").click()
    rows.nth(1).locator("td[data-field=description]").click(modifiers=["Shift"])
    rows.nth(1).locator("td[data-field=sg_status_list]").click(button="right")
    menu = page.locator(".grid-popup")
    expect(menu.get_by_role("menuitem")).to_have_text(
        ["Open detail", "Edit Status on 2 selected…", "Delete 2 selected…", "Refresh"]
    )
    menu.get_by_role("menuitem", name="Edit Status on 2 selected…").click()
    page.locator(".cs-editor-status_list input").fill("hld")
    page.keyboard.press("Enter")
    ids = [int(rows.nth(i).get_attribute("data-id")) for i in (0, 1)]
    expect(rows.nth(0).locator("td[data-field=sg_status_list]")).to_have_text("hld")
    expect(rows.nth(1).locator("td[data-field=sg_status_list]")).to_have_text("hld")
    records = sg.find("Shot", [["id", "in", ids]], ["sg_status_list"])
    assert {r["sg_status_list"] for r in records} == {"hld"}


def test_screenshot_of_the_shots_page(
    admin_page: Any, shots: dict[str, Any], sg: Any, tmp_path: Path
) -> None:
    """docs/screenshots/grid-shots.png, written only with CALLSHEET_SCREENSHOTS=1."""
    if os.environ.get("CALLSHEET_SCREENSHOTS") != "1":
        pytest.skip("screenshots only with CALLSHEET_SCREENSHOTS=1")
    colors = [(70, 110, 160), (160, 120, 60), (60, 140, 110), (140, 70, 120)]
    for shot, color in zip(shots["shots"][:4], colors, strict=True):
        _upload_thumbnail(sg, shot, tmp_path, color)
    sg.update("Shot", shots["shots"][0]["id"], {"tags": [sg.create("Tag", {"name": "hero"})]})
    page = admin_page
    open_shots(page, shots["project"]["id"])
    rows = page.locator("#grid-table tbody tr")
    # thumbnails read as a placeholder until resized: re-read until none is pending
    page.wait_for_function(
        """() => { window.CallsheetGrid.reload();
                   return !document.querySelector("#grid-table img[src*=transient]"); }""",
        polling=500,
    )
    rows.nth(1).locator("td[data-field=description]").click()
    rows.nth(2).locator("td[data-field=description]").click(modifiers=["Shift"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "grid-shots.png"))


def test_delete_selected_retires_after_confirm(
    admin_page: Any, shots: dict[str, Any], sg: Any
) -> None:
    page = admin_page
    victim = sg.create("Shot", {"code": "SH000 delete me", "project": shots["project"]})
    open_shots(page, shots["project"]["id"])
    row = page.locator(f"#grid-table tbody tr[data-id='{victim['id']}']")
    expect(row).to_have_count(1)
    total = int(page.locator("#grid-count").get_attribute("data-total"))
    row.locator("td[data-field=code]").click(button="right")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("menuitem", name="Delete 1 selected…").click()
    expect(row).to_have_count(0)
    expect(page.locator("#grid-count")).to_contain_text(f"of {total - 1} Shots")
    assert sg.find_one("Shot", [["id", "is", victim["id"]]]) is None
    assert sg.find_one("Shot", [["id", "is", victim["id"]]], retired_only=True) is not None


def test_the_grid_links_only_safe_schemes(admin_page: Any, shots: dict[str, Any]) -> None:
    # file/link cells are drawn by grid.js through Callsheet.safeHref: `javascript:` and other
    # schemes that run or smuggle content show as text
    open_shots(admin_page, shots["project"]["id"])
    verdicts = admin_page.evaluate(
        """() => ["javascript:alert(1)", " jaVaScript:x", "java\\tscript:x", "data:text/html,x",
                  "https://example.com/", "/detail/Shot/1"].map(Callsheet.safeHref)"""
    )
    assert verdicts == [None, None, None, None, "https://example.com/", "/detail/Shot/1"]
