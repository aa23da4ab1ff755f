"""`callsheet export` / `callsheet import` through the command line (CliRunner)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import callsheet
from callsheet.cli import main


def test_import_from_an_unreachable_url_says_so_and_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "new-site"
    result = CliRunner().invoke(
        main,
        [
            "import",
            "--from",
            "http://127.0.0.1:9",
            "--script",
            "x",
            "--key",
            "y",
            "--data",
            str(data),
        ],
    )
    assert result.exit_code == 1
    assert "Cannot reach the source http://127.0.0.1:9" in result.output
    assert not data.exists()


def test_import_needs_an_archive_or_a_url(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["import", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "ARCHIVE or --from" in result.output


def test_import_of_something_that_is_not_an_archive_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.zip"
    bogus.write_text("hello")
    result = CliRunner().invoke(main, ["import", str(bogus), "--data", str(tmp_path / "d")])
    assert result.exit_code == 1 and "is not a Callsheet archive" in result.output


def test_export_then_import_gives_the_same_reads(tmp_path: Path) -> None:
    source_data = tmp_path / "source"
    source_data.mkdir()
    sg = callsheet.connect(str(source_data / "callsheet.sqlite3"))
    project = sg.create("Project", {"name": "Round Trip"})
    shots = [sg.create("Shot", {"code": f"s{n}", "project": project}) for n in range(3)]
    sg.update("Shot", shots[0]["id"], {"description": "first"})
    sg.delete("Shot", shots[2]["id"])
    fields = ["code", "description", "project", "created_at", "updated_at", "created_by"]
    live = sg.find("Shot", [], fields, order=[{"field_name": "id"}])
    retired = sg.find("Shot", [], fields, retired_only=True)
    sg.close()
    archive = tmp_path / "site.zip"
    runner = CliRunner()
    exported = runner.invoke(main, ["export", str(archive), "--data", str(source_data)])
    assert exported.exit_code == 0, exported.output
    target = tmp_path / "target"
    imported = runner.invoke(main, ["import", str(archive), "--data", str(target)])
    assert imported.exit_code == 0, imported.output
    assert "Imported from archive" in imported.output
    copy = callsheet.connect(str(target / "callsheet.sqlite3"))
    try:
        assert copy.find("Shot", [], fields, order=[{"field_name": "id"}]) == live
        assert copy.find("Shot", [], fields, retired_only=True) == retired
    finally:
        copy.close()
    again = runner.invoke(main, ["import", str(archive), "--data", str(target)])
    assert again.exit_code == 0 and "resumed" in again.output  # nothing left to do, nothing doubled
