"""`callsheet schedule`: the studio's, a project's or a person's working week and the working
day's length (site/work_schedule.py `work_week_update`)."""

from __future__ import annotations

from typing import Any

import click

from callsheet.faults import NotFoundFault


@click.group("schedule")
def schedule_command() -> None:
    """The work schedule: working weeks and the working day's length."""


def _entity(site: Any, actor: Any, entity_type: str, field: str, value: str) -> dict[str, Any]:
    found = site.find_one(actor, entity_type, [[field, "is", value]], [field])
    if found is None:
        raise NotFoundFault(f"No {entity_type} with {field} {value!r}.")
    return {"type": entity_type, "id": found["id"]}


@schedule_command.command("week")
@click.option(
    "--days",
    help="Worked weekdays, comma-separated (mon,tue,wed,thu,fri). Omitted: the studio's week "
    "is kept; a project or person follows the studio's week again.",
)
@click.option("--hours-per-day", type=float, help="The working day's length (the studio only).")
@click.option("--project", "project_name", help="A project's week (by Project name).")
@click.option("--user", "login", help="A person's week (by HumanUser login).")
@click.option(
    "--recalculate",
    type=click.Choice(["duration", "due_date"]),
    help="What moves on the Tasks the change touches (default: duration, dates kept).",
)
@click.option("--data", envvar="CALLSHEET_DATA", help="Data folder.")
@click.option("--database", envvar="CALLSHEET_DATABASE_URL", help="Database URL.")
def schedule_week(
    days: str | None,
    hours_per_day: float | None,
    project_name: str | None,
    login: str | None,
    recalculate: str | None,
    data: str | None,
    database: str | None,
) -> None:
    """Set a working week and, for the studio, the hours of a working day."""
    from callsheet.cli import _admin_command
    from callsheet.site.work_schedule import work_week_update

    def change(site: Any, actor: Any) -> dict[str, Any]:
        project = _entity(site, actor, "Project", "name", project_name) if project_name else None
        user = _entity(site, actor, "HumanUser", "login", login) if login else None
        names = [d for d in days.split(",") if d.strip()] if days is not None else None
        return work_week_update(site, actor, names, project, user, hours_per_day, recalculate)

    answer = _admin_command(data, database, change)
    scope = f"Project {project_name!r}" if project_name else f"{login!r}" if login else "Studio"
    week = ",".join(answer["days"]) if answer["days"] else "the studio's week"
    hours = f", {answer['hours_per_day']:g} hours a day" if answer["hours_per_day"] else ""
    click.echo(f"{scope} works {week}{hours}.")
