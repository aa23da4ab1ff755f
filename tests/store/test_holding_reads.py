"""A request's reads share one pooled connection (Store.holding_reads): one checkout, not one
per lookup, and exactly what separate connections would see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from callsheet.client import Shotgun
from callsheet.server import Settings
from callsheet.server.methods import dispatch
from callsheet.server.wire import decode_call
from callsheet.site.accounts import create_script
from callsheet.store.dialects import create_dialect

AUTH = {"script_name": "holder", "script_key": "holder-key"}


def _call(method: str, params: dict[str, Any]) -> Any:
    return decode_call(orjson.dumps({"method_name": method, "params": [AUTH, params]}))


def _find_shots(project: dict) -> Any:
    conditions = [{"path": "project", "relation": "is", "values": [project]}]
    return _call(
        "read",
        {
            "type": "Shot",
            "filters": {"logical_operator": "and", "conditions": conditions},
            "return_fields": ["code", "project"],
            "return_only": "active",
            "paging": {"entities_per_page": 50, "current_page": 1},
        },
    )


@pytest.fixture
def checkouts(sg: Shotgun) -> list[int]:
    """The read pool's checkouts while the test runs (appended to, one entry each)."""
    create_script(sg.site, AUTH["script_name"], AUTH["script_key"])
    seen: list[int] = []
    pool = sg.site.store.dialect.read_engine.pool  # type: ignore[union-attr]

    def note(*args: Any) -> None:
        seen.append(1)

    event.listen(pool, "checkout", note)
    yield seen
    event.remove(pool, "checkout", note)


def test_a_request_takes_one_connection_for_its_key_throttle_and_find(
    sg: Shotgun, project: dict, checkouts: list[int]
) -> None:
    sg.create("Shot", {"code": "a", "project": project})
    settings = Settings()
    dispatch(sg.site, settings, _find_shots(project))  # warm: plans, schema
    checkouts.clear()
    found = dispatch(sg.site, settings, _find_shots(project))
    assert [row["code"] for row in found["entities"]] == ["a"]
    assert len(checkouts) == 1
    with sg.site.store.holding_reads():
        with sg.site.store.holding_reads():
            sg.find("Shot", [])
        sg.find("Shot", [])
    assert len(checkouts) == 2


def test_reads_after_a_write_in_the_same_request_see_it(sg: Shotgun, project: dict) -> None:
    store = sg.site.store
    with store.holding_reads():
        assert sg.find("Shot", [["project", "is", project]]) == []
        made = sg.create("Shot", {"code": "new", "project": project})  # its own transaction
        assert sg.find_one("Shot", [["id", "is", made["id"]]], ["code"])["code"] == "new"
        other = Shotgun(sg.site, sg.actor, owns_site=False)
        other.update("Shot", made["id"], {"code": "renamed"})
        assert sg.find_one("Shot", [["id", "is", made["id"]]], ["code"])["code"] == "renamed"


def test_a_failed_read_gives_its_connection_back_and_the_next_read_works(
    sg: Shotgun, project: dict
) -> None:
    store = sg.site.store
    with store.holding_reads():
        sg.find("Shot", [])
        with pytest.raises(sa.exc.DBAPIError), store.read() as conn:
            conn.exec_driver_sql("SELECT no_such_column FROM no_such_table")
        assert store._local.held is not None  # still holding, on a fresh connection
        assert sg.find("Project", [["id", "is", project["id"]]])
    assert store._local.held is None


def test_an_alter_table_on_a_connection_that_read_an_older_schema(tmp_path: Path) -> None:
    """SQLite prepares RENAME COLUMN against the schema the connection last read, without the
    retry other statements get; Dialect.load_current_schema reads the current one first."""
    dialect = create_dialect(str(tmp_path / "alter.sqlite3"))
    with dialect.engine.connect() as setup:
        setup.exec_driver_sql("CREATE TABLE t (a INTEGER)")
        setup.commit()
    stale, other = dialect.engine.connect(), dialect.engine.connect()
    try:
        stale.exec_driver_sql("SELECT a FROM t").all()  # reads the schema of the moment
        other.exec_driver_sql("ALTER TABLE t ADD COLUMN b INTEGER")
        other.commit()
        with pytest.raises(sa.exc.OperationalError, match="no such column"):
            stale.exec_driver_sql("ALTER TABLE t RENAME COLUMN b TO c")
        stale.rollback()
        dialect.load_current_schema(stale)
        stale.exec_driver_sql("ALTER TABLE t RENAME COLUMN b TO c")
        stale.commit()
    finally:
        stale.close()
        other.close()
        dialect.dispose()
