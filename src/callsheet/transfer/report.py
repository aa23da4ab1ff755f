"""Progress bars per type while an import runs, and the final report (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from callsheet.transfer.importer import ImportReport
from callsheet.transfer.importer import Progress as ImportProgress

MAX_LISTED = 20


class RichProgress(ImportProgress):
    """One bar per type and phase with its count and rate."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bars = Progress(
            TextColumn("{task.description:<36}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>9}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[tuple[str, bool], TaskID] = {}

    def __enter__(self) -> RichProgress:
        self.bars.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bars.stop()

    def start_type(self, entity_type: str, retired: bool, total: int | None) -> None:
        label = f"{entity_type} (retired)" if retired else entity_type
        self.tasks[(entity_type, retired)] = self.bars.add_task(label, total=total, rate="")

    def advance(self, entity_type: str, retired: bool, count: int) -> None:
        task_id = self.tasks.get((entity_type, retired))
        if task_id is None:
            return
        self.bars.advance(task_id, count)
        task = self.bars.tasks[task_id]
        elapsed = task.elapsed or 0
        if elapsed > 0:
            self.bars.update(task_id, rate=f"{task.completed / elapsed:,.0f}/s")

    def end_type(self, entity_type: str, retired: bool) -> None:
        task_id = self.tasks.get((entity_type, retired))
        if task_id is not None:
            task = self.bars.tasks[task_id]
            self.bars.update(task_id, total=task.completed)

    def note(self, text: str) -> None:
        self.bars.console.print(text, highlight=False)


def print_report(console: Console, report: ImportReport) -> None:
    """What was copied, skipped and why."""
    title = f"Imported from {report.source}" + (" (resumed)" if report.resumed else "")
    table = Table("entity type", "live", "retired", "files", title=title)
    for entity_type, counts in sorted(report.types.items()):
        if counts.live or counts.retired or counts.files:
            table.add_row(entity_type, str(counts.live), str(counts.retired), str(counts.files))
    console.print(table)
    if report.schema is not None:
        schema = report.schema
        console.print(
            f"Schema: {len(schema.added)} fields added, {len(schema.updated)} updated, "
            f"{len(schema.renamed_types)} entity types renamed.",
            highlight=False,
        )
        for qualified, why in sorted(schema.skipped.items())[:MAX_LISTED]:
            console.print(f"  field skipped: {qualified}: {why}", highlight=False)
    for entity_type, why in sorted(report.skipped_types.items())[:MAX_LISTED]:
        console.print(f"  type skipped: {entity_type}: {why}", highlight=False)
    for problem in report.problems[:MAX_LISTED]:
        console.print(f"  value not copied: {problem}", highlight=False)
    if len(report.problems) > MAX_LISTED:
        console.print(f"  ... and {len(report.problems) - MAX_LISTED} more values", highlight=False)
    for name in sorted(report.unknown_fields)[:MAX_LISTED]:
        console.print(f"  field not in this site: {name}", highlight=False)
    if report.keys_file is not None:
        console.print(
            f"{report.scripts} scripts got new keys, written to {report.keys_file} (mode 0600): "
            "give each tool its new key.",
            highlight=False,
        )
    if report.people_without_password:
        console.print(
            f"{report.people_without_password} people have no password here (none can be read): "
            "each sets one (`callsheet user password LOGIN`, or the sign-in page's reset).",
            highlight=False,
        )
    for note in report.notes[:MAX_LISTED]:
        console.print(f"Note: {note}", highlight=False)
