"""nav_expand / nav_search: the project hierarchy tk-framework-shotgunutils' models walk."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from callsheet.faults import Fault


@pytest.fixture
def world(sg: Any) -> dict[str, Any]:
    project = sg.create("Project", {"name": "Nav"})
    other = sg.create("Project", {"name": "Elsewhere"})
    sq = sg.create("Sequence", {"code": "sq010", "project": project})
    shots = [
        sg.create("Shot", {"code": code, "sg_sequence": sq, "project": project})
        for code in ("sh010", "sh020")
    ]
    sg.create("Shot", {"code": "sh999", "project": other})
    tree = sg.create("Asset", {"code": "tree", "sg_asset_type": "Prop", "project": project})
    hero = sg.create("Asset", {"code": "hero", "sg_asset_type": "Character", "project": project})
    loose = sg.create("Asset", {"code": "loose", "project": project})
    return {
        "project": project,
        "sq": sq,
        "shots": shots,
        "tree": tree,
        "hero": hero,
        "loose": loose,
    }


def expand(sg: Any, path: str) -> dict[str, Any]:
    return sg.site.nav_expand(sg.actor, path)  # type: ignore[no-any-return]


def labels(node: dict[str, Any]) -> list[str]:
    return [child["label"] for child in node["children"]]


def test_nav_expand_root_lists_projects_not_templates(sg: Any, world: dict[str, Any]) -> None:
    root = expand(sg, "/")
    assert root["path"] == "/" and root["has_children"]
    assert set(labels(root)) == {"Nav", "Elsewhere"}
    nav = next(c for c in root["children"] if c["label"] == "Nav")
    assert nav["path"] == f"/Project/{world['project']['id']}" and nav["parent_path"] == "/"
    assert nav["ref"] == {
        "kind": "entity",
        "value": {"type": "Project", "id": nav["ref"]["value"]["id"], "name": "Nav"},
    }


def test_nav_expand_project_then_assets_by_type(sg: Any, world: dict[str, Any]) -> None:
    base = f"/Project/{world['project']['id']}"
    project = expand(sg, base)
    assert [(c["label"], c["ref"]["kind"]) for c in project["children"]] == [
        ("Assets", "entity_type"),
        ("Sequences", "entity_type"),
    ]
    assets = expand(sg, f"{base}/Asset")
    assert labels(assets) == ["Character", "Prop", "No Type"]
    assert [c["ref"]["kind"] for c in assets["children"]] == ["list", "list", "no_entity"]
    props = expand(sg, f"{base}/Asset/sg_asset_type/Prop")
    assert labels(props) == ["tree"]
    assert props["children"][0]["ref"]["value"]["id"] == world["tree"]["id"]
    assert not props["children"][0]["has_children"]
    untyped = expand(sg, f"{base}/Asset/sg_asset_type/")
    assert labels(untyped) == ["loose"]


def test_nav_expand_sequences_then_shots(sg: Any, world: dict[str, Any]) -> None:
    base = f"/Project/{world['project']['id']}"
    sequences = expand(sg, f"{base}/Sequence")
    assert labels(sequences) == ["sq010"]
    shots = expand(sg, sequences["children"][0]["path"])
    assert labels(shots) == ["sh010", "sh020"]
    assert shots["children"][0]["parent_path"] == sequences["children"][0]["path"]


def test_nav_search_string_and_entity_give_incremental_paths(
    sg: Any, world: dict[str, Any]
) -> None:
    base = f"/Project/{world['project']['id']}"
    found = sg.site.nav_search(sg.actor, base, {"search_string": "sh0"})
    assert sorted(r["label"] for r in found) == ["sh010", "sh020"]  # not the other project's
    shot = next(r for r in found if r["label"] == "sh010")
    assert shot["incremental_path"][:2] == ["/", base]
    assert shot["incremental_path"][-1].endswith(f"/Shot/{world['shots'][0]['id']}")
    assert shot["project_id"] == world["project"]["id"]
    by_entity = sg.site.nav_search(sg.actor, "/", {"entity": world["hero"]})
    assert [r["incremental_path"][-1] for r in by_entity] == [
        f"{base}/Asset/sg_asset_type/Character/Asset/{world['hero']['id']}"
    ]
    # Every incremental path expands to a node holding the next one.
    chain = by_entity[0]["incremental_path"]
    for parent, child in itertools.pairwise(chain[1:]):
        assert child in [c["path"] for c in expand(sg, parent)["children"]]


@pytest.mark.parametrize(
    "path", ["Project/1", "/Shot/1", "/Project/x", "/Project/999999", "/Project/{pid}/Nope"]
)
def test_nav_expand_bad_path_is_a_fault_naming_it(
    sg: Any, world: dict[str, Any], path: str
) -> None:
    path = path.format(pid=world["project"]["id"])
    with pytest.raises(Fault) as raised:
        expand(sg, path)
    assert path in str(raised.value)
