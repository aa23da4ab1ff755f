"""Another process's schema change seen mid-request: the call runs again on the new schema.

Each process caches the schema and looks for other processes' changes at most once per
`schema_revalidate_s`. A field retired elsewhere inside that window is still in this process's
SQL; the database refuses the name, the store reloads the schema and raises StaleSchemaFault,
and both API surfaces (the wire, connect()) run the call once more. Here the window is made an
hour long so that the stale moment is certain, not a race.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import callsheet
from callsheet.client import Shotgun
from callsheet.faults import SchemaFault, StaleSchemaFault
from callsheet.site.actor import SYSTEM


@pytest.fixture
def stale(sg: Shotgun, database_url: str) -> Iterator[Shotgun]:
    """A second process that knows Shot.sg_grade, which the first then retires."""
    sg.schema_field_create("Shot", "number", "Grade")
    sg.create("Shot", {"code": "a", "sg_grade": 3})
    other = callsheet.connect(database_url)
    other.site.store.schema_revalidate_s = 3600.0
    assert "sg_grade" in other.schema_field_read("Shot")
    sg.schema_field_delete("Shot", "sg_grade")
    yield other
    other.close()


def test_a_read_naming_a_field_retired_elsewhere_runs_again_without_it(stale: Shotgun) -> None:
    shots = stale.find("Shot", [], ["code", "sg_grade"])
    assert shots == [{"type": "Shot", "id": shots[0]["id"], "code": "a"}]
    assert "sg_grade" not in stale.schema_field_read("Shot")


def test_a_point_lookup_runs_again_too(sg: Shotgun, stale: Shotgun) -> None:
    shot_id = sg.find_one("Shot", [])["id"]
    found = stale.find_one("Shot", [["id", "is", shot_id]], ["sg_grade", "code"])
    assert found == {"type": "Shot", "id": shot_id, "code": "a"}


def test_a_write_naming_it_is_refused_clearly_with_nothing_written(
    sg: Shotgun, stale: Shotgun
) -> None:
    before = len(sg.find("Shot", []))
    with pytest.raises(SchemaFault, match="sg_grade"):
        stale.create("Shot", {"code": "b", "sg_grade": 1})
    assert len(sg.find("Shot", [])) == before
    assert not sg.find("EventLogEntry", [["event_type", "is", "Shotgun_Shot_New"]])[before:]


def test_the_site_itself_names_the_stale_moment(stale: Shotgun) -> None:
    """In process, below the API surfaces, the fault says what happened."""
    with pytest.raises(StaleSchemaFault, match="schema changed"):
        stale.site.find(SYSTEM, "Shot", [], ["sg_grade"])
    assert stale.site.find(SYSTEM, "Shot", [], ["sg_grade"])[0].get("sg_grade") is None


def test_a_genuine_unknown_column_is_not_hidden(sg: Shotgun) -> None:
    """With no schema change elsewhere, a database error stays the error it is."""
    store = sg.site.store
    with pytest.raises(Exception, match="no_such_thing"), store.read() as conn:
        conn.exec_driver_sql("SELECT no_such_thing FROM shot")
