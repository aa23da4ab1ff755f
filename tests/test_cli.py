"""The `callsheet` command: scripts and people from the command line, while a server runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent / "e2e"))
from live_server import serving

from callsheet.cli import main
from callsheet.server import Settings
from callsheet.site.site import Site


@pytest.fixture
def data_dir(tmp_path: Path, sqlite_template: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "callsheet.sqlite3").write_bytes(sqlite_template.read_bytes())
    return folder


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_script_create_prints_key_last_and_it_logs_in_while_serving(data_dir: Path) -> None:
    import shotgun_api3

    site = Site.open(str(data_dir / "callsheet.sqlite3"))
    with serving(site, Settings(threads=4)) as base_url:
        key = run("script", "create", "pipeline", "--data", str(data_dir)).splitlines()[-1]
        assert len(key) >= 32
        run(
            "user",
            "create",
            "ann",
            "--name",
            "Ann Lee",
            "--password",
            "pw",
            "--data",
            str(data_dir),
        )
        script = shotgun_api3.Shotgun(base_url, "pipeline", key)
        person = shotgun_api3.Shotgun(base_url, login="ann", password="pw")
        try:
            assert (
                script.find_one("HumanUser", [["login", "is", "ann"]], ["name"])["name"]
                == "Ann Lee"
            )
            assert person.find_one("Project", []) is not None
        finally:
            script.close()
            person.close()
    site.close()


def test_script_create_with_key_and_lists(data_dir: Path) -> None:
    output = run("script", "create", "render", "--key", "k123", "--data", str(data_dir))
    assert output.splitlines()[-1] == "k123"
    assert "render" in run("script", "list", "--data", str(data_dir))
    run(
        "user",
        "create",
        "bo",
        "--name",
        "Bo Po",
        "--password",
        "x",
        "--permission-group",
        "Admin",
        "--data",
        str(data_dir),
    )
    assert "bo" in run("user", "list", "--data", str(data_dir))


def test_unknown_permission_group_is_a_clean_error(data_dir: Path) -> None:
    result = CliRunner().invoke(
        main, ["script", "create", "x", "--permission-group", "Nope", "--data", str(data_dir)]
    )
    assert result.exit_code != 0 and "Nope" in result.output and "Traceback" not in result.output


def test_env_selects_the_data_folder(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLSHEET_DATA", str(data_dir))
    run("script", "create", "fromenv", "--key", "k")
    assert "fromenv" in run("script", "list")
