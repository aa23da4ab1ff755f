"""Admin menu, Fields: add, rename and retire custom fields; the API sees the same schema."""

from __future__ import annotations

from typing import Any

import pytest
import shotgun_api3
from live_server import LiveServer
from playwright.sync_api import expect


def add_field(page: Any, name: str, data_type: str, **extra: Any) -> None:
    """Add a field to Shot through the form."""
    page.goto("/admin/fields?entity_type=Shot")
    page.click("#new-field summary")
    page.fill("#field-name", name)
    page.select_option("#field-data-type", label=data_type)
    if "values" in extra:
        page.fill("#field-values", "\n".join(extra["values"]))
    if "default" in extra:
        page.fill("#field-default", extra["default"])
    for entity_type in extra.get("types", ()):
        page.locator(f"#new-field .checklist-items input[value='{entity_type}']").check()
    page.click("#new-field button[type=submit]")
    expect(page.locator(".notice.ok")).to_contain_text("Field added")


def test_add_rename_and_retire_custom_fields(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())
    sg = live.script()

    add_field(page, "Vendor Notes", "Text")
    expect(page.locator("#fields tr.highlight")).to_contain_text("sg_vendor_notes")
    add_field(page, "Comp Status", "Status List", values=["wtg", "ip", "fin"], default="wtg")
    row = page.locator("#fields tr[data-field=sg_comp_status]")
    expect(row).to_contain_text("Status List")
    expect(row).to_contain_text("wtg, ip, fin")

    schema = sg.schema_field_read("Shot", "sg_comp_status")["sg_comp_status"]
    assert schema["data_type"]["value"] == "status_list"
    assert schema["properties"]["valid_values"]["value"] == ["wtg", "ip", "fin"]
    assert schema["properties"]["default_value"]["value"] == "wtg"
    assert (
        sg.schema_field_read("Shot", "sg_vendor_notes")["sg_vendor_notes"]["data_type"]["value"]
        == "text"
    )

    row = page.locator("#fields tr[data-field=sg_vendor_notes]")
    row.locator("summary", has_text="Edit").click()
    row.locator(".rename-form input[name=name]").fill("Vendor Remarks")
    row.locator(".rename-form button").click()
    expect(page.locator(".notice.ok")).to_contain_text("Field renamed")
    assert (
        sg.schema_field_read("Shot", "sg_vendor_notes")["sg_vendor_notes"]["name"]["value"]
        == "Vendor Remarks"
    )

    row = page.locator("#fields tr[data-field=sg_vendor_notes]")
    row.locator("summary", has_text="Edit").click()
    row.locator(".retire-form button").click()
    expect(page.locator(".notice.ok")).to_contain_text("Field retired")
    expect(page.locator("#fields tr[data-field=sg_vendor_notes]")).to_have_count(0)
    with pytest.raises(shotgun_api3.Fault):
        sg.schema_field_read("Shot", "sg_vendor_notes")

    # the new status field is usable through the API
    shot = sg.create("Shot", {"code": "fld010", "project": {"type": "Project", "id": 1}})
    sg.update("Shot", shot["id"], {"sg_comp_status": "ip"})


def test_entity_field_takes_its_types(admin_page: Any, live: LiveServer) -> None:
    page = admin_page
    add_field(page, "Lead Asset", "Entity", types=["Asset"])
    field = live.script().schema_field_read("Shot", "sg_lead_asset")["sg_lead_asset"]
    assert field["data_type"]["value"] == "entity"
    assert field["properties"]["valid_types"]["value"] == ["Asset"]


def test_list_field_without_values_is_refused_and_form_kept(admin_page: Any) -> None:
    page = admin_page
    page.goto("/admin/fields?entity_type=Shot")
    page.click("#new-field summary")
    page.fill("#field-name", "Empty Choice")
    page.select_option("#field-data-type", label="List")
    page.click("#new-field button[type=submit]")
    expect(page.locator(".notice.error")).to_contain_text("at least one value")
    expect(page.locator("#field-name")).to_have_value("Empty Choice")


def test_built_in_fields_have_no_edit_and_types_switch(admin_page: Any) -> None:
    page = admin_page
    page.goto("/admin/fields?entity_type=Shot")
    code = page.locator("#fields tr[data-field=code]")
    expect(code).to_contain_text("Text")
    expect(code.locator("summary")).to_have_count(0)
    page.select_option("#entity-type", "Version")
    page.wait_for_url("**entity_type=Version")
    expect(page.locator("#fields tr[data-field=sg_path_to_movie]")).to_be_visible()


def fill_query_field(page: Any, name: str, **query: str) -> None:
    """Fill the form's query part for a new Shot field (not submitted)."""
    page.goto("/admin/fields?entity_type=Shot")
    page.click("#new-field summary")
    page.fill("#field-name", name)
    page.select_option("#field-data-type", label="Query")
    page.select_option("#query-entity-type", value=query.get("entity_type", "Task"))
    if "filters" in query:
        page.fill("#query-filters", query["filters"])
    page.select_option("#summary-type", label=query.get("summary_type", "Record Count"))
    for selector, key in (("#summary-field", "field"), ("#summary-value", "value")):
        if key in query:
            page.fill(selector, query[key])
    if "order" in query:
        page.fill("#order-field", query["order"])
        page.select_option("#order-direction", value=query.get("direction", "asc"))


def test_query_field_form_makes_a_query_field_the_api_reads(
    admin_page: Any, live: LiveServer
) -> None:
    page = admin_page
    filters = (
        '[["entity", "is", {"type": "Entity", "id": 0, "valid": "parent_entity_token"}],'
        ' ["sg_status_list", "is_not", "fin"]]'
    )
    fill_query_field(
        page, "Open Task Time", filters=filters, summary_type="Sum", field="est_in_mins"
    )
    page.click("#new-field button[type=submit]")
    expect(page.locator(".notice.ok")).to_contain_text("Field added")
    expect(page.locator("#fields tr[data-field=sg_open_task_time]")).to_contain_text("Summary")
    sg = live.script()
    field = sg.schema_field_read("Shot", "sg_open_task_time")["sg_open_task_time"]
    assert field["properties"]["summary_default"]["value"] == "sum"
    assert field["properties"]["summary_field"]["value"] == "est_in_mins"
    assert field["properties"]["query"]["value"]["entity_type"] == "Task"
    project = {"type": "Project", "id": 1}
    shot = sg.create("Shot", {"code": "qf010", "project": project})
    for minutes, status in ((30, "ip"), (45, "wtg"), (100, "fin")):
        sg.create(
            "Task",
            {"content": status, "project": project, "entity": shot, "est_in_mins": minutes,
             "sg_status_list": status},
        )  # fmt: skip
    found = sg.find_one("Shot", [["id", "is", shot["id"]]], ["sg_open_task_time"])
    assert found["sg_open_task_time"] == 75


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"filters": '[["entity", "is"'}, "The filters are not JSON"),
        ({"summary_type": "Sum", "field": "sg_nope"}, "Task has no field 'sg_nope'"),
        ({"summary_type": "Sum", "field": "content"}, "cannot be summarized as 'sum'"),
        (
            {"summary_type": "Single Record", "field": "content", "order": "sg_nope"},
            "Task has no field 'sg_nope'",
        ),
    ],
)
def test_query_field_form_errors_name_the_mistake_and_keep_the_form(
    admin_page: Any, query: dict[str, str], message: str
) -> None:
    page = admin_page
    fill_query_field(page, "Broken Query", **query)
    page.click("#new-field button[type=submit]")
    expect(page.locator(".notice.error, .error").first).to_contain_text(message)
    expect(page.locator("#field-name")).to_have_value("Broken Query")
    expect(page.locator("#field-data-type")).to_have_value("summary")
    if "filters" in query:
        expect(page.locator("#query-filters")).to_have_value(query["filters"])
