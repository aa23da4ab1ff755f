"""find() with ShotGrid's reverse-link paths: `$FROM$EntityType.link_field.path` in filters.

Toolkit limits Step folders to the Steps a Shot's Tasks use with
`["$FROM$Task.step.entity", "is", <Shot>]` on Step (tk-core folder/folder_types/step.py). Data set:

    Shot SH1: Tasks anim (Animation), comp (Comp)     Shot SH2: Task light (Lighting)
    Asset rock: Task model (Model)                    Task old (FX) on SH2, retired
    Version v1 on SH1 with tasks [anim]               Step Roto: no Task at all
"""

from __future__ import annotations

from typing import Any

import pytest
from read_sites import DIALECTS, code_set, site_copy

from callsheet.faults import Fault


@pytest.fixture(scope="module", params=DIALECTS)
def world(request: pytest.FixtureRequest) -> Any:
    with site_copy(request, request.param) as sg:
        project = sg.create("Project", {"name": "Reverse"})
        steps = {s["code"]: s for s in sg.find("Step", [], ["code"])}
        e: dict[str, dict] = {"project": project, **steps}
        e["SH1"] = sg.create("Shot", {"code": "SH1", "project": project})
        e["SH2"] = sg.create("Shot", {"code": "SH2", "project": project})
        e["rock"] = sg.create("Asset", {"code": "rock", "project": project})
        for content, entity, step in (
            ("anim", "SH1", "Animation"),
            ("comp", "SH1", "Comp"),
            ("light", "SH2", "Lighting"),
            ("model", "rock", "Model"),
            ("old", "SH2", "FX"),
        ):
            e[content] = sg.create(
                "Task",
                {"content": content, "entity": e[entity], "step": steps[step], "project": project},
            )
        sg.delete("Task", e["old"]["id"])
        e["v1"] = sg.create(
            "Version", {"code": "v1", "entity": e["SH1"], "tasks": [e["anim"]], "project": project}
        )
        yield sg, e


def steps_for(sg: Any, filters: list) -> set[str]:
    return {s["code"] for s in sg.find("Step", filters, ["code"])}


def test_find_step_from_task_entity_gives_steps_of_shot_tasks(world: Any) -> None:
    sg, e = world
    assert steps_for(sg, [["$FROM$Task.step.entity", "is", e["SH1"]]]) == {"Animation", "Comp"}
    assert steps_for(sg, [["$FROM$Task.step.entity", "is", e["rock"]]]) == {"Model"}


def test_find_reverse_link_ignores_retired_linking_records(world: Any) -> None:
    sg, e = world
    assert steps_for(sg, [["$FROM$Task.step.entity", "is", e["SH2"]]]) == {"Lighting"}


def test_find_reverse_link_dict_form_as_toolkit_sends_it(world: Any) -> None:
    sg, e = world
    filters = {
        "logical_operator": "and",
        "conditions": [
            {"path": "$FROM$Task.step.entity", "relation": "is", "values": [e["SH1"]]},
            {"path": "code", "relation": "is", "values": ["Comp"]},
        ],
    }
    assert {s["code"] for s in sg.find("Step", filters, ["code"])} == {"Comp"}


def test_find_reverse_link_then_deep_path(world: Any) -> None:
    sg, _e = world
    filters = [["$FROM$Task.step.entity.Shot.code", "in", ["SH1", "SH2"]]]
    assert steps_for(sg, filters) == {"Animation", "Comp", "Lighting"}


def test_find_reverse_link_negative_means_no_linking_record_matches(world: Any) -> None:
    sg, e = world
    matched = steps_for(sg, [["$FROM$Task.step.entity", "is_not", e["SH1"]]])
    assert "Animation" not in matched and "Comp" not in matched
    assert {"Lighting", "Model", "Roto"} <= matched


def test_find_reverse_link_is_none_means_no_linking_record_has_a_value(world: Any) -> None:
    sg, _e = world
    matched = steps_for(sg, [["$FROM$Task.step.entity", "is", None]])
    assert "Roto" in matched and "FX" in matched  # FX's only Task is retired
    assert not matched & {"Animation", "Comp", "Lighting", "Model"}


def test_find_reverse_link_through_multi_entity_field(world: Any) -> None:
    sg, _e = world
    tasks = sg.find("Task", [["$FROM$Version.tasks.code", "is", "v1"]], ["content"])
    assert code_set(tasks, "content") == {"anim"}


def test_find_reverse_link_in_any_group(world: Any) -> None:
    sg, e = world
    filters = [
        ["$FROM$Task.step.entity", "is", e["rock"]],
        ["$FROM$Task.step.entity", "is", e["SH2"]],
    ]
    found = {s["code"] for s in sg.find("Step", filters, ["code"], filter_operator="any")}
    assert found == {"Model", "Lighting"}


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("$FROM$Nope.step.entity", "Step.$FROM$Nope doesn't exist"),
        ("$FROM$Task.nope.entity", "nope"),
        ("$FROM$Task.entity.code", "does not link to Step"),
        ("$FROM$Task.step", "$FROM$EntityType.link_field.field"),
        ("$FROM$Task.step.$FROM$Task.step.id", "do not nest"),
        ("$FROM$Task.step.nope", "nope"),
    ],
)
def test_find_bad_reverse_link_is_a_fault_naming_it(world: Any, path: str, words: str) -> None:
    sg, _ = world
    with pytest.raises(Fault) as raised:
        sg.find("Step", [[path, "is", None]])
    assert words in str(raised.value)


def test_reverse_link_is_not_a_return_field(world: Any) -> None:
    sg, e = world
    # Return fields are plain or deep paths only; an unknown return field reads as None.
    record = sg.find_one("Step", [["id", "is", e["Comp"]["id"]]], ["$FROM$Task.step.content"])
    assert record is not None and record.get("$FROM$Task.step.content") is None
