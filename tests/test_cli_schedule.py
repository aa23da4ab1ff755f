"""`callsheet schedule week`: the studio's, a project's and a person's working week and the
working day's length (January 2026: Fri 9, Sat 10, Sun 11, Mon 12)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from tests.test_cli import data_dir, run  # noqa: F401 (data_dir is a fixture)

from callsheet.cli import main
from callsheet.site.actor import SYSTEM
from callsheet.site.site import Site
from callsheet.site.work_schedule import work_schedule_read


def test_schedule_week_for_the_studio_a_project_and_a_person(data_dir: Path) -> None:  # noqa: F811
    site = Site.open(str(data_dir / "callsheet.sqlite3"))
    try:
        project = site.create(SYSTEM, "Project", {"name": "Weekend Show"})
        person = site.create(SYSTEM, "HumanUser", {"login": "sat", "name": "Sat Urday"})
    finally:
        site.close()
    out = run(
        "schedule",
        "week",
        "--days",
        "mon,tue,wed,thu",
        "--hours-per-day",
        "10",
        "--data",
        str(data_dir),
    )
    assert "Studio works mon,tue,wed,thu, 10 hours a day." in out
    run(
        "schedule",
        "week",
        "--days",
        "mon,tue,wed,thu,fri,sat",
        "--project",
        "Weekend Show",
        "--data",
        str(data_dir),
    )
    run("schedule", "week", "--days", "sat,sun", "--user", "sat", "--data", str(data_dir))
    site = Site.open(str(data_dir / "callsheet.sqlite3"))
    try:

        def read(**scope: object) -> list[tuple[bool, str]]:
            answer = work_schedule_read(site, SYSTEM, "2026-01-09", "2026-01-11", **scope)
            return [(rule["working"], rule["reason"]) for rule in answer.values()]

        assert read() == [(False, "STUDIO_WORK_WEEK")] * 3
        assert read(project=project) == [
            (True, "PROJECT_WORK_WEEK"),
            (True, "PROJECT_WORK_WEEK"),
            (False, "PROJECT_WORK_WEEK"),
        ]
        assert read(project=project, user=person) == [
            (False, "USER_WORK_WEEK"),
            (True, "USER_WORK_WEEK"),
            (True, "USER_WORK_WEEK"),
        ]
        task = site.create(
            SYSTEM,
            "Task",
            {"project": project, "content": "t", "start_date": "2026-01-09", "duration": 1200},
        )
        assert task["due_date"] == "2026-01-10"  # two 10-hour days: Fri, Sat
    finally:
        site.close()


def test_schedule_week_refuses_an_unknown_day_and_project(data_dir: Path) -> None:  # noqa: F811
    result = CliRunner().invoke(
        main, ["schedule", "week", "--days", "mon,noday", "--data", str(data_dir)]
    )
    assert result.exit_code != 0 and "Unknown weekday 'noday'" in result.output
    result = CliRunner().invoke(
        main, ["schedule", "week", "--days", "mon", "--project", "Nope", "--data", str(data_dir)]
    )
    assert result.exit_code != 0 and "No Project with name 'Nope'" in result.output
