"""find() on links: entity, multi_entity, tag_list and entity_type/uuid fields, deep links in
filters, return fields and order, polymorphic links, and links to retired entities.

reference/data-model.md §2.1, §3.3 (deep links), §3.4 (multi-entity filters), §4.2 (retired
targets read as None / are dropped), §10. Data set (per database):

    Sequence SQ1, SQ2        Asset tree, rock, gone (retired)
    Shot SH1  sg_sequence SQ1  assets [tree, rock]  tag_list [Hero, fx]
    Shot SH2  -                assets [rock]
    Shot SH3  sg_sequence SQ2  assets [gone]
    Shot SHX  sg_sequence SQ1  (retired)
    Version v1 -> SH1, v2 -> SH2, v3 -> Asset tree, v4 -> nothing, v5 -> SHX (retired)
"""

from __future__ import annotations

from typing import Any

import pytest
from read_sites import DIALECTS, code_set, codes, site_copy

from callsheet.faults import Fault


@pytest.fixture(scope="module", params=DIALECTS)
def linked(request: pytest.FixtureRequest) -> Any:
    with site_copy(request, request.param) as sg:
        project = sg.create("Project", {"name": "Links"})
        e: dict[str, dict] = {}
        for code in ("SQ1", "SQ2"):
            e[code] = sg.create("Sequence", {"code": code, "project": project})
        for code in ("tree", "rock", "gone"):
            e[code] = sg.create("Asset", {"code": code, "project": project})
        shots = [
            ("SH1", "SQ1", ["tree", "rock"], ["Hero", "fx"]),
            ("SH2", None, ["rock"], []),
            ("SH3", "SQ2", ["gone"], []),
            ("SHX", "SQ1", [], []),
        ]
        for code, sequence, assets, tags in shots:
            e[code] = sg.create(
                "Shot",
                {
                    "code": code,
                    "project": project,
                    "sg_sequence": e[sequence] if sequence else None,
                    "assets": [e[a] for a in assets],
                    "tag_list": tags,
                },
            )
        for code, target in (
            ("v1", "SH1"),
            ("v2", "SH2"),
            ("v3", "tree"),
            ("v4", None),
            ("v5", "SHX"),
        ):
            e[code] = sg.create(
                "Version",
                {"code": code, "project": project, "entity": e[target] if target else None},
            )
        sg.delete("Asset", e["gone"]["id"])
        sg.delete("Shot", e["SHX"]["id"])
        e["project"] = project
        e["storage"] = sg.create("LocalStorage", {"code": "primary"}, ["uuid"])
        yield sg, e


def shots_where(sg: Any, *filters: Any) -> set[str]:
    return code_set(sg.find("Shot", list(filters), ["code"]))


def versions_where(sg: Any, *filters: Any) -> set[str]:
    return code_set(sg.find("Version", list(filters), ["code"]))


# -- entity fields ------------------------------------------------------------------------------


def test_find_entity_is_matches_type_and_id_ignoring_extra_keys(linked: Any) -> None:
    sg, e = linked
    full = {**e["SQ1"], "name": "whatever", "project": e["project"], "extra": 1}
    assert shots_where(sg, ["sg_sequence", "is", full]) == {"SH1"}
    assert shots_where(sg, ["sg_sequence", "is", {"type": "Asset", "id": e["SQ1"]["id"]}]) == set()


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (["sg_sequence", "is", None], {"SH2"}),
        (["sg_sequence", "is_not", None], {"SH1", "SH3"}),
        (["sg_sequence", "type_is", "Sequence"], {"SH1", "SH3"}),
        (["sg_sequence", "type_is_not", "Sequence"], {"SH2"}),
        (["sg_sequence", "type_is", None], {"SH2"}),
        (["sg_sequence", "name_is", "sq1"], {"SH1"}),
        (["sg_sequence", "name_contains", "Q"], {"SH1", "SH3"}),
        (["sg_sequence", "name_not_contains", "1"], {"SH2", "SH3"}),
        (["sg_sequence", "name_starts_with", "sq"], {"SH1", "SH3"}),
        (["sg_sequence", "name_ends_with", "2"], {"SH3"}),
    ],
)
def test_find_entity_operator_matches_and_negatives_include_empty(
    linked: Any, condition: list[Any], expected: set[str]
) -> None:
    sg, _ = linked
    assert shots_where(sg, condition) == expected


def test_find_entity_in_and_not_in_take_entity_dicts(linked: Any) -> None:
    sg, e = linked
    assert shots_where(sg, ["sg_sequence", "in", e["SQ1"], e["SQ2"]]) == {"SH1", "SH3"}
    assert shots_where(sg, ["sg_sequence", "in", [e["SQ2"]]]) == {"SH3"}
    assert shots_where(sg, ["sg_sequence", "not_in", [e["SQ2"]]]) == {"SH1", "SH2"}
    assert shots_where(sg, ["sg_sequence", "in", [None, e["SQ2"]]]) == {"SH2", "SH3"}


def test_find_entity_with_non_dict_value_is_fault(linked: Any) -> None:
    sg, _ = linked
    with pytest.raises(Fault, match=r"Shot\.sg_sequence expects an entity dict"):
        sg.find("Shot", [["sg_sequence", "is", 5]])


def test_find_entity_link_to_retired_entity_reads_and_filters_as_empty(linked: Any) -> None:
    sg, e = linked
    record = sg.find_one("Version", [["code", "is", "v5"]], ["entity", "entity.Shot.code"])
    assert record["entity"] is None
    assert record["entity.Shot.code"] is None
    assert versions_where(sg, ["entity", "is", None]) == {"v4", "v5"}
    assert versions_where(sg, ["entity", "is", e["SHX"]]) == set()
    assert versions_where(sg, ["entity", "type_is", "Shot"]) == {"v1", "v2"}


# -- polymorphic links and deep links -----------------------------------------------------------


def test_find_deep_return_field_is_none_when_link_is_another_type_or_empty(linked: Any) -> None:
    sg, _ = linked
    records = sg.find(
        "Version",
        [],
        [
            "code",
            "entity",
            "entity.Shot.code",
            "entity.Asset.code",
            "entity.Shot.sg_sequence.Sequence.code",
        ],
        order=[{"field_name": "code", "direction": "asc"}],
    )
    by_code = {r["code"]: r for r in records}
    assert by_code["v1"]["entity.Shot.code"] == "SH1"
    assert by_code["v1"]["entity.Asset.code"] is None
    assert by_code["v1"]["entity.Shot.sg_sequence.Sequence.code"] == "SQ1"
    assert by_code["v2"]["entity.Shot.sg_sequence.Sequence.code"] is None
    assert by_code["v3"]["entity"]["type"] == "Asset"
    assert by_code["v3"]["entity.Shot.code"] is None
    assert by_code["v3"]["entity.Asset.code"] == "tree"
    assert by_code["v4"]["entity.Shot.code"] is None


def test_find_deep_return_field_of_entity_type_gives_entity_dict(linked: Any) -> None:
    sg, e = linked
    record = sg.find_one("Version", [["code", "is", "v1"]], ["entity.Shot.sg_sequence"])
    assert record["entity.Shot.sg_sequence"] == {
        "type": "Sequence",
        "id": e["SQ1"]["id"],
        "name": "SQ1",
    }


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (["entity.Shot.sg_sequence.Sequence.code", "is", "sq1"], {"v1"}),
        (["entity.Shot.sg_sequence.Sequence.code", "is_not", "SQ1"], {"v2", "v3", "v4", "v5"}),
        (["entity.Shot.code", "is", None], {"v3", "v4", "v5"}),
        (["entity.Shot.code", "is_not", None], {"v1", "v2"}),
        (["entity.Shot.code", "in", ["SH1", "SH2", "SHX"]], {"v1", "v2"}),
        (["entity.Shot.code", "not_in", ["SH1"]], {"v2", "v3", "v4", "v5"}),
        (["entity.Asset.code", "starts_with", "tr"], {"v3"}),
        (["entity.Shot.sg_sequence", "is", None], {"v2", "v3", "v4", "v5"}),
        (["project.Project.name", "is", "links"], {"v1", "v2", "v3", "v4", "v5"}),
    ],
)
def test_find_deep_filter_follows_links_and_negatives_include_unlinked_rows(
    linked: Any, condition: list[Any], expected: set[str]
) -> None:
    sg, _ = linked
    assert versions_where(sg, condition) == expected


def test_find_deep_filter_with_entity_value(linked: Any) -> None:
    sg, e = linked
    assert versions_where(sg, ["entity.Shot.sg_sequence", "is", e["SQ2"]]) == set()
    assert versions_where(sg, ["entity.Shot.sg_sequence", "is", e["SQ1"]]) == {"v1"}


def test_find_order_by_deep_field_sorts_nulls_last_both_ways(linked: Any) -> None:
    sg, _ = linked
    for direction, first in (("asc", ["v1", "v2"]), ("desc", ["v2", "v1"])):
        records = sg.find(
            "Version",
            [],
            ["code"],
            order=[
                {"field_name": "entity.Shot.code", "direction": direction},
                {"field_name": "code", "direction": "asc"},
            ],
        )
        assert codes(records) == [*first, "v3", "v4", "v5"]


@pytest.mark.parametrize(
    "path",
    [
        "sg_sequence.Sequence.nope",
        "sg_sequence.NotAType.code",
        "code.Sequence.code",
        "sg_sequence.Sequence",
    ],
)
def test_find_bad_deep_filter_path_is_fault_naming_it(linked: Any, path: str) -> None:
    sg, _ = linked
    with pytest.raises(Fault) as caught:
        sg.find("Shot", [[path, "is", "x"]])
    assert "Shot" in str(caught.value) or "Sequence" in str(caught.value)


# -- multi-entity fields ------------------------------------------------------------------------


def test_find_multi_entity_reads_never_none_and_drop_retired_links(linked: Any) -> None:
    sg, e = linked
    records = sg.find(
        "Shot", [], ["code", "assets"], order=[{"field_name": "code", "direction": "asc"}]
    )
    assets = {r["code"]: r["assets"] for r in records}
    assert sorted(a["name"] for a in assets["SH1"]) == ["rock", "tree"]
    assert assets["SH2"] == [{"type": "Asset", "id": e["rock"]["id"], "name": "rock"}]
    assert assets["SH3"] == []


@pytest.mark.parametrize(
    ("operator", "values", "expected"),
    [
        ("is", ["tree"], {"SH1"}),
        ("is", ["gone"], set()),
        ("is_not", ["tree"], {"SH2", "SH3"}),
        ("is", [None], {"SH3"}),
        ("is_not", [None], {"SH1", "SH2"}),
        ("in", [["tree", "gone"]], {"SH1"}),
        ("in", [["rock"]], {"SH1", "SH2"}),
        ("not_in", [["tree"]], {"SH2", "SH3"}),
        ("not_in", [["rock"]], {"SH3"}),
    ],
)
def test_find_multi_entity_is_means_contains(
    linked: Any, operator: str, values: list[Any], expected: set[str]
) -> None:
    sg, e = linked

    def entity(value: Any) -> Any:
        if isinstance(value, list):
            return [entity(v) for v in value]
        return None if value is None else e[value]

    assert shots_where(sg, ["assets", operator, *[entity(v) for v in values]]) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (["assets", "type_is", "Asset"], {"SH1", "SH2"}),
        (["assets", "type_is_not", "Asset"], {"SH3"}),
        (["assets", "name_contains", "RO"], {"SH1", "SH2"}),
        (["assets", "name_not_contains", "ro"], {"SH3"}),
        (["assets", "name_is", "TREE"], {"SH1"}),
        (["assets.Asset.code", "is", "tree"], {"SH1"}),
        (["assets.Asset.code", "is", "gone"], set()),
        (["assets.Asset.code", "is_not", "tree"], {"SH2", "SH3"}),
        (["assets.Asset.code", "in", ["tree", "rock"]], {"SH1", "SH2"}),
    ],
)
def test_find_through_multi_entity_matches_when_any_linked_record_matches(
    linked: Any, condition: list[Any], expected: set[str]
) -> None:
    sg, _ = linked
    assert shots_where(sg, condition) == expected


def test_find_containing_two_entities_takes_two_is_conditions(linked: Any) -> None:
    sg, e = linked
    assert shots_where(sg, ["assets", "is", e["tree"]], ["assets", "is", e["rock"]]) == {"SH1"}


def test_find_reverse_multi_entity_field_reads_same_links(linked: Any) -> None:
    sg, _ = linked
    record = sg.find_one("Asset", [["code", "is", "rock"]], ["shots"])
    assert sorted(s["name"] for s in record["shots"]) == ["SH1", "SH2"]
    assets = code_set(sg.find("Asset", [["shots.Shot.code", "is", "SH2"]], ["code"]))
    assert assets == {"rock"}


def test_find_dotted_return_field_through_multi_entity_is_left_out(linked: Any) -> None:
    sg, _ = linked
    record = sg.find_one("Shot", [["code", "is", "SH1"]], ["code", "assets.Asset.code"])
    assert "assets.Asset.code" not in record


def test_find_order_by_multi_entity_field_is_ignored(linked: Any) -> None:
    sg, _ = linked
    records = sg.find("Shot", [], ["code"], order=[{"field_name": "assets", "direction": "desc"}])
    assert codes(records) == ["SH1", "SH2", "SH3"]


# -- tag_list ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (["tag_list", "is", "hero"], {"SH1"}),
        (["tag_list", "is_not", "hero"], {"SH2", "SH3"}),
        (["tag_list", "is", None], {"SH2", "SH3"}),
        (["tag_list", "name_contains", "ER"], {"SH1"}),
        (["tag_list", "name_not_contains", "er"], {"SH2", "SH3"}),
        (["tag_list", "name_is", "FX"], {"SH1"}),
        (["tag_list", "name_id", "FX"], {"SH1"}),
    ],
)
def test_find_tag_list_is_means_contains(
    linked: Any, condition: list[Any], expected: set[str]
) -> None:
    sg, _ = linked
    assert shots_where(sg, condition) == expected


def test_find_tag_list_reads_list_never_none(linked: Any) -> None:
    sg, _ = linked
    records = sg.find(
        "Shot", [], ["code", "tag_list"], order=[{"field_name": "code", "direction": "asc"}]
    )
    assert [r["tag_list"] for r in records] == [["Hero", "fx"], [], []]


# -- entity_type and uuid ----------------------------------------------------------------------


def test_find_entity_type_field_compares_case_sensitively(linked: Any) -> None:
    sg, _ = linked
    assert sg.find("Step", [["entity_type", "is", "Shot"]], ["entity_type"])
    assert sg.find("Step", [["entity_type", "is", "shot"]]) == []
    steps = sg.find("Step", [["entity_type", "not_in", ["Shot", "Asset"]]], ["entity_type"])
    assert all(s["entity_type"] not in ("Shot", "Asset") for s in steps)
    with pytest.raises(Fault, match=r"Step\.entity_type.*'contains'"):
        sg.find("Step", [["entity_type", "contains", "Sh"]])


def test_find_uuid_normalises_filter_values(linked: Any) -> None:
    sg, e = linked
    storage = e["storage"]
    value = storage["uuid"]
    expected = [{"type": "LocalStorage", "id": storage["id"]}]
    assert sg.find("LocalStorage", [["uuid", "is", "{" + value.upper() + "}"]]) == expected
    assert sg.find("LocalStorage", [["uuid", "in", [value]]]) == expected
    assert sg.find("LocalStorage", [["uuid", "not_in", [value]]]) == []
    with pytest.raises(Fault, match=r"LocalStorage\.uuid.*'not-a-uuid'"):
        sg.find("LocalStorage", [["uuid", "is", "not-a-uuid"]])
