"""`callsheet import` and `callsheet export`: whole sites in and out (callsheet.transfer)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from callsheet.faults import Fault

if TYPE_CHECKING:
    from callsheet.transfer.source import Source

console = Console()


def _open_destination(data: str | None, database: str | None):  # type: ignore[no-untyped-def]
    from callsheet.files import FileRoom
    from callsheet.server import Settings
    from callsheet.site.site import Site

    settings = Settings.from_environment(data, database)
    site = Site.open(settings.site_url(), pool_size=8)
    try:
        site.use_files(FileRoom(settings.files_dir))
    except Fault as fault:
        site.close()
        raise click.ClickException(str(fault)) from None
    return site, settings


@click.command("import")
@click.argument("archive", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--from", "source_url", help="The source server's URL (https://studio.shotgrid.autodesk.com)."
)
@click.option("--script", help="The source's script name.")
@click.option("--key", help="The source script's key.")
@click.option("--login", help="A source person's login (instead of a script).")
@click.option("--password", help="That person's password.")
@click.option("--data", envvar="CALLSHEET_DATA", help="Destination data folder.")
@click.option("--database", envvar="CALLSHEET_DATABASE_URL", help="Destination database URL.")
@click.option("--events", is_flag=True, help="Copy the source's event log history too.")
@click.option("--schema-only", is_flag=True, help="Copy the schema only (an empty look-alike).")
@click.option("--verify", is_flag=True, help="Afterwards, compare counts and a sample of records.")
@click.option(
    "--follow",
    is_flag=True,
    help="Afterwards, keep in step through the source's events until stopped.",
)
@click.option("--readers", default=4, show_default=True, type=int, help="Parallel source readers.")
@click.option(
    "--page-size",
    default=500,
    show_default=True,
    type=click.IntRange(1, 500),
    help="Records per source read.",
)
@click.option(
    "--keys-file",
    type=click.Path(dir_okay=False),
    help="Where imported scripts' new keys go (mode 0600).",
)
def import_command(
    archive: str | None,
    source_url: str | None,
    script: str | None,
    key: str | None,
    login: str | None,
    password: str | None,
    data: str | None,
    database: str | None,
    events: bool,
    schema_only: bool,
    verify: bool,
    follow: bool,
    readers: int,
    page_size: int,
    keys_file: str | None,
) -> None:
    """Copy a whole site into this one, with its ids: from a server (--from URL) or an ARCHIVE.

    Run the same command again to resume an interrupted import.
    """
    from callsheet.transfer.importer import Importer, ImportOptions
    from callsheet.transfer.report import RichProgress, print_report

    if bool(archive) == bool(source_url):
        raise click.UsageError("Give either an ARCHIVE or --from URL.")
    source: Source
    try:
        if archive:
            from callsheet.transfer.archive import ArchiveSource

            source = ArchiveSource(Path(archive))
            readers = 1
        else:
            from callsheet.transfer.source import ApiSource

            source = ApiSource(
                str(source_url), script=script, key=key, login=login, password=password
            )
    except Fault as fault:
        raise click.ClickException(str(fault)) from None
    site, settings = _open_destination(data, database)
    options = ImportOptions(
        events=events,
        schema_only=schema_only,
        readers=max(1, readers),
        page_size=page_size,
        keys_file=Path(keys_file) if keys_file else settings.data_dir / "imported-script-keys.txt",
    )
    try:
        with RichProgress(console) as progress:
            report = Importer(site, source, options, progress).run()
        print_report(console, report)
        if verify and not schema_only:
            from callsheet.transfer.verify import verify as run_verify

            types = sorted(report.types)
            found = run_verify(site, source, types)
            console.print(
                f"Verified {len(found.counts)} counts and {found.compared} records: "
                f"{len(found.differences)} differences.",
                highlight=False,
            )
            for line in found.differences[:50]:
                console.print(f"  {line}", highlight=False)
            if found.differences:
                raise SystemExit(1)
        if follow:
            from callsheet.transfer.follow import Follower

            console.print("Following the source's event log (Ctrl-C to stop)...")
            follower = Follower(
                site, source, report_line=lambda t: console.print(t, highlight=False)
            )
            try:
                follower.run()
            except KeyboardInterrupt:
                follower.stop_following()
                console.print(f"Stopped; {follower.applied} events applied.")
    except Fault as fault:
        raise click.ClickException(str(fault)) from None
    finally:
        source.close()
        site.close()


@click.command("export")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--data", envvar="CALLSHEET_DATA", help="Data folder of the site.")
@click.option("--database", envvar="CALLSHEET_DATABASE_URL", help="Database URL of the site.")
def export_command(archive: str, data: str | None, database: str | None) -> None:
    """Write the whole site (schema, records, files, event log) to ARCHIVE (docs/transfer.md)."""
    from callsheet.server import Settings
    from callsheet.site.site import Site
    from callsheet.transfer.archive import export_site

    settings = Settings.from_environment(data, database)
    site = Site.open(settings.site_url(), pool_size=4)
    try:
        manifest = export_site(
            site,
            settings.files_dir,
            Path(archive),
            on_type=lambda t, live, retired: (
                console.print(f"  {t}: {live} live, {retired} retired", highlight=False)
                if live or retired
                else None
            ),
        )
    except Fault as fault:
        raise click.ClickException(str(fault)) from None
    finally:
        site.close()
    total = sum(c["live"]["count"] + c["retired"]["count"] for c in manifest["types"].values())
    console.print(f"Wrote {archive}: {total} records (format version {manifest['version']}).")
