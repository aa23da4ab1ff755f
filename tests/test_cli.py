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
    with serving(site, data_dir, Settings(threads=4, data_dir=data_dir)) as base_url:
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
            # an Artist by default: they read people, and only the projects they are on
            assert person.find_one("HumanUser", [["login", "is", "ann"]]) is not None
            assert person.find_one("Project", []) is None
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


def test_first_admin_password_is_given_once_and_signs_in(data_dir: Path) -> None:
    import shotgun_api3

    from callsheet.site.accounts import first_admin_password

    site = Site.open(str(data_dir / "callsheet.sqlite3"))
    try:
        password = first_admin_password(site)
        assert password and len(password) >= 12
        assert first_admin_password(site) is None  # shown once: a second start prints nothing
        with serving(site, data_dir, Settings(threads=4, data_dir=data_dir)) as base_url:
            admin = shotgun_api3.Shotgun(base_url, login="admin", password=password)
            try:
                assert admin.find_one("HumanUser", [["login", "is", "admin"]]) is not None
            finally:
                admin.close()
    finally:
        site.close()


def test_user_password_sets_a_new_password(data_dir: Path) -> None:
    from callsheet.site.auth import authenticate

    run("user", "password", "admin", "--password", "new secret", "--data", str(data_dir))
    site = Site.open(str(data_dir / "callsheet.sqlite3"))
    try:
        actor = authenticate(site, {"user_login": "admin", "user_password": "new secret"})
        assert actor.entity_type == "HumanUser"
    finally:
        site.close()
    result = CliRunner().invoke(
        main, ["user", "password", "nobody", "--password", "x", "--data", str(data_dir)]
    )
    assert result.exit_code != 0
    assert "No person with the login 'nobody'" in result.output


def test_user_password_ends_the_persons_sessions(data_dir: Path) -> None:
    from callsheet.faults import AuthenticationFault
    from callsheet.site.auth import authenticate, issue_session_token

    run(
        "user",
        "create",
        "leaving",
        "--name",
        "Lea Ving",
        "--password",
        "old",
        "--data",
        str(data_dir),
    )
    site = Site.open(str(data_dir / "callsheet.sqlite3"))
    try:
        actor = authenticate(site, {"user_login": "leaving", "user_password": "old"})
        token = issue_session_token(site, actor)
        run("user", "password", "leaving", "--password", "new", "--data", str(data_dir))
        with pytest.raises(AuthenticationFault):
            authenticate(site, {"session_token": token})
    finally:
        site.close()


def test_serve_passes_its_safety_options_to_every_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    from callsheet import cli

    for variable in cli.SERVE_ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("CALLSHEET_HOST", "0.0.0.0")
    monkeypatch.setenv("CALLSHEET_ALLOWED_HOSTS", "tracker.example, 10.0.0.5")
    monkeypatch.setenv("CALLSHEET_ALLOW_COOKIELESS_LOCAL_DOWNLOADS", "true")
    monkeypatch.setenv("CALLSHEET_MAX_UPLOAD_BYTES", "1024")
    captured: dict[str, Settings] = {}
    monkeypatch.setattr(cli, "_open_site", lambda settings: None)
    monkeypatch.setattr(
        cli, "create_app", lambda site, settings: captured.setdefault("s", settings)
    )
    cli.app_from_environment()
    settings = captured["s"]
    assert settings.host_names() == {"tracker.example", "10.0.0.5"}
    assert settings.allow_cookieless_local_downloads is True
    assert settings.max_upload_bytes == 1024
