"""`callsheet field create --data-type calculated`: the admin's way to add a formula field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import callsheet
from callsheet.cli import main


@pytest.fixture
def data_dir(tmp_path: Path, sqlite_template: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "callsheet.sqlite3").write_bytes(sqlite_template.read_bytes())
    return folder


def create(data_dir: Path, definition: object) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        [
            "field",
            "create",
            "Shot",
            "Cut Length",
            "--data-type",
            "calculated",
            "--definition",
            json.dumps(definition),
            "--data",
            str(data_dir),
        ],
    )
    return result.exit_code, result.output


def test_field_create_makes_a_calculated_field_that_reads(data_dir: Path) -> None:
    code, output = create(
        data_dir, {"formula": "{sg_cut_out} - {sg_cut_in} + 1", "output_type": "number"}
    )
    assert code == 0, output
    assert "Created Shot.sg_cut_length (calculated)." in output
    sg = callsheet.connect(str(data_dir / "callsheet.sqlite3"))
    try:
        project = sg.create("Project", {"name": "P"})
        shot = sg.create(
            "Shot", {"code": "a", "project": project, "sg_cut_in": 1001, "sg_cut_out": 1100}
        )
        assert sg.find_one("Shot", [["id", "is", shot["id"]]], ["sg_cut_length"]) == {
            "type": "Shot",
            "id": shot["id"],
            "sg_cut_length": 100,
        }
        properties = sg.schema_field_read("Shot", "sg_cut_length")["sg_cut_length"]["properties"]
        assert properties["renderer"]["value"] == "number"
    finally:
        sg.close()


def test_field_create_names_the_formula_mistake(data_dir: Path) -> None:
    code, output = create(data_dir, {"formula": "{sg_cut_out} - {sg_cut_inn}"})
    assert code != 0
    assert "column 16" in output and "unknown field Shot.sg_cut_inn" in output
    assert "Traceback" not in output
