"""The `callsheet` command: a thin shell over objects you can build yourself."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Column, Table

from callsheet.faults import Fault
from callsheet.files.storage import LocalFiles
from callsheet.server import Settings, create_app
from callsheet.server.app import settle_heap
from callsheet.server.settings import SERVE_MEDIA_WORKERS
from callsheet.site.accounts import (
    create_script,
    create_user,
    first_admin_password,
    list_scripts,
    list_users,
    set_password,
)
from callsheet.site.site import Site

if TYPE_CHECKING:
    from starlette.applications import Starlette

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


def _settings(data: str | None, database: str | None, **overrides: object) -> Settings:
    return Settings.from_environment(data, database, **overrides)


def _open_site(settings: Settings) -> Site:
    try:
        return Site.open(settings.site_url(), pool_size=settings.threads)
    except Fault as fault:
        raise click.ClickException(str(fault)) from None


data_option = click.option(
    "--data", envvar="CALLSHEET_DATA", help="Data folder (default ./callsheet-data)."
)
database_option = click.option(
    "--database", envvar="CALLSHEET_DATABASE_URL", help="Database URL (postgresql://...)."
)


# How long an idle keep-alive connection stays open. shotgun_api3 keeps one connection per client
# and (3.10) fails its next call with BrokenPipeError when the server closed it meanwhile; newer
# versions drop connections idle for 60 s themselves. uvicorn's default is 5 s.
KEEP_ALIVE_S = 75


# `serve` options that reach every worker process through the environment (app_from_environment).
SERVE_ENVIRONMENT = {
    "host": "CALLSHEET_HOST",
    "threads": "CALLSHEET_THREADS",
    "public_url": "CALLSHEET_PUBLIC_URL",
    "allowed_hosts": "CALLSHEET_ALLOWED_HOSTS",
    "allow_cookieless_local_downloads": "CALLSHEET_ALLOW_COOKIELESS_LOCAL_DOWNLOADS",
    "max_upload_bytes": "CALLSHEET_MAX_UPLOAD_BYTES",
    "media_workers": "CALLSHEET_MEDIA_WORKERS",
    "media_lease_s": "CALLSHEET_MEDIA_LEASE_S",
}


def _host_list(text: str | None) -> tuple[str, ...] | None:
    if not text:
        return None
    return tuple(name.strip() for name in text.split(",") if name.strip())


@main.command()
@data_option
@database_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=int, help="Server processes.")
@click.option("--threads", default=16, show_default=True, type=int, help="Threads per process.")
@click.option(
    "--public-url",
    envvar="CALLSHEET_PUBLIC_URL",
    help="The URL clients use (behind a proxy): the base of file URLs, an allowed host name.",
)
@click.option(
    "--allowed-hosts",
    envvar="CALLSHEET_ALLOWED_HOSTS",
    help="Comma-separated host names requests may name in their Host header ('*': any). "
    "Default: --host and --public-url, plus localhost when listening on loopback.",
)
@click.option(
    "--allow-cookieless-local-downloads",
    is_flag=True,
    envvar="CALLSHEET_ALLOW_COOKIELESS_LOCAL_DOWNLOADS",
    help="RISKY, for test rigs: a download without credentials from this machine acts as the "
    "latest session token issued to this machine (docs/configuration.md).",
)
@click.option(
    "--forwarded-allow-ips",
    envvar="CALLSHEET_FORWARDED_ALLOW_IPS",
    help="Proxies whose X-Forwarded-For/-Proto to trust (comma-separated, '*': any). "
    "Default: none; the TCP peer is the caller.",
)
@click.option(
    "--max-upload-bytes",
    envvar="CALLSHEET_MAX_UPLOAD_BYTES",
    type=int,
    help="The largest upload accepted (default 50 GiB; uploads stream to disk).",
)
@click.option(
    "--media-workers",
    envvar="CALLSHEET_MEDIA_WORKERS",
    type=int,
    help="Transcode threads per server process (default 2; 0: this server makes none).",
)
@click.option(
    "--media-lease",
    "media_lease_s",
    envvar="CALLSHEET_MEDIA_LEASE_S",
    type=float,
    help="Seconds a transcode stays claimed without a renewal (default 60): after a crash, "
    "another server process takes the job over once it has passed.",
)
def serve(
    data: str | None,
    database: str | None,
    host: str,
    port: int,
    workers: int,
    threads: int,
    public_url: str | None,
    allowed_hosts: str | None,
    allow_cookieless_local_downloads: bool,
    forwarded_allow_ips: str | None,
    max_upload_bytes: int | None,
    media_workers: int | None,
    media_lease_s: float | None,
) -> None:
    """Serve the Shotgun API (shotgun_api3's base_url is http://HOST:PORT)."""
    import uvicorn

    settings = _settings(
        data,
        database,
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        public_url=public_url,
        allowed_hosts=_host_list(allowed_hosts),
        allow_cookieless_local_downloads=allow_cookieless_local_downloads or None,
        forwarded_allow_ips=forwarded_allow_ips,
        max_upload_bytes=max_upload_bytes,
        media_workers=SERVE_MEDIA_WORKERS if media_workers is None else media_workers,
        media_lease_s=media_lease_s,
    )
    site = _open_site(settings)  # create the site (and fail early) before any worker starts
    try:
        LocalFiles(settings.files_dir).claim(site.store.site_identity())
        password = first_admin_password(site)
    except Fault as fault:
        raise click.ClickException(str(fault)) from None
    finally:
        site.close()
    console.print(
        f"[bold]Callsheet[/bold] serving {settings.site_url()} on http://{host}:{port}",
        highlight=False,
    )
    if password:
        console.print(
            f"Sign in at http://{host}:{port}/ as [bold]admin[/bold] with the password "
            f"[bold]{password}[/bold] (shown once; `callsheet user password admin` sets another).",
            highlight=False,
        )
    if settings.host_names() is None:
        console.print(
            "Any Host header is accepted (listening on every address without --public-url or "
            "--allowed-hosts).",
            highlight=False,
        )
    if settings.allow_cookieless_local_downloads:
        console.print(
            "[bold]--allow-cookieless-local-downloads[/bold]: any process on this machine can "
            "download attachments as the latest caller here that asked for a session token.",
            highlight=False,
        )
    # uvicorn trusts X-Forwarded-* from 127.0.0.1 by default; we trust no proxy unless told.
    proxy = {
        "proxy_headers": forwarded_allow_ips is not None,
        "forwarded_allow_ips": forwarded_allow_ips or "",
    }
    if workers > 1:
        os.environ["CALLSHEET_DATA"] = str(settings.data_dir)
        if settings.database_url:
            os.environ["CALLSHEET_DATABASE_URL"] = settings.database_url
        for name, variable in SERVE_ENVIRONMENT.items():
            value = getattr(settings, name)
            if isinstance(value, tuple):
                value = ",".join(value)
            if value not in (None, "", ()):
                os.environ[variable] = str(value)
        uvicorn.run(
            "callsheet.cli:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            timeout_keep_alive=KEEP_ALIVE_S,
            **proxy,  # type: ignore[arg-type]
        )
        return
    app = create_app(_open_site(settings), settings)
    settle_heap()
    uvicorn.run(app, host=host, port=port, timeout_keep_alive=KEEP_ALIVE_S, **proxy)  # type: ignore[arg-type]


def app_from_environment() -> Starlette:
    """The app for one of several worker processes (settings come through the environment)."""
    environ = os.environ
    flag = environ.get("CALLSHEET_ALLOW_COOKIELESS_LOCAL_DOWNLOADS", "").lower()
    upload = environ.get("CALLSHEET_MAX_UPLOAD_BYTES")
    media_workers = environ.get("CALLSHEET_MEDIA_WORKERS")
    media_lease = environ.get("CALLSHEET_MEDIA_LEASE_S")
    settings = _settings(
        None,
        None,
        host=environ.get("CALLSHEET_HOST"),
        threads=int(environ.get("CALLSHEET_THREADS", "16")),
        public_url=environ.get("CALLSHEET_PUBLIC_URL"),
        allowed_hosts=_host_list(environ.get("CALLSHEET_ALLOWED_HOSTS")),
        allow_cookieless_local_downloads=flag in ("1", "true", "yes") or None,
        max_upload_bytes=int(upload) if upload else None,
        media_workers=int(media_workers) if media_workers else SERVE_MEDIA_WORKERS,
        media_lease_s=float(media_lease) if media_lease else None,
    )
    app = create_app(_open_site(settings), settings)
    settle_heap()
    return app


@main.command()
@data_option
@database_option
@click.option("--check", is_flag=True, help="Only report; exit 1 when migrations are pending.")
def migrate(data: str | None, database: str | None, check: bool) -> None:
    """Bring a site made by an earlier Callsheet up to date (opening it does the same)."""
    from callsheet.store import migrations
    from callsheet.store.dialects import create_dialect

    dialect = create_dialect(_settings(data, database).site_url())
    try:
        version, steps = migrations.check(dialect)
        if version is None:
            raise click.ClickException("There is no Callsheet site in this database yet.")
        console.print(
            f"Layout version {version}; this Callsheet writes {migrations.LAYOUT_VERSION}.",
            highlight=False,
        )
        for step in steps:
            console.print(f"  pending: {step.version}: {step.summary}", highlight=False)
        if check:
            if steps:
                raise SystemExit(1)
            console.print("Up to date.")
            return
        ran = migrations.migrate(dialect)
        console.print(f"Ran {len(ran)} migration(s); up to date." if ran else "Up to date.")
    except Fault as fault:
        raise click.ClickException(str(fault)) from None
    finally:
        dialect.dispose()


@main.group()
def script() -> None:
    """Scripts (ApiUser): what shotgun_api3 logs in with as script_name + api_key."""


@script.command("create")
@click.argument("name")
@click.option("--key", help="The script key (default: a strong random key).")
@click.option("--permission-group", default="API Admin", show_default=True)
@data_option
@database_option
def script_create(
    name: str, key: str | None, permission_group: str, data: str | None, database: str | None
) -> None:
    """Create a script; its key is printed once, alone on the last line."""
    site = _open_site(_settings(data, database))
    try:
        created, key = create_script(site, name, key, permission_group)
    except Fault as fault:
        raise click.ClickException(str(fault)) from None
    finally:
        site.close()
    click.echo(f"Created script {name!r} (ApiUser {created['id']}, {permission_group}). Key:")
    click.echo(key)


@script.command("list")
@data_option
@database_option
def script_list(data: str | None, database: str | None) -> None:
    """List the scripts."""
    site = _open_site(_settings(data, database))
    try:
        table = Table("id", "name", "permission group", "created")
        for row in list_scripts(site):
            role = row.get("permission_rule_set") or {}
            table.add_row(
                str(row["id"]), row.get("firstname"), role.get("name"), str(row.get("created_at"))
            )
        console.print(table)
    finally:
        site.close()


@main.group()
def user() -> None:
    """People (HumanUser): what shotgun_api3 logs in with as login + password."""


@user.command("create")
@click.argument("login")
@click.option("--name", required=True, help='Full name, "First Last".')
@click.option("--password", required=True, help="The password (stored as an argon2 hash).")
@click.option("--email", help="Email address.")
@click.option("--permission-group", default="Artist", show_default=True)
@data_option
@database_option
def user_create(
    login: str,
    name: str,
    password: str,
    email: str | None,
    permission_group: str,
    data: str | None,
    database: str | None,
) -> None:
    """Create an active person who can log in."""
    site = _open_site(_settings(data, database))
    try:
        created = create_user(site, login, name, password, permission_group, email)
    except Fault as fault:
        raise click.ClickException(str(fault)) from None
    finally:
        site.close()
    click.echo(f"Created HumanUser {created['id']} {login!r} ({permission_group}).")


@user.command("password")
@click.argument("login")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, help="The new password."
)
@data_option
@database_option
def user_password(login: str, password: str, data: str | None, database: str | None) -> None:
    """Set a person's password (for the web page and login + password scripts)."""
    site = _open_site(_settings(data, database))
    try:
        set_password(site, login, password)
    except Fault as fault:
        raise click.ClickException(str(fault)) from None
    finally:
        site.close()
    click.echo(f"Password of {login!r} set.")


@user.command("list")
@data_option
@database_option
def user_list(data: str | None, database: str | None) -> None:
    """List the people."""
    site = _open_site(_settings(data, database))
    try:
        table = Table("id", "login", "name", "status", "permission group")
        for row in list_users(site):
            role = row.get("permission_rule_set") or {}
            table.add_row(
                str(row["id"]),
                row.get("login"),
                row.get("name"),
                row.get("sg_status_list"),
                role.get("name"),
            )
        console.print(table)
    finally:
        site.close()


@main.group()
def permissions() -> None:
    """Permission roles and their rules: export for review, import, copy."""


format_option = click.option(
    "--format",
    "file_format",
    type=click.Choice(["yaml", "json"]),
    help="File format (default: from the file name; YAML unless it ends in .json).",
)


@permissions.command("export")
@click.argument("file")
@format_option
@data_option
@database_option
def permissions_export(
    file: str, file_format: str | None, data: str | None, database: str | None
) -> None:
    """Write every role's rules to FILE (- for standard output) as YAML or JSON."""
    from callsheet.site.permissions import exchange

    site = _open_site(_settings(data, database))
    try:
        text = exchange.dumps(
            exchange.export_rules(site), file_format or exchange.file_format(file)
        )
    finally:
        site.close()
    if file == "-":
        click.echo(text, nl=False)
    else:
        Path(file).write_text(text, encoding="utf-8")
        click.echo(f"Wrote the rules of every role to {file}.")


@permissions.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@format_option
@data_option
@database_option
def permissions_import(
    file: str, file_format: str | None, data: str | None, database: str | None
) -> None:
    """Give the roles named in FILE its rules (new names become new roles)."""
    from callsheet.site.accounts import admin_actor
    from callsheet.site.permissions import exchange

    site = _open_site(_settings(data, database))
    try:
        document = exchange.loads(
            Path(file).read_text(encoding="utf-8"), file_format or exchange.file_format(file)
        )
        names = exchange.import_rules(site, admin_actor(site), document)
    except Fault as fault:
        raise click.ClickException(str(fault)) from None
    finally:
        site.close()
    click.echo(f"Imported the rules of {len(names)} roles: {', '.join(names)}.")


@permissions.command("copy")
@click.argument("source")
@click.argument("new_name")
@data_option
@database_option
def permissions_copy(source: str, new_name: str, data: str | None, database: str | None) -> None:
    """Create the role NEW_NAME with the rules of the role SOURCE."""
    from callsheet.site.accounts import admin_actor
    from callsheet.site.permissions import copy_role

    site = _open_site(_settings(data, database))
    try:
        copied = copy_role(site, admin_actor(site), source, new_name)
    except Fault as fault:
        raise click.ClickException(str(fault)) from None
    finally:
        site.close()
    kind = "people" if copied.actor_type == "HumanUser" else "scripts"
    click.echo(f"Created the role {copied.name!r} for {kind}, a copy of {source!r}.")


@permissions.command("list")
@data_option
@database_option
def permissions_list(data: str | None, database: str | None) -> None:
    """List the roles."""
    from callsheet.site.permissions import roles

    site = _open_site(_settings(data, database))
    try:
        table = Table("id", "role", "for", "admin", "assigned projects only", "sudo", "event log")
        for name, (role_id, rules) in roles(site).items():
            table.add_row(
                str(role_id),
                name,
                "people" if rules.actor_type == "HumanUser" else "scripts",
                _yes(rules.admin),
                _yes(rules.assigned_projects_only),
                _yes(rules.may_sudo),
                _yes(rules.may_see_event_log),
            )
        console.print(table)
    finally:
        site.close()


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


@main.group("entity-type")
def entity_type() -> None:
    """Custom entity slots: enable, name and disable them (ShotGrid's Site Preferences)."""


def _admin_command(data: str | None, database: str | None, change: Callable[..., Any]) -> Any:
    from callsheet.site.accounts import admin_actor

    site = _open_site(_settings(data, database))
    try:
        return change(site, admin_actor(site))
    except Fault as fault:
        raise click.ClickException(str(fault)) from None
    finally:
        site.close()


def _slot_options(
    tasks: bool, versions: bool, notes: bool, published_files: bool
) -> list[str] | None:
    chosen = {
        "tasks": tasks,
        "versions": versions,
        "notes": notes,
        "published_files": published_files,
    }
    picked = [name for name, on in chosen.items() if on]
    return picked or None  # no flag: keep the options the slot had


@entity_type.command("enable")
@click.argument("name")
@click.option("--name", "display_name", required=True, help='Display name, e.g. "Season".')
@click.option("--plural", help='Plural display name (default: the name + "s").')
@click.option("--tasks", is_flag=True, help="Tasks can link to it (Task.entity).")
@click.option("--versions", is_flag=True, help="Versions can link to it (Version.entity).")
@click.option("--notes", is_flag=True, help="Notes can link to it (Note.note_links).")
@click.option(
    "--published-files", is_flag=True, help="Published files can link to it (PublishedFile.entity)."
)
@data_option
@database_option
def entity_type_enable(
    name: str,
    display_name: str,
    plural: str | None,
    tasks: bool,
    versions: bool,
    notes: bool,
    published_files: bool,
    data: str | None,
    database: str | None,
) -> None:
    """Enable the slot NAME (e.g. CustomEntity07), or change an enabled one's options.

    Without option flags a slot enabled before gets back the options it had.
    """
    from callsheet.site.entity_slots import enable_slot

    options = _slot_options(tasks, versions, notes, published_files)
    state = _admin_command(
        data,
        database,
        lambda site, actor: enable_slot(site, actor, name, display_name, plural, options),
    )
    shown = ", ".join(state.options) or "no links"
    click.echo(f"Enabled {state.name} as {state.display_name!r} ({shown}).")


@entity_type.command("rename")
@click.argument("name")
@click.option("--name", "display_name", required=True, help="The new display name.")
@click.option("--plural", help="The new plural display name.")
@data_option
@database_option
def entity_type_rename(
    name: str, display_name: str, plural: str | None, data: str | None, database: str | None
) -> None:
    """Give the enabled slot NAME a new display name."""
    from callsheet.site.entity_slots import rename_slot

    state = _admin_command(
        data, database, lambda site, actor: rename_slot(site, actor, name, display_name, plural)
    )
    click.echo(f"Renamed {state.name} to {state.display_name!r} ({state.plural_name!r}).")


@entity_type.command("disable")
@click.argument("name")
@click.option("--force", is_flag=True, help="Disable it even though it has records (kept).")
@data_option
@database_option
def entity_type_disable(name: str, force: bool, data: str | None, database: str | None) -> None:
    """Disable the slot NAME: it leaves the schema; its records are kept for re-enabling."""
    from callsheet.site.entity_slots import disable_slot

    state = _admin_command(
        data, database, lambda site, actor: disable_slot(site, actor, name, force=force)
    )
    kept = f"; {state.records} record(s) kept" if state.records else ""
    click.echo(f"Disabled {state.name} ({state.display_name}){kept}.")


@entity_type.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also the slots never enabled.")
@data_option
@database_option
def entity_type_list(show_all: bool, data: str | None, database: str | None) -> None:
    """List the custom entity slots that are or were enabled (all of them with --all)."""
    from callsheet.site.entity_slots import list_slots

    slots = _admin_command(data, database, list_slots)
    table = Table("name", "plural", "enabled", "options", "records")
    table.columns.insert(0, Column("slot", no_wrap=True))  # scripts address it by this name
    for state in slots:
        if not (show_all or state.enabled or state.records or state.options):
            continue
        table.add_row(
            state.name,
            state.display_name,
            state.plural_name,
            _yes(state.enabled),
            ", ".join(state.options),
            str(state.records),
        )
    console.print(table)


config_option = click.option("--config", "config_path", help="A shotgunEvents .conf file.")
state_option = click.option("--state", "state_path", help="State file (default: next to config).")


@main.group(invoke_without_command=True)
@config_option
@state_option
@click.pass_context
def daemon(ctx: click.Context, config_path: str | None, state_path: str | None) -> None:
    """Run shotgunEvents plugins: `callsheet daemon --config FILE`."""
    from callsheet.daemon.config import ConfigError

    ctx.obj = {"config_path": config_path, "state_path": state_path}
    if ctx.invoked_subcommand is not None:
        return
    if not config_path:
        raise click.UsageError("callsheet daemon needs --config FILE")
    from callsheet.daemon.commands import run_daemon

    try:
        run_daemon(config_path, state_path)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error


def _daemon_paths(
    ctx: click.Context, config_path: str | None, state_path: str | None
) -> tuple[str | None, str | None]:
    return (config_path or ctx.obj["config_path"], state_path or ctx.obj["state_path"])


@daemon.command("status")
@config_option
@state_option
@click.option("--json", "as_json", is_flag=True, help="JSON for health checks.")
@click.pass_context
def daemon_status(
    ctx: click.Context, config_path: str | None, state_path: str | None, as_json: bool
) -> None:
    """Each callback's cursor, lag behind the newest event and last error."""
    from callsheet.daemon.commands import status_report, status_text
    from callsheet.daemon.config import ConfigError

    try:
        report = status_report(*_daemon_paths(ctx, config_path, state_path))
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    click.echo(status_text(report, as_json))
    ctx.exit(0 if report["healthy"] or not as_json else 1)


@daemon.command("retry")
@click.argument("plugin")
@config_option
@state_option
@click.pass_context
def daemon_retry(
    ctx: click.Context, plugin: str, config_path: str | None, state_path: str | None
) -> None:
    """Unpark PLUGIN: its failed event is delivered again."""
    from callsheet.daemon.commands import retry_plugin

    if not retry_plugin(*_daemon_paths(ctx, config_path, state_path), plugin):
        raise click.ClickException(f"Plugin {plugin!r} is not parked")
    click.echo(f"Plugin {plugin!r} will retry its failed event.")


@daemon.command("skip")
@click.argument("plugin")
@config_option
@state_option
@click.pass_context
def daemon_skip(
    ctx: click.Context, plugin: str, config_path: str | None, state_path: str | None
) -> None:
    """Unpark PLUGIN past its failed event."""
    from callsheet.daemon.commands import skip_plugin

    skipped = skip_plugin(*_daemon_paths(ctx, config_path, state_path), plugin)
    if skipped is None:
        raise click.ClickException(f"Plugin {plugin!r} is not parked")
    click.echo(f"Plugin {plugin!r} skipped event {skipped}.")


if __name__ == "__main__":
    main()


# Whole sites in and out (issue 14): the commands live beside the transfer room.
from callsheet.cli_transfer import export_command, import_command  # noqa: E402

main.add_command(import_command)
main.add_command(export_command)

from callsheet.cli_schedule import schedule_command  # noqa: E402

main.add_command(schedule_command)


@main.group("field")
def field_group() -> None:
    """Query (summary) and calculated fields, made as in ShotGrid's field editor."""


@field_group.command("create")
@click.argument("entity_type_name", metavar="ENTITY_TYPE")
@click.argument("display_name")
@click.option(
    "--data-type",
    type=click.Choice(["summary", "calculated"]),
    required=True,
    help="summary: a query field; calculated: a formula.",
)
@click.option(
    "--definition",
    required=True,
    help="The field's definition as JSON (docs/schema.md shows both shapes).",
)
@data_option
@database_option
def field_create(
    entity_type_name: str,
    display_name: str,
    data_type: str,
    definition: str,
    data: str | None,
    database: str | None,
) -> None:
    """Add a query or calculated field named DISPLAY_NAME to ENTITY_TYPE."""
    try:
        parsed = json.loads(definition)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"--definition is not JSON: {error}") from None
    name = _admin_command(
        data,
        database,
        lambda site, actor: site.computed_field_create(
            actor, entity_type_name, data_type, display_name, parsed
        ),
    )
    click.echo(f"Created {entity_type_name}.{name} ({data_type}).")
