"""Entity pages in a real browser: Page records, sorting, filtering, paging, selection, editing."""

from __future__ import annotations

import os
import re
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
    """A project with a sequence and 60 shots (three pages of 25), made with the official client."""
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
        "sg": sg,
    }


def open_shots(page: Any, project_id: int) -> None:
    """Open the project's Shots page and wait for its rows."""
    page.goto(f"/project/{project_id}")
    page.wait_for_url(re.compile(r"/page/\d+$"))
    expect(page.locator("#grid-table tbody tr").first).to_be_visible()


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
    if os.environ.get("CALLSHEET_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        expect(admin_page.locator("#grid-table tbody tr").first).to_be_visible()
        admin_page.screenshot(path=str(SCREENSHOTS / "grid-shots.png"))
