"""Sites made by v0.1.0 open in this version, migrated, and answer the same reads.

The fixtures in tests/fixtures/sites/v0.1.0/ were made by tools/make_upgrade_fixture.py running the
v0.1.0 code itself; `reads.json` holds what v0.1.0 answered.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import _admin_connection, _database_url

import callsheet
from callsheet.faults import SiteVersionFault
from callsheet.site import following
from callsheet.site.action_menu import secret_token_of
from callsheet.site.auth import authenticate
from callsheet.site.site import Site
from callsheet.store import internal_tables, migrations
from callsheet.store.dialects import create_dialect

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sites" / "v0.1.0"
_spec = importlib.util.spec_from_file_location(
    "make_upgrade_fixture",
    Path(__file__).resolve().parents[2] / "tools" / "make_upgrade_fixture.py",
)
assert _spec is not None and _spec.loader is not None
fixture_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixture_tool)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def old_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(database kind, URL) of a fresh copy of the v0.1.0 site."""
    if request.param == "sqlite":
        path = tmp_path / "old.sqlite3"
        path.write_bytes(gzip.decompress((FIXTURES / "site.sqlite3.gz").read_bytes()))
        yield "sqlite", str(path)
        return
    request.getfixturevalue("postgres_template")  # skips (or fails in CI) without a server
    name = f"cs_upgrade_{uuid.uuid4().hex[:12]}"
    admin = _admin_connection()
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        import psycopg

        dump = gzip.decompress((FIXTURES / "site.postgresql.sql.gz").read_bytes()).decode()
        with psycopg.connect(_database_url(name), autocommit=True) as conn:
            conn.execute(dump)  # type: ignore[call-overload]
        yield "postgresql", _database_url(name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _recorded(kind: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "reads.json").read_text())[kind]  # type: ignore[no-any-return]


def _version(url: str) -> int | None:
    dialect = create_dialect(url)
    try:
        return migrations.check(dialect)[0]
    finally:
        dialect.dispose()


def test_old_site_holds_the_first_layout_version(old_site: tuple[str, str]) -> None:
    _, url = old_site
    assert _version(url) == migrations.FIRST_VERSION


def test_open_migrates_old_site_to_current_layout(old_site: tuple[str, str]) -> None:
    _, url = old_site
    Site.open(url).close()
    assert _version(url) == migrations.LAYOUT_VERSION
    engine = sa.create_engine(create_dialect(url).engine.url)
    try:
        with engine.connect() as conn:
            present = set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert set(internal_tables.metadata.tables) <= present


def test_migrated_site_answers_the_reads_of_v010(old_site: tuple[str, str]) -> None:
    kind, url = old_site
    recorded = _recorded(kind)
    sg = callsheet.connect(url)
    try:
        for (method, args), (recorded_method, answer) in zip(
            fixture_tool.READS, recorded["reads"], strict=True
        ):
            assert method == recorded_method
            assert fixture_tool._plain(getattr(sg, method)(*args)) == answer, (method, args)
    finally:
        sg.close()


def test_migrated_site_keeps_credentials_secrets_and_bookkeeping(
    old_site: tuple[str, str],
) -> None:
    kind, url = old_site
    recorded = _recorded(kind)
    site = Site.open(url)
    try:
        person = authenticate(
            site,
            {
                "user_login": recorded["person"]["login"],
                "user_password": recorded["person"]["password"],
            },
        )
        assert person.entity_type == "HumanUser"
        script = authenticate(
            site,
            {"script_name": recorded["script"]["name"], "script_key": recorded["script"]["key"]},
        )
        assert script.entity_type == "ApiUser"
        ami = site.find_one(script, "ActionMenuItem", [["title", "is", "Open in RV"]])
        assert ami is not None
        assert secret_token_of(site, ami["id"]) == recorded["ami_secret"]
        shot = {"type": "Shot", "id": recorded["follow"]["shot"]}
        followers = following.followers(site, script, shot)
        assert [f["id"] for f in followers] == [recorded["follow"]["user"]]
    finally:
        site.close()


def test_migrated_site_takes_new_writes_after_its_old_ids(old_site: tuple[str, str]) -> None:
    _, url = old_site
    sg = callsheet.connect(url)
    try:
        newest = max(s["id"] for s in sg.find("Shot", [], ["id"], retired_only=False))
        project = sg.find_one("Project", [["name", "is", "Upgrade Show"]])
        created = sg.create("Shot", {"code": "SH_NEW", "project": project})
        assert created["id"] > newest
        events = sg.find(
            "EventLogEntry", [["entity", "is", created]], ["event_type"], [{"field_name": "id"}]
        )
        assert events[0]["event_type"] == "Shotgun_Shot_New"
    finally:
        sg.close()


def test_database_newer_than_the_code_is_refused(old_site: tuple[str, str]) -> None:
    _, url = old_site
    Site.open(url).close()
    dialect = create_dialect(url)
    try:
        with dialect.engine.begin() as conn:
            migrations.record_version(conn, migrations.LAYOUT_VERSION + 1)
    finally:
        dialect.dispose()
    with pytest.raises(SiteVersionFault, match="newer Callsheet"):
        Site.open(url)


def test_failed_migration_leaves_the_old_layout_whole(
    old_site: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = old_site

    def half_done(conn: sa.Connection) -> None:
        internal_tables.metadata.create_all(conn, checkfirst=True)
        raise RuntimeError("power cut")

    failing = (migrations.Migration(2, "fails half-way", half_done),)
    monkeypatch.setattr(migrations, "MIGRATIONS", failing)
    with pytest.raises(RuntimeError, match="power cut"):
        Site.open(url)
    assert _version(url) == migrations.FIRST_VERSION
    monkeypatch.undo()
    Site.open(url).close()
    assert _version(url) == migrations.LAYOUT_VERSION


def test_migrate_command_reports_then_runs_pending_migrations(old_site: tuple[str, str]) -> None:
    from click.testing import CliRunner

    from callsheet.cli import main

    _, url = old_site
    runner = CliRunner()
    checked = runner.invoke(main, ["migrate", "--database", url, "--check"])
    assert checked.exit_code == 1, checked.output
    assert "pending: 2" in checked.output
    ran = runner.invoke(main, ["migrate", "--database", url])
    assert ran.exit_code == 0, ran.output
    assert f"Ran {len(migrations.pending(migrations.FIRST_VERSION))} migration" in ran.output
    again = runner.invoke(main, ["migrate", "--database", url, "--check"])
    assert again.exit_code == 0 and "Up to date." in again.output


def _index_names(url: str, table: str) -> set[str]:
    # From the catalogue: SQLAlchemy's reflection skips expression indexes on SQLite.
    dialect = create_dialect(url)
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
        if dialect.is_sqlite
        else "SELECT indexname FROM pg_indexes WHERE tablename = :t"
    )
    try:
        with dialect.engine.connect() as conn:
            return {row[0] for row in conn.execute(sa.text(query), {"t": table})}
    finally:
        dialect.dispose()


def test_migrated_site_has_the_case_folded_text_indexes_of_a_new_one(
    old_site: tuple[str, str], tmp_path: Path
) -> None:
    kind, url = old_site
    assert "ix_Shot_code_folded" not in _index_names(url, "Shot")  # v0.1.0 had plain ones only
    Site.open(url).close()
    migrated = _index_names(url, "Shot")
    new_url = str(tmp_path / "new.sqlite3")
    Site.open(new_url).close()
    for name in ("ix_Shot_code_folded", "ix_Shot_code", "ix_Shot_sg_status_list"):
        assert name in migrated and name in _index_names(new_url, "Shot"), name
    assert "ix_Shot_sg_status_list_folded" not in migrated  # compared as stored
    assert "ix_HumanUser_login_folded" in _index_names(url, "HumanUser")
    assert "ix_EventLogEntry_event_type_folded" in _index_names(url, "EventLogEntry")
    if kind == "sqlite":  # the case-insensitive `is` of a text filter is served by it
        with sa.create_engine(f"sqlite:///{url}").connect() as conn:
            plan = " ".join(
                str(row[-1])
                for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT id FROM Shot WHERE lower(code) = 'sh010'"
                )
            )
        assert "ix_Shot_code_folded" in plan


def test_migrated_site_keeps_its_custom_entity_slots_and_can_enable_more(
    old_site: tuple[str, str],
) -> None:
    from callsheet.site.accounts import admin_actor
    from callsheet.site.entity_slots import enable_slot

    _, url = old_site
    engine = sa.create_engine(create_dialect(url).engine.url)
    try:
        with engine.connect() as conn:
            table = internal_tables.schema_table
            stored = {
                name: json.loads(data)["display_name"]
                for name, data in conn.execute(sa.select(table.c.entity_type, table.c.data))
                if name.startswith("Custom")
            }
    finally:
        engine.dispose()
    assert len(stored) == 8  # v0.1.0: CustomEntity01-05 and CustomNonProjectEntity01-03
    sg = callsheet.connect(url)
    try:
        answer = sg.schema_entity_read()
        slots = {
            name: a["name"]["value"] for name, a in answer.items() if name.startswith("Custom")
        }
        assert slots == stored
        enable_slot(sg.site, admin_actor(sg.site), "CustomEntity30", "Season", options=["tasks"])
        project = sg.find_one("Project", [["name", "is", "Upgrade Show"]])
        season = sg.create("CustomEntity30", {"code": "S1", "project": project})
        sg.create("Task", {"content": "plan", "entity": season, "project": project})
    finally:
        sg.close()
    sg = callsheet.connect(url)  # opened again: the slot is still enabled, its record there
    try:
        found = sg.find("CustomEntity30", [], ["code", "tasks"])
        assert [(s["code"], [t["name"] for t in s["tasks"]]) for s in found] == [("S1", ["plan"])]
        assert sg.schema_entity_read()["CustomEntity30"]["name"]["value"] == "Season"
    finally:
        sg.close()
