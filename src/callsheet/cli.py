"""The `callsheet` command: a thin shell over objects you can build yourself."""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from callsheet.faults import Fault

DEFAULT_DATA_DIR = "callsheet-data"
console = Console()


def database_url(data: str | None, database: str | None) -> str:
    """The database to open: an explicit URL, else the SQLite file in the data folder."""
    if database:
        return database
    folder = Path(data or os.environ.get("CALLSHEET_DATA") or DEFAULT_DATA_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / "callsheet.sqlite3")


@click.group()
def main() -> None:
    """Callsheet: production tracking that speaks the Shotgun API."""


@main.command()
@click.option("--data", envvar="CALLSHEET_DATA", help="Data folder (default ./callsheet-data).")
@click.option(
    "--database", envvar="CALLSHEET_DATABASE_URL", help="Database URL (postgresql://...)."
)
def demo(data: str | None, database: str | None) -> None:
    """Build a small sample site and print a few queries against it."""
    import callsheet

    url = database_url(data, database)
    try:
        sg = callsheet.connect(url)
        project = sg.find_one("Project", [["name", "is", "Demo Project"]])
        if project is None:
            project = sg.create("Project", {"name": "Demo Project"})
            for s in range(1, 4):
                sequence = sg.create("Sequence", {"code": f"SQ{s:02d}0", "project": project})
                sg.batch(
                    [
                        {
                            "request_type": "create",
                            "entity_type": "Shot",
                            "data": {
                                "code": f"SQ{s:02d}0_SH{n:03d}0",
                                "project": project,
                                "sg_sequence": sequence,
                                "sg_status_list": ("wtg", "ip", "fin")[n % 3],
                                "sg_cut_in": 1001,
                                "sg_cut_out": 1000 + 24 * n,
                            },
                        }
                        for n in range(1, 6)
                    ]
                )
        console.print(f"[bold]Callsheet demo[/bold] on {url}")
        shots = sg.find(
            "Shot",
            [["project", "is", project], ["sg_status_list", "is_not", "fin"]],
            ["code", "sg_status_list", "sg_sequence.Sequence.code"],
            order=[{"field_name": "code"}],
        )
        table = Table("id", "code", "status", "sequence")
        for shot in shots:
            table.add_row(
                str(shot["id"]),
                shot["code"],
                shot["sg_status_list"],
                shot["sg_sequence.Sequence.code"],
            )
        console.print("Shots not final:", table)
        summary = sg.summarize(
            "Shot",
            [["project", "is", project]],
            [{"field": "id", "type": "record_count"}],
            grouping=[{"field": "sg_status_list", "type": "exact", "direction": "asc"}],
        )
        for group in summary["groups"]:
            console.print(f"  {group['group_name']}: {group['summaries']['id']} shots")
        events = sg.find(
            "EventLogEntry",
            [],
            ["event_type", "attribute_name"],
            order=[{"field_name": "id", "direction": "desc"}],
            limit=3,
        )
        console.print(
            "Latest events:", [(e["id"], e["event_type"], e["attribute_name"]) for e in events]
        )
        sg.close()
    except Fault as fault:
        raise click.ClickException(str(fault)) from None


if __name__ == "__main__":
    main()
