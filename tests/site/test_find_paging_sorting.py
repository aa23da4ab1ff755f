"""find(): order, limit, page, retired_only, include_archived_projects and
additional_filter_presets (reference/data-model.md §3.5, api3-wire-protocol.md §3.2).
"""

from __future__ import annotations

from typing import Any

import pytest
from read_sites import DIALECTS, codes, site_copy

from callsheet.client import Shotgun
from callsheet.faults import Fault

SHOTS = [("c", 30), ("a", None), ("e", 10), ("b", 20), ("d", 10)]


@pytest.fixture(scope="module", params=DIALECTS)
def site(request: pytest.FixtureRequest) -> Any:
    with site_copy(request, request.param) as sg:
        live = sg.create("Project", {"name": "Live"})
        archived = sg.create("Project", {"name": "Old", "archived": True})
        e: dict[str, Any] = {"live": live, "archived": archived}
        for code, cut_in in SHOTS:
            e[code] = sg.create("Shot", {"code": code, "project": live, "sg_cut_in": cut_in})
        e["old"] = sg.create("Shot", {"code": "old", "project": archived})
        e["gone"] = sg.create("Shot", {"code": "gone", "project": live})
        sg.delete("Shot", e["gone"]["id"])
        # Versions: two per Shot "a" (latest is v2), one on "b", one retired newer one on "b".
        for code, shot in (("va1", "a"), ("va2", "a"), ("vb1", "b"), ("vb2", "b")):
            e[code] = sg.create("Version", {"code": code, "project": live, "entity": e[shot]})
        sg.delete("Version", e["vb2"]["id"])
        # PublishedFiles: same name on Shot "a" with versions 1..3 created in reverse order.
        for name, number in (("comp", 3), ("comp", 1), ("comp", 2), ("light", 1)):
            sg.create(
                "PublishedFile",
                {
                    "code": f"{name}{number}",
                    "name": name,
                    "version_number": number,
                    "project": live,
                    "entity": e["a"],
                },
            )
        # Cuts: revisions of the same cut code on one Sequence.
        sequence = sg.create("Sequence", {"code": "SQ", "project": live})
        for code, revision in (("edit", 2), ("edit", 5), ("edit", 1), ("other", 1)):
            sg.create(
                "Cut",
                {
                    "code": code,
                    "revision_number": revision,
                    "project": live,
                    "entity": sequence,
                    "description": f"{code}{revision}",
                },
            )
        yield sg, e


def test_find_without_order_sorts_by_id(site: Any) -> None:
    sg, _ = site
    records = sg.find("Shot", [["project.Project.name", "is", "Live"]], ["code"])
    assert codes(records) == [code for code, _ in SHOTS]


def test_find_order_asc_and_desc_with_nulls_last(site: Any) -> None:
    sg, _ = site
    filters = [["project.Project.name", "is", "Live"]]
    asc = [
        {"field_name": "sg_cut_in", "direction": "asc"},
        {"field_name": "code", "direction": "asc"},
    ]
    desc = [
        {"field_name": "sg_cut_in", "direction": "desc"},
        {"field_name": "code", "direction": "desc"},
    ]
    assert codes(sg.find("Shot", filters, ["code"], order=asc)) == ["d", "e", "b", "c", "a"]
    assert codes(sg.find("Shot", filters, ["code"], order=desc)) == ["c", "b", "e", "d", "a"]


def test_find_order_accepts_legacy_column_key_and_default_direction(site: Any) -> None:
    sg, _ = site
    records = sg.find(
        "Shot", [["project.Project.name", "is", "Live"]], ["code"], order=[{"column": "code"}]
    )
    assert codes(records) == ["a", "b", "c", "d", "e"]


def test_find_order_by_unknown_field_is_ignored(site: Any) -> None:
    sg, _ = site
    records = sg.find(
        "Shot",
        [["project.Project.name", "is", "Live"]],
        ["code"],
        order=[{"field_name": "sg_nope"}],
    )
    assert codes(records) == [code for code, _ in SHOTS]


def test_find_order_with_bad_direction_is_fault(site: Any) -> None:
    sg, _ = site
    with pytest.raises(Fault, match="sideways"):
        sg.find("Shot", [], ["code"], order=[{"field_name": "code", "direction": "sideways"}])


def test_find_limit_and_page_give_pages_of_limit_rows(site: Any) -> None:
    sg, _ = site
    filters = [["project.Project.name", "is", "Live"]]
    order = [{"field_name": "code", "direction": "asc"}]
    assert codes(sg.find("Shot", filters, ["code"], order=order, limit=2)) == ["a", "b"]
    assert codes(sg.find("Shot", filters, ["code"], order=order, limit=2, page=1)) == ["a", "b"]
    assert codes(sg.find("Shot", filters, ["code"], order=order, limit=2, page=2)) == ["c", "d"]
    assert codes(sg.find("Shot", filters, ["code"], order=order, limit=2, page=3)) == ["e"]
    assert sg.find("Shot", filters, ["code"], order=order, limit=2, page=4) == []
    assert codes(sg.find("Shot", filters, ["code"], order=order, page=1)) == [
        "a",
        "b",
        "c",
        "d",
        "e",
    ]
    assert sg.find_one("Shot", filters, ["code"], order=order)["code"] == "a"


@pytest.mark.parametrize(("limit", "page"), [(-1, 0), (0, -1), ("2", 0), (True, 0)])
def test_find_negative_or_non_integer_limit_or_page_is_fault(
    site: Any, limit: Any, page: Any
) -> None:
    sg, _ = site
    with pytest.raises(Fault):
        sg.find("Shot", [], limit=limit, page=page)


def test_find_retired_only_returns_only_retired_rows(site: Any) -> None:
    sg, _ = site
    assert codes(sg.find("Shot", [], ["code"], retired_only=True)) == ["gone"]
    assert "gone" not in codes(sg.find("Shot", [], ["code"]))


def test_find_include_archived_projects_false_hides_archived_rows(site: Any) -> None:
    sg, _ = site
    assert "old" in codes(sg.find("Shot", [], ["code"]))
    assert "old" not in codes(sg.find("Shot", [], ["code"], include_archived_projects=False))
    projects = codes(sg.find("Project", [], ["name"], include_archived_projects=False), "name")
    assert "Live" in projects and "Old" not in projects


def test_find_latest_version_per_entity_by_creation(site: Any) -> None:
    sg, _ = site
    for latest_by in ("ENTITIES_CREATED_AT", "BY_PIPELINE_STEP_NUMBER_AND_ENTITIES_CREATED_AT"):
        records = sg.find(
            "Version",
            [],
            ["code"],
            additional_filter_presets=[{"preset_name": "LATEST", "latest_by": latest_by}],
        )
        assert codes(records) == ["va2", "vb1"]


LATEST_VERSIONS = [{"preset_name": "LATEST", "latest_by": "ENTITIES_CREATED_AT"}]


def test_find_latest_preset_picks_the_newest_of_the_filtered_rows(site: Any) -> None:
    """Siblings come from the rows the filters select ("the Cut of that set", python-api docs):
    the official live suite finds its fixture Version by id with LATEST after newer Versions
    were linked to the same Asset."""
    sg, e = site
    by_id = [["id", "is", e["va1"]["id"]]]
    records = sg.find("Version", by_id, ["code"], additional_filter_presets=LATEST_VERSIONS)
    assert codes(records) == ["va1"]
    assert sg.find_one("Version", by_id, ["code"], additional_filter_presets=LATEST_VERSIONS)
    both = [["code", "in", ["va1", "va2", "vb1"]]]
    records = sg.find("Version", both, ["code"], additional_filter_presets=LATEST_VERSIONS)
    assert codes(records) == ["va2", "vb1"]
    records = sg.find(
        "Cut",
        [["description", "in", ["edit1", "edit2"]]],
        ["description"],
        additional_filter_presets=[{"preset_name": "LATEST", "latest_by": "REVISION_NUMBER"}],
    )
    assert codes(records, "description") == ["edit2"]


def test_find_latest_preset_with_deep_and_any_filters(site: Any) -> None:
    sg, _ = site
    records = sg.find(
        "Version",
        [["entity.Shot.code", "is", "a"], ["code", "is", "va1"]],
        ["code"],
        filter_operator="all",
        additional_filter_presets=LATEST_VERSIONS,
    )
    assert codes(records) == ["va1"]
    records = sg.find(
        "Version",
        [["code", "is", "va1"], ["code", "is", "vb1"]],
        ["code"],
        filter_operator="any",
        additional_filter_presets=LATEST_VERSIONS,
    )
    assert codes(records) == ["va1", "vb1"]


def test_find_latest_published_file_by_version_number_per_name(site: Any) -> None:
    sg, _ = site
    records = sg.find(
        "PublishedFile",
        [],
        ["code"],
        order=[{"field_name": "code", "direction": "asc"}],
        additional_filter_presets=[{"preset_name": "LATEST", "latest_by": "VERSION_NUMBER"}],
    )
    assert codes(records) == ["comp3", "light1"]
    records = sg.find(
        "PublishedFile",
        [],
        ["code"],
        order=[{"field_name": "code", "direction": "asc"}],
        additional_filter_presets=[{"preset_name": "LATEST", "latest_by": "ENTITIES_CREATED_AT"}],
    )
    assert codes(records) == ["comp2", "light1"]


def test_find_latest_cut_by_revision_number(site: Any) -> None:
    sg, _ = site
    records = sg.find(
        "Cut",
        [],
        ["description"],
        order=[{"field_name": "description", "direction": "asc"}],
        additional_filter_presets=[{"preset_name": "LATEST", "latest_by": "REVISION_NUMBER"}],
    )
    assert codes(records, "description") == ["edit5", "other1"]


@pytest.mark.parametrize(
    ("entity_type", "presets"),
    [
        ("Version", [{"preset_name": "BAD"}]),
        ("Version", [{"preset_name": "LATEST"}]),
        ("Version", [{"preset_name": "LATEST", "latest_by": "BAD"}]),
        ("Version", [{"latest_by": "ENTITIES_CREATED_AT"}]),
        ("Version", ["LATEST"]),
        ("Version", {"preset_name": "LATEST", "latest_by": "ENTITIES_CREATED_AT"}),
        ("Version", 3),  # the official suite's test_filter_not_iterable
        ("Version", "LATEST"),
        ("Version", [{"preset_name": "CUT_SHOT_VERSIONS"}]),
        ("Shot", [{"preset_name": "LATEST", "latest_by": "ENTITIES_CREATED_AT"}]),
        ("Cut", [{"preset_name": "LATEST", "latest_by": "VERSION_NUMBER"}]),
    ],
)
def test_find_invalid_filter_preset_is_fault(site: Any, entity_type: str, presets: Any) -> None:
    sg, _ = site
    with pytest.raises(Fault, match="additional_filter_presets"):
        sg.find(entity_type, [], additional_filter_presets=presets)


def test_find_order_by_malformed_path_is_ignored(sg: Shotgun, project: dict) -> None:
    first = sg.create("Shot", {"code": "b", "project": project})
    second = sg.create("Shot", {"code": "a", "project": project})
    found = sg.find(
        "Shot", [], ["code"], order=[{"field_name": "code.Sequence", "direction": "asc"}]
    )
    assert [r["id"] for r in found] == [first["id"], second["id"]]
