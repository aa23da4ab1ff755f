"""Make the small sites of an earlier Callsheet that tests/store/test_upgrade.py opens.

    .venv/bin/python tools/make_upgrade_fixture.py [--tag v0.1.0]

Checks the tag out into a temporary folder and runs *that* version's code (this file's
`populate` part, under its `src/` on sys.path) to build a site with a bit of everything: custom
fields (one retired), projects, shots with tags and multi-entity links, tasks, versions, notes with
replies, a retired record, people with passwords, scripts with keys, follows, work days, an Action
Menu Item with a secret token and a permission role's rules. It writes, under
tests/fixtures/sites/<tag>/:

- `site.sqlite3.gz`: the SQLite site;
- `site.postgresql.sql.gz`: the same site on PostgreSQL as plain SQL (`pg_dump --inserts`);
- `reads.json`: what the old version answered to a list of reads (the test asks the new version
  the same and compares), and the credentials that must still work.

Needs the PostgreSQL server of the test suite (CALLSHEET_TEST_POSTGRES_URL) and `pg_dump`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "CALLSHEET_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PASSWORD = "upgrade-password-1"
SCRIPT_KEY = "a" * 64

# What both versions are asked, in order. Each is (method, positional args); the answers of the
# old version are recorded, those of the new one must equal them.
READS: list[tuple[str, list[Any]]] = [
    ("find", ["Project", [], ["name", "sg_status", "sg_budget_note"], [{"field_name": "id"}]]),
    (
        "find",
        [
            "Shot",
            [],
            [
                "code",
                "description",
                "sg_status_list",
                "sg_cut_in",
                "sg_cut_out",
                "sg_sequence",
                "sg_sequence.Sequence.code",
                "assets",
                "tag_list",
                "project",
                "sg_difficulty",
                "created_by",
                "created_at",
            ],
            [{"field_name": "id", "direction": "asc"}],
        ],
    ),
    ("find", ["Shot", [], ["code"], None, None, 0, True]),  # retired ones
    (
        "find",
        [
            "Task",
            [],
            ["content", "entity", "step", "task_assignees", "sg_status_list", "start_date"],
            [{"field_name": "id"}],
        ],
    ),
    ("find", ["Version", [], ["code", "entity", "sg_task", "user", "playlists"], None]),
    ("find", ["Note", [], ["subject", "content", "note_links", "addressings_to", "replies"]]),
    ("find", ["Reply", [], ["content", "entity", "user"]]),
    ("find", ["Asset", [], ["code", "sg_asset_type", "shots"]]),
    ("find", ["HumanUser", [], ["login", "name", "email", "permission_rule_set"]]),
    ("find", ["ApiUser", [], ["firstname", "permission_rule_set"]]),
    ("find", ["ActionMenuItem", [], ["title", "url", "entity_type"]]),
    (
        "find",
        [
            "EventLogEntry",
            [],
            ["event_type", "attribute_name", "entity", "meta", "user", "project"],
            [{"field_name": "id"}],
        ],
    ),
    (
        "summarize",
        [
            "Shot",
            [],
            [{"field": "sg_cut_in", "type": "sum"}, {"field": "id", "type": "count"}],
            None,
            [{"field": "sg_sequence", "type": "exact", "direction": "asc"}],
        ],
    ),
    ("schema_field_read", ["Shot", "sg_difficulty"]),
    ("text_search", ["SH00", {"Shot": []}]),
]


def populate(url: str) -> dict[str, Any]:
    """Build the site at `url` with the old version's code; returns its answers to READS."""
    import callsheet
    from callsheet.site import following, work_schedule
    from callsheet.site.accounts import create_script, create_user

    sg = callsheet.connect(url)
    site = sg.site
    sg.schema_field_create("Shot", "list", "Difficulty", {"valid_values": ["easy", "hard"]})
    sg.schema_field_create("Project", "text", "Budget note")
    sg.schema_field_create("Shot", "number", "Old count")
    sg.schema_field_delete("Shot", "sg_old_count")
    project = sg.create("Project", {"name": "Upgrade Show", "sg_budget_note": "tight"})
    sequences = [sg.create("Sequence", {"code": f"SQ{n}", "project": project}) for n in (10, 20)]
    assets = [
        sg.create("Asset", {"code": name, "sg_asset_type": "Character", "project": project})
        for name in ("hero", "villain")
    ]
    step = sg.find_one("Step", [["code", "is", "Comp"]])
    person = create_user(site, "ana", "Ana Lee", PASSWORD, "Manager", email="ana@example.com")
    create_script(site, "pipeline", SCRIPT_KEY)
    shots = []
    for n in range(6):
        shots.append(
            sg.create(
                "Shot",
                {
                    "code": f"SH{n:03d}",
                    "project": project,
                    "description": f"shot number {n} — ünïcode",
                    "sg_sequence": sequences[n % 2],
                    "sg_cut_in": 1001 + n,
                    "sg_cut_out": 1100 + n,
                    "sg_status_list": ("ip", "wtg", "fin")[n % 3],
                    "assets": assets[: n % 3],
                    "tag_list": ["hero"] if n % 2 else [],
                    "sg_difficulty": ("easy", "hard")[n % 2],
                },
            )
        )
        sg.create(
            "Task",
            {
                "content": f"comp {n}",
                "entity": shots[-1],
                "step": step,
                "project": project,
                "task_assignees": [{"type": "HumanUser", "id": person["id"]}],
                "start_date": "2026-01-05",
            },
        )
    sg.delete("Shot", shots[5]["id"])
    task = sg.find_one("Task", [["entity", "is", shots[0]]])
    version = sg.create(
        "Version",
        {"code": "SH000_v001", "entity": shots[0], "sg_task": task, "project": project},
    )
    playlist = sg.create("Playlist", {"code": "dailies", "project": project})
    sg.update("Version", version["id"], {"playlists": [playlist]})
    note = sg.create(
        "Note",
        {
            "subject": "Comp notes",
            "content": "More grain.",
            "project": project,
            "note_links": [shots[0], version],
            "addressings_to": [{"type": "HumanUser", "id": person["id"]}],
        },
    )
    sg.create("Reply", {"entity": note, "content": "Done."})
    sg.create(
        "ActionMenuItem",
        {"title": "Open in RV", "url": "rvlink://x", "entity_type": "Version"},
    )
    ami = sg.find_one("ActionMenuItem", [["title", "is", "Open in RV"]])
    from callsheet.site.action_menu import set_secret_token

    set_secret_token(site, sg.actor, ami["id"], "secret-token-1")
    following.follow(site, sg.actor, {"type": "HumanUser", "id": person["id"]}, shots[0])
    work_schedule.work_schedule_update(site, sg.actor, "2026-01-01", False, "New Year")
    answers = [[method, _plain(getattr(sg, method)(*args))] for method, args in READS]
    sg.close()
    return {
        "reads": answers,
        "person": {"login": "ana", "password": PASSWORD},
        "script": {"name": "pipeline", "key": SCRIPT_KEY},
        "ami_secret": "secret-token-1",
        "follow": {"user": person["id"], "shot": shots[0]["id"]},
    }


def _plain(value: Any) -> Any:
    """JSON-able answers: datetimes as ISO text in UTC."""
    import datetime as dt

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


def _database_url(name: str) -> str:
    return f"{POSTGRES_URL.rpartition('/')[0]}/{name}"


def _run_old(source: Path, url: str) -> dict[str, Any]:
    """Run `populate` under the old version's code in a child process; returns its answers."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2]);"
        "import make_upgrade_fixture as m; print(json.dumps(m.populate(sys.argv[3])))"
    )
    environment = {**os.environ, "TZ": "UTC", "PYTHONPATH": ""}
    done = subprocess.run(
        [sys.executable, "-c", code, str(source / "src"), str(REPO / "tools"), url],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tempfile.gettempdir(),
    )
    if done.returncode:
        raise SystemExit(f"populating with the old version failed:\n{done.stderr}")
    out = done.stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default="v0.1.0")
    tag = parser.parse_args().tag
    target = REPO / "tests" / "fixtures" / "sites" / tag
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "source"
        source.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", tag, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
        sqlite_path = Path(scratch) / "site.sqlite3"
        answers = _run_old(source, str(sqlite_path))
        (target / "site.sqlite3.gz").write_bytes(gzip.compress(sqlite_path.read_bytes(), mtime=0))

        import psycopg

        name = "cs_upgrade_fixture"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            pg_answers = _run_old(source, _database_url(name))
            dump = subprocess.run(
                ["pg_dump", "--inserts", "--no-owner", "--no-privileges", _database_url(name)],
                check=True,
                capture_output=True,
            ).stdout
        finally:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    # Recent pg_dump releases add psql meta-commands (\restrict); keep plain SQL only.
    sql = b"\n".join(line for line in dump.splitlines() if not line.startswith(b"\\"))
    (target / "site.postgresql.sql.gz").write_bytes(gzip.compress(sql, mtime=0))
    (target / "reads.json").write_text(
        json.dumps({"sqlite": answers, "postgresql": pg_answers}, sort_keys=True) + "\n"
    )
    print(f"Wrote {target}")


if __name__ == "__main__":
    main()
