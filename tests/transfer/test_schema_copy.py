"""The schema step alone (transfer/schema_copy.py), on in-memory sites."""

from __future__ import annotations

import copy

from callsheet.site.actor import SYSTEM
from callsheet.site.site import Site
from callsheet.transfer.schema_copy import copied_fields, copy_schema, read_fields


def _source_answers() -> tuple[dict, dict, Site]:
    source = Site.open(None)
    source.schema_field_create(
        SYSTEM,
        "Shot",
        "status_list",
        "Review",
        {"valid_values": ["ok", "no"], "default_value": "ok"},
    )
    source.schema_field_update(
        SYSTEM, "Shot", "sg_review", {"visible": False}, {"type": "Project", "id": 1}
    )
    return source.schema_entity_read(SYSTEM), source.schema_read(SYSTEM), source


def test_custom_fields_keep_their_names_properties_and_project_visibility() -> None:
    entity_read, schema_read, source = _source_answers()
    per_project = {1: source.schema_read(SYSTEM, {"type": "Project", "id": 1})}
    destination = Site.open(None)
    report = copy_schema(destination, entity_read, schema_read, per_project)
    assert "Shot.sg_review" in report.added
    here = destination.schema_field_read(SYSTEM, "Shot", "sg_review")["sg_review"]
    there = source.schema_field_read(SYSTEM, "Shot", "sg_review")["sg_review"]
    assert here == there
    in_project = destination.schema_field_read(
        SYSTEM, "Shot", "sg_review", {"type": "Project", "id": 1}
    )
    assert in_project["sg_review"]["visible"]["value"] is False
    assert "sg_review" in copied_fields(destination, "Shot", schema_read)


def test_a_data_type_this_site_cannot_hold_is_skipped_and_reported() -> None:
    entity_read, schema_read, _ = _source_answers()
    schema_read = copy.deepcopy(schema_read)
    strange = copy.deepcopy(schema_read["Shot"]["sg_review"])
    strange["data_type"]["value"] = "hologram"
    schema_read["Shot"]["sg_depth"] = strange
    destination = Site.open(None)
    report = copy_schema(destination, entity_read, schema_read, {})
    assert "hologram" in report.skipped["Shot.sg_depth"]
    assert "sg_depth" not in destination.schema.entity("Shot").fields
    assert "sg_depth" not in copied_fields(destination, "Shot", schema_read)


def test_a_type_the_destination_lacks_and_a_clashing_data_type_are_reported() -> None:
    entity_read, schema_read, _ = _source_answers()
    entity_read = {**entity_read, "CustomEntity99": {"name": {"value": "Props", "editable": False}}}
    destination = Site.open(None)
    destination.schema_field_create(SYSTEM, "Shot", "text", "Review")
    report = copy_schema(destination, entity_read, schema_read, {})
    assert report.missing_types == ["CustomEntity99"]
    assert "'text'" in report.skipped["Shot.sg_review"]


def _source_with_season() -> tuple[dict, dict]:
    from callsheet.site.accounts import admin_actor
    from callsheet.site.entity_slots import enable_slot

    source = Site.open(None)
    enable_slot(source, admin_actor(source), "CustomEntity07", "Season", None, ["tasks", "notes"])
    source.schema_field_create(SYSTEM, "CustomEntity07", "number", "Episode Count")
    return source.schema_entity_read(SYSTEM), source.schema_read(SYSTEM)


def test_a_slot_the_source_uses_is_enabled_with_its_name_links_and_fields() -> None:
    entity_read, schema_read = _source_with_season()
    destination = Site.open(None)
    assert "CustomEntity07" not in destination.schema
    report = copy_schema(destination, entity_read, schema_read, {})
    assert report.enabled_types == ["CustomEntity07"]
    assert report.missing_types == []
    assert destination.schema_entity_read(SYSTEM)["CustomEntity07"]["name"]["value"] == "Season"
    task_entity = destination.schema_field_read(SYSTEM, "Task", "entity")["entity"]
    assert "CustomEntity07" in task_entity["properties"]["valid_types"]["value"]
    links = destination.schema_field_read(SYSTEM, "Note", "note_links")["note_links"]
    assert "CustomEntity07" in links["properties"]["valid_types"]["value"]
    version_entity = destination.schema_field_read(SYSTEM, "Version", "entity")["entity"]
    assert "CustomEntity07" not in version_entity["properties"]["valid_types"]["value"]
    assert "CustomEntity07.sg_episode_count" in report.added
    season = destination.create(SYSTEM, "CustomEntity07", {"code": "S01", "sg_episode_count": 8})
    task = destination.create(SYSTEM, "Task", {"content": "edit", "entity": season})
    assert task["entity"]["id"] == season["id"]


def test_a_slot_whose_name_is_taken_here_is_skipped_with_the_reason() -> None:
    from callsheet.site.accounts import admin_actor
    from callsheet.site.entity_slots import enable_slot

    entity_read, schema_read = _source_with_season()
    destination = Site.open(None)
    enable_slot(destination, admin_actor(destination), "CustomEntity09", "Season")
    report = copy_schema(destination, entity_read, schema_read, {})
    assert "CustomEntity07" not in destination.schema
    assert "could not be enabled" in report.skipped["CustomEntity07"]
    assert "Season" in report.skipped["CustomEntity07"]
    assert report.enabled_types == []


def test_enabling_a_slot_during_a_copy_writes_no_event_rows() -> None:
    """The copy's event log is the source's, ids included (`--events`)."""
    entity_read, schema_read = _source_with_season()
    destination = Site.open(None)
    before = destination.find(SYSTEM, "EventLogEntry", [], ["id"])
    copy_schema(destination, entity_read, schema_read, {})
    assert "CustomEntity07" in destination.schema
    assert destination.find(SYSTEM, "EventLogEntry", [], ["id"]) == before


def test_a_copy_reads_no_link_list_another_record_holds() -> None:
    # Shot.tasks is Task.entity read backwards, Shot.assets is AssetShotConnection rows and
    # Shot.notes the Notes' own links: each comes with those records, so reading it from the
    # source would only be thrown away. Shot.tags and Task.task_assignees are the records' own.
    site = Site.open(None)
    schema_read = site.schema_read(SYSTEM)
    shot = read_fields(site, "Shot", schema_read)
    assert {"tasks", "assets", "notes", "sg_versions"}.isdisjoint(shot)
    assert {"tasks", "assets", "notes"} <= set(copied_fields(site, "Shot", schema_read))
    assert {"id", "code", "sg_sequence", "tags", "created_at"} <= set(shot)
    assert "task_assignees" in read_fields(site, "Task", schema_read)
    assert "tasks" in read_fields(site, "Version", schema_read)  # a link table of its own
