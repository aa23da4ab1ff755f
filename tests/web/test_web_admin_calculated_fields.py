"""Admin menu, Fields: add a calculated field (a formula); its mistakes are shown on the page."""

from __future__ import annotations

from typing import Any

from live_server import LiveServer
from playwright.sync_api import expect


def fill_calculated(page: Any, name: str, formula: str, output_label: str) -> None:
    page.goto("/admin/fields?entity_type=Shot")
    page.click("#new-calculated-field summary")
    page.fill("#calculated-name", name)
    page.fill("#calculated-formula", formula)
    page.select_option("#calculated-output", label=output_label)
    page.click("#new-calculated-field button[type=submit]")


def test_add_a_calculated_field_and_read_it_through_the_api(
    admin_page: Any, live: LiveServer
) -> None:
    page = admin_page
    fill_calculated(page, "Web Cut Length", "{sg_cut_out} - {sg_cut_in} + 1", "Number")
    expect(page.locator(".notice.ok")).to_contain_text("Calculated field added")
    row = page.locator("#fields tr[data-field=sg_web_cut_length]")
    expect(row).to_contain_text("Calculated")
    expect(row).to_have_class("highlight")

    sg = live.script()
    record = sg.schema_field_read("Shot", "sg_web_cut_length")["sg_web_cut_length"]
    assert record["data_type"]["value"] == "calculated"
    assert record["properties"]["calculated_function"]["value"] == "{sg_cut_out} - {sg_cut_in} + 1"
    assert record["properties"]["renderer"]["value"] == "number"
    project = sg.find_one("Project", [])
    shot = sg.create(
        "Shot", {"code": "calc010", "project": project, "sg_cut_in": 1001, "sg_cut_out": 1010}
    )
    assert (
        sg.find_one("Shot", [["id", "is", shot["id"]]], ["sg_web_cut_length"])["sg_web_cut_length"]
        == 10
    )


def test_a_formula_mistake_is_shown_with_the_form_kept(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    fill_calculated(page, "Web Broken", 'CONCAT("A_", {sg_cod})', "Text")
    error = page.locator(".notice.error")
    expect(error).to_contain_text("column 14")
    expect(error).to_contain_text("unknown field Shot.sg_cod")
    expect(page.locator("#new-calculated-field")).to_have_attribute("open", "")
    expect(page.locator("#calculated-formula")).to_have_value('CONCAT("A_", {sg_cod})')
    expect(page.locator("#fields tr[data-field=sg_web_broken]")).to_have_count(0)
