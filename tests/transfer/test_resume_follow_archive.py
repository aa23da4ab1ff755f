"""Kill -9 then resume, --follow while the source changes, and the archive round trip."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from live_server import HUMAN_LOGIN, LiveServer
from transfer_helpers import assert_same_reads, copied_types

from callsheet.files import FileRoom
from callsheet.site.actor import SYSTEM
from callsheet.site.site import Site
from callsheet.site.work_schedule import work_week_update, work_weeks_read
from callsheet.store import bookkeeping, bulk
from callsheet.transfer.archive import ArchiveSource, export_site
from callsheet.transfer.follow import Follower
from callsheet.transfer.importer import Importer, ImportOptions
from callsheet.transfer.source import ApiSource

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
KILL_DEADLINE_S = 600  # a failure bound for a loaded machine, not a speed check
EXTRA_SHOTS = 600


def _source(live: LiveServer) -> ApiSource:
    return ApiSource(live.base_url, script="e2e tests", key="e2e-script-key")


def _copied_shots(engine: sa.Engine) -> int:
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text(
                        "SELECT coalesce(sum(copied), 0) FROM _cs_transfer_progress "
                        "WHERE entity_type = 'Shot'"
                    )
                ).scalar()
                or 0
            )
    except sa.exc.OperationalError:
        return 0  # not created yet
    except sa.exc.ProgrammingError:
        return 0


def test_import_killed_mid_copy_resumes_with_nothing_missing_or_doubled(
    source: LiveServer, destination: Site, tmp_path: Path
) -> None:
    sg = source.script()
    project = source.populated["project"]  # type: ignore[attr-defined]
    sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "Shot",
                "data": {"code": f"x{n}", "project": project},
            }
            for n in range(EXTRA_SHOTS)
        ]
    )
    url = destination.database_url  # type: ignore[attr-defined]
    destination.close()
    command = [
        sys.executable,
        "-m",
        "callsheet",
        "import",
        "--from",
        source.base_url,
        "--script",
        "e2e tests",
        "--key",
        "e2e-script-key",
        "--database",
        url,
        "--data",
        str(tmp_path / "destination"),
        "--page-size",
        "20",
        "--readers",
        "2",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # one engine for the polling: a new one per look was a new PostgreSQL backend every 20 ms
    progress = sa.create_engine(url if "://" in url else f"sqlite:///{url}")
    try:
        deadline = time.monotonic() + KILL_DEADLINE_S
        while _copied_shots(progress) < 100:
            assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the import copied no Shots in time"
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        copied_before = _copied_shots(progress)
    finally:
        progress.dispose()
    assert copied_before < EXTRA_SHOTS + 12  # killed part-way through the Shots
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr
    assert "resumed" in finished.stdout
    site = Site.open(url)
    site.use_files(FileRoom(tmp_path / "destination" / "files"))
    try:
        assert_same_reads(sg, site, ["Shot", "Asset", "Version", "Attachment", "ApiUser"])
    finally:
        site.close()


def test_follow_applies_creates_changes_retirements_and_revivals(
    source: LiveServer, destination: Site
) -> None:
    reader = _source(source)
    Importer(destination, reader).run()
    sg = source.script()
    project = source.populated["project"]  # type: ignore[attr-defined]
    shots = source.populated["shots"]  # type: ignore[attr-defined]
    created = sg.create("Shot", {"code": "during follow", "project": project})
    sg.update("Shot", shots[2]["id"], {"sg_grade": "c", "description": "changed"})
    sg.update("Shot", shots[3]["id"], {"assets": []})
    sg.delete("Shot", shots[4]["id"])
    sg.revive("Shot", shots[5]["id"])
    follower = Follower(destination, reader)
    follower.run(once=True)
    # a record made here meanwhile takes an id far above the source's
    local = destination.create(SYSTEM, "Shot", {"code": "made at the destination"})
    assert local["id"] >= bulk.FOLLOW_ID_FLOOR
    destination.delete(SYSTEM, "Shot", local["id"])
    with destination.store.write() as conn:
        bulk.remove_rows(conn, destination.store, "Shot", [local["id"]])
    assert_same_reads(sg, destination, ["Shot", "AssetShotConnection", "Asset"])
    assert created["id"] < bulk.FOLLOW_ID_FLOOR
    follower.stop_following()
    reader.close()


def test_archive_round_trip_reproduces_every_read(
    source: LiveServer, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from live_server import fresh_database

    archive = tmp_path / "site.zip"
    exporting = Site.open(
        source.site.store.engine.url.render_as_string(hide_password=False)
        if source.dialect != "sqlite"
        else str(source.site.store.engine.url.database)
    )
    project = source.populated["project"]  # type: ignore[attr-defined]
    person = source.site.find_one(SYSTEM, "HumanUser", [["login", "is", HUMAN_LOGIN]])
    with exporting.store.read() as conn:
        rows_before = bookkeeping.archived_rows(conn)
    try:
        # What no entity holds: the studio's schedule, a follow. An archive carries it too.
        work_week_update(exporting, SYSTEM, ["Monday", "Tuesday", "Wednesday"], hours_per_day=7.5)
        work_week_update(exporting, SYSTEM, ["Monday", "Friday"], project=project)
        exporting.work_schedule_update(SYSTEM, "2026-12-24", False, "Christmas Eve")
        exporting.work_schedule_update(SYSTEM, "2026-12-26", True, "crunch", user=person)
        shot = exporting.find_one(SYSTEM, "Shot", [["project", "is", project]])
        exporting.follow(SYSTEM, {"type": "HumanUser", "id": person["id"]}, shot)
        manifest = export_site(exporting, tmp_path / "source-data" / "files", archive)
        schedule = _schedule_reads(exporting, project, person)
        following = exporting.following(SYSTEM, {"type": "HumanUser", "id": person["id"]})
        with exporting.store.read() as conn:
            exported_rows = bookkeeping.archived_rows(conn)
    finally:
        with exporting.store.write() as conn:  # the module's other tests use the source too
            bookkeeping.replace_archived_rows(conn, rows_before)
        exporting.close()
    assert exported_rows["follows"] and exported_rows["permission_rules"]
    assert manifest["version"] == 2 and manifest["types"]["Shot"]["retired"]["count"] == 1
    folder = tmp_path / "restored"
    folder.mkdir()
    with fresh_database(request, source.dialect, folder) as url:
        restored = Site.open(url)
        restored.use_files(FileRoom(folder / "files"))
        try:
            reader = ArchiveSource(archive)
            Importer(restored, reader, ImportOptions(readers=1, events=True)).run()
            reader.close()
            sg = source.script()
            assert_same_reads(sg, restored, [*copied_types(restored), "EventLogEntry"])
            assert _schedule_reads(restored, project, person) == schedule
            assert restored.following(SYSTEM, {"type": "HumanUser", "id": person["id"]}) == (
                following
            )
            with restored.store.read() as conn:
                assert bookkeeping.archived_rows(conn) == exported_rows  # role rules too
            assert schedule[0]["preferences"]["hours_per_day"] == 7.5  # the changes were read
        finally:
            restored.close()


def _schedule_reads(site: Site, project: dict, person: dict) -> list[Any]:
    """What the API and the Admin page read of the studio's schedule."""
    reads: list[Any] = [{"preferences": site.preferences_read(SYSTEM)}]
    reads.append(work_weeks_read(site, SYSTEM))
    for scope in ({}, {"project": project}, {"user": person}):
        reads.append(site.work_schedule_read(SYSTEM, "2026-12-21", "2026-12-27", **scope))
    return reads


def test_follow_keeps_in_step_while_a_writer_changes_the_source(
    source: LiveServer, destination: Site
) -> None:
    import threading

    reader = _source(source)
    Importer(destination, reader).run()
    project = source.populated["project"]  # type: ignore[attr-defined]
    follower = Follower(destination, reader)
    following = threading.Thread(target=follower.run)
    following.start()
    writer = source.script()
    try:
        for n in range(15):
            shot = writer.create("Shot", {"code": f"live {n}", "project": project})
            writer.update("Shot", shot["id"], {"description": f"edited {n}"})
            if n % 3 == 0:
                writer.delete("Shot", shot["id"])
    finally:
        follower.stop()
        following.join(timeout=120)
    follower = Follower(destination, reader)
    follower.run(once=True)  # whatever the first one had not reached yet
    assert_same_reads(writer, destination, ["Shot", "AssetShotConnection"])
    follower.stop_following()
    reader.close()
