"""callsheet.mockgun: mockgun's Shotgun on a real site, as tk-core's TankTestBase uses it."""

from __future__ import annotations

import copy
import datetime as dt
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

import callsheet
from callsheet import mockgun

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def schema_paths(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """Pickles as mockgun.generate_schema writes them, with one field the default lacks."""
    site = callsheet.connect()
    schema = site.schema_read()
    entities = site.schema_entity_read()
    site.close()
    extra = dict(schema["Shot"]["code"])
    extra["name"] = {"value": "Cut Order", "editable": True}
    extra["data_type"] = {"value": "number", "editable": False}
    schema["Shot"]["sg_cut_order"] = extra
    folder = tmp_path_factory.mktemp("mockgun")
    paths = (str(folder / "schema.pickle"), str(folder / "schema_entity.pickle"))
    for path, data in zip(paths, (schema, entities), strict=True):
        with open(path, "wb") as fh:
            pickle.dump(data, fh, protocol=2)
    return paths


@pytest.fixture
def sg(schema_paths: tuple[str, str]) -> Any:
    mockgun.Shotgun.set_schema_paths(*schema_paths)
    return mockgun.Shotgun("http://unit_test_mock_sg", "mock_user", "mock_key")


def test_new_instance_starts_empty_like_mockgun(sg: Any) -> None:
    assert sg.find("Project", []) == [] and sg.find("Step", []) == []
    assert sg.find("HumanUser", []) == []


def test_db_assignment_inserts_with_the_chosen_id(sg: Any) -> None:
    sg._db["Project"][42] = {
        "type": "Project",
        "id": 42,
        "name": "p",
        "tank_name": "p",
        "__retired": False,
        "created_at": dt.datetime(2020, 1, 2, 3, 4, 5),
    }
    link = {"type": "Project", "id": 42, "name": "p"}
    sg._db["Shot"][7] = {"type": "Shot", "id": 7, "code": "sh", "project": link, "sg_cut_order": 3}
    shot = sg.find_one("Shot", [["project.Project.tank_name", "is", "p"]], ["code", "sg_cut_order"])
    assert shot == {"type": "Shot", "id": 7, "code": "sh", "sg_cut_order": 3}
    assert sg.create("Shot", {"code": "next", "project": link})["id"] == 8  # after chosen ids
    assert sorted(sg._db["Shot"]) == [7, 8] and sg._db["Shot"][7]["code"] == "sh"


def test_db_assignment_replaces_a_record_as_a_dict_would(sg: Any) -> None:
    sg._db["Step"][3] = {"type": "Step", "id": 3, "code": "Comp", "short_name": "comp"}
    sg._db["Step"][3] = {"type": "Step", "id": 3, "code": "Light"}
    assert sg.find("Step", [], ["code", "short_name"]) == [
        {"type": "Step", "id": 3, "code": "Light", "short_name": None}
    ]


def test_db_assignment_of_a_retired_record(sg: Any) -> None:
    sg._db["Asset"][5] = {"type": "Asset", "id": 5, "code": "gone", "__retired": True}
    assert sg.find("Asset", []) == []
    assert [a["id"] for a in sg.find("Asset", [], retired_only=True)] == [5]


def test_instances_do_not_share_records(sg: Any) -> None:
    sg._db["Asset"][1] = {"type": "Asset", "id": 1, "code": "a"}
    other = mockgun.Shotgun("http://unit_test_mock_sg", "mock_user", "mock_key")
    assert other.find("Asset", []) == []


def test_config_and_server_caps_as_the_client_has_them(sg: Any) -> None:
    assert sg.config.server == "unit_test_mock_sg" and sg.base_url == "http://unit_test_mock_sg"
    sg.server_info = {"version": (7, 0, 0)}
    assert sg.server_caps.version == (7, 0, 0)
    sg.server_caps = "set by a test"
    assert sg.server_caps == "set by a test"


def test_missing_schema_file_is_mockgun_error(tmp_path: Path) -> None:
    mockgun.Shotgun.set_schema_paths(str(tmp_path / "no.pickle"), str(tmp_path / "no2.pickle"))
    with pytest.raises(mockgun.MockgunError):
        mockgun.Shotgun("http://unit_test_mock_sg")


@pytest.mark.skipif(
    not os.environ.get("CALLSHEET_TKCORE"),
    reason="set CALLSHEET_TKCORE to a tk-core checkout to run tk-core's suite on Callsheet",
)
def test_tkcore_suite_passes_on_callsheet_where_it_passes_on_mockgun(tmp_path: Path) -> None:
    """tools/run_tkcore_suite.py: every test passing on mockgun passes here (or is listed)."""
    tkcore = os.environ["CALLSHEET_TKCORE"]
    tests = os.environ.get("CALLSHEET_TKCORE_TESTS", "").split()
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "tools" / "run_tkcore_suite.py"),
            tkcore,
            "--out",
            str(tmp_path),
            *tests,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]


def test_db_type_assignment_replaces_all_its_records(sg: Any) -> None:
    sg._db["Asset"][1] = {"type": "Asset", "id": 1, "code": "a"}
    sg._db["Asset"][2] = {"type": "Asset", "id": 2, "code": "b"}
    sg._db["Asset"] = {}
    assert sg.find("Asset", []) == []
    sg._db["Asset"] = {9: {"type": "Asset", "id": 9, "code": "c"}}
    assert [a["id"] for a in sg.find("Asset", [])] == [9]


def test_schema_assignment_adds_the_fields_a_test_defines(sg: Any) -> None:
    schema = sg._schema
    field_def = dict(schema["Shot"]["code"])
    field_def["name"] = {"value": "Other Field", "editable": True}
    schema["Shot"]["sg_other_field"] = field_def
    sg._schema = schema
    made = sg.create("Shot", {"code": "x", "sg_other_field": "y"}, ["sg_other_field"])
    assert made["sg_other_field"] == "y"


def test_assigning_into_the_schema_dict_adds_the_field(sg: Any) -> None:
    """tk-core's folder tests copy `_schema`, assign the copy back, then add a link field by
    assigning into `_schema[type]` in place; the field must exist on the site afterwards."""
    sg._schema = copy.deepcopy(sg._schema)
    link_def = dict(sg._schema["Shot"]["sg_sequence"])
    link_def["name"] = {"value": "Linked Thing", "editable": True}
    link_def["properties"] = {
        "default_value": {"editable": False, "value": None},
        "summary_default": {"editable": True, "value": "none"},
        "valid_types": {"editable": True, "value": ["Asset", "Sequence"]},
    }
    sg._schema["Shot"]["sg_linked_thing"] = link_def
    sg._db["Asset"][4] = {"type": "Asset", "id": 4, "code": "prop"}
    sg._db["Shot"][1] = {
        "type": "Shot",
        "id": 1,
        "code": "sh",
        "sg_linked_thing": {"type": "Asset", "id": 4},
    }
    shot = sg.find_one(
        "Shot", [["sg_linked_thing", "is", {"type": "Asset", "id": 4}]], ["sg_linked_thing"]
    )
    assert shot["sg_linked_thing"] == {"type": "Asset", "id": 4, "name": "prop"}
    assert sg._schema["Shot"]["sg_linked_thing"]["data_type"]["value"] == "entity"


def test_a_copy_of_the_schema_dict_is_plain_data(sg: Any) -> None:
    copied = copy.deepcopy(sg._schema)
    assert type(copied) is dict and type(copied["Shot"]) is dict
    copied["Shot"]["sg_only_in_the_copy"] = dict(copied["Shot"]["code"])
    assert "sg_only_in_the_copy" not in sg.schema_field_read("Shot")


def test_find_one_reads_through_find_as_mockgun_does(sg: Any) -> None:
    """Tests that patch `Shotgun.find` (tk-core's descriptor tests) or count `finds` see the
    reads find_one makes, with the arguments mockgun's find_one passes."""
    sg._db["Asset"][4] = {"type": "Asset", "id": 4, "code": "prop"}
    before = sg.finds
    assert sg.find_one("Asset", [["id", "is", 4]], ["code"]) == {
        "type": "Asset",
        "id": 4,
        "code": "prop",
    }
    assert sg.finds == before + 1
    answer = [{"type": "Asset", "id": 99, "code": "from the patch"}]
    with mock.patch.object(mockgun.Shotgun, "find", return_value=answer) as find:
        assert sg.find_one("Asset", [["code", "is", "x"]], ["code"]) == answer[0]
    find.assert_called_once_with(
        "Asset",
        [["code", "is", "x"]],
        fields=["code"],
        order=None,
        filter_operator=None,
        retired_only=False,
    )
    assert sg.find_one("Asset", [["id", "is", 5]]) is None
