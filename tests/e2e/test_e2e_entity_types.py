"""`callsheet entity-type` against a running server: the official client sees every change.

The command opens the site itself, as another process would: the server learns of each change
from the stored schema counter (Store.revalidate_schema), here looked at on every call.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import shotgun_api3
from click.testing import CliRunner
from live_server import LiveServer

from callsheet.cli import main

SLOT = "CustomEntity12"


@pytest.fixture
def database(live: LiveServer) -> Iterator[str]:
    """The server's database URL, with the server looking at the schema counter on each call."""
    store = live.site.store
    store.schema_revalidate_s = 0.0
    yield store.engine.url.render_as_string(hide_password=False)
    store.schema_revalidate_s = 1.0


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_enables_renames_and_disables_what_the_official_client_sees(
    live: LiveServer, sg: shotgun_api3.Shotgun, database: str
) -> None:
    with pytest.raises(shotgun_api3.Fault, match=SLOT):
        sg.find(SLOT, [])
    assert SLOT not in sg.schema_entity_read()

    result = run("entity-type", "enable", SLOT, "--name", "Level Pack", "--tasks", "--notes",
                 "--database", database)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Enabled {SLOT} as 'Level Pack' (tasks, notes)." in result.output
    assert sg.schema_entity_read()[SLOT]["name"]["value"] == "Level Pack"
    entity_types = sg.schema_field_read("Task", "entity")["entity"]["properties"]["valid_types"]
    assert SLOT in entity_types["value"]
    project = sg.create("Project", {"name": "Levels"})
    pack = sg.create(SLOT, {"code": "pack A", "project": project})
    task = sg.create("Task", {"content": "layout", "entity": pack, "project": project})

    result = run("entity-type", "rename", SLOT, "--name", "World", "--database", database)
    assert result.exit_code == 0, result.output
    assert sg.schema_entity_read()[SLOT]["name"]["value"] == "World"

    listed = run("entity-type", "list", "--database", database)
    assert SLOT in listed.output and "World" in listed.output

    refused = run("entity-type", "disable", SLOT, "--database", database)
    assert refused.exit_code != 0 and "1 record" in refused.output
    assert "Traceback" not in refused.output
    assert SLOT in sg.schema_entity_read()

    result = run("entity-type", "disable", SLOT, "--force", "--database", database)
    assert result.exit_code == 0, result.output
    assert "1 record(s) kept" in result.output
    assert SLOT not in sg.schema_entity_read()
    assert SLOT not in sg.schema_read()
    with pytest.raises(shotgun_api3.Fault, match=SLOT):
        sg.find(SLOT, [])
    with pytest.raises(shotgun_api3.Fault, match=SLOT):
        sg.create(SLOT, {"code": "pack B", "project": project})
    assert sg.find_one("Task", [["id", "is", task["id"]]], ["entity"])["entity"] is None

    result = run("entity-type", "enable", SLOT, "--name", "World", "--database", database)
    assert result.exit_code == 0, result.output
    assert sg.find(SLOT, [], ["code", "tasks"]) == [
        {
            "type": SLOT,
            "id": pack["id"],
            "code": "pack A",
            "tasks": [{"type": "Task", "id": task["id"], "name": "layout"}],
        }
    ]


def test_cli_refuses_what_is_not_a_slot(database: str) -> None:
    result = run("entity-type", "enable", "Shot", "--name", "Shots", "--database", database)
    assert result.exit_code != 0
    assert "not a custom entity slot" in result.output and "Traceback" not in result.output
