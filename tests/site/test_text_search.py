"""text_search(): display-name search over several entity types (reference/data-model.md §3.7,
api3-wire-protocol.md §9.4)."""

from __future__ import annotations

from typing import Any

import pytest
from read_sites import DIALECTS, site_copy

from callsheet.faults import Fault


@pytest.fixture(scope="module", params=DIALECTS)
def site(request: pytest.FixtureRequest) -> Any:
    with site_copy(request, request.param) as sg:
        one = sg.create("Project", {"name": "One"})
        two = sg.create("Project", {"name": "Two"})
        e = {"one": one, "two": two}
        e["shot"] = sg.create(
            "Shot", {"code": "hero text search shot", "project": one, "sg_status_list": "ip"}
        )
        e["asset"] = sg.create("Asset", {"code": "Hero Text Search asset", "project": one})
        e["other"] = sg.create("Shot", {"code": "hero text search other", "project": two})
        e["gone"] = sg.create("Shot", {"code": "hero text search gone", "project": one})
        sg.delete("Shot", e["gone"]["id"])
        yield sg, e


def test_text_search_returns_lowercase_terms_and_matches_in_type_order(site: Any) -> None:
    sg, e = site
    result = sg.text_search(
        "HERO text Search", {"Shot": [], "Asset": []}, project_ids=[e["one"]["id"]]
    )
    assert result["terms"] == ["hero", "text", "search"]
    assert [(m["type"], m["id"]) for m in result["matches"]] == [
        ("Shot", e["shot"]["id"]),
        ("Asset", e["asset"]["id"]),
    ]
    shot = result["matches"][0]
    assert shot["name"] == "hero text search shot"
    assert shot["project_id"] == e["one"]["id"]
    assert shot["image"] is None
    assert shot["status"] == "ip"


def test_text_search_every_term_must_match_and_retired_are_hidden(site: Any) -> None:
    sg, e = site
    result = sg.text_search("hero other", {"Shot": []})
    assert [m["id"] for m in result["matches"]] == [e["other"]["id"]]
    assert sg.text_search("search gone", {"Shot": []})["matches"] == []


def test_text_search_applies_per_type_filters_with_any_and_all(site: Any) -> None:
    sg, e = site
    any_filter = {
        "filter_operator": "any",
        "filters": [["sg_status_list", "is", "ip"], ["code", "contains", "other"]],
    }
    result = sg.text_search("hero", {"Shot": any_filter})
    assert {m["id"] for m in result["matches"]} == {e["shot"]["id"], e["other"]["id"]}
    result = sg.text_search("hero", {"Shot": [["project", "is", e["two"]]]})
    assert [m["id"] for m in result["matches"]] == [e["other"]["id"]]


def test_text_search_limit_caps_matches(site: Any) -> None:
    sg, _ = site
    assert len(sg.text_search("hero", {"Shot": [], "Asset": []}, limit=1)["matches"]) == 1


@pytest.mark.parametrize(
    ("text", "entity_types"),
    [
        ("he", {"Shot": []}),
        ("hero", {}),
        ("hero", {"NotAType": []}),
        ("hero", {"Shot": [["sg_nope", "is", 1]]}),
    ],
)
def test_text_search_invalid_request_is_fault(site: Any, text: str, entity_types: Any) -> None:
    sg, _ = site
    with pytest.raises(Fault):
        sg.text_search(text, entity_types)
