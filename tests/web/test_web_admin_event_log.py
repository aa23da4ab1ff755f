"""Admin menu, Event Log: filters, paging, and new events appearing without a reload."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from live_server import LiveServer
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PROJECT = {"type": "Project", "id": 1}


def test_new_event_appears_live_without_reloading(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    page.goto("/admin/event-log")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    page.evaluate("window.__notReloaded = true")

    sg = live.script()
    shot = sg.create("Shot", {"code": "live_sh010", "project": PROJECT})
    row = page.locator("#events tbody tr", has_text="live_sh010").first
    expect(row).to_be_visible()
    expect(page.locator("#events tbody tr").first).to_contain_text("live_sh010")
    assert page.evaluate("window.__notReloaded") is True

    sg.update("Shot", shot["id"], {"description": "arrived live"})
    expect(page.locator("#events tbody tr").first).to_contain_text("arrived live")
    assert page.evaluate("window.__notReloaded") is True
    if os.environ.get("CALLSHEET_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#events tbody tr").first.locator("details.meta summary").click()
        page.screenshot(path=str(SCREENSHOTS / "admin-event-log.png"))


def test_live_updates_respect_the_filters(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    page.goto("/admin/event-log?entity_type=Asset")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    sg = live.script()
    sg.create("Shot", {"code": "filtered_out_shot", "project": PROJECT})
    sg.create("Asset", {"code": "wanted_asset", "project": PROJECT})
    expect(page.locator("#events tbody tr", has_text="wanted_asset").first).to_be_visible()
    expect(page.locator("#events tbody tr", has_text="filtered_out_shot")).to_have_count(0)


def test_filters_by_type_entity_user_and_date(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    sg = live.script()
    shot = sg.create("Shot", {"code": "flt_sh020", "project": PROJECT})
    sg.update("Shot", shot["id"], {"description": "filtered"})

    page.goto("/admin/event-log")
    page.fill("input[name=event_type]", "Shotgun_Shot_New")
    page.select_option("select[name=entity_type]", "Shot")
    page.fill("input[name=entity_id]", str(shot["id"]))
    page.fill("input[name=user]", "e2e tests")
    page.click("#event-filters button[type=submit]")
    rows = page.locator("#events tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Shotgun_Shot_New")
    expect(rows.first).to_contain_text("flt_sh020")

    page.goto("/admin/event-log?entity_type=Shot&from=2001-01-01&to=2001-12-31")
    expect(page.locator("#events tbody tr")).to_have_count(0)
    expect(page.locator("[data-empty]")).to_be_visible()

    page.goto("/admin/event-log?entity_id=abc&entity_type=Shot")
    expect(page.locator(".notice.error")).to_contain_text("whole number")


def test_pages_go_back_by_id(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    sg = live.script()
    sg.batch(
        [
            {"request_type": "create", "entity_type": "Asset", "data": {"code": f"pg{i:03}"}}
            for i in range(60)
        ]
    )
    page.goto("/admin/event-log?entity_type=Asset&event_type=_New")
    rows = page.locator("#events tbody tr")
    expect(rows).to_have_count(50)
    first_page_ids = [int(i) for i in rows.evaluate_all("rs => rs.map(r => r.dataset.eventId)")]
    assert first_page_ids == sorted(first_page_ids, reverse=True)
    page.click("#older")
    expect(page.locator("#live-status")).to_have_count(0)  # older pages do not follow the log
    older_ids = [int(i) for i in rows.evaluate_all("rs => rs.map(r => r.dataset.eventId)")]
    assert older_ids and max(older_ids) < min(first_page_ids)
